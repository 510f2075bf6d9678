using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Diagnostics;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Text;
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
/// Seeded random histories: creates, changes, deletes and token expiries on the server, interleaved with sync calls under
/// random faults. After every successful call the mirror equals the server (nothing mutates the server during a call, so
/// that is also the state at the committed token) and the token is the server's current one; after every failed call the
/// store is exactly as before and the error is a typed <see cref="SyncException"/> that one of the faults that fired explains.
/// </summary>
/// <remarks>
/// <c>SYNCGEN_RELIABILITY_CASES=5000</c> runs more cases; <c>SYNCGEN_RELIABILITY_SEED=1234</c> replays one seed, with its
/// full transcript on the test output.
/// </remarks>
[TestFixture]
public sealed class RandomHistoryTests
{
    private static readonly TimeSpan ShortClientTimeout = TimeSpan.FromMilliseconds(300);

    private FakeCalendarServer _server = null!;
    private CalendarService _service = null!;
    private CalendarService _shortTimeoutService = null!;
    private DirectoryInfo _folder = null!;

    [OneTimeSetUp]
    public async Task StartAsync()
    {
        _server = await FakeCalendarServer.StartAsync();
        _service = CalendarService.Create(_server.BaseUri.ToString(), timeout: TimeSpan.FromSeconds(30));
        _shortTimeoutService = CalendarService.Create(_server.BaseUri.ToString(), timeout: ShortClientTimeout);
        _folder = Directory.CreateTempSubdirectory("syncgen-reliability-history-");
    }

    [OneTimeTearDown]
    public async Task StopAsync()
    {
        _service.Dispose();
        _shortTimeoutService.Dispose();
        await _server.DisposeAsync();
        SqliteConnection.ClearAllPools();
        _folder.Delete(recursive: true);
    }

    [Test]
    public async Task Random_histories_with_faults_keep_the_mirror_equal_to_the_server_or_unchanged()
    {
        var seeds = ReliabilitySettings.SingleSeed is { } single
            ? new[] { single }
            : Enumerable.Range(ReliabilitySettings.FirstSeed, ReliabilitySettings.Cases).ToArray();
        var stats = new HistoryStats();
        var failures = new ConcurrentBag<(int Seed, string Message)>();
        var clock = Stopwatch.StartNew();

        await Parallel.ForEachAsync(
            seeds,
            new ParallelOptions { MaxDegreeOfParallelism = ReliabilitySettings.Parallelism },
            async (seed, _) =>
            {
                var transcript = new StringBuilder();
                try
                {
                    var problem = await RunCaseAsync(seed, transcript, stats);
                    if (problem is not null)
                    {
                        failures.Add((seed, problem + "\n" + transcript));
                    }
                }
                catch (Exception exception)
                {
                    failures.Add((seed, "the case itself threw: " + exception + "\n" + transcript));
                }

                if (seeds.Length == 1)
                {
                    await TestContext.Out.WriteLineAsync(transcript.ToString());
                }
            });

        clock.Stop();
        await TestContext.Out.WriteLineAsync(stats.Report(seeds.Length, clock.Elapsed));
        var sorted = failures.OrderBy(f => f.Seed).ToList();
        Assert.That(
            sorted.Select(f => f.Seed),
            Is.Empty,
            $"{sorted.Count} of {seeds.Length} seeds broke an invariant; replay one with SYNCGEN_RELIABILITY_SEED=<seed>.\n\n" +
            string.Join("\n\n", sorted.Take(5).Select(f => $"seed {f.Seed}: {f.Message}")));
        Assert.That(stats.Syncs, Is.GreaterThanOrEqualTo(seeds.Length * 4), "every case runs several syncs");
    }

    /// <summary>Runs one seeded history; returns null when every invariant held, else what broke.</summary>
    private async Task<string?> RunCaseAsync(int seed, StringBuilder log, HistoryStats stats)
    {
        var rng = new Random(seed);
        var calendarId = "case-" + seed.ToString(CultureInfo.InvariantCulture);
        var calendar = _server.GetCalendar(calendarId);
        var timeoutCase = rng.NextDouble() < 0.10;
        var sqlite = rng.NextDouble() < 0.15;
        var pageSize = rng.Next(2, 8);
        var maxRetries = timeoutCase ? rng.Next(2, 5) : rng.Next(0, 5);
        var options = new SyncOptions
        {
            PrefetchNextPage = rng.NextDouble() < 0.8,
            MaxExpiriesPerCall = rng.Next(2, 4),
            Retry = new SyncRetryOptions { MaxRetries = maxRetries, BaseDelay = TimeSpan.FromMilliseconds(1), MaxDelay = TimeSpan.FromMilliseconds(5) },
        };
        var jsonFile = !sqlite && rng.NextDouble() < 0.08;
        var storePath = Path.Combine(_folder.FullName, calendarId + ".db");
        ISyncStore<Event> store = sqlite ? SqliteSyncStore<Event>.OpenFile(storePath, calendarId)
            : jsonFile ? new JsonFileSyncStore<Event>(Path.Combine(_folder.FullName, calendarId + ".json"))
            : new InMemorySyncStore<Event>();
        var repository = new CalendarEventsRepository(timeoutCase ? _shortTimeoutService : _service, calendarId, store)
        {
            PageSize = pageSize,
            Options = options,
        };
        log.Append(CultureInfo.InvariantCulture, $"seed {seed}: {(sqlite ? "sqlite" : jsonFile ? "json-file" : "in-memory")} store, page size {pageSize}, {maxRetries} retries, ")
            .Append(CultureInfo.InvariantCulture, $"prefetch {options.PrefetchNextPage}, max expiries {options.MaxExpiriesPerCall}, client timeout {(timeoutCase ? "300 ms" : "30 s")}\n");

        var history = new History(calendar, rng);
        history.Seed(rng.Next(0, 25));
        int? epochOfStoredToken = null;
        var lastCancelledRound = int.MinValue / 2;
        var rounds = rng.Next(3, 9);
        for (var round = 1; round <= rounds + 1; round++)
        {
            var final = round == rounds + 1;
            var changes = final ? history.Mutate(rng.Next(0, 3)) : history.Mutate(rng.Next(0, 8));
            if (!final && rng.NextDouble() < 0.08)
            {
                calendar.ExpireSyncTokens();
                changes += ", tokens expired";
            }

            // The final call runs without faults: whatever happened before, the history must converge.
            var armed = new StrongBox(true);
            var faults = new List<ArmedFault>();
            var faultCount = final ? 0 : rng.NextDouble() < 0.3 ? 0 : rng.Next(1, 3);
            for (var f = 0; f < faultCount; f++)
            {
                var fault = FaultPlan.Draw(rng, calendarId, () => armed.Value, timeoutCase);
                _server.Faults.Enqueue(fault.Rule);
                faults.Add(fault);
            }

            var before = await MirrorState.ReadAsync(store);
            var expected = MirrorState.OfServer(calendar);
            var serverMayExpire = epochOfStoredToken is { } epoch && epoch != calendar.Epoch;
            log.Append(CultureInfo.InvariantCulture, $"  round {round}: {changes}; server {expected}; faults [{string.Join("; ", faults.Select(f => f.Description))}]\n");

            // Now and then the caller gives up: a cancelled call must leave the store as it was, like a failed one.
            using var cancellation = new CancellationTokenSource();
            var cancelAfter = !final && rng.NextDouble() < 0.06 ? rng.Next(0, 40) : -1;
            if (cancelAfter >= 0)
            {
                cancellation.CancelAfter(cancelAfter);
                log.Append(CultureInfo.InvariantCulture, $"    caller cancels after {cancelAfter} ms\n");
            }

            SyncResult? result = null;
            SyncException? failure = null;
            try
            {
                result = await repository.SyncAsync(cancellation.Token);
            }
            catch (SyncException exception)
            {
                failure = exception;
            }
            catch (OperationCanceledException) when (cancellation.IsCancellationRequested)
            {
                armed.Value = false;
                Interlocked.Increment(ref stats.Syncs);
                Interlocked.Increment(ref stats.Cancelled);

                // A request the client abandoned may still reach the server a moment later and take a fault armed for the
                // next call (the server cannot tell it apart): for two rounds a fatal fault that fired need not fail the call.
                lastCancelledRound = round;
                var afterCancel = await MirrorState.ReadAsync(store);
                log.Append("    cancelled\n");
                if (!afterCancel.Equals(before))
                {
                    return $"round {round}: a cancelled sync changed the store: {afterCancel.Diff(before)}";
                }

                continue;
            }
            catch (Exception exception)
            {
                armed.Value = false;
                return $"round {round}: the call threw {exception.GetType().Name}, not a SyncException: {exception.Message}";
            }
            finally
            {
                armed.Value = false;
            }

            Interlocked.Increment(ref stats.Syncs);
            foreach (var fault in faults.Where(f => f.Rule.FiredCount > 0))
            {
                stats.FaultsFired.AddOrUpdate(fault.Rule.Fault.Kind + (fault.Rule.Fault.Kind == FaultKind.Status ? " " + fault.Rule.Fault.StatusCode.ToString(CultureInfo.InvariantCulture) : ""), fault.Rule.FiredCount, (_, n) => n + fault.Rule.FiredCount);
            }

            var after = await MirrorState.ReadAsync(store);
            var fired = string.Join("; ", faults.Where(f => f.Rule.FiredCount > 0).Select(f => $"{f.Rule.Fault.Description} fired {f.Rule.FiredCount}x"));
            if (result is not null)
            {
                Interlocked.Increment(ref stats.Succeeded);
                Interlocked.Add(ref stats.Expiries, result.ExpiriesRecovered);
                Interlocked.Add(ref stats.Retries, result.Retries);
                log.Append(CultureInfo.InvariantCulture, $"    ok: {result.Kind}, {result.Pages} pages, {result.Upserts} upserts, {result.Deletes} deletes, {result.ExpiriesRecovered} expiries, {result.Retries} retries; fired [{fired}]\n");
                if (!after.Equals(expected))
                {
                    return $"round {round}: after a successful sync the mirror differs from the server: {after.Diff(expected)}";
                }

                if (result.SyncToken != expected.Token)
                {
                    return $"round {round}: the result reports token {MirrorState.Abbreviate(result.SyncToken)}, the server's is {MirrorState.Abbreviate(expected.Token)}";
                }

                if (!serverMayExpire && round > lastCancelledRound + 2 && faults.FirstOrDefault(f => f.FatalWhenServed && f.Rule.FiredCount > 0) is { } ignored)
                {
                    return $"round {round}: the call succeeded although {ignored.Description} was served (fired {ignored.Rule.FiredCount}x)";
                }

                epochOfStoredToken = calendar.Epoch;
            }
            else
            {
                var outcome = Outcome.Of(failure!);
                stats.Failures.AddOrUpdate(outcome, 1, (_, n) => n + 1);
                log.Append(CultureInfo.InvariantCulture, $"    failed: {outcome}; fired [{fired}]; {failure!.Message}\n");
                if (final)
                {
                    return $"round {round}: the final call, without faults, failed: {failure}";
                }

                if (!after.Equals(before))
                {
                    return $"round {round}: a failed sync changed the store: {after.Diff(before)}";
                }

                var allowed = FaultPlan.AllowedFailures(faults).ToList();
                if (serverMayExpire)
                {
                    allowed.Add(Outcome.ExpiryLoop); // the server's own 410 counts towards MaxExpiriesPerCall too
                }

                if (!allowed.Contains(outcome, StringComparer.Ordinal))
                {
                    return $"round {round}: the call failed with {outcome}, which no fired fault explains (allowed: [{string.Join(", ", allowed)}]): {failure}";
                }
            }

            if (sqlite && await CountStagedRowsAsync(storePath) is var staged and > 0)
            {
                return $"round {round}: {staged} staged rows remain in syncgen_staging after the call ended";
            }
        }

        Interlocked.Increment(ref stats.Cases);
        if (sqlite)
        {
            Interlocked.Increment(ref stats.SqliteCases);
        }

        if (timeoutCase)
        {
            Interlocked.Increment(ref stats.TimeoutCases);
        }

        if (jsonFile)
        {
            Interlocked.Increment(ref stats.JsonFileCases);
        }

        return null;
    }

    private static async Task<long> CountStagedRowsAsync(string path)
    {
        await using var connection = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = path, Mode = SqliteOpenMode.ReadOnly, Pooling = false }.ToString());
        await connection.OpenAsync();
        await using var command = connection.CreateCommand();
        command.CommandText = "SELECT (SELECT COUNT(*) FROM syncgen_staging) + (SELECT COUNT(*) FROM syncgen_passes);";
        return (long)(await command.ExecuteScalarAsync())!;
    }

    private sealed class StrongBox(bool value)
    {
        public volatile bool Value = value;
    }

    /// <summary>Random server-side changes of one calendar: creates, changes, deletes and revivals.</summary>
    private sealed class History(FakeCalendar calendar, Random rng)
    {
        private static readonly DateTimeOffset Start = new(2026, 3, 1, 9, 0, 0, TimeSpan.Zero);
        private readonly List<string> _deleted = new();
        private int _nextId;
        private int _version;

        public void Seed(int count)
        {
            for (var i = 0; i < count; i++)
            {
                Create();
            }
        }

        public string Mutate(int operations)
        {
            int creates = 0, changes = 0, deletes = 0, revivals = 0;
            for (var i = 0; i < operations; i++)
            {
                var live = calendar.LiveEvents;
                var roll = rng.NextDouble();
                if (live.Count == 0 || roll < 0.35)
                {
                    Create();
                    creates++;
                }
                else if (roll < 0.70)
                {
                    var target = live[rng.Next(live.Count)];
                    calendar.Upsert(target with { Summary = "v" + (++_version).ToString(CultureInfo.InvariantCulture) });
                    changes++;
                }
                else if (roll < 0.93 || _deleted.Count == 0)
                {
                    var target = live[rng.Next(live.Count)];
                    calendar.Delete(target.Id);
                    _deleted.Add(target.Id);
                    deletes++;
                }
                else
                {
                    var id = _deleted[rng.Next(_deleted.Count)];
                    _deleted.Remove(id);
                    calendar.Upsert(new FakeEvent(id, "revived " + (++_version).ToString(CultureInfo.InvariantCulture), Start.AddHours(rng.Next(0, 500))));
                    revivals++;
                }
            }

            return $"+{creates} ~{changes} -{deletes} revived {revivals}";
        }

        private void Create()
        {
            var id = "ev" + (++_nextId).ToString("D4", CultureInfo.InvariantCulture);
            calendar.Upsert(new FakeEvent(id, "created " + (++_version).ToString(CultureInfo.InvariantCulture), Start.AddHours(rng.Next(0, 500))));
        }
    }

    private sealed class HistoryStats
    {
        public int Cases;
        public int SqliteCases;
        public int TimeoutCases;
        public int Syncs;
        public int Succeeded;
        public int Cancelled;
        public int JsonFileCases;
        public int Expiries;
        public int Retries;
        public readonly ConcurrentDictionary<string, int> Failures = new(StringComparer.Ordinal);
        public readonly ConcurrentDictionary<string, int> FaultsFired = new(StringComparer.Ordinal);

        public string Report(int seeds, TimeSpan elapsed) =>
            string.Create(CultureInfo.InvariantCulture, $"random histories: {seeds} seeds, {Cases} passed all invariants ({SqliteCases} on SQLite, {JsonFileCases} on a JSON file, {TimeoutCases} with a 300 ms client timeout), ") +
            string.Create(CultureInfo.InvariantCulture, $"{Syncs} sync calls: {Succeeded} succeeded ({Expiries} expiries recovered, {Retries} retries), {Cancelled} cancelled by the caller, {Syncs - Succeeded - Cancelled} failed as expected, in {elapsed.TotalSeconds:F1} s\n") +
            "  failures: " + string.Join(", ", Failures.OrderBy(p => p.Key, StringComparer.Ordinal).Select(p => $"{p.Key} {p.Value}")) + "\n" +
            "  faults fired: " + string.Join(", ", FaultsFired.OrderBy(p => p.Key, StringComparer.Ordinal).Select(p => $"{p.Key} {p.Value}"));
    }
}
