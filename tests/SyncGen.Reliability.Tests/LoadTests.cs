using System;
using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using CalendarSync.CalendarApi;
using CalendarSync.Repository;
using Microsoft.Data.Sqlite;
using NUnit.Framework;
using SyncGen.Reliability.Tests.Support;
using SyncGen.Testing;

namespace SyncGen.Reliability.Tests;

/// <summary>
/// One process mirrors 1,000 calendars into one SQLite file, 16 at a time: a full round, then an incremental round in
/// which a tenth of the calendars changed. Throughput is reported (not asserted); every mirror must converge.
/// </summary>
[TestFixture]
public sealed class LoadTests
{
    private const int Parallelism = 16;

    private FakeCalendarServer _server = null!;
    private CalendarService _service = null!;
    private DirectoryInfo _folder = null!;

    [OneTimeSetUp]
    public async Task StartAsync()
    {
        _server = await FakeCalendarServer.StartAsync();
        _service = CalendarService.Create(_server.BaseUri.ToString(), timeout: TimeSpan.FromSeconds(60));
        _folder = Directory.CreateTempSubdirectory("syncgen-reliability-load-");
    }

    [OneTimeTearDown]
    public async Task StopAsync()
    {
        _service.Dispose();
        await _server.DisposeAsync();
        SqliteConnection.ClearAllPools();
        _folder.Delete(recursive: true);
    }

    [Test]
    public async Task One_process_mirrors_a_thousand_calendars_into_one_sqlite_file()
    {
        var collections = ReliabilitySettings.LoadCollections;
        var path = Path.Combine(_folder.FullName, "load.db");
        var rng = new Random(1000);
        var options = new SyncOptions
        {
            Retry = new SyncRetryOptions { MaxRetries = 5, BaseDelay = TimeSpan.FromMilliseconds(1), MaxDelay = TimeSpan.FromMilliseconds(5) },
        };
        var repositories = Enumerable.Range(0, collections).Select(i =>
        {
            var calendar = _server.GetCalendar("load-" + i.ToString("D4", CultureInfo.InvariantCulture));
            calendar.AddMany(rng.Next(5, 41), "l");
            var store = SqliteSyncStore<Event>.OpenFile(path, calendar.Id);
            return (Calendar: calendar, Store: store, Repository: new CalendarEventsRepository(_service, calendar.Id, store) { PageSize = 10, Options = options });
        }).ToList();

        var full = await RunRoundAsync("full", repositories.Select(r => r.Repository).ToList());
        foreach (var (calendar, _, _) in repositories.Where((_, i) => i % 10 == 0))
        {
            var live = calendar.LiveEvents;
            calendar.Upsert(live[0] with { Summary = "changed" });
            calendar.Delete(live[^1].Id);
            calendar.Upsert(new FakeEvent(calendar.Id + "-new", "new", new DateTimeOffset(2026, 4, 1, 9, 0, 0, TimeSpan.Zero)));
        }

        var incremental = await RunRoundAsync("incremental", repositories.Select(r => r.Repository).ToList());

        await TestContext.Out.WriteLineAsync(full.Report);
        await TestContext.Out.WriteLineAsync(incremental.Report);
        Assert.That(full.Failures, Is.Empty, "no full sync fails");
        Assert.That(incremental.Failures, Is.Empty, "no incremental sync fails");
        Assert.That(full.Events, Is.EqualTo(repositories.Sum(r => r.Calendar.LiveEvents.Count) ), "the full round fetched every event once");
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
        Assert.That(SqliteFile.Scalar(path, "SELECT COUNT(*) FROM syncgen_state;"), Is.EqualTo(collections));
        Assert.That(SqliteFile.Duplicates(path), Is.Empty);
    }

    private static async Task<RoundResult> RunRoundAsync(string name, System.Collections.Generic.IReadOnlyList<CalendarEventsRepository> repositories)
    {
        var failures = new ConcurrentBag<string>();
        long events = 0, pages = 0;
        var clock = Stopwatch.StartNew();
        await Parallel.ForEachAsync(repositories, new ParallelOptions { MaxDegreeOfParallelism = Parallelism }, async (repository, cancellationToken) =>
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

    private sealed record RoundResult(long Events, System.Collections.Generic.IReadOnlyList<string> Failures, string Report);
}
