using System;
using System.Collections.Generic;
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
/// Many concurrent sync calls on one repository (serialised, never interleaved, no token lost), many repositories on one
/// SQLite file in one process and in several processes (no <c>database is locked</c> reaches the caller).
/// </summary>
[TestFixture]
public sealed class ConcurrencyTests
{
    private TestBed? _bed;

    private TestBed Bed => _bed!;

    [OneTimeSetUp]
    public async Task StartAsync() => _bed = await TestBed.StartAsync("concurrency");

    [OneTimeTearDown]
    public async Task StopAsync()
    {
        if (_bed is not null)
        {
            await _bed.DisposeAsync();
        }
    }

    [TestCase("in-memory")]
    [TestCase("sqlite")]
    [CancelAfter(3 * 60 * 1000)]
    public async Task Concurrent_calls_on_one_repository_are_serialised_and_lose_no_token(string storeKind, CancellationToken cancellationToken)
    {
        const int Waves = 6;
        const int CallsPerWave = 16;
        var calendarId = "one-repository-" + storeKind;
        var calendar = Bed.Server.GetCalendar(calendarId);
        calendar.AddMany(40, "c");
        ISyncStore<Event> store = storeKind == "sqlite"
            ? SqliteSyncStore<Event>.OpenFile(Bed.PathOf(calendarId + ".db"), calendarId)
            : new InMemorySyncStore<Event>();
        var repository = new CalendarEventsRepository(Bed.Service, calendarId, store) { PageSize = 5, Options = FastRetries.Options };

        // Slow pages widen every window in which two passes could interleave.
        Bed.Server.Faults.Enqueue(new FaultRule(Fault.Delay(TimeSpan.FromMilliseconds(3))) { CalendarId = calendarId, Times = int.MaxValue });
        var changes = new RandomChanges(calendar, new Random(42), "w") { MinLive = 5 };
        var rng = new Random(43);
        for (var wave = 1; wave <= Waves; wave++)
        {
            // Every wave has something to apply: the first full pass, then 1-14 changes (and before wave 4 a token expiry).
            if (wave > 1)
            {
                changes.Apply(rng.Next(1, 15));
            }

            if (wave == 4)
            {
                calendar.ExpireSyncTokens();
            }

            var expected = MirrorState.OfServer(calendar);
            var results = await Task.WhenAll(Enumerable.Range(0, CallsPerWave).Select(_ => Task.Run(() => repository.SyncAsync(cancellationToken), cancellationToken)));

            Assert.That(results.Select(r => r.SyncToken), Has.All.EqualTo(expected.Token), $"wave {wave}: every call ends on the server's token");
            Assert.That(await MirrorState.ReadAsync(store), Is.EqualTo(expected), $"wave {wave}: the mirror equals the server");
            var working = results.Where(r => r.Upserts + r.Deletes > 0).ToList();
            Assert.That(working, Has.Count.EqualTo(1),
                $"wave {wave}: exactly one call applies the changes, the {CallsPerWave - 1} others queue behind it and find nothing new");
            Assert.That(results.Count(r => r.Kind == SyncPassKind.Full), Is.EqualTo(wave is 1 or 4 ? 1 : 0), $"wave {wave}: full passes");
        }

        // The journal shows whole passes one after another: page k+1 always directly follows page k of the same pass.
        var journal = Bed.Server.Requests.Where(r => r.CalendarId == calendarId).ToList();
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
    [CancelAfter(3 * 60 * 1000)]
    public async Task Many_repositories_on_one_sqlite_file_sync_at_once_without_database_is_locked(CancellationToken cancellationToken)
    {
        const int Collections = 40;
        var path = Bed.PathOf("shared-in-process.db");
        var rng = new Random(7);
        var calendars = Enumerable.Range(0, Collections).Select(i => Bed.Server.GetCalendar("shared-" + i.ToString("D2", CultureInfo.InvariantCulture))).ToList();
        foreach (var calendar in calendars)
        {
            calendar.AddMany(rng.Next(10, 60), "s");
        }

        // Page size 3: every collection writes a transaction every few items, all 40 into one file at once.
        var repositories = calendars
            .Select(c => (Calendar: c, Store: SqliteSyncStore<Event>.OpenFile(path, c.Id), Changes: new RandomChanges(c, rng, "r") { MinLive = 5 }))
            .Select(x => (x.Calendar, x.Store, x.Changes, Repository: new CalendarEventsRepository(Bed.Service, x.Calendar.Id, x.Store) { PageSize = 3, Options = FastRetries.Options }))
            .ToList();

        for (var round = 1; round <= 3; round++)
        {
            foreach (var r in repositories)
            {
                r.Changes.Apply(rng.Next(0, 12));
            }

            var expected = calendars.ToDictionary(c => c.Id, MirrorState.OfServer);
            var outcomes = await Task.WhenAll(repositories.Select(async r =>
            {
                try
                {
                    await r.Repository.SyncAsync(cancellationToken);
                    return null;
                }
                catch (Exception exception) when (!cancellationToken.IsCancellationRequested)
                {
                    return $"{r.Calendar.Id}: {exception.GetType().Name}: {exception.Message}";
                }
            }));

            Assert.That(outcomes.Where(o => o is not null), Is.Empty, $"round {round}: no call fails (no 'database is locked' reaches the caller)");
            foreach (var (calendar, store, _, _) in repositories)
            {
                Assert.That(await MirrorState.ReadAsync(store), Is.EqualTo(expected[calendar.Id]), $"round {round}: {calendar.Id} equals the server");
                Assert.That(SqliteFile.Read(path, calendar.Id), Is.EqualTo(expected[calendar.Id]), $"round {round}: {calendar.Id} in the file itself");
            }
        }

        Assert.That(SqliteFile.Scalar(path, "SELECT COUNT(*) FROM syncgen_items;"), Is.EqualTo(calendars.Sum(c => c.LiveEvents.Count)), "no rows outside the 40 collections");
        Assert.That(SqliteFile.Scalar(path, "SELECT COUNT(*) FROM syncgen_state;"), Is.EqualTo(Collections), "a token row for every collection");
        Assert.That(SqliteFile.LeftoverPassData(path), Is.Zero, "nothing of a pass left behind");
        Assert.That(SqliteFile.IntegrityCheck(path), Is.EqualTo("ok"));
    }

    [Test]
    [CancelAfter(5 * 60 * 1000)]
    public async Task Several_processes_syncing_into_one_sqlite_file_all_succeed(CancellationToken cancellationToken)
    {
        const int Processes = 6;
        var sample = Sample.AssemblyPath();
        var path = Bed.PathOf("shared-across-processes.db");
        var rng = new Random(11);
        var calendars = Enumerable.Range(0, Processes).Select(i => Bed.Server.GetCalendar("process-" + i.ToString(CultureInfo.InvariantCulture))).ToList();
        var changes = calendars.Select(c => new RandomChanges(c, rng, "p2") { MinLive = 5 }).ToList();
        foreach (var calendar in calendars)
        {
            calendar.AddMany(rng.Next(150, 250), "p");

            // The sample asks for 250 events a page; short, slightly slow pages make each process commit many transactions.
            Bed.Server.Faults.Enqueue(new FaultRule(Fault.Delay(TimeSpan.FromMilliseconds(2), Fault.ShortPage(4))) { CalendarId = calendar.Id, Times = int.MaxValue });
        }

        for (var round = 1; round <= 2; round++)
        {
            if (round == 2)
            {
                foreach (var change in changes)
                {
                    change.Apply(rng.Next(20, 60));
                }
            }

            var expected = calendars.ToDictionary(c => c.Id, MirrorState.OfServer);
            var children = calendars.Select(c => ChildSync.Start(sample, Bed.Server.BaseUri, path, c.Id)).ToList();
            ChildExit[] exits;
            try
            {
                exits = await Task.WhenAll(children.Select(c => c.WaitAsync(TimeSpan.FromMinutes(2), cancellationToken)));
            }
            finally
            {
                children.ForEach(c => c.Dispose());
            }


            Assert.That(exits.Select(e => e.StdErr.Trim()), Has.All.Empty, $"round {round}: no process reports an error");
            Assert.That(exits.Select(e => e.ExitCode), Has.All.Zero, $"round {round}: every process succeeds");
            foreach (var calendar in calendars)
            {
                Assert.That(SqliteFile.Read(path, calendar.Id), Is.EqualTo(expected[calendar.Id]), $"round {round}: {calendar.Id} equals the server");
            }
        }

        Assert.That(SqliteFile.Scalar(path, "SELECT COUNT(*) FROM syncgen_items;"), Is.EqualTo(calendars.Sum(c => c.LiveEvents.Count)), "no rows outside the synced collections");
        Assert.That(SqliteFile.IntegrityCheck(path), Is.EqualTo("ok"));
    }
}
