using System;
using System.Linq;
using System.Net.Http;
using System.Text.Json;
using System.Threading.Tasks;
using NUnit.Framework;
using SyncGen.Tests.Shared;

namespace SyncGen.Runtime.Tests.Dialects.WireShapes;

/// <summary>
/// <see cref="SyncDialects.GmailHistory"/> over real HTTP: a full pass that starts with <c>profile</c>'s historyId and
/// lists <c>messages</c>; history records whose <c>messagesAdded</c> and <c>messagesDeleted</c> arrays each hold several
/// changes; 404 as the expiry of a <c>startHistoryId</c>, and never of a request that carried no token.
/// </summary>
[TestFixtureSource(nameof(Dialects))]
public class GmailWireTests(string form)
{
    /// <summary>The built-in dialect, and the same dialect loaded from the manifest docs/dialects.md shows.</summary>
    public static string[] Dialects { get; } = { "built-in", "manifest" };

    private SyncDialect Dialect => form == "built-in" ? SyncDialects.GmailHistory : DocsManifests.Gmail;

    private const string Root = "gmail/v1/users/me";

    private readonly HttpClient _http = new();

    [OneTimeTearDown]
    public void Dispose() => _http.Dispose();

    private SyncHttpPageSource<JsonElement> Source(WireApi api) => new(_http, Dialect, new Uri(api.BaseUri, Root));

    private static string Ids(InMemorySyncStore<JsonElement> store) => string.Join(",", store.Items.Keys.Order(StringComparer.Ordinal));

    private static WireAnswer FullPass(WireRequest request) => request.Path switch
    {
        "/gmail/v1/users/me/profile" => WireAnswer.Json("""{"emailAddress":"me@example.com","historyId":"100"}"""),
        "/gmail/v1/users/me/messages" when request.Parameter("pageToken") is null =>
            WireAnswer.Json("""{"messages":[{"id":"m1","threadId":"t1"},{"id":"m2","threadId":"t1"}],"nextPageToken":"p2"}"""),
        "/gmail/v1/users/me/messages" when request.Parameter("pageToken") == "p2" => WireAnswer.Json("""{"messages":[{"id":"m3","threadId":"t3"}]}"""),
        _ => new WireAnswer(400, """{"error":{"code":400,"message":"unexpected request"}}"""),
    };

    [Test]
    public async Task A_full_pass_takes_the_profiles_history_id_first_and_lists_every_message()
    {
        await using var api = await WireApi.StartAsync(FullPass);
        var store = new InMemorySyncStore<JsonElement>();

        var result = await Source(api).SyncAsync(store, FastRetry.Options);

        Assert.That(Ids(store), Is.EqualTo("m1,m2,m3"));
        Assert.That(store.SyncToken, Is.EqualTo("100"));
        Assert.That(result.Pages, Is.EqualTo(2));
        Assert.That(api.Requests.First().Path, Is.EqualTo("/gmail/v1/users/me/profile"), "the start token is taken before the listing");
    }

    [Test]
    public async Task History_records_apply_every_element_of_their_added_and_deleted_arrays_in_order()
    {
        await using var api = await WireApi.StartAsync(request => request.Path switch
        {
            "/gmail/v1/users/me/history" when request.Parameter("startHistoryId") == "100" && request.Parameter("pageToken") is null => WireAnswer.Json("""
                {"history":[
                  {"id":"101","messagesAdded":[{"message":{"id":"m4","threadId":"t4"}},{"message":{"id":"m5","threadId":"t4"}}]},
                  {"id":"102","messagesDeleted":[{"message":{"id":"m1"}},{"message":{"id":"m4"}}]}],
                 "nextPageToken":"h2","historyId":"102"}
                """),
            "/gmail/v1/users/me/history" when request.Parameter("startHistoryId") == "100" && request.Parameter("pageToken") == "h2" => WireAnswer.Json("""
                {"history":[{"id":"103","labelsAdded":[{"message":{"id":"m2","threadId":"t1","labelIds":["STARRED"]},"labelIds":["STARRED"]}]},
                  {"id":"104","messages":[{"id":"m3"}]}],
                 "historyId":"104"}
                """),
            _ => FullPass(request),
        });
        var store = new InMemorySyncStore<JsonElement>();
        var source = Source(api);
        await source.SyncAsync(store, FastRetry.Options);

        var result = await source.SyncAsync(store, FastRetry.Options);

        Assert.That(result.Kind, Is.EqualTo(SyncPassKind.Incremental));
        Assert.That(Ids(store), Is.EqualTo("m2,m3,m5"), "m4 was added and deleted in one page, m1 deleted; a record of other kinds changes nothing");
        Assert.That(store.Items["m2"].GetProperty("labelIds")[0].GetString(), Is.EqualTo("STARRED"));
        Assert.That((result.Upserts, result.Deletes), Is.EqualTo((3, 2)));
        Assert.That(store.SyncToken, Is.EqualTo("104"));
    }

    [Test]
    public async Task A_404_to_a_start_history_id_is_an_expiry_recovered_by_a_full_pass()
    {
        var expired = false;
        await using var api = await WireApi.StartAsync(request => request.Path == "/gmail/v1/users/me/history" && expired
            ? new WireAnswer(404, """{"error":{"code":404,"message":"Requested entity was not found.","status":"NOT_FOUND"}}""")
            : FullPass(request));
        var store = new InMemorySyncStore<JsonElement>();
        var source = Source(api);
        await source.SyncAsync(store, FastRetry.Options);
        expired = true;

        var result = await source.SyncAsync(store, FastRetry.Options);

        Assert.That((result.Kind, result.ExpiriesRecovered), Is.EqualTo((SyncPassKind.Full, 1)));
        Assert.That(Ids(store), Is.EqualTo("m1,m2,m3"));
    }

    [Test]
    public async Task A_404_to_a_full_pass_that_sent_no_token_fails_at_once_and_is_not_an_expiry()
    {
        await using var api = await WireApi.StartAsync(_ => new WireAnswer(404, """{"error":{"code":404,"message":"Requested entity was not found.","status":"NOT_FOUND"}}"""));
        var store = new InMemorySyncStore<JsonElement>();

        var failure = Assert.ThrowsAsync<SyncRequestFailedException>(() => Source(api).SyncAsync(store, FastRetry.Options));

        Assert.That(failure!.StatusCode, Is.EqualTo(404));
        Assert.That(api.Requests, Has.Count.EqualTo(1), "one request, not three full passes");
        Assert.That(store.SyncToken, Is.Null);
    }
}
