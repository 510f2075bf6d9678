using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Diagnostics;
using System.Globalization;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using CalendarSync.CalendarApi;
using CalendarSync.Repository;
using NUnit.Framework;
using SyncGen.Reliability.Tests.Support;
using SyncGen.Testing.FakeServer;

namespace SyncGen.Reliability.Tests;

/// <summary>
/// One process mirrors many calendars into one SQLite file, 16 at a time: a full round, then an incremental round in
/// which a tenth of the calendars changed. Throughput is reported (not asserted); every mirror must converge. 100
/// calendars by default, 1,000 with <c>SYNCGEN_SOAK=1</c>.
/// </summary>
[TestFixture]
public sealed class LoadTests
{
    private const int Parallelism = 16;

    private TestBed? _bed;

    [OneTimeSetUp]
    public async Task StartAsync() => _bed = await TestBed.StartAsync("load");

    [OneTimeTearDown]
    public async Task StopAsync()
    {
        if (_bed is not null)
        {
            await _bed.DisposeAsync();
        }
    }

    [Test]
    [CancelAfter(5 * 60 * 1000)]
    public async Task One_process_mirrors_many_calendars_into_one_sqlite_file(CancellationToken cancellationToken)
    {
        var bed = _bed!;
        var collections = ReliabilitySettings.LoadCollections;
        var path = bed.PathOf("load.db");
        var rng = new Random(1000);
        var repositories = Enumerable.Range(0, collections).Select(i =>
        {
            var calendar = bed.Server.GetCalendar("load-" + i.ToString("D4", CultureInfo.InvariantCulture));
            calendar.AddMany(rng.Next(5, 41), "l");
            var store = SqliteSyncStore<Event>.OpenFile(path, calendar.Id);
            return (Calendar: calendar, Store: store, Repository: new CalendarEventsRepository(bed.Service, calendar.Id, store) { PageSize = 10, Options = FastRetries.Options });
        }).ToList();

        var eventsOnServer = repositories.Sum(r => r.Calendar.LiveEvents.Count);
        var full = await RunRoundAsync("full", repositories.Select(r => r.Repository).ToList(), cancellationToken);
        foreach (var (calendar, _, _) in repositories.Where((_, i) => i % 10 == 0))
        {
            var live = calendar.LiveEvents;
            calendar.Upsert(live[0] with { Summary = "changed" });
            calendar.Delete(live[^1].Id);
            calendar.Upsert(new FakeEvent(calendar.Id + "-new", "new", RandomChanges.Start));
        }

        var incremental = await RunRoundAsync("incremental", repositories.Select(r => r.Repository).ToList(), cancellationToken);

        await TestContext.Out.WriteLineAsync(full.Report);
        await TestContext.Out.WriteLineAsync(incremental.Report);
        Assert.That(full.Failures, Is.Empty, "no full sync fails");
        Assert.That(incremental.Failures, Is.Empty, "no incremental sync fails");
        Assert.That(full.Events, Is.EqualTo(eventsOnServer), "the full round fetched every event once");
        Assert.That(incremental.Events, Is.EqualTo(((collections + 9) / 10) * 3), "the incremental round fetched exactly the changes");

        var diverged = 0;
        foreach (var (calendar, store, _) in repositories)
        {
            if (!(await MirrorState.ReadAsync(store)).Equals(MirrorState.OfServer(calendar)))
            {
                diverged++;
            }
        }

        Assert.That(diverged, Is.Zero, $"every one of the {collections} mirrors converges to its calendar");
        Assert.That(SqliteFile.Scalar(path, "SELECT COUNT(*) FROM syncgen_state;"), Is.EqualTo(collections), "a token row for every collection");
        Assert.That(SqliteFile.Scalar(path, "SELECT COUNT(*) FROM syncgen_items;"), Is.EqualTo(repositories.Sum(r => r.Calendar.LiveEvents.Count)), "no rows outside the collections");
    }

    private static async Task<RoundResult> RunRoundAsync(string name, IReadOnlyList<CalendarEventsRepository> repositories, CancellationToken cancellationToken)
    {
        var failures = new ConcurrentBag<string>();
        long events = 0, pages = 0;
        var clock = Stopwatch.StartNew();
        await Parallel.ForEachAsync(repositories, new ParallelOptions { MaxDegreeOfParallelism = Parallelism, CancellationToken = cancellationToken }, async (repository, cancellationToken) =>
        {
            try
            {
                var result = await repository.SyncAsync(cancellationToken);
                Interlocked.Add(ref events, result.Upserts + result.Deletes);
                Interlocked.Add(ref pages, result.Pages);
            }
            catch (SyncException exception)
            {
                failures.Add(exception.Message);
            }
        });
        clock.Stop();
        var seconds = clock.Elapsed.TotalSeconds;
        var report = string.Create(CultureInfo.InvariantCulture,
            $"load, {name} round: {repositories.Count} collections, {events} events, {pages} pages in {seconds:F2} s with {Parallelism} at a time: ") +
            string.Create(CultureInfo.InvariantCulture, $"{repositories.Count / seconds:F0} collections/s, {events / seconds:F0} events/s, {pages / seconds:F0} pages/s");
        return new RoundResult(events, failures.ToList(), report);
    }

    private sealed record RoundResult(long Events, IReadOnlyList<string> Failures, string Report);
}
