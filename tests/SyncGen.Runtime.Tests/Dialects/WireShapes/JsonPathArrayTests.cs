using System;
using System.Linq;
using System.Text.Json;
using NUnit.Framework;

namespace SyncGen.Runtime.Tests.Dialects.WireShapes;

/// <summary><see cref="SyncJsonPath"/> with array steps and bracketed names, and the error body rules read with it.</summary>
public class JsonPathArrayTests
{
    private static JsonElement Json(string text) => JsonDocument.Parse(text).RootElement;

    [TestCase("history[].messagesAdded[].message.id")]
    [TestCase("error.[.tag]")]
    [TestCase("[@odata.nextLink]")]
    [TestCase("value[]")]
    public void A_path_written_as_text_reads_back_as_the_same_text(string text) =>
        Assert.That(SyncJsonPath.Parse(text).ToString(), Is.EqualTo(text));

    [Test]
    public void An_array_path_selects_every_value_in_document_order()
    {
        var page = Json("""{"history":[{"messagesAdded":[{"message":{"id":"a"}},{"message":{"id":"b"}}]},{"labelsAdded":[]},{"messagesAdded":null},{"messagesAdded":[{"message":{"id":"c"}}]}]}""");

        var ids = SyncJsonPath.Parse("history[].messagesAdded[].message.id").Select(page).Select(e => e.GetString());

        Assert.That(ids, Is.EqualTo(new[] { "a", "b", "c" }));
    }

    [Test]
    public void A_walked_member_that_is_not_an_array_is_an_error_naming_the_path_and_the_member()
    {
        var error = Assert.Throws<JsonException>(() => SyncJsonPath.Parse("history[].messagesAdded[]").Select(Json("""{"history":[{"messagesAdded":{"id":"a"}}]}""")));

        Assert.That(error!.Message, Does.Contain("'history[].messagesAdded[]'").And.Contain("'messagesAdded'").And.Contain("Object"));
    }

    [Test]
    public void Reading_one_value_where_an_array_path_selects_several_is_an_error_naming_the_path()
    {
        var error = Assert.Throws<JsonException>(() => SyncJsonPath.Parse("items[].id").ReadString(Json("""{"items":[{"id":"a"},{"id":"b"}]}""")));

        Assert.That(error!.Message, Does.Contain("'items[].id' selects 2 values"));
    }

    [TestCase("a..b")]
    [TestCase("[a.b")]
    [TestCase("")]
    [TestCase("a[]x")]
    public void A_malformed_path_is_refused_naming_the_text(string text)
    {
        var error = Assert.Throws<ArgumentException>(() => SyncJsonPath.Parse(text));

        Assert.That(error!.Message, Does.Contain($"'{text}'"));
    }

    [Test]
    public void An_expiry_rule_tests_a_member_of_any_json_error_body()
    {
        var reset = SyncErrorFacts.FromResponse(409, """{"error_summary":"reset/..","error":{".tag":"reset"}}""");
        var other = SyncErrorFacts.FromResponse(409, """{"error_summary":"path/..","error":{".tag":"path"}}""");
        var html = SyncErrorFacts.FromResponse(409, "<html>reset</html>");

        Assert.That(reset.BodyValue(SyncJsonPath.Parse("error.[.tag]")), Is.EqualTo("reset"));
        Assert.That((SyncExpiryRules.Dropbox(reset), SyncExpiryRules.Dropbox(other), SyncExpiryRules.Dropbox(html)), Is.EqualTo((true, false, false)));
        Assert.That((reset.Reason, reset.Message), Is.EqualTo(("reset", "reset/..")), "the tag is the reason and the summary the message");
    }

    [Test]
    public void The_body_kept_is_capped()
    {
        var facts = SyncErrorFacts.FromResponse(500, new string('x', SyncErrorFacts.BodyLimit + 10));

        Assert.That(facts.Body, Has.Length.EqualTo(SyncErrorFacts.BodyLimit));
    }
}
