using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Text.Json;
using System.Threading;
using System.Threading.Tasks;
using CalendarSync.CalendarApi;
using CalendarSync.Repository;
using CsCheck;
using NUnit.Framework;
using SyncGen;
using SyncGen.Testing.FakeServer;

namespace CalendarSync.Tests;

/// <summary>
/// Replaying the change feed from 0 gives the mirror, over random histories run through the real repository over real
/// HTTP: edits, deletions, token expiries (full resyncs) and passes that fail half-way.
/// </summary>
public class ChangeFeedReplayPropertyTests : CalendarSyncTestBase
{
    private int _calendars;

    private enum Step
    {
        Add,
        Edit,
        Delete,
        Expire,
        FailMidPass,
    }

    [Test]
    public async Task Replaying_the_feed_from_zero_gives_the_mirror_after_any_history()
    {
        var history = Gen.Select(Gen.Enum<Step>(), Gen.Int[0, 1000]).Array[2, 8];
        await history.SampleAsync(
            async steps => await CheckAsync(steps),
            iter: SyncGen.Tests.Shared.Soak.Depth(reduced: 5, full: 200),
            threads: 1,
            print: steps => string.Join(", ", steps.Select(step => $"{step.Item1}({step.Item2})")));
    }

    private async Task CheckAsync((Step Step, int Seed)[] steps)
    {
        var calendarId = $"feed-{Interlocked.Increment(ref _calendars)}";
        var calendar = Server.GetCalendar(calendarId);
        calendar.AddMany(5);
        var folder = Path.GetDirectoryName(StorePath)!;
        var sqlite = SqliteSyncStore<Event>.OpenFile(Path.Combine(folder, calendarId + ".db"), calendarId);
        sqlite.ChangeFeed = new SyncChangeFeedOptions();
        var json = new JsonFileSyncStore<Event>(Path.Combine(folder, calendarId + ".json")) { ChangeFeed = new SyncChangeFeedOptions() };
        await using (sqlite)
        {
            ISyncStore<Event>[] stores = [sqlite, json];
            foreach (var store in stores)
            {
                await SyncAndCheckAsync(calendarId, store, expectFailure: false);
            }

            foreach (var (step, seed) in steps)
            {
                var live = calendar.LiveEvents.Select(e => e.Id).ToList();
                switch (step)
                {
                    case Step.Add:
                        calendar.AddMany(1 + (seed % 4), idPrefix: $"n{seed}");
                        break;
                    case Step.Edit when live.Count > 0:
                        var id = live[seed % live.Count];
                        calendar.Upsert(calendar.Find(id)!.Event with { Summary = $"edit {seed}" });
                        break;
                    case Step.Delete when live.Count > 0:
                        calendar.Delete(live[seed % live.Count]);
                        break;
                    case Step.Expire:
                        calendar.ExpireSyncTokens();
                        break;
                }

                foreach (var store in stores)
                {
                    var fail = step == Step.FailMidPass;
                    if (fail)
                    {
                        // The second request of the pass is refused for good: its first page was staged, then dropped.
                        var requests = 0;
                        Server.Faults.Enqueue(Fault.Unauthorized(), request => request.CalendarId == calendarId && ++requests == 2);
                        calendar.AddMany(3, idPrefix: $"f{seed}");
                    }

                    await SyncAndCheckAsync(calendarId, store, expectFailure: fail);
                }
            }
        }
    }

    private async Task SyncAndCheckAsync(string calendarId, ISyncStore<Event> store, bool expectFailure)
    {
        var repository = new CalendarEventsRepository(Service, calendarId, store) { PageSize = 2, Options = FastRetries(maxRetries: 0) };
        var failed = false;
        try
        {
            await repository.SyncAsync();
        }
        catch (SyncException) when (expectFailure)
        {
            failed = true;
        }

        var replayed = new SortedDictionary<string, string>(StringComparer.Ordinal);
        var feed = (ISyncChangeFeed<Event>)store;
        var after = 0L;
        while (true)
        {
            var page = await feed.ReadChangesAsync(after, 7);
            foreach (var change in page.Changes)
            {
                Assert.That(change.Sequence, Is.EqualTo(after + 1), "sequence numbers have no gap");
                after = change.Sequence;
                if (change.Kind == SyncFeedChangeKind.Removed)
                {
                    Assert.That(replayed.Remove(change.Key), Is.True, $"{change.Key} removed but never added");
                }
                else
                {
                    Assert.That(replayed.ContainsKey(change.Key), Is.EqualTo(change.Kind == SyncFeedChangeKind.Updated), $"{change.Kind} {change.Key}");
                    replayed[change.Key] = JsonSerializer.Serialize(change.Item);
                }
            }

            if (page.Last == page.Head)
            {
                break;
            }
        }

        var mirror = (await store.ReadItemsAsync()).ToDictionary(pair => pair.Key, pair => JsonSerializer.Serialize(pair.Value));
        Assert.That(replayed, Is.EquivalentTo(mirror), $"{store.GetType().Name}: the replayed feed is the mirror{(failed ? " (after a failed pass)" : "")}");
    }
}
