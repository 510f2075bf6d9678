using System.Linq;
using System.Threading.Tasks;
using GraphSync.GraphApi;
using GraphSync.Repository;
using NUnit.Framework;
using SyncGen;

namespace GraphSync.Tests;

/// <summary>
/// Errors as the Graph SDK throws them (ODataError for JSON bodies), read by the sample's reader so the Graph expiry
/// rule, the retry rules and the "a failed pass changes nothing" rule all see the status, code and message.
/// </summary>
public sealed class ExpiryAndFailureTests : GraphSyncTestBase
{
    private string DeltaLink1 => $"{Graph.Root}/users/delta?$deltatoken=first-token";
    private string DeltaLink2 => $"{Graph.Root}/users/delta?$deltatoken=second-token";
    private string NextLink => $"{Graph.Root}/users/delta?$skiptoken=page-two";

    /// <summary>A first full sync that leaves u1..u3 and <see cref="DeltaLink1"/> in the store.</summary>
    private async Task<StoreState> SyncedAsync()
    {
        Graph.On(Graph.DeltaEndpoint, GraphDeltaStub.Page(Users("u1", "u2", "u3"), deltaLink: DeltaLink1));
        await Repository().SyncAsync();
        Graph.ClearJournal();
        return await ReadStateAsync();
    }

    [TestCase(410, "resyncRequired", TestName = "410 resyncRequired")]
    [TestCase(410, "someFutureCode", TestName = "410 with any code")]
    [TestCase(400, "resyncRequired", TestName = "400 resyncRequired")]
    [TestCase(400, "syncStateNotFound", TestName = "400 syncStateNotFound")]
    [TestCase(404, "syncStateNotFound", TestName = "404 syncStateNotFound")]
    public async Task An_expired_deltaLink_is_dropped_and_a_full_sync_replaces_the_mirror(int status, string code)
    {
        await SyncedAsync();
        // The directory changed while the token was dead: u2 is gone without a tombstone, u4 is new.
        Graph.On(DeltaLink1, GraphDeltaStub.Error(status, code, "The sync state is no longer valid; a full resync is required."));
        Graph.On(Graph.DeltaEndpoint, GraphDeltaStub.Page(Users("u1", "u3"), nextLink: NextLink));
        Graph.On(NextLink, GraphDeltaStub.Page(Users("u4"), deltaLink: DeltaLink2));

        var result = await Repository().SyncAsync();

        Assert.That(Graph.Requests, Is.EqualTo(new[] { "/v1.0/users/delta?$deltatoken=first-token", "/v1.0/users/delta", "/v1.0/users/delta?$skiptoken=page-two" }));
        Assert.That((result.WasFullSync, result.ExpiriesRecovered), Is.EqualTo((true, 1)));
        Assert.That(await ReadStateAsync(), Is.EqualTo(new StoreState(DeltaLink2, new[] { "u1|User u1", "u3|User u3", "u4|User u4" })),
            "the mirror is replaced: u2, gone without a tombstone, is gone here too");
    }

    [Test]
    public async Task A_400_without_a_resync_code_is_not_an_expiry_and_fails_without_retrying()
    {
        var before = await SyncedAsync();
        Graph.On(DeltaLink1, GraphDeltaStub.Error(400, "BadRequest", "Unsupported query."));

        var failure = Assert.ThrowsAsync<SyncRequestFailedException>(() => Repository().SyncAsync());

        Assert.That((failure!.StatusCode, failure.Reason, failure.Attempts), Is.EqualTo(((int?)400, "BadRequest", 1)));
        Assert.That(Graph.Requests, Has.Count.EqualTo(1), "no full sync, no retry");
        Assert.That(await ReadStateAsync(), Is.EqualTo(before));
    }

    [Test]
    public async Task A_500_then_success_is_retried_and_the_pass_completes()
    {
        await SyncedAsync();
        Graph.On(DeltaLink1,
            GraphDeltaStub.Error(500, "generalException", "An unexpected error occurred."),
            GraphDeltaStub.Page([("u2", "Renamed")], deltaLink: DeltaLink2));

        var result = await Repository().SyncAsync();

        Assert.That(result.Retries, Is.EqualTo(1));
        Assert.That(Graph.Requests, Is.EqualTo(new[] { "/v1.0/users/delta?$deltatoken=first-token", "/v1.0/users/delta?$deltatoken=first-token" }));
        Assert.That(await ReadStateAsync(), Is.EqualTo(new StoreState(DeltaLink2, new[] { "u1|User u1", "u2|Renamed", "u3|User u3" })));
    }

    [Test]
    public async Task A_503_is_retried_only_by_the_sync_loop_never_by_the_SDK_as_well()
    {
        var before = await SyncedAsync();
        Graph.On(DeltaLink1, GraphDeltaStub.Error(503, "serviceNotAvailable", "Service unavailable."));

        var failure = Assert.ThrowsAsync<SyncRequestFailedException>(() => Repository(FastRetries(maxRetries: 1)).SyncAsync());

        // The SDK's own RetryHandler would send each attempt up to four times; SyncGen's budget is the only one.
        Assert.That((failure!.StatusCode, failure.Attempts), Is.EqualTo(((int?)503, 2)));
        Assert.That(Graph.Requests, Has.Count.EqualTo(2));
        Assert.That(await ReadStateAsync(), Is.EqualTo(before));
    }

    [Test]
    public async Task A_proxy_html_502_is_retried_by_its_status()
    {
        await SyncedAsync();
        Graph.On(DeltaLink1,
            new GraphDeltaStub.Answer(502, "<html><body><h1>502 Bad Gateway</h1></body></html>", "text/html"),
            GraphDeltaStub.Page([], deltaLink: DeltaLink2));

        var result = await Repository().SyncAsync();

        Assert.That(result.Retries, Is.EqualTo(1));
        Assert.That((await ReadStateAsync()).Token, Is.EqualTo(DeltaLink2));
    }

    [Test]
    public async Task A_plain_text_410_is_an_expiry_by_its_status()
    {
        await SyncedAsync();
        Graph.On(DeltaLink1, new GraphDeltaStub.Answer(410, "Gone", "text/plain"));
        Graph.On(Graph.DeltaEndpoint, GraphDeltaStub.Page(Users("u9"), deltaLink: DeltaLink2));

        var result = await Repository().SyncAsync();

        Assert.That(result.ExpiriesRecovered, Is.EqualTo(1));
        Assert.That(await ReadStateAsync(), Is.EqualTo(new StoreState(DeltaLink2, new[] { "u9|User u9" })));
    }

    [Test]
    public async Task A_429_waits_for_its_Retry_After_and_is_retried()
    {
        await SyncedAsync();
        Graph.On(DeltaLink1,
            GraphDeltaStub.Error(429, "TooManyRequests", "Too many requests.", ("Retry-After", "1")),
            GraphDeltaStub.Page([], deltaLink: DeltaLink2));
        var started = System.Diagnostics.Stopwatch.StartNew();

        var result = await Repository().SyncAsync();

        // The fast test backoff is milliseconds: only the server's Retry-After explains a wait of a second.
        Assert.That(result.Retries, Is.EqualTo(1));
        Assert.That(started.Elapsed, Is.GreaterThanOrEqualTo(System.TimeSpan.FromMilliseconds(900)));
        Assert.That((await ReadStateAsync()).Token, Is.EqualTo(DeltaLink2));
    }

    [Test]
    public async Task A_pass_that_fails_on_its_last_page_keeps_the_stored_token_and_items()
    {
        var before = await SyncedAsync();
        Graph.On(DeltaLink1, GraphDeltaStub.Page([("u1", "Changed")], nextLink: NextLink, removed: [("u2", "deleted")]));
        Graph.On(NextLink, GraphDeltaStub.Error(403, "Authorization_RequestDenied", "Insufficient privileges to complete the operation."));

        var failure = Assert.ThrowsAsync<SyncRequestFailedException>(() => Repository().SyncAsync());

        Assert.That(failure!.StatusCode, Is.EqualTo(403));
        Assert.That(failure.Message, Does.Contain("Insufficient privileges"), "the SDK's error message reaches the report");
        Assert.That(await ReadStateAsync(), Is.EqualTo(before), "page 1's change and removal were not applied");
    }

    [Test]
    public async Task A_nextLink_to_another_origin_is_refused_and_never_requested()
    {
        var before = await SyncedAsync();
        var foreign = "http://localhost:" + new System.Uri(Graph.Root).Port + "/v1.0/users/delta?$skiptoken=elsewhere";
        Graph.On(DeltaLink1, GraphDeltaStub.Page([("u1", "Changed")], nextLink: foreign));

        var failure = Assert.ThrowsAsync<SyncProtocolException>(() => Repository().SyncAsync());

        Assert.That(failure!.Violation, Is.EqualTo(SyncProtocolViolation.MalformedResponse));
        Assert.That(failure.Message, Does.Contain("not the Graph root's origin").And.Contain("http://localhost:"));
        Assert.That(Graph.Requests, Is.EqualTo(new[] { "/v1.0/users/delta?$deltatoken=first-token" }), "the foreign link was never followed");
        Assert.That(await ReadStateAsync(), Is.EqualTo(before));
    }

    [Test]
    public async Task A_deltaLink_to_another_origin_is_never_stored()
    {
        var before = await SyncedAsync();
        Graph.On(DeltaLink1, GraphDeltaStub.Page([("u1", "Changed")], deltaLink: "https://evil.example/v1.0/users/delta?$deltatoken=x"));

        var failure = Assert.ThrowsAsync<SyncProtocolException>(() => Repository().SyncAsync());

        Assert.That(failure!.Message, Does.Contain("@odata.deltaLink points at https://evil.example"));
        Assert.That(await ReadStateAsync(), Is.EqualTo(before));
    }

    [Test]
    public async Task A_stored_deltaLink_of_another_origin_is_not_sent_and_the_store_is_unchanged()
    {
        var before = await SyncedAsync();
        // The same server under another name: another origin as far as credentials are concerned.
        var otherRoot = Graph.Root.Replace("127.0.0.1", "localhost", System.StringComparison.Ordinal);
        using var client = DirectoryClient.Create(new System.Uri(otherRoot));
        var repository = new DirectoryUsersRepository(client.Graph, OpenStore(), FastRetries());

        var failure = Assert.ThrowsAsync<SyncProtocolException>(() => repository.SyncAsync());

        Assert.That(failure!.Message, Does.Contain("stored @odata.deltaLink points at http://127.0.0.1:")
            .And.Contain("the store was synced from another Graph root: sync it from that root, or start a new store"));
        Assert.That(Graph.Requests, Is.Empty);
        Assert.That(await ReadStateAsync(), Is.EqualTo(before));
    }

    [Test]
    public async Task Expiry_on_every_full_pass_too_ends_with_an_expiry_loop_error_and_nothing_changed()
    {
        var before = await SyncedAsync();
        Graph.On(DeltaLink1, GraphDeltaStub.Error(410, "resyncRequired", "Resync required."));
        Graph.On(Graph.DeltaEndpoint, GraphDeltaStub.Error(410, "resyncRequired", "Resync required."));

        Assert.ThrowsAsync<SyncExpiryLoopException>(() => Repository().SyncAsync());

        // Bounded: the incremental request and the full passes together meet MaxExpiriesPerCall expiries, then it stops.
        Assert.That(Graph.Requests, Has.Count.EqualTo(SyncOptions.Default.MaxExpiriesPerCall));
        Assert.That(Graph.Requests.Skip(1), Has.All.EqualTo("/v1.0/users/delta"));
        Assert.That(await ReadStateAsync(), Is.EqualTo(before));
    }
}
