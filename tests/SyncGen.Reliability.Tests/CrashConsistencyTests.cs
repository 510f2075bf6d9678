using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using NUnit.Framework;
using SyncGen.Reliability.Tests.Support;
using SyncGen.Testing.FakeServer;

namespace SyncGen.Reliability.Tests;

/// <summary>
/// The CalendarSync sample's <c>sync</c> command, syncing into SQLite, is killed (SIGKILL) at random points of slow passes,
/// always after it has sent its first request. Right after each kill the file must hold either the state before the pass
/// or the complete new state (never a mix); a fresh process must then bring the mirror to the server's state and token.
/// </summary>
[TestFixture]
public sealed class CrashConsistencyTests
{
    private const int Workers = 2;
    private const int PageDelayMilliseconds = 20;
    private const int ItemsPerPage = 8;
    private static readonly TimeSpan ChildTimeout = TimeSpan.FromMinutes(1);

    private TestBed? _bed;
    private string _sample = null!;

    [OneTimeSetUp]
    public async Task StartAsync()
    {
        _sample = Sample.AssemblyPath();
        _bed = await TestBed.StartAsync("crash");
    }

    [OneTimeTearDown]
    public async Task StopAsync()
    {
        if (_bed is not null)
        {
            await _bed.DisposeAsync();
        }
    }

    [Test]
    [CancelAfter(10 * 60 * 1000)]
    public async Task A_sync_process_killed_mid_sync_leaves_the_old_or_the_new_state_and_a_fresh_process_recovers(CancellationToken cancellationToken)
    {
        var kills = ReliabilitySettings.Kills;
        var seed = ReliabilitySettings.CrashSeed;
        var stats = new CrashStats();
        var clock = Stopwatch.StartNew();

        var workers = Enumerable.Range(0, Workers)
            .Select(w => Task.Run(() => RunWorkerAsync(w, seed + w, (kills + Workers - 1 - w) / Workers, stats, cancellationToken), cancellationToken))
            .ToArray();
        var problems = (await Task.WhenAll(workers)).SelectMany(p => p).ToList();
        clock.Stop();

        await TestContext.Out.WriteLineAsync(string.Create(CultureInfo.InvariantCulture,
            $"crash consistency (seed {seed}): {stats.Started} sync processes started; {stats.Kills} died from a kill after their first request: ") +
            string.Create(CultureInfo.InvariantCulture, $"{stats.KilledBeforeCommit} before the commit (file held the old state and nothing of the killed pass), {stats.KilledAfterCommit} after it (file held the complete new state); ") +
            string.Create(CultureInfo.InvariantCulture, $"{stats.StartUpKills} start-up kills before the first request (not counted); {stats.FinishedBeforeKill} syncs finished on their own before their kill; ") +
            string.Create(CultureInfo.InvariantCulture, $"{stats.Recoveries} recoveries ({stats.FullRecoveries} of them full syncs), {clock.Elapsed.TotalSeconds:F1} s with {Workers} workers"));

        Assert.That(problems, Is.Empty, $"seed {seed} (SYNCGEN_RELIABILITY_CRASH_SEED): " + string.Join("\n", problems.Take(10)));
        Assert.That(stats.Kills, Is.GreaterThanOrEqualTo(kills), "kills that ended a process after its first request (exit code of SIGKILL)");
        Assert.That(stats.KilledBeforeCommit, Is.GreaterThanOrEqualTo(stats.Kills / 2), "at least half of those kills landed in the middle of a pass, before its commit");
        Assert.That(stats.Recoveries, Is.EqualTo(stats.Kills + stats.StartUpKills), "every kill was followed by a successful recovery sync");
    }

    private async Task<List<string>> RunWorkerAsync(int worker, int seed, int quota, CrashStats stats, CancellationToken cancellationToken)
    {
        var bed = _bed!;
        var problems = new List<string>();
        var rng = new Random(seed);
        var calendarId = "crash-" + worker.ToString(CultureInfo.InvariantCulture);
        var calendar = bed.Server.GetCalendar(calendarId);
        var storePath = bed.PathOf(calendarId + ".db");
        var changes = new RandomChanges(calendar, rng, "crash") { MinLive = 20 };

        // Every page of this calendar is slow and short, so a pass of a hundred events or more spans a dozen pages or more.
        // The rule's predicate also counts the requests that reach the server, so that a kill can wait for the pass to
        // reach a chosen page.
        var requests = new RequestCounter();
        bed.Server.Faults.Enqueue(new FaultRule(Fault.Delay(TimeSpan.FromMilliseconds(PageDelayMilliseconds), Fault.ShortPage(ItemsPerPage)))
        {
            CalendarId = calendarId,
            When = _ => requests.Increment(),
            Times = int.MaxValue,
        });
        calendar.AddMany(rng.Next(100, 160), "crash");

        var kills = 0;
        var attempts = 0;
        while (kills < quota && attempts++ < quota * 3)
        {
            cancellationToken.ThrowIfCancellationRequested();

            // Changes before the pass (never during it): small incremental passes, large ones, and full syncs after expiry.
            // At least one change, so that the old and the new state always differ and a kill's side is never ambiguous.
            var changeCount = rng.Next(0, 4) == 0 ? rng.Next(30, 80) : rng.Next(1, 25);
            var changed = changes.Apply(changeCount);
            var expired = rng.NextDouble() < 0.15;
            if (expired)
            {
                calendar.ExpireSyncTokens();
            }

            var before = SqliteFile.Read(storePath, calendarId);
            var target = MirrorState.OfServer(calendar);
            var full = before.Token is null || calendar.Epoch != EpochOf(before, calendar);
            var pages = (int)Math.Ceiling((full ? target.Items.Count : changeCount) / (double)ItemsPerPage);
            var requestsBefore = requests.Count;

            // Most kills wait until the pass has sent its k-th request (k drawn up to the last page), then a random part of
            // a page's delay, so kills hit every page of the pass and, after the last page, the commit. One attempt in eight
            // kills blindly 0-300 ms after the start instead (opening the store, creating its tables); such a kill counts
            // only if it came after the first request.
            var startUp = rng.Next(0, 8) == 0;
            var waitForRequests = startUp ? 0 : rng.Next(1, Math.Max(1, pages) + 1);
            var extra = startUp ? rng.Next(0, 300) : rng.Next(0, PageDelayMilliseconds + 15);
            var killPoint = startUp ? $"{extra} ms after the start" : $"{extra} ms after request {waitForRequests} of ~{pages}";
            var context = $"worker {worker}, attempt {attempts} ({changed}{(expired ? ", tokens expired" : "")}), kill {killPoint}";

            Interlocked.Increment(ref stats.Started);
            ChildExit end;
            using (var child = ChildSync.Start(_sample, bed.Server.BaseUri, storePath, calendarId))
            {
                await requests.WaitForAsync(requestsBefore + waitForRequests, child, ChildTimeout, cancellationToken);
                await Task.Delay(extra, cancellationToken);
                end = await child.KillAsync();
            }

            var served = requests.Count - requestsBefore;
            var afterKill = SqliteFile.Read(storePath, calendarId);
            if (File.Exists(storePath) && SqliteFile.IntegrityCheck(storePath) is var integrity && integrity != "ok")
            {
                problems.Add($"{context}: integrity_check right after the process ended: {integrity}");
            }

            if (!end.Killed)
            {
                // It ended on its own before the kill: then it must have succeeded and synced everything.
                Interlocked.Increment(ref stats.FinishedBeforeKill);
                if (end.ExitCode != 0)
                {
                    problems.Add($"{context}: the process exited {end.ExitCode} on its own: {end.StdErr.Trim()}");
                }
                else if (!afterKill.Equals(target))
                {
                    problems.Add($"{context}: the process exited 0 on its own but the mirror differs from the server: {afterKill.Diff(target)}");
                }

                continue;
            }

            // Right after the kill: the old state or the whole new one, never a mix.
            if (afterKill.Equals(before))
            {
                if (served > 0)
                {
                    kills++;
                    Interlocked.Increment(ref stats.Kills);
                    Interlocked.Increment(ref stats.KilledBeforeCommit);
                    if (SqliteFile.LeftoverPassData(storePath) is var debris and > 0)
                    {
                        // The pass buffers in its connection's temp database, which dies with the process.
                        problems.Add($"{context}: the killed pass left {debris} tables or rows of its own in the file");
                    }
                }
                else if (startUp)
                {
                    Interlocked.Increment(ref stats.StartUpKills);
                }
                else
                {
                    problems.Add($"{context}: the process sent no request within {ChildTimeout}");
                }
            }
            else if (afterKill.Equals(target))
            {
                kills++;
                Interlocked.Increment(ref stats.Kills);
                Interlocked.Increment(ref stats.KilledAfterCommit);
            }
            else
            {
                problems.Add($"{context} ({served} requests served): the file holds neither the old state ({afterKill.Diff(before)}) nor the new one ({afterKill.Diff(target)})");
            }

            // A fresh process recovers: it exits 0, the mirror equals the server with the server's token, and its own pass
            // leaves nothing behind either.
            Interlocked.Increment(ref stats.Started);
            using (var recovery = ChildSync.Start(_sample, bed.Server.BaseUri, storePath, calendarId))
            {
                var exit = await recovery.WaitAsync(ChildTimeout, cancellationToken);
                if (exit.ExitCode != 0)
                {
                    problems.Add($"{context}: the recovery sync exited {exit.ExitCode}: {exit.StdErr.Trim()}");
                    continue;
                }

                if (exit.StdOut.StartsWith("full", StringComparison.Ordinal))
                {
                    Interlocked.Increment(ref stats.FullRecoveries);
                }
            }

            Interlocked.Increment(ref stats.Recoveries);
            var recovered = SqliteFile.Read(storePath, calendarId);
            if (!recovered.Equals(target))
            {
                problems.Add($"{context}: after recovery the mirror differs from the server: {recovered.Diff(target)}");
            }

            if (SqliteFile.LeftoverPassData(storePath) is var leftover and > 0)
            {
                problems.Add($"{context}: {leftover} tables or rows of a pass remain in the file after the recovery");
            }
        }

        if (kills < quota)
        {
            problems.Add($"worker {worker}: only {kills} of {quota} kills landed after the first request in {attempts - 1} attempts");
        }

        return problems;
    }

    /// <summary>The epoch a stored token was issued in, to predict whether the next pass is a full one.</summary>
    private static int EpochOf(MirrorState state, FakeCalendar calendar) =>
        state.Token is null ? -1 : calendar.Epoch == 0 ? 0 : TokenEpoch(state.Token);

    private static int TokenEpoch(string token)
    {
        // Sync tokens are base64url("s1.{epoch}.{position}.{calendar}") on the fake server; unreadable ones mean "unknown".
        try
        {
            var padded = token.Replace('-', '+').Replace('_', '/');
            padded += new string('=', (4 - (padded.Length % 4)) % 4);
            var parts = System.Text.Encoding.UTF8.GetString(Convert.FromBase64String(padded)).Split('.');
            return int.Parse(parts[1], CultureInfo.InvariantCulture);
        }
        catch (FormatException)
        {
            return -1;
        }
    }

    /// <summary>Counts the requests of one calendar as the server receives them (from a fault rule's predicate).</summary>
    private sealed class RequestCounter
    {
        private int _count;

        public int Count => Volatile.Read(ref _count);

        /// <summary>Counts one request; always true, so that the rule it sits in matches.</summary>
        public bool Increment()
        {
            Interlocked.Increment(ref _count);
            return true;
        }

        /// <summary>Waits until <paramref name="count"/> requests have arrived, or the child ended, or the timeout passed.</summary>
        public async Task WaitForAsync(int count, ChildSync child, TimeSpan timeout, CancellationToken cancellationToken)
        {
            var waited = Stopwatch.StartNew();
            while (Count < count && !child.HasExited && waited.Elapsed < timeout)
            {
                await Task.Delay(2, cancellationToken);
            }
        }
    }

    private sealed class CrashStats
    {
        public int Started;
        public int Kills;
        public int KilledBeforeCommit;
        public int KilledAfterCommit;
        public int StartUpKills;
        public int FinishedBeforeKill;
        public int Recoveries;
        public int FullRecoveries;
    }
}
