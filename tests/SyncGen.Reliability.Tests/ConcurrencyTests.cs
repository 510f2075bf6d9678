using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Threading.Tasks;
using CalendarSync.CalendarApi;
using CalendarSync.Repository;
using Microsoft.Data.Sqlite;
using NUnit.Framework;
using SyncGen.Reliability.Tests.Support;
using SyncGen.Testing;

namespace SyncGen.Reliability.Tests;

/// <summary>
/// Many concurrent sync calls on one repository (serialised, never interleaved, no token lost), many repositories on one
/// SQLite file in one process and in several processes (no <c>database is locked</c> reaches the caller).
/// </summary>
[TestFixture]
public sealed class ConcurrencyTests
{
    private static readonly DateTimeOffset Start = new(2026, 3, 1, 9, 0, 0, TimeSpan.Zero);

    private FakeCalendarServer _server = null!;
    private CalendarService _service = null!;
    private DirectoryInfo _folder = null!;

    [OneTimeSetUp]
    public async Task StartAsync()
    {
        _server = await FakeCalendarServer.StartAsync();
        _service = CalendarService.Create(_server.BaseUri.ToString(), timeout: TimeSpan.FromSeconds(60));
        _folder = Directory.CreateTempSubdirectory("syncgen-reliability-concurrency-");
    }

    [OneTimeTearDown]
    public async Task StopAsync()
    {
        _service.Dispose();
        await _server.DisposeAsync();
        SqliteConnection.ClearAllPools();
        _folder.Delete(recursive: true);
    }

    private static SyncOptions FastRetries => new()
    {
        Retry = new SyncRetryOptions { MaxRetries = 5, BaseDelay = TimeSpan.FromMilliseconds(1), MaxDelay = TimeSpan.FromMilliseconds(5) },
    };

    [TestCase("in-memory")]
    [TestCase("sqlite")]
    public async Task Concurrent_calls_on_one_repository_are_serialised_and_lose_no_token(string storeKind)
    {
        const int Waves = 6;
        const int CallsPerWave = 16;
        var calendarId = "one-repository-" + storeKind;
        var calendar = _server.GetCalendar(calendarId);
        calendar.AddMany(40, "c");
        ISyncStore<Event> store = storeKind == "sqlite"
            ? SqliteSyncStore<Event>.OpenFile(Path.Combine(_folder.FullName, calendarId + ".db"), calendarId)
            : new InMemorySyncStore<Event>();
        var repository = new CalendarEventsRepository(_service, calendarId, store) { PageSize = 5, Options = FastRetries };

        // Slow pages widen every window in which two passes could interleave.
        _server.Faults.Enqueue(new FaultRule(Fault.Delay(TimeSpan.FromMilliseconds(3))) { CalendarId = calendarId, Times = int.MaxValue });
        var rng = new Random(42);
        for (var wave = 1; wave <= Waves; wave++)
        {
            var changed = MutateRandomly(calendar, rng, wave == 1 ? 0 : rng.Next(1, 15), "w" + wave.ToString(CultureInfo.InvariantCulture));
            if (wave == 4)
            {
                calendar.ExpireSyncTokens();
            }

            var expected = MirrorState.OfServer(calendar);
            var results = await Task.WhenAll(Enumerable.Range(0, CallsPerWave).Select(_ => Task.Run(() => repository.SyncAsync())));

            Assert.That(results.Select(r => r.SyncToken), Has.All.EqualTo(expected.Token), $"wave {wave}: every call ends on the server's token");
            Assert.That(await MirrorState.ReadAsync(store), Is.EqualTo(expected), $"wave {wave}: the mirror equals the server");
            var working = results.Where(r => r.Upserts + r.Deletes > 0).ToList();
            Assert.That(working, Has.Count.EqualTo(wave == 1 || wave == 4 || changed > 0 ? 1 : 0),
                $"wave {wave}: exactly one call applies the changes, the {CallsPerWave - 1} others queue behind it and find nothing new");
            Assert.That(results.Count(r => r.Kind == SyncPassKind.Full), Is.EqualTo(wave is 1 or 4 ? 1 : 0), $"wave {wave}: full passes");
        }

        // The journal shows whole passes one after another: page k+1 always directly follows page k of the same pass.
        var journal = _server.Requests.Where(r => r.CalendarId == calendarId).ToList();
        for (var i = 1; i < journal.Count; i++)
        {
            if (journal[i].PageToken is not null)
            {
                Assert.That(
                    (journal[i - 1].PageNumber, journal[i - 1].SyncToken),
                    Is.EqualTo((journal[i].PageNumber - 1, journal[i].SyncToken)),
                    $"request #{journal[i].Sequence} (page {journal[i].PageNumber}) follows a request of another pass: passes interleaved");
            }
        }

        Assert.That(journal.Count(r => r.PageToken is null), Is.GreaterThanOrEqualTo(Waves * CallsPerWave), "every call ran a pass of its own");
    }

    [Test]
    public async Task Many_repositories_on_one_sqlite_file_sync_at_once_without_database_is_locked()
    {
        const int Collections = 40;
        var path = Path.Combine(_folder.FullName, "shared-in-process.db");
        var rng = new Random(7);
        var calendars = Enumerable.Range(0, Collections).Select(i => _server.GetCalendar("shared-" + i.ToString("D2", CultureInfo.InvariantCulture))).ToList();
        foreach (var calendar in calendars)
        {
            calendar.AddMany(rng.Next(10, 60), "s");
        }

        // Page size 3: every collection writes a transaction every few items, all 40 into one file at once.
        var repositories = calendars
            .Select(c => (Calendar: c, Store: SqliteSyncStore<Event>.OpenFile(path, c.Id)))
            .Select(x => (x.Calendar, x.Store, Repository: new CalendarEventsRepository(_service, x.Calendar.Id, x.Store) { PageSize = 3, Options = FastRetries }))
            .ToList();

        for (var round = 1; round <= 3; round++)
        {
            foreach (var calendar in calendars)
            {
                MutateRandomly(calendar, rng, rng.Next(0, 12), "r" + round.ToString(CultureInfo.InvariantCulture));
            }

            var expected = calendars.ToDictionary(c => c.Id, MirrorState.OfServer);
            var outcomes = await Task.WhenAll(repositories.Select(async r =>
            {
                try
                {
                    await r.Repository.SyncAsync();
                    return null;
                }
                catch (Exception exception)
                {
                    return $"{r.Calendar.Id}: {exception.GetType().Name}: {exception.Message}";
                }
            }));

            Assert.That(outcomes.Where(o => o is not null), Is.Empty, $"round {round}: no call fails (no 'database is locked' reaches the caller)");
            foreach (var (calendar, store, _) in repositories)
            {
                Assert.That(await MirrorState.ReadAsync(store), Is.EqualTo(expected[calendar.Id]), $"round {round}: {calendar.Id} equals the server");
                Assert.That(SqliteFile.Read(path, calendar.Id), Is.EqualTo(expected[calendar.Id]), $"round {round}: {calendar.Id} in the file itself");
            }
        }

        Assert.That(SqliteFile.Duplicates(path), Is.Empty);
        Assert.That(SqliteFile.Scalar(path, "SELECT COUNT(*) FROM syncgen_state;"), Is.EqualTo(Collections), "one token row per collection");
        Assert.That(SqliteFile.Scalar(path, "SELECT COUNT(*) FROM syncgen_staging;"), Is.Zero, "no staged rows left behind");
        Assert.That(SqliteFile.IntegrityCheck(path), Is.EqualTo("ok"));
    }

    [Test]
    public async Task Several_processes_syncing_into_one_sqlite_file_all_succeed()
    {
        const int Processes = 6;
        var sample = Sample.AssemblyPath();
        var path = Path.Combine(_folder.FullName, "shared-across-processes.db");
        var rng = new Random(11);
        var calendars = Enumerable.Range(0, Processes).Select(i => _server.GetCalendar("process-" + i.ToString(CultureInfo.InvariantCulture))).ToList();
        foreach (var calendar in calendars)
        {
            calendar.AddMany(rng.Next(150, 250), "p");

            // The sample asks for 250 events a page; short, slightly slow pages make each process commit many transactions.
            _server.Faults.Enqueue(new FaultRule(Fault.Delay(TimeSpan.FromMilliseconds(2), Fault.ShortPage(4))) { CalendarId = calendar.Id, Times = int.MaxValue });
        }

        for (var round = 1; round <= 2; round++)
        {
            if (round == 2)
            {
                foreach (var calendar in calendars)
                {
                    MutateRandomly(calendar, rng, rng.Next(20, 60), "p2");
                }
            }

            var expected = calendars.ToDictionary(c => c.Id, MirrorState.OfServer);
            var children = calendars.Select(c => ChildSync.Start(sample, _server.BaseUri, path, c.Id)).ToList();
            var exits = await Task.WhenAll(children.Select(c => c.WaitAsync(TimeSpan.FromMinutes(2))));
            children.ForEach(c => c.Dispose());

            Assert.That(exits.Select(e => e.StdErr.Trim()), Has.All.Empty, $"round {round}: no process reports an error");
            Assert.That(exits.Select(e => e.ExitCode), Has.All.Zero, $"round {round}: every process succeeds");
            foreach (var calendar in calendars)
            {
                Assert.That(SqliteFile.Read(path, calendar.Id), Is.EqualTo(expected[calendar.Id]), $"round {round}: {calendar.Id} equals the server");
            }
        }

        Assert.That(SqliteFile.Duplicates(path), Is.Empty);
        Assert.That(SqliteFile.IntegrityCheck(path), Is.EqualTo("ok"));
    }

    /// <summary>Random creates, changes and deletes; returns how many changes were made.</summary>
    private static int MutateRandomly(FakeCalendar calendar, Random rng, int count, string tag)
    {
        for (var i = 0; i < count; i++)
        {
            var live = calendar.LiveEvents;
            var roll = rng.NextDouble();
            if (live.Count < 5 || roll < 0.4)
            {
                calendar.Upsert(new FakeEvent($"{tag}-{i}-{rng.Next(1_000_000)}", "new " + tag, Start.AddHours(rng.Next(0, 800))));
            }
            else if (roll < 0.75)
            {
                var target = live[rng.Next(live.Count)];
                calendar.Upsert(target with { Summary = $"changed {tag}.{i}" });
            }
            else
            {
                calendar.Delete(live[rng.Next(live.Count)].Id);
            }
        }

        return count;
    }
}
