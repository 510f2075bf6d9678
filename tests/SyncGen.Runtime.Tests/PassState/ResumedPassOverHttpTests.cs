using System;
using System.Collections.Generic;
using System.Linq;
using System.Net.Http;
using System.Threading.Tasks;
using NUnit.Framework;
using SyncGen.Runtime.Tests.Engine;
using SyncGen.Testing.FakeServer;

namespace SyncGen.Runtime.Tests.PassState;

/// <summary>
/// Resumable passes (issue 23 item 3) over real HTTP against the embedded Calendar server, with the in-memory store,
/// which keeps a pass that failed in this process: the next call continues it from its checkpoint.
/// </summary>
public sealed class ResumedPassOverHttpTests
{
    private const int Events = 40; // ten pages of four

    private FakeCalendarServer _server = null!;
    private HttpClient _http = null!;

    [SetUp]
    public async Task StartAsync()
    {
        _server = await FakeCalendarServer.StartAsync();
        _server.Primary.AddMany(Events);
        _http = new HttpClient();
    }

    [TearDown]
    public async Task StopAsync()
    {
        _http.Dispose();
        await _server.DisposeAsync();
    }

    private static SyncOptions Options => FastRetry.Options with { Retry = FastRetry.Retry with { MaxRetries = 1 } };

    private SyncHttpPageSource<JsonEvent> Source() => new(_http, SyncDialects.GoogleCalendar, new Uri(_server.EventsUri() + "?maxResults=4"));

    /// <summary>Makes page <paramref name="page"/> of the next full pass fail for good (500 past the one retry).</summary>
    private void FailPage(int page) => _server.Faults.Enqueue(new FaultRule(Fault.BackendError()) { Page = page, WithSyncToken = false, Times = 2 });

    // The server journals a request after its answer has gone out: a late entry of the call before must neither land
    // after the journal is cleared nor be missing from a count.
    private async Task ClearRequestsAsync()
    {
        await _server.WhenRequestsAnsweredAsync();
        _server.ClearRequests();
    }

    private async Task<IReadOnlyList<RecordedRequest>> AnsweredRequestsAsync()
    {
        await _server.WhenRequestsAnsweredAsync();
        return _server.Requests;
    }

    private void AssertMirrorsServer(InMemorySyncStore<JsonEvent> store)
    {
        var live = _server.Primary.LiveEvents.ToDictionary(e => e.Id, e => e.Summary);
        Assert.That(store.Items.ToDictionary(p => p.Key, p => p.Value.Summary), Is.EquivalentTo(live));
    }

    [Test]
    public async Task A_full_pass_that_failed_at_page_8_is_continued_from_page_8_by_the_next_call()
    {
        var store = new InMemorySyncStore<JsonEvent>();
        var source = Source();
        FailPage(8);
        Assert.ThrowsAsync<SyncRequestFailedException>(() => source.SyncAsync(store, Options));
        Assert.That(store.SyncToken, Is.Null, "a failed pass commits nothing");
        await ClearRequestsAsync();

        var result = await source.SyncAsync(store, Options);

        Assert.That(result.ResumedAtPage, Is.EqualTo(8));
        Assert.That(result.Kind, Is.EqualTo(SyncPassKind.Full));
        Assert.That(await AnsweredRequestsAsync(), Has.Count.EqualTo(3), "pages 8, 9 and 10 only");
        Assert.That(result.Pages, Is.EqualTo(10));
        AssertMirrorsServer(store);
        Assert.That(store.SyncToken, Is.EqualTo(_server.Primary.CurrentSyncToken));
    }

    [TestCase(410)]
    [TestCase(400)]
    public async Task A_refused_page_token_falls_back_to_a_fresh_pass_with_nothing_lost_or_doubled(int status)
    {
        var store = new InMemorySyncStore<JsonEvent>();
        var source = Source();
        FailPage(8);
        Assert.ThrowsAsync<SyncRequestFailedException>(() => source.SyncAsync(store, Options));

        // Meanwhile the collection changed, and the server no longer takes the dead pass's page token.
        _server.Primary.Delete("evt-000002");
        _server.Primary.AddMany(2, "late");
        _server.Faults.Enqueue(new FaultRule(Fault.Status(status, "invalid")) { WithPageToken = true, Page = 8 });
        await ClearRequestsAsync();

        var result = await source.SyncAsync(store, Options);

        Assert.That(result.ResumedAtPage, Is.Null);
        Assert.That(result.Kind, Is.EqualTo(SyncPassKind.Full));
        Assert.That(result.Upserts, Is.EqualTo(Events + 1), "the fresh pass listed everything once");
        Assert.That(await AnsweredRequestsAsync(), Has.Count.EqualTo(1 + 11), "the refused page, then a whole fresh pass");
        AssertMirrorsServer(store);
    }

    [Test]
    public async Task Resuming_is_off_when_the_options_say_so()
    {
        var store = new InMemorySyncStore<JsonEvent>();
        var source = Source();
        FailPage(8);
        Assert.ThrowsAsync<SyncRequestFailedException>(() => source.SyncAsync(store, Options));
        await ClearRequestsAsync();

        var result = await source.SyncAsync(store, Options with { ResumeInterruptedPasses = false });

        Assert.That(result.ResumedAtPage, Is.Null);
        Assert.That(await AnsweredRequestsAsync(), Has.Count.EqualTo(10));
        AssertMirrorsServer(store);
    }

    [Test]
    public async Task A_dead_pass_of_another_query_is_not_resumed()
    {
        var store = new InMemorySyncStore<JsonEvent>();
        FailPage(8);
        Assert.ThrowsAsync<SyncRequestFailedException>(() => Source().SyncAsync(store, Options));
        await ClearRequestsAsync();

        var other = new SyncHttpPageSource<JsonEvent>(_http, SyncDialects.GoogleCalendar, new Uri(_server.EventsUri() + "?maxResults=5"));
        var result = await other.SyncAsync(store, Options);

        Assert.That(result.ResumedAtPage, Is.Null);
        Assert.That(await AnsweredRequestsAsync(), Has.Count.EqualTo(8));
        AssertMirrorsServer(store);
    }

    [Test]
    public async Task A_resumed_incremental_pass_continues_from_the_same_sync_token()
    {
        var store = new InMemorySyncStore<JsonEvent>();
        var source = Source();
        await source.SyncAsync(store, Options);
        foreach (var id in _server.Primary.LiveEvents.Take(30).Select(e => e.Id).ToList())
        {
            _server.Primary.Upsert(_server.Primary.Find(id)!.Event with { Summary = "renamed " + id });
        }

        _server.Faults.Enqueue(new FaultRule(Fault.BackendError()) { Page = 5, WithSyncToken = true, Times = 2 });
        Assert.ThrowsAsync<SyncRequestFailedException>(() => source.SyncAsync(store, Options));
        await ClearRequestsAsync();

        var result = await source.SyncAsync(store, Options);

        Assert.That(result.Kind, Is.EqualTo(SyncPassKind.Incremental));
        Assert.That(result.ResumedAtPage, Is.EqualTo(5));
        Assert.That(await AnsweredRequestsAsync(), Has.Count.EqualTo(4), "pages 5 to 8 of the 30 changes");
        AssertMirrorsServer(store);
    }

    [Test]
    public void A_checkpoint_of_a_newer_version_is_refused_in_one_line()
    {
        var json = new SyncPassCheckpoint { Kind = SyncPassKind.Full, NextPageToken = "p", PagesStaged = 3 }.ToJson().Replace("\"version\":1", "\"version\":2");

        var error = Assert.Throws<SyncCheckpointException>(() => SyncPassCheckpoint.Parse(json, "test"));

        Assert.That(error!.Message, Does.Contain("newer SyncGen").And.Contain("version 2").And.Not.Contain("\n"));
    }
}
