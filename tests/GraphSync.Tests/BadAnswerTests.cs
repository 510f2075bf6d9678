using System;
using System.Threading.Tasks;
using NUnit.Framework;
using SyncGen;

namespace GraphSync.Tests;

/// <summary>
/// Answers that break the protocol, read through the SDK: each is a typed error naming what was wrong, and the store
/// keeps its token and items.
/// </summary>
public sealed class BadAnswerTests : GraphSyncTestBase
{
    private string DeltaLink1 => $"{Graph.Root}/users/delta?$deltatoken=first";
    private string DeltaLink2 => $"{Graph.Root}/users/delta?$deltatoken=second";

    private async Task<StoreState> SyncedAsync()
    {
        Graph.On(Graph.DeltaEndpoint, GraphDeltaStub.Page(Users("u1", "u2"), deltaLink: DeltaLink1));
        await Repository().SyncAsync();
        Graph.ClearJournal();
        return await ReadStateAsync();
    }

    [Test]
    public async Task A_page_that_is_not_json_is_a_malformed_response()
    {
        var before = await SyncedAsync();
        Graph.On(DeltaLink1, new GraphDeltaStub.Answer(200, "{\"value\": [{\"id\": \"u1\", ", "application/json"));

        var failure = Assert.ThrowsAsync<SyncProtocolException>(() => Repository().SyncAsync());

        Assert.That(failure!.Violation, Is.EqualTo(SyncProtocolViolation.MalformedResponse));
        Assert.That(await ReadStateAsync(), Is.EqualTo(before));
    }

    [Test]
    public async Task An_html_200_is_a_malformed_response_not_a_missing_answer()
    {
        var before = await SyncedAsync();
        Graph.On(DeltaLink1, new GraphDeltaStub.Answer(200, "<html><body>Sign in to the guest network</body></html>", "text/html"));

        var failure = Assert.ThrowsAsync<SyncProtocolException>(() => Repository().SyncAsync());

        Assert.That(failure!.Violation, Is.EqualTo(SyncProtocolViolation.MalformedResponse));
        Assert.That(failure.Message, Does.Contain("is text/html, not a JSON page"));
        Assert.That(await ReadStateAsync(), Is.EqualTo(before));
    }

    [Test]
    public async Task An_empty_200_is_a_protocol_error()
    {
        var before = await SyncedAsync();
        Graph.On(DeltaLink1, new GraphDeltaStub.Answer(200, "", "application/json"));

        var failure = Assert.ThrowsAsync<SyncProtocolException>(() => Repository().SyncAsync());

        // Depending on how the SDK sees the empty body it gives no page (EmptyResponse) or a page without links
        // (MissingTokens; what it does here): either way the pass fails as a protocol error and nothing moves.
        Assert.That(failure!.Violation, Is.AnyOf(SyncProtocolViolation.EmptyResponse, SyncProtocolViolation.MissingTokens));
        Assert.That(await ReadStateAsync(), Is.EqualTo(before));
    }

    [Test]
    public async Task A_page_with_neither_link_is_reported_as_missing_tokens()
    {
        var before = await SyncedAsync();
        Graph.On(DeltaLink1, GraphDeltaStub.Page([("u1", "Changed")]));

        var failure = Assert.ThrowsAsync<SyncProtocolException>(() => Repository().SyncAsync());

        Assert.That(failure!.Violation, Is.EqualTo(SyncProtocolViolation.MissingTokens));
        Assert.That(await ReadStateAsync(), Is.EqualTo(before));
    }

    // The client follows no redirect and the SDK reads a 3xx as an answer without a page: the error must name the
    // redirect, not report a page with neither link.
    [TestCase(301)]
    [TestCase(302)]
    public async Task A_redirect_to_another_origin_is_refused_naming_that_origin(int status)
    {
        var before = await SyncedAsync();
        Graph.On(DeltaLink1, new GraphDeltaStub.Answer(status, "", "text/plain", ("Location", "https://login.example.net/common/oauth2?state=x")));

        var failure = Assert.ThrowsAsync<SyncProtocolException>(() => Repository().SyncAsync());

        Assert.That(failure!.Violation, Is.EqualTo(SyncProtocolViolation.RedirectToAnotherOrigin));
        Assert.That(failure.Message, Does.Contain("redirected to https://login.example.net").And.Not.Contain("state=x"));
        Assert.That(Graph.Requests, Has.Count.EqualTo(1), "not retried, not followed");
        Assert.That(await ReadStateAsync(), Is.EqualTo(before));
    }

    [Test]
    public async Task A_redirect_on_the_root_origin_is_reported_as_a_redirect_with_its_status()
    {
        var before = await SyncedAsync();
        Graph.On(DeltaLink1, new GraphDeltaStub.Answer(302, "", "text/plain", ("Location", $"{Graph.Root}/users/delta?$deltatoken=moved")));

        var failure = Assert.ThrowsAsync<SyncRequestFailedException>(() => Repository().SyncAsync());

        Assert.That(failure!.StatusCode, Is.EqualTo(302));
        Assert.That(failure.Message, Does.Contain($"redirected to {Graph.Root}/users/delta;").And.Not.Contain("moved"));
        Assert.That(Graph.Requests, Has.Count.EqualTo(1));
        Assert.That(await ReadStateAsync(), Is.EqualTo(before));
    }

    [Test]
    public async Task A_nextLink_that_repeats_is_a_page_token_loop()
    {
        var before = await SyncedAsync();
        var loop = $"{Graph.Root}/users/delta?$skiptoken=again";
        Graph.On(DeltaLink1, GraphDeltaStub.Page([("u1", "Changed")], nextLink: loop));
        Graph.On(loop, GraphDeltaStub.Page([], nextLink: loop));

        var failure = Assert.ThrowsAsync<SyncProtocolException>(() => Repository().SyncAsync());

        Assert.That(failure!.Violation, Is.EqualTo(SyncProtocolViolation.PageTokenLoop));
        Assert.That(await ReadStateAsync(), Is.EqualTo(before));
    }

    [Test]
    public async Task A_user_without_an_id_is_reported_as_a_missing_key()
    {
        var before = await SyncedAsync();
        Graph.On(DeltaLink1, new GraphDeltaStub.Answer(200, $$"""{"value":[{"displayName":"Nobody"}],"@odata.deltaLink":"{{DeltaLink2}}"}""", "application/json"));

        var failure = Assert.ThrowsAsync<SyncProtocolException>(() => Repository().SyncAsync());

        Assert.That(failure!.Violation, Is.EqualTo(SyncProtocolViolation.MissingItemKey));
        Assert.That(await ReadStateAsync(), Is.EqualTo(before));
    }

    [Test]
    public async Task A_503_with_an_empty_body_is_retried_by_its_status()
    {
        await SyncedAsync();
        Graph.On(DeltaLink1, new GraphDeltaStub.Answer(503, "", "application/json"), GraphDeltaStub.Page([], deltaLink: DeltaLink2));

        var result = await Repository().SyncAsync();

        Assert.That(result.Retries, Is.EqualTo(1));
        Assert.That((await ReadStateAsync()).Token, Is.EqualTo(DeltaLink2));
    }

    [Test]
    public async Task A_stalled_page_times_out_and_is_retried()
    {
        await SyncedAsync();
        Graph.On(DeltaLink1,
            GraphDeltaStub.Page([], deltaLink: DeltaLink2) with { Delay = TimeSpan.FromSeconds(20) },
            GraphDeltaStub.Page([], deltaLink: DeltaLink2));

        var result = await Repository(FastRetries() with { RequestTimeout = TimeSpan.FromSeconds(2) }).SyncAsync(); // the retry must not time out too on a loaded machine

        Assert.That(result.Retries, Is.EqualTo(1));
        Assert.That(Graph.Requests, Has.Count.EqualTo(2));
        Assert.That((await ReadStateAsync()).Token, Is.EqualTo(DeltaLink2));
    }
}
