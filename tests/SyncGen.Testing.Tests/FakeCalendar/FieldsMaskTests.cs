using System;
using System.Linq;
using System.Net;
using System.Threading.Tasks;
using NUnit.Framework;
using SyncGen.Testing.FakeServer;

namespace SyncGen.Testing.Tests.FakeCalendarTests;

/// <summary>The standard <c>fields</c> partial-response parameter, as clients use it to cut incremental syncs down.</summary>
public sealed class FieldsMaskTests : FakeCalendarTestBase
{
    [Test]
    public async Task Mask_keeps_only_the_selected_members_of_the_page_and_of_every_item()
    {
        Server.Primary.AddMany(3);

        var page = await Api.GetAsync("fields=" + FakeCalendarApi.Escape("nextPageToken,nextSyncToken,items(id,status,updated)"));

        Assert.That(page.Status, Is.EqualTo(HttpStatusCode.OK));
        Assert.That(page.Json.Select(p => p.Key), Is.EqualTo(new[] { "nextSyncToken", "items" }));
        Assert.That(page.Items, Has.Count.EqualTo(3));
        Assert.That(page.Items.Select(i => string.Join(",", i!.AsObject().Select(p => p.Key))), Is.All.EqualTo("id,status,updated"));
        Assert.That((string?)page.Items[0]!["id"], Is.EqualTo("evt-000001"));
    }

    [Test]
    public async Task Mask_selects_nested_members_with_slash_and_parentheses_and_star_selects_a_level()
    {
        Server.Primary.Upsert(new FakeEvent("a1", "Standup", new DateTimeOffset(2026, 3, 2, 9, 0, 0, TimeSpan.Zero)));

        var slash = await Api.GetAsync("fields=" + FakeCalendarApi.Escape("items/start/dateTime,items/id"));
        var star = await Api.GetAsync("fields=" + FakeCalendarApi.Escape("items(*)"));
        var full = await Api.GetAsync(string.Empty);

        Assert.That(slash.Items[0]!.ToJsonString(), Is.EqualTo("{\"id\":\"a1\",\"start\":{\"dateTime\":\"2026-03-02T09:00:00Z\"}}"));
        Assert.That(star.Json.Select(p => p.Key), Is.EqualTo(new[] { "items" }));
        Assert.That(star.Items[0]!.ToJsonString(), Is.EqualTo(full.Items[0]!.ToJsonString()));
    }

    [Test]
    public async Task Star_takes_every_member_whole_even_beside_a_narrower_selection_and_spaces_are_allowed()
    {
        Server.Primary.AddMany(2);

        var starAndNarrow = await Api.GetAsync("fields=" + FakeCalendarApi.Escape("*,items(id)"));
        var spaced = await Api.GetAsync("fields=" + FakeCalendarApi.Escape(" nextSyncToken , items( id , status ) "));
        var full = await Api.GetAsync(string.Empty);

        Assert.That(starAndNarrow.Body, Is.EqualTo(full.Body));
        Assert.That(spaced.Status, Is.EqualTo(HttpStatusCode.OK));
        Assert.That(spaced.Items.Select(i => i!.ToJsonString()), Is.EqualTo(new[]
        {
            "{\"id\":\"evt-000001\",\"status\":\"confirmed\"}",
            "{\"id\":\"evt-000002\",\"status\":\"confirmed\"}",
        }));
    }

    [Test]
    public async Task Mask_applies_to_tombstones_of_an_incremental_sync_and_keeps_the_pass_identity()
    {
        var calendar = Server.Primary;
        calendar.AddMany(4);
        const string Mask = "nextPageToken,nextSyncToken,items(id,status,summary)";
        var full = await Api.ListAllAsync("maxResults=2&fields=" + FakeCalendarApi.Escape(Mask));
        calendar.Delete("evt-000002");
        calendar.Upsert(new FakeEvent("evt-000003", "renamed", new DateTimeOffset(2026, 3, 2, 9, 0, 0, TimeSpan.Zero)));

        var incremental = await Api.ListAllAsync($"syncToken={FakeCalendarApi.Escape(full.SyncToken)}&fields={FakeCalendarApi.Escape(Mask)}");

        Assert.That(full.Pages, Has.Count.EqualTo(2), "the mask keeps nextPageToken, so paging works through it");
        Assert.That(incremental.Items.Select(i => i.ToJsonString()), Is.EqualTo(new[]
        {
            "{\"id\":\"evt-000002\",\"status\":\"cancelled\"}",
            "{\"id\":\"evt-000003\",\"status\":\"confirmed\",\"summary\":\"renamed\"}",
        }));
    }

    [Test]
    public async Task Mask_without_the_tokens_is_served_as_asked()
    {
        Server.Primary.AddMany(3);

        var page = await Api.GetAsync("maxResults=2&fields=items(id)");

        Assert.That(page.Status, Is.EqualTo(HttpStatusCode.OK));
        Assert.That(page.NextPageToken, Is.Null, "dropping the tokens is the client's mistake to catch");
        Assert.That(page.Items, Has.Count.EqualTo(2));
    }

    [TestCase("items(id", "items(id")]
    [TestCase("items,", "")]
    [TestCase("items)id", ")id")]
    [TestCase("a//b", "/b")]
    [TestCase("items(id)x", "x")]
    [TestCase("it*ms", "*ms")]
    public async Task Malformed_mask_is_400_invalid_naming_the_rest(string mask, string rest)
    {
        var page = await Api.GetAsync("fields=" + FakeCalendarApi.Escape(mask));

        Assert.That(page.Status, Is.EqualTo(HttpStatusCode.BadRequest));
        Assert.That(page.ErrorReason, Is.EqualTo("invalid"));
        Assert.That((string?)page.Json["error"]!["errors"]![0]!["location"], Is.EqualTo("fields"));
        Assert.That((string?)page.Json["error"]!["message"], Is.EqualTo("Invalid field selection " + (rest.Length == 0 ? mask : rest)));
    }
}
