using System;
using System.Linq;
using System.Net.Http;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Threading.Tasks;
using NUnit.Framework;
using SyncGen.Tests.Shared;

namespace SyncGen.Runtime.Tests.Dialects.WireShapes;

/// <summary>
/// <see cref="SyncDialects.Dropbox"/> over real HTTP: POST with a JSON body, <c>list_folder/continue</c> with the cursor,
/// one cursor with <c>has_more</c>, entries keyed by <c>path_lower</c>, a deleted folder taking its subtree along, and the
/// 409 <c>reset</c> that says the cursor expired.
/// </summary>
[TestFixtureSource(nameof(Dialects))]
public class DropboxWireTests(string form)
{
    /// <summary>The built-in dialect, and the same dialect loaded from the manifest docs/dialects.md shows.</summary>
    public static string[] Dialects { get; } = { "built-in", "manifest" };

    private SyncDialect Dialect => form == "built-in" ? SyncDialects.Dropbox : DocsManifests.Dropbox;

    private const string FirstBody = """{"path":"","recursive":true}""";

    private readonly HttpClient _http = new();

    [OneTimeTearDown]
    public void Dispose() => _http.Dispose();

    private static string Entry(string tag, string path) => tag == "deleted"
        ? $$"""{".tag":"deleted","name":"{{path.Split('/').Last()}}","path_lower":"{{path}}"}"""
        : $$"""{".tag":"{{tag}}","name":"{{path.Split('/').Last()}}","path_lower":"{{path}}","id":"id:{{path}}"}""";

    private static string Page(string cursor, bool hasMore, params string[] entries) =>
        $$"""{"entries":[{{string.Join(",", entries)}}],"cursor":"{{cursor}}","has_more":{{(hasMore ? "true" : "false")}}}""";

    private SyncHttpPageSource<JsonElement> Source(WireApi api) =>
        new(_http, Dialect, new Uri(api.BaseUri, "2/files/list_folder")) { FirstRequestBody = FirstBody };

    private static string Cursor(WireRequest request) => JsonNode.Parse(request.Body)!["cursor"]!.GetValue<string>();

    [Test]
    public async Task A_full_pass_posts_the_first_body_then_continues_with_the_cursor_until_has_more_is_false()
    {
        await using var api = await WireApi.StartAsync(request => request.Path switch
        {
            "/2/files/list_folder" => WireAnswer.Json(Page("c1", true, Entry("folder", "/docs"), Entry("file", "/docs/a.txt"))),
            "/2/files/list_folder/continue" when Cursor(request) == "c1" => WireAnswer.Json(Page("c2", false, Entry("file", "/b.txt"))),
            _ => new WireAnswer(400, "{}"),
        });
        var store = new InMemorySyncStore<JsonElement>();

        var result = await Source(api).SyncAsync(store, FastRetry.Options);

        Assert.That(result.Pages, Is.EqualTo(2));
        Assert.That(store.Items.Keys.Order(StringComparer.Ordinal), Is.EqualTo(new[] { "/b.txt", "/docs", "/docs/a.txt" }));
        Assert.That(store.SyncToken, Is.EqualTo("c2"), "the cursor of the page whose has_more is false is the stored token");
        var requests = api.Requests.ToArray();
        Assert.That(requests.Select(r => r.Method), Is.All.EqualTo("POST"));
        Assert.That(requests[0].Body, Is.EqualTo(FirstBody));
        Assert.That(requests[0].ContentType, Does.StartWith("application/json"));
        Assert.That(JsonNode.Parse(requests[1].Body)!.ToJsonString(), Is.EqualTo("""{"cursor":"c1"}"""), "continue takes the cursor alone");
    }

    [Test]
    public async Task A_deleted_folder_removes_everything_below_it_and_nothing_beside_it()
    {
        await using var api = await WireApi.StartAsync(request => request.Path switch
        {
            "/2/files/list_folder" => WireAnswer.Json(Page("c1", false,
                Entry("folder", "/a"), Entry("file", "/a/x.txt"), Entry("folder", "/a/b"), Entry("file", "/a/b/y.txt"), Entry("file", "/ab.txt"), Entry("file", "/a.txt"))),
            "/2/files/list_folder/continue" when Cursor(request) == "c1" => WireAnswer.Json(Page("c2", true, Entry("file", "/a/b/new.txt"))),
            "/2/files/list_folder/continue" when Cursor(request) == "c2" => WireAnswer.Json(Page("c3", false, Entry("deleted", "/a"))),
            _ => new WireAnswer(400, "{}"),
        });
        var store = new InMemorySyncStore<JsonElement>();
        var source = Source(api);
        await source.SyncAsync(store, FastRetry.Options);

        var result = await source.SyncAsync(store, FastRetry.Options);

        Assert.That(result.Kind, Is.EqualTo(SyncPassKind.Incremental));
        Assert.That(store.Items.Keys.Order(StringComparer.Ordinal), Is.EqualTo(new[] { "/a.txt", "/ab.txt" }),
            "the folder, its files and the file added below it earlier in the same pass are gone; /ab.txt only shares the prefix");
        Assert.That(result.Deletes, Is.EqualTo(5), "the folder and the four keys below it");
        Assert.That(store.SyncToken, Is.EqualTo("c3"));
    }

    [Test]
    public async Task A_409_reset_is_an_expired_cursor_recovered_by_a_full_pass()
    {
        var reset = false;
        await using var api = await WireApi.StartAsync(request => request.Path switch
        {
            "/2/files/list_folder" => WireAnswer.Json(reset ? Page("fresh", false, Entry("file", "/new.txt")) : Page("c1", false, Entry("file", "/old.txt"))),
            "/2/files/list_folder/continue" => new WireAnswer(409, """{"error_summary":"reset/..","error":{".tag":"reset"}}"""),
            _ => new WireAnswer(400, "{}"),
        });
        var store = new InMemorySyncStore<JsonElement>();
        var source = Source(api);
        await source.SyncAsync(store, FastRetry.Options);
        reset = true;

        var result = await source.SyncAsync(store, FastRetry.Options);

        Assert.That(result.ExpiriesRecovered, Is.EqualTo(1));
        Assert.That(store.Items.Keys, Is.EqualTo(new[] { "/new.txt" }));
        Assert.That(store.SyncToken, Is.EqualTo("fresh"));
    }

    [Test]
    public async Task Another_409_fails_with_its_tag_and_summary_and_keeps_the_stored_cursor()
    {
        var failing = false;
        await using var api = await WireApi.StartAsync(request => request.Path switch
        {
            "/2/files/list_folder" => WireAnswer.Json(Page("c1", false, Entry("file", "/a.txt"))),
            "/2/files/list_folder/continue" when failing => new WireAnswer(409, """{"error_summary":"path/not_found/..","error":{".tag":"path","path":{".tag":"not_found"}}}"""),
            _ => new WireAnswer(400, "{}"),
        });
        var store = new InMemorySyncStore<JsonElement>();
        var source = Source(api);
        await source.SyncAsync(store, FastRetry.Options);
        failing = true;

        var failure = Assert.ThrowsAsync<SyncRequestFailedException>(() => source.SyncAsync(store, FastRetry.Options));

        Assert.That((failure!.StatusCode, failure.Reason), Is.EqualTo(((int?)409, "path")));
        Assert.That(failure.InnerException!.Message, Does.Contain("path/not_found"));
        Assert.That(store.SyncToken, Is.EqualTo("c1"));
    }
}
