using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Diagnostics;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.Data.Sqlite;
using NUnit.Framework;
using SyncGen.Reliability.Tests.Support;
using SyncGen.Testing;

namespace SyncGen.Reliability.Tests;

/// <summary>
/// The CalendarSync sample's <c>sync</c> command, syncing into SQLite, is killed (SIGKILL) at random points of slow passes;
/// right after each kill the file must hold either the state before the pass or the complete new state (never a mix), and
/// a fresh process must then bring the mirror to the server's state with every key once and the server's token.
/// </summary>
[TestFixture]
public sealed class CrashConsistencyTests
{
    private const int Workers = 2;
    private const int PageDelayMilliseconds = 20;
    private const int ItemsPerPage = 8;
    private static readonly TimeSpan ChildTimeout = TimeSpan.FromMinutes(1);

    private FakeCalendarServer _server = null!;
    private DirectoryInfo _folder = null!;
    private string _sample = null!;

    [OneTimeSetUp]
    public async Task StartAsync()
    {
        _sample = Sample.AssemblyPath();
        _server = await FakeCalendarServer.StartAsync();
        _folder = Directory.CreateTempSubdirectory("syncgen-reliability-crash-");
    }

    [OneTimeTearDown]
    public async Task StopAsync()
    {
        await _server.DisposeAsync();
        SqliteConnection.ClearAllPools();
        _folder.Delete(recursive: true);
    }

    [Test]
    public async Task A_sync_process_killed_at_random_points_loses_and_duplicates_nothing()
    {
        var kills = ReliabilitySettings.Kills;
        var seed = ReliabilitySettings.CrashSeed;
        var stats = new CrashStats();
        var clock = Stopwatch.StartNew();

        var workers = Enumerable.Range(0, Workers)
            .Select(w => Task.Run(() => RunWorkerAsync(w, seed + w, (kills + Workers - 1 - w) / Workers, stats)))
            .ToArray();
        var problems = (await Task.WhenAll(workers)).SelectMany(p => p).ToList();
        clock.Stop();

        await TestContext.Out.WriteLineAsync(string.Create(CultureInfo.InvariantCulture,
            $"crash consistency (seed {seed}): {stats.Kills} kills of running sync processes ({stats.KilledMidPass} after the pass had fetched pages, ") +
            string.Create(CultureInfo.InvariantCulture, $"{stats.KilledWithStagedRows} left a staged pass behind; {stats.KilledBeforeRequest} before the first request), {stats.FinishedBeforeKill} syncs finished before their kill; ") +
            string.Create(CultureInfo.InvariantCulture, $"after the kill the file held the old state {stats.OldState} times and the new state {stats.NewState} times; ") +
            string.Create(CultureInfo.InvariantCulture, $"{stats.Recoveries} recoveries ({stats.FullPasses} passes were full syncs), {clock.Elapsed.TotalSeconds:F1} s"));

        Assert.That(problems, Is.Empty, $"seed {seed} (SYNCGEN_RELIABILITY_CRASH_SEED): " + string.Join("\n", problems.Take(10)));
        Assert.That(stats.Kills, Is.EqualTo(kills), "every planned kill hit a running sync process");
        Assert.That(stats.KilledMidPass, Is.GreaterThan(0), "some kills landed in the middle of a pass");
        Assert.That(stats.Recoveries, Is.EqualTo(stats.Kills), "every kill was followed by a successful recovery sync");
    }

    private async Task<List<string>> RunWorkerAsync(int worker, int seed, int kills, CrashStats stats)
    {
        var problems = new List<string>();
        var rng = new Random(seed);
        var calendarId = "crash-" + worker.ToString(CultureInfo.InvariantCulture);
        var calendar = _server.GetCalendar(calendarId);
        var storePath = Path.Combine(_folder.FullName, calendarId + ".db");

        // Every page of this calendar is slow and short, so a pass of a hundred events or more spans a dozen pages or more.
        // The rule's predicate also counts the requests, so that a kill can wait for the pass to reach a chosen page.
        var requestCount = 0;
        _server.Faults.Enqueue(new FaultRule(Fault.Delay(TimeSpan.FromMilliseconds(PageDelayMilliseconds), Fault.ShortPage(ItemsPerPage)))
        {
            CalendarId = calendarId,
            When = _ =>
            {
                Interlocked.Increment(ref requestCount);
                return true;
            },
            Times = int.MaxValue,
        });
        calendar.AddMany(rng.Next(100, 160), "crash");
        var nextId = 1;

        var attempts = 0;
        while (Volatile.Read(ref stats.KillsByWorker[worker]) < kills && attempts++ < kills * 3)
        {
            // Changes before the pass (never during it): small incremental passes, large ones, and full syncs after expiry.
            var changes = rng.Next(0, 4) == 0 ? rng.Next(30, 80) : rng.Next(0, 25);
            Mutate(calendar, rng, changes, ref nextId);
            if (rng.NextDouble() < 0.15)
            {
                calendar.ExpireSyncTokens();
            }

            var before = File.Exists(storePath) ? SqliteFile.Read(storePath, calendarId) : new MirrorState(null, Array.Empty<string>());
            var target = MirrorState.OfServer(calendar);
            var full = before.Token is null || calendar.Epoch != EpochOf(before, calendar);
            var pages = (int)Math.Ceiling((full ? target.Items.Count : Math.Max(1, changes)) / (double)ItemsPerPage);
            var requestsBefore = Volatile.Read(ref requestCount);
            var passesBefore = File.Exists(storePath) ? SqliteFile.Scalar(storePath, "SELECT COUNT(*) FROM syncgen_passes;") : 0;

            // One kill in five lands blindly in the first 400 ms (start-up, opening the store, the first request); the others
            // wait until the pass has sent its k-th request (k up to the last page), then a random part of a page's delay,
            // so kills hit every page of the pass and, after the last page, the commit.
            var blind = rng.Next(0, 5) == 0;
            var waitForRequests = rng.Next(1, pages + 1);
            var extra = TimeSpan.FromMilliseconds(blind ? rng.Next(0, 400) : rng.Next(0, PageDelayMilliseconds + 15));
            var killPoint = blind ? $"{extra.TotalMilliseconds} ms after start" : $"{extra.TotalMilliseconds} ms after request {waitForRequests} of ~{pages}";
            using (var child = ChildSync.Start(_sample, _server.BaseUri, storePath, calendarId))
            {
                var waited = Stopwatch.StartNew();
                while (!blind && Volatile.Read(ref requestCount) - requestsBefore < waitForRequests && !child.HasExited && waited.Elapsed < ChildTimeout)
                {
                    await Task.Delay(2);
                }

                await Task.Delay(extra);
                var killed = await child.KillAsync();
                var requests = Volatile.Read(ref requestCount) - requestsBefore;
                if (!killed)
                {
                    Interlocked.Increment(ref stats.FinishedBeforeKill);
                }
                else
                {
                    Interlocked.Increment(ref stats.Kills);
                    Interlocked.Increment(ref stats.KillsByWorker[worker]);
                    Interlocked.Increment(ref requests > 0 ? ref stats.KilledMidPass : ref stats.KilledBeforeRequest);
                }

                // Right after the kill: the old state or the whole new one, never a mix; SQLite's own check passes.
                if (File.Exists(storePath))
                {
                    var afterKill = SqliteFile.Read(storePath, calendarId);
                    if (afterKill.Equals(before))
                    {
                        Interlocked.Increment(ref stats.OldState);
                    }
                    else if (afterKill.Equals(target))
                    {
                        Interlocked.Increment(ref stats.NewState);
                    }
                    else
                    {
                        problems.Add($"worker {worker}, kill {killPoint} ({requests} requests): the file holds neither the old state ({afterKill.Diff(before)}) nor the new one ({afterKill.Diff(target)})");
                    }

                    if (SqliteFile.Scalar(storePath, "SELECT COUNT(*) FROM syncgen_passes;") > passesBefore)
                    {
                        Interlocked.Increment(ref stats.KilledWithStagedRows);
                    }

                    var integrity = SqliteFile.IntegrityCheck(storePath);
                    if (integrity != "ok")
                    {
                        problems.Add($"worker {worker}: integrity_check after a kill: {integrity}");
                    }
                }

                if (!killed)
                {
                    continue;
                }
            }

            // A fresh process recovers: the mirror equals the server, each key once, the token the server's.
            using (var recovery = ChildSync.Start(_sample, _server.BaseUri, storePath, calendarId))
            {
                var (exitCode, stdout, stderr) = await recovery.WaitAsync(ChildTimeout);
                if (exitCode != 0)
                {
                    problems.Add($"worker {worker}: the recovery sync exited {exitCode}: {stderr.Trim()}");
                    continue;
                }

                if (stdout.StartsWith("full", StringComparison.Ordinal))
                {
                    Interlocked.Increment(ref stats.FullPasses);
                }
            }

            Interlocked.Increment(ref stats.Recoveries);
            var recovered = SqliteFile.Read(storePath, calendarId);
            if (!recovered.Equals(target))
            {
                problems.Add($"worker {worker}: after recovery the mirror differs from the server: {recovered.Diff(target)}");
            }

            var duplicates = SqliteFile.Duplicates(storePath);
            if (duplicates.Count > 0)
            {
                problems.Add($"worker {worker}: duplicated rows: {string.Join(", ", duplicates)}");
            }
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

    private static void Mutate(FakeCalendar calendar, Random rng, int count, ref int nextId)
    {
        var start = new DateTimeOffset(2026, 3, 1, 9, 0, 0, TimeSpan.Zero);
        for (var i = 0; i < count; i++)
        {
            var live = calendar.LiveEvents;
            var roll = rng.NextDouble();
            if (live.Count < 20 || roll < 0.4)
            {
                calendar.Upsert(new FakeEvent("new-" + (nextId++).ToString("D5", CultureInfo.InvariantCulture), "new", start.AddHours(rng.Next(0, 1000))));
            }
            else if (roll < 0.75)
            {
                var target = live[rng.Next(live.Count)];
                calendar.Upsert(target with { Summary = "changed " + rng.Next().ToString(CultureInfo.InvariantCulture) });
            }
            else
            {
                calendar.Delete(live[rng.Next(live.Count)].Id);
            }
        }
    }

    private sealed class CrashStats
    {
        public readonly int[] KillsByWorker = new int[Workers];
        public int Kills;
        public int KilledMidPass;
        public int KilledBeforeRequest;
        public int KilledWithStagedRows;
        public int FinishedBeforeKill;
        public int OldState;
        public int NewState;
        public int Recoveries;
        public int FullPasses;
    }
}
