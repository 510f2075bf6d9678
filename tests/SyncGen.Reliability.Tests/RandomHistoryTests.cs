using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Diagnostics;
using System.Globalization;
using System.Linq;
using System.Text;
using System.Threading;
using System.Threading.Tasks;
using CalendarSync.CalendarApi;
using CalendarSync.Repository;
using NUnit.Framework;
using SyncGen.Reliability.Tests.Support;
using SyncGen.Testing.FakeServer;

namespace SyncGen.Reliability.Tests;

/// <summary>
/// Seeded random histories: creates, changes, deletes and token expiries on the server, interleaved with sync calls under
/// random faults. After every successful call the mirror equals the server (nothing mutates the server during a call, so
/// that is also the state at the committed token) and the token is the server's current one; after every failed call the
/// store is exactly as before and the error is a typed <see cref="SyncException"/> that one of the faults that fired explains.
/// </summary>
/// <remarks>
/// <c>SYNCGEN_RELIABILITY_CASES=5000</c> runs more cases; <c>SYNCGEN_RELIABILITY_SEED=1234</c> replays one seed, with its
/// full transcript on the test output. A seed fixes the history, the settings and the faults; the moment a caller's
/// cancellation or a client timeout strikes is wall-clock time, so the rounds that cancel or time out may end differently
/// on a replay (the invariants hold either way).
/// </remarks>
[TestFixture]
public sealed class RandomHistoryTests
{
    private static readonly TimeSpan ClientTimeout = TimeSpan.FromSeconds(30);

    [Test]
    [CancelAfter(10 * 60 * 1000)]
    public async Task Random_histories_with_faults_keep_the_mirror_equal_to_the_server_or_unchanged(CancellationToken cancellationToken)
    {
        var seeds = ReliabilitySettings.SingleSeed is { } single
            ? new[] { single }
            : Enumerable.Range(ReliabilitySettings.FirstSeed, ReliabilitySettings.Cases).ToArray();
        var parallelism = Math.Min(ReliabilitySettings.Parallelism, seeds.Length);
        var stats = new HistoryStats();
        var failures = new ConcurrentBag<(int Seed, string Message)>();
        var clock = Stopwatch.StartNew();

        // Each case that runs has a server of its own (one per slot of the parallelism), so that after every call it can
        // disarm all of its fault rules, fired or not, with FaultQueue.Clear() without touching another case's rules.
        var servers = new ConcurrentBag<CaseServer>();
        try
        {
            for (var i = 0; i < parallelism; i++)
            {
                var bed = await TestBed.StartAsync("history", ClientTimeout);
                servers.Add(new CaseServer(bed, bed.CreateService(FaultPlan.ShortClientTimeout)));
            }

            await Parallel.ForEachAsync(
                seeds,
                new ParallelOptions { MaxDegreeOfParallelism = parallelism, CancellationToken = cancellationToken },
                async (seed, token) =>
                {
                    if (!servers.TryTake(out var server))
                    {
                        throw new InvalidOperationException("more cases at once than servers");
                    }

                    var transcript = new StringBuilder();
                    try
                    {
                        var problem = await RunCaseAsync(server, seed, transcript, stats, token);
                        if (problem is not null)
                        {
                            failures.Add((seed, problem + "\n" + transcript));
                        }
                    }
                    catch (Exception exception) when (!token.IsCancellationRequested)
                    {
                        failures.Add((seed, "the case itself threw: " + exception + "\n" + transcript));
                    }
                    finally
                    {
                        server.Bed.Server.Faults.Clear();
                        servers.Add(server);
                    }

                    if (seeds.Length == 1)
                    {
                        await TestContext.Out.WriteLineAsync(transcript.ToString());
                    }
                });
        }
        finally
        {
            foreach (var server in servers)
            {
                await server.Bed.DisposeAsync();
            }
        }

        clock.Stop();
        await TestContext.Out.WriteLineAsync(stats.Report(seeds.Length, parallelism, clock.Elapsed));
        var sorted = failures.OrderBy(f => f.Seed).ToList();
        Assert.That(
            sorted.Select(f => f.Seed),
            Is.Empty,
            $"{sorted.Count} of {seeds.Length} seeds broke an invariant; replay one with SYNCGEN_RELIABILITY_SEED=<seed>.\n\n" +
            string.Join("\n\n", sorted.Take(5).Select(f => $"seed {f.Seed}: {f.Message}")));
        Assert.That(stats.Syncs, Is.GreaterThanOrEqualTo(seeds.Length * 4), "every case runs several syncs");
    }

    /// <summary>Runs one seeded history; returns null when every invariant held, else what broke.</summary>
    private static async Task<string?> RunCaseAsync(CaseServer server, int seed, StringBuilder log, HistoryStats stats, CancellationToken testToken)
    {
        var rng = new Random(seed);
        var faultQueue = server.Bed.Server.Faults;
        var calendarId = "case-" + seed.ToString(CultureInfo.InvariantCulture);
        var calendar = server.Bed.Server.GetCalendar(calendarId);
        var timeoutCase = rng.NextDouble() < 0.10;
        var sqlite = rng.NextDouble() < 0.15;
        var pageSize = rng.Next(2, 8);
        var maxRetries = timeoutCase ? rng.Next(2, 5) : rng.Next(0, 5);
        var options = new SyncOptions
        {
            PrefetchNextPage = rng.NextDouble() < 0.8,
            MaxExpiriesPerCall = rng.Next(2, 4),
            Retry = FastRetries.With(maxRetries),
        };
        var jsonFile = !sqlite && rng.NextDouble() < 0.08;
        var storePath = server.Bed.PathOf(calendarId + ".db");
        ISyncStore<Event> store = sqlite ? SqliteSyncStore<Event>.OpenFile(storePath, calendarId)
            : jsonFile ? new JsonFileSyncStore<Event>(server.Bed.PathOf(calendarId + ".json"))
            : new InMemorySyncStore<Event>();
        var repository = new CalendarEventsRepository(timeoutCase ? server.ShortTimeout : server.Bed.Service, calendarId, store)
        {
            PageSize = pageSize,
            Options = options,
        };

        // The final call has no faults and the long client timeout: nothing but a defect can make it fail.
        var finalRepository = !timeoutCase ? repository : new CalendarEventsRepository(server.Bed.Service, calendarId, store)
        {
            PageSize = pageSize,
            Options = options,
        };
        log.Append(CultureInfo.InvariantCulture, $"seed {seed}: {(sqlite ? "sqlite" : jsonFile ? "json-file" : "in-memory")} store, page size {pageSize}, {maxRetries} retries, ")
            .Append(CultureInfo.InvariantCulture, $"prefetch {options.PrefetchNextPage}, max expiries {options.MaxExpiriesPerCall}, client timeout {(timeoutCase ? "1 s (30 s for the final call)" : "30 s")}\n");

        var history = new RandomChanges(calendar, rng, "ev") { Revivals = true };
        history.Seed(rng.Next(0, 25));
        int? epochOfStoredToken = null;
        var lastCancelledRound = int.MinValue / 2;
        var rounds = rng.Next(3, 9);
        for (var round = 1; round <= rounds + 1; round++)
        {
            var final = round == rounds + 1;
            var changes = final ? history.Apply(rng.Next(0, 3)) : history.Apply(rng.Next(0, 8));
            if (!final && rng.NextDouble() < 0.08)
            {
                calendar.ExpireSyncTokens();
                changes += ", tokens expired";
            }

            // The final call runs without faults: whatever happened before, the history must converge.
            var faults = new List<ArmedFault>();
            var faultCount = final ? 0 : rng.NextDouble() < 0.3 ? 0 : rng.Next(1, 3);
            for (var f = 0; f < faultCount; f++)
            {
                faults.Add(FaultPlan.Draw(rng, calendarId, timeoutCase));
            }

            var before = await MirrorState.ReadAsync(store);
            var expected = MirrorState.OfServer(calendar);
            var serverMayExpire = epochOfStoredToken is { } epoch && epoch != calendar.Epoch;
            log.Append(CultureInfo.InvariantCulture, $"  round {round}: {changes}; server {expected}; faults [{string.Join("; ", faults.Select(f => f.Description))}]\n");

            // Now and then the caller gives up: a cancelled call must leave the store as it was, like a failed one.
            using var cancellation = CancellationTokenSource.CreateLinkedTokenSource(testToken);
            var cancelAfter = !final && rng.NextDouble() < 0.06 ? rng.Next(0, 40) : -1;
            if (cancelAfter >= 0)
            {
                cancellation.CancelAfter(cancelAfter);
                log.Append(CultureInfo.InvariantCulture, $"    caller cancels after {cancelAfter} ms\n");
            }

            // The rules are armed for this call only: every one of them, fired or not, is removed as soon as it returns.
            foreach (var fault in faults)
            {
                faultQueue.Enqueue(fault.Rule);
            }

            SyncResult? result = null;
            SyncException? failure = null;
            try
            {
                result = await (final ? finalRepository : repository).SyncAsync(cancellation.Token);
            }
            catch (SyncException exception)
            {
                failure = exception;
            }
            catch (OperationCanceledException) when (cancellation.IsCancellationRequested && !testToken.IsCancellationRequested)
            {
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
            catch (Exception exception) when (!testToken.IsCancellationRequested)
            {
                return $"round {round}: the call threw {exception.GetType().Name}, not a SyncException: {exception.Message}";
            }
            finally
            {
                faultQueue.Clear();
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

            if (sqlite && SqliteFile.LeftoverPassData(storePath) is var leftover and > 0)
            {
                return $"round {round}: {leftover} tables or rows of a pass remain in the file after the call ended";
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

    /// <summary>A server of its own for the case that runs on it, with a client of the long and one of the short timeout.</summary>
    private sealed record CaseServer(TestBed Bed, CalendarService ShortTimeout);

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

        public string Report(int seeds, int parallelism, TimeSpan elapsed) =>
            string.Create(CultureInfo.InvariantCulture, $"random histories: {seeds} seeds, {Cases} passed all invariants ({SqliteCases} on SQLite, {JsonFileCases} on a JSON file, {TimeoutCases} with a 1 s client timeout), ") +
            string.Create(CultureInfo.InvariantCulture, $"{Syncs} sync calls: {Succeeded} succeeded ({Expiries} expiries recovered, {Retries} retries), {Cancelled} cancelled by the caller, {Syncs - Succeeded - Cancelled} failed as expected, in {elapsed.TotalSeconds:F1} s with {parallelism} at a time\n") +
            "  failures: " + string.Join(", ", Failures.OrderBy(p => p.Key, StringComparer.Ordinal).Select(p => $"{p.Key} {p.Value}")) + "\n" +
            "  faults fired: " + string.Join(", ", FaultsFired.OrderBy(p => p.Key, StringComparer.Ordinal).Select(p => $"{p.Key} {p.Value}"));
    }
}
