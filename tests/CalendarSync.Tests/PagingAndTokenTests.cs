using System.Linq;
using System.Threading.Tasks;
using NUnit.Framework;
using SyncGen;
using SyncGen.Testing.FakeServer;

namespace CalendarSync.Tests;

/// <summary>docs/protocol.md edge cases 1, 2, 3 and 8: paging, the token rule, repeated queries, unchanged tokens.</summary>
public class PagingAndTokenTests : CalendarSyncTestBase
{
    [Test]
    public async Task Full_sync_follows_every_page_and_stores_the_token_of_the_last()
    {
        Calendar.AddMany(1_000);

        var result = await Repository(pageSize: 100).SyncAsync();

        Assert.That(result.Kind, Is.EqualTo(SyncPassKind.Full));
        Assert.That(result.Pages, Is.EqualTo(10));
        Assert.That(result.Upserts, Is.EqualTo(1_000));
        Assert.That(result.SyncToken, Is.EqualTo(Calendar.CurrentSyncToken));
        var requests = (await EventRequestsAsync());
        Assert.That(requests, Has.Count.EqualTo(10));
        Assert.That(requests[0].PageToken, Is.Null, "the first page is requested without a page token");
        Assert.That(requests.Skip(1).Select(r => r.PageToken), Has.All.Not.Null);
        Assert.That(requests.Select(r => r.SyncToken), Has.All.Null, "a full sync sends no sync token");
        Assert.That((await ReadStateAsync()).Token, Is.EqualTo(Calendar.CurrentSyncToken));
        await AssertMirrorEqualsServerAsync();
    }

    [Test]
    public async Task Incremental_pages_repeat_the_same_query_and_token()
    {
        Calendar.AddMany(50);
        var repository = Repository(pageSize: 10);
        var first = await repository.SyncAsync();
        foreach (var id in Calendar.LiveEvents.Take(35).Select(e => e.Id))
        {
            Calendar.Upsert(Calendar.Find(id)!.Event with { Summary = "changed " + id });
        }

        Server.ClearRequests();
        var result = await repository.SyncAsync();

        Assert.That(result.Kind, Is.EqualTo(SyncPassKind.Incremental));
        Assert.That(result.Pages, Is.EqualTo(4));
        Assert.That(result.Upserts, Is.EqualTo(35));
        var requests = (await EventRequestsAsync());
        Assert.That(requests.Select(r => r.SyncToken), Has.All.EqualTo(first.SyncToken), "every page sends the stored token");
        var queries = requests.Select(r => string.Join("&", r.Query.Where(p => p.Key != "pageToken").OrderBy(p => p.Key).Select(p => $"{p.Key}={p.Value}"))).Distinct().ToList();
        Assert.That(queries, Has.Count.EqualTo(1), "every page of a pass repeats the same query apart from the page token");
        await AssertMirrorEqualsServerAsync();
    }

    [Test]
    public async Task Full_sync_only_filters_are_never_sent_with_a_token()
    {
        Calendar.Upsert(new FakeEvent("old", "Last year", new System.DateTimeOffset(2025, 1, 5, 9, 0, 0, System.TimeSpan.Zero)));
        Calendar.Upsert(new FakeEvent("new", "This year", At(3)));
        var repository = Repository(fullSyncFrom: new System.DateTimeOffset(2026, 1, 1, 0, 0, 0, System.TimeSpan.Zero));

        await repository.SyncAsync();
        Calendar.Upsert(new FakeEvent("later", "Later", At(9)));
        var incremental = await repository.SyncAsync();

        var requests = (await EventRequestsAsync());
        Assert.That(requests[0].GetQueryValue("timeMin"), Is.EqualTo("2026-01-01T00:00:00Z"), "the full sync is filtered");
        Assert.That(requests[1].SyncToken, Is.Not.Null);
        Assert.That(requests[1].HasQueryParameter("timeMin"), Is.False, "timeMin with a sync token is a 400 syncTokenWithRequestRestrictions");
        Assert.That(incremental.Upserts, Is.EqualTo(1));
        var ids = (await ReadStateAsync()).Items.Select(i => i.Split('|')[0]);
        Assert.That(ids, Is.EqualTo(new[] { "later", "new" }));
    }

    [Test]
    public async Task Nothing_changed_keeps_the_same_token_and_the_same_mirror()
    {
        Calendar.AddMany(30);
        var repository = Repository(pageSize: 25);
        var first = await repository.SyncAsync();
        var before = await ReadStateAsync();

        var second = await repository.SyncAsync();

        Assert.That(second.Kind, Is.EqualTo(SyncPassKind.Incremental));
        Assert.That(second.SyncToken, Is.EqualTo(first.SyncToken));
        Assert.That(second.Upserts + second.Deletes, Is.Zero);
        Assert.That(await ReadStateAsync(), Is.EqualTo(before));
    }

    [Test]
    public async Task Empty_and_short_pages_that_carry_a_next_page_token_are_followed()
    {
        Calendar.AddMany(40);
        Server.Faults.Enqueue(Fault.ShortPage(0), r => r.PageNumber == 2);
        Server.Faults.Enqueue(Fault.ShortPage(3), r => r.PageNumber == 3);

        var result = await Repository(pageSize: 10).SyncAsync();

        Assert.That(result.Pages, Is.GreaterThanOrEqualTo(4));
        Assert.That((await EventRequestsAsync()).Count(r => r.FaultFired), Is.EqualTo(2));
        await AssertMirrorEqualsServerAsync();
    }

    [TestCase(true)]
    [TestCase(false)]
    public async Task Prefetching_the_next_page_changes_nothing_but_timing(bool prefetch)
    {
        Calendar.AddMany(45);
        var options = FastRetries() with { PrefetchNextPage = prefetch };
        Server.Faults.Enqueue(Fault.Status(400, "invalid"), r => r.PageNumber == 4);
        var failing = Repository(pageSize: 10, options: options);

        Assert.ThrowsAsync<SyncRequestFailedException>(() => failing.SyncAsync());
        var afterFailure = await ReadStateAsync();
        var result = await Repository(pageSize: 10, options: options).SyncAsync();

        Assert.That(afterFailure.Token, Is.Null, "a failure on page 4 stores nothing, prefetched or not");
        Assert.That(afterFailure.Items, Is.Empty);
        Assert.That(result.Pages, Is.EqualTo(5));
        await AssertMirrorEqualsServerAsync();
    }

    [Test]
    public async Task Progress_is_reported_after_every_page()
    {
        Calendar.AddMany(25);
        var reports = new System.Collections.Generic.List<SyncProgress>();

        await Repository(pageSize: 10).SyncAsync(new SynchronousProgress(reports.Add));

        Assert.That(reports.Select(r => r.PageNumber), Is.EqualTo(new[] { 1, 2, 3 }));
        Assert.That(reports.Select(r => r.Upserts), Is.EqualTo(new[] { 10, 20, 25 }));
        Assert.That(reports.Select(r => r.PassKind), Has.All.EqualTo(SyncPassKind.Full));
    }

    private sealed class SynchronousProgress(System.Action<SyncProgress> report) : System.IProgress<SyncProgress>
    {
        public void Report(SyncProgress value) => report(value);
    }
}
