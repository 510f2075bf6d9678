using System;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using NUnit.Framework;
using SyncGen;
using SyncGen.Testing.FakeServer;

namespace CalendarSync.Tests;

/// <summary>Concurrent calls, cancellation, and docs/protocol.md edge case 11 (an interrupted pass, then a restart).</summary>
public class ConcurrencyAndCancellationTests : CalendarSyncTestBase
{
    [Test]
    public async Task Concurrent_calls_on_one_repository_never_interleave_their_passes()
    {
        Calendar.AddMany(30);
        var repository = Repository(pageSize: 10);
        // Slow pages widen the window in which an unguarded second call would slip in.
        Server.Faults.Enqueue(Fault.Delay(TimeSpan.FromMilliseconds(20)), times: 1_000);

        var results = await Task.WhenAll(Enumerable.Range(0, 4).Select(_ => repository.SyncAsync()));

        Assert.That(results.Count(r => r.Kind == SyncPassKind.Full), Is.EqualTo(1), "one call made the full sync, the others found its token");
        Assert.That(results.Select(r => r.SyncToken).Distinct(), Is.EqualTo(new[] { Calendar.CurrentSyncToken }));
        // Each pass is a run of requests numbered 1..n; interleaving would put a page 1 inside another pass's run.
        var pageNumbers = (await EventRequestsAsync()).Select(r => r.PageNumber).ToList();
        Assert.That(pageNumbers, Is.EqualTo(new[] { 1, 2, 3, 1, 1, 1 }));
        await AssertMirrorEqualsServerAsync();
    }

    [Test]
    public async Task Cancelling_mid_pass_leaves_the_store_unchanged_and_a_restart_converges()
    {
        Calendar.AddMany(30);
        await Repository(pageSize: 10).SyncAsync();
        foreach (var e in Calendar.LiveEvents.Take(20).ToList())
        {
            Calendar.Upsert(e with { Summary = "edited " + e.Id });
        }

        var before = await ReadStateAsync();
        Server.Faults.Enqueue(Fault.Delay(TimeSpan.FromSeconds(30)), r => r.PageNumber == 2);
        using var cancellation = new CancellationTokenSource();
        var progress = new CancelAfterFirstPage(cancellation);

        Assert.That(async () => await Repository(pageSize: 10).SyncAsync(progress, cancellation.Token), Throws.InstanceOf<OperationCanceledException>());

        Assert.That(progress.Pages, Is.EqualTo(1), "page 1 was applied to the staged pass before the cancel");
        Assert.That(await ReadStateAsync(), Is.EqualTo(before));
        // A fresh repository and store on the same file, as after a process restart.
        var result = await Repository(pageSize: 10).SyncAsync();
        Assert.That(result.Upserts, Is.EqualTo(20));
        await AssertMirrorEqualsServerAsync();
    }

    [Test]
    public async Task Two_repositories_on_one_sqlite_file_keep_their_own_collections()
    {
        var work = Server.GetCalendar("work");
        work.AddMany(15, "work");
        Calendar.AddMany(25);
        var workRepository = new CalendarSync.Repository.CalendarEventsRepository(Service, "work", SqliteSyncStore<CalendarSync.CalendarApi.Event>.OpenFile(StorePath, "work")) { PageSize = 7 };

        await Task.WhenAll(Repository(pageSize: 7).SyncAsync(), workRepository.SyncAsync());

        await AssertMirrorEqualsServerAsync();
        var workItems = await SqliteSyncStore<CalendarSync.CalendarApi.Event>.OpenFile(StorePath, "work").ReadItemsAsync();
        Assert.That(workItems.Select(i => i.Key), Is.EqualTo(work.LiveEvents.Select(e => e.Id).OrderBy(id => id, StringComparer.Ordinal)));
    }

    private sealed class CancelAfterFirstPage(CancellationTokenSource cancellation) : IProgress<SyncProgress>
    {
        public int Pages { get; private set; }

        public void Report(SyncProgress value)
        {
            Pages++;
            cancellation.Cancel();
        }
    }
}
