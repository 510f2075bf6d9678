using System;
using System.Linq;
using System.Net.Http;
using System.Text.Json;
using System.Threading.Tasks;
using NUnit.Framework;
using SyncGen.Tests.Shared;

namespace SyncGen.Runtime.Tests.Dialects.WireShapes;

/// <summary>Request shapes beyond the built-in dialects' over real HTTP: a form body, another method, a deletion keyed by another member.</summary>
public class RequestShapeTests
{
    private static readonly SyncDialect FormApi = new()
    {
        Name = "form API",
        RequestStyle = SyncRequestStyle.FormBody,
        Method = "PUT",
        SyncTokenParameter = "since",
        PageTokenParameter = "page",
        Items = SyncJsonPath.Parse("data.rows"),
        NextPageToken = SyncJsonPath.Property("next"),
        NextSyncToken = SyncJsonPath.Property("since"),
        Key = SyncJsonPath.Property("id"),
        DeletionKey = SyncJsonPath.Nested("gone", "id"),
        Deletion = SyncDeletionMarker.Present(SyncJsonPath.Property("gone")),
        IsExpiry = SyncExpiryRules.Status(410),
    };

    private readonly HttpClient _http = new();

    [OneTimeTearDown]
    public void Dispose() => _http.Dispose();

    [Test]
    public async Task A_form_body_repeats_the_first_body_with_each_token_and_a_deletion_is_keyed_by_its_own_member()
    {
        await using var api = await WireApi.StartAsync(request => request.Body switch
        {
            "scope=all" => WireAnswer.Json("""{"data":{"rows":[{"id":"1"},{"id":"2"}]},"next":"p 2"}"""),
            "scope=all&page=p%202" => WireAnswer.Json("""{"data":{"rows":[{"id":"3"}]},"since":"s1"}"""),
            "scope=all&since=s1" => WireAnswer.Json("""{"data":{"rows":[{"gone":{"id":"2"}}]},"since":"s2"}"""),
            _ => new WireAnswer(400, "{}"),
        });
        var source = new SyncHttpPageSource<JsonElement>(_http, FormApi, new Uri(api.BaseUri, "rows")) { FirstRequestBody = "scope=all" };
        var store = new InMemorySyncStore<JsonElement>();

        await source.SyncAsync(store, FastRetry.Options);
        var result = await source.SyncAsync(store, FastRetry.Options);

        Assert.That(result.Deletes, Is.EqualTo(1));
        Assert.That(store.Items.Keys.Order(StringComparer.Ordinal), Is.EqualTo(new[] { "1", "3" }));
        Assert.That(store.SyncToken, Is.EqualTo("s2"));
        Assert.That(api.Requests.Select(r => r.Method), Is.All.EqualTo("PUT"));
        Assert.That(api.Requests.First().ContentType, Does.StartWith("application/x-www-form-urlencoded"));
    }

    [Test]
    public void A_json_first_body_that_is_not_an_object_is_refused_naming_the_dialect()
    {
        var error = Assert.Throws<ArgumentException>(() => _ = new SyncHttpPageSource<JsonElement>(_http, SyncDialects.Dropbox, new Uri("http://127.0.0.1/2/files/list_folder")) { FirstRequestBody = "[1]" });

        Assert.That(error!.Message, Does.Contain("Dropbox list_folder").And.Contain("JSON object"));
    }

    [Test]
    public void A_body_style_dialect_with_a_get_method_is_refused_when_the_source_is_built()
    {
        var error = Assert.Throws<ArgumentException>(() => _ = new SyncHttpPageSource<JsonElement>(_http, FormApi with { Method = "GET" }, new Uri("http://127.0.0.1/rows")));

        Assert.That(error!.Message, Does.Contain("form API").And.Contain("GET request cannot carry"));
    }
}
