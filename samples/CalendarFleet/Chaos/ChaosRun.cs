using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Net.Http;
using System.Threading;
using System.Threading.Tasks;
using CalendarFleet.Worker;
using Microsoft.Extensions.Logging.Abstractions;
using SyncGen.Testing.FakeServer;
using SyncGen.PostgreSql;
using SyncGen.Testing;

namespace CalendarFleet.Chaos;

/// <summary>One chaos run; see <see cref="ChaosCommand"/>.</summary>
internal sealed class ChaosRun(string connectionString, ChaosOptions options, TextWriter output)
{
    // One schema and one Quartz scheduler name per run: runs never see each other's jobs or mirrors.
    private readonly string _runId = Guid.NewGuid().ToString("N")[..8];
    private readonly Random _random = new(options.Seed);

    private string Schema => "fleet_" + _runId;

    private string SchedulerName => "fleet-" + _runId;

    public async Task<FleetReport> RunAsync(CancellationToken cancellationToken)
    {
        var clock = Stopwatch.StartNew();
        using var workers = new WorkerGroup("calendar-fleet-", "w", _runId);
        await output.WriteLineAsync($"chaos run {_runId}: {options.Describe()}; worker logs in {workers.LogDirectory}").ConfigureAwait(false);
        await using var server = await FakeCalendarServer.StartAsync(cancellationToken: cancellationToken).ConfigureAwait(false);
        var calendars = Enumerable.Range(1, options.Calendars).Select(FleetSettings.CalendarId).ToArray();
        foreach (var calendar in calendars)
        {
            server.GetCalendar(calendar).AddMany(3 + _random.Next(8), idPrefix: "evt");
        }

        await using var database = PostgreSqlSyncDatabase.Create(connectionString, new PostgreSqlSyncStoreOptions { Schema = Schema });
        await FleetSchema.EnsureAsync(database, cancellationToken).ConfigureAwait(false);
        await FleetChecks.InstallTokenHistoryAsync(database, cancellationToken).ConfigureAwait(false);

        var workerArguments = new[]
        {
            "--connection", connectionString,
            "--server", server.BaseUri.ToString(),
            "--calendars", options.Calendars.ToString(CultureInfo.InvariantCulture),
            "--schema", Schema,
            "--scheduler", SchedulerName,
            "--interval-seconds", options.Interval.TotalSeconds.ToString(CultureInfo.InvariantCulture),
            "--lease-seconds", options.Lease.TotalSeconds.ToString(CultureInfo.InvariantCulture),
            "--concurrency", options.Concurrency.ToString(CultureInfo.InvariantCulture),
        };

        for (var i = 0; i < options.Workers; i++)
        {
            workers.Start(workerArguments);
        }

        // Let the fleet come up and mirror every calendar once before the changes and kills start, so that they hit
        // a fleet at work and the throughput below is the steady state, not process and scheduler start-up.
        var warmUp = Stopwatch.StartNew();
        while (await CountAsync(database, $"SELECT count(*) FROM {Schema}.state;", cancellationToken).ConfigureAwait(false) < calendars.Length
            && warmUp.Elapsed < options.ConvergeTimeout)
        {
            await Task.Delay(TimeSpan.FromMilliseconds(500), cancellationToken).ConfigureAwait(false);
        }

        await output.WriteLineAsync(string.Create(CultureInfo.InvariantCulture,
            $"first full sync of every calendar took {warmUp.Elapsed.TotalSeconds:0}s from the workers' start")).ConfigureAwait(false);
        var committedBefore = await CountAsync(database, $"SELECT count(*) FROM {Schema}.token_history;", cancellationToken).ConfigureAwait(false);
        var phaseClock = Stopwatch.StartNew();
        var pausing = PauseWorkersAsync(server, database, workers, phaseClock, cancellationToken);
        var kills = await ChangeAndKillAsync(server, calendars, workerArguments, workers, cancellationToken).ConfigureAwait(false);
        var pauses = await pausing.ConfigureAwait(false);
        var committed = await CountAsync(database, $"SELECT count(*) FROM {Schema}.token_history;", cancellationToken).ConfigureAwait(false) - committedBefore;
        await output.WriteLineAsync(string.Create(CultureInfo.InvariantCulture,
            $"throughput: {committed} passes committed in {phaseClock.Elapsed.TotalSeconds:0.0}s of changes = {committed / phaseClock.Elapsed.TotalSeconds:0.0} passes/s, {committed / phaseClock.Elapsed.TotalSeconds / options.Workers:0.0} per worker")).ConfigureAwait(false);
        await output.WriteLineAsync(string.Create(CultureInfo.InvariantCulture,
            $"changes stopped at {clock.Elapsed.TotalSeconds:0}s after {kills} kills and {pauses} pauses; waiting for convergence")).ConfigureAwait(false);

        var converged = 0;
        var deadline = Stopwatch.StartNew();
        while (true)
        {
            try
            {
                converged = await FleetChecks.CountConvergedAsync(database, server, calendars, cancellationToken).ConfigureAwait(false);
            }
            catch (Npgsql.NpgsqlException exception) when (IsConnectionLoss(exception))
            {
                // The database is away (restarted under the run): count again in a second.
            }

            if (converged == calendars.Length || deadline.Elapsed > options.ConvergeTimeout)
            {
                break;
            }

            await Task.Delay(TimeSpan.FromSeconds(1), cancellationToken).ConfigureAwait(false);
        }

        await output.WriteLineAsync(string.Create(CultureInfo.InvariantCulture,
            $"{converged} of {calendars.Length} converged {deadline.Elapsed.TotalSeconds:0}s after the changes stopped; stopping workers")).ConfigureAwait(false);
        await workers.StopAllAsync(TimeSpan.FromSeconds(30)).ConfigureAwait(false);

        var (passes, overlaps) = FleetChecks.AnalyzeJournal(server.Requests);
        var regressions = await FleetChecks.CountTokenRegressionsAsync(database, cancellationToken).ConfigureAwait(false);
        var refused = await CountAsync(database, $"SELECT count(*) FROM {Schema}.refusals;", cancellationToken).ConfigureAwait(false);
        await output.WriteLineAsync(string.Create(CultureInfo.InvariantCulture,
            $"run took {clock.Elapsed.TotalSeconds:0}s; {kills} workers killed, {pauses} paused past their lease, {workers.Workers.Count} started")).ConfigureAwait(false);
        await RunCleanup.DropRunAsync(database, SchedulerName).ConfigureAwait(false);
        var report = new FleetReport(calendars.Length, converged, passes, overlaps, refused, regressions);
        workers.RunEnded(report.Passed);
        return report;
    }

    /// <summary>Changes calendars at the asked rate for the change phase, killing a worker at evenly spread moments.</summary>
    private async Task<int> ChangeAndKillAsync(FakeCalendarServer server, string[] calendars, IReadOnlyList<string> arguments, WorkerGroup workers, CancellationToken cancellationToken)
    {
        var phase = Stopwatch.StartNew();
        var killAt = Enumerable.Range(0, options.Kills)
            .Select(i => options.ChangePhase * ((i + 0.5 + (_random.NextDouble() - 0.5) * 0.5) / Math.Max(options.Kills, 1)))
            .OrderBy(at => at)
            .ToList();
        var kills = 0;
        var changes = new RandomChanges(_random);
        var changesDone = 0L;
        // Kills that found no worker up long enough are retried, but not past twice the change phase.
        while (phase.Elapsed < options.ChangePhase || (killAt.Count > 0 && phase.Elapsed < options.ChangePhase * 2))
        {
            var due = (long)(phase.Elapsed.TotalSeconds * options.ChangesPerSecond);
            for (; changesDone < due && phase.Elapsed < options.ChangePhase; changesDone++)
            {
                changes.ChangeOne(server.GetCalendar(calendars[_random.Next(calendars.Length)]));
            }

            workers.ThrowIfAllExited();

            if (killAt.Count > 0 && phase.Elapsed >= killAt[0])
            {
                killAt.RemoveAt(0);
                // Kill a worker that has been up long enough to be working (process start and Quartz start take a while).
                var victims = Working(workers).ToList();
                if (victims.Count > 0 && victims[_random.Next(victims.Count)].KillHard())
                {
                    kills++;
                    workers.Start(arguments);
                }
                else
                {
                    killAt.Add(phase.Elapsed + TimeSpan.FromMilliseconds(500)); // nobody killable yet: try again soon
                }
            }

            await Task.Delay(TimeSpan.FromMilliseconds(20), cancellationToken).ConfigureAwait(false);
        }

        return kills;
    }

    /// <summary>Workers up long enough to be working (process start and Quartz start take a while), and not paused.</summary>
    private static IEnumerable<WorkerProcess> Working(WorkerGroup workers) =>
        workers.Workers.Where(w => !w.HasExited && !w.IsPaused && DateTimeOffset.UtcNow - w.Started > TimeSpan.FromSeconds(3));

    /// <summary>
    /// Freezes workers with SIGSTOP while one of their passes waits for a page, at evenly spread moments of the change
    /// phase, for longer than the lease plus the cluster's failure detection, then resumes them with SIGCONT. Meanwhile
    /// the frozen worker's calendar changes and a second firing of its job commits it, so the frozen pass, resumed, must
    /// be refused when it writes (a <c>SyncLeaseLostException</c>, counted as staleCommitsRefused), writing nothing.
    /// </summary>
    private async Task<int> PauseWorkersAsync(FakeCalendarServer server, PostgreSqlSyncDatabase database, WorkerGroup workers, Stopwatch phase, CancellationToken cancellationToken)
    {
        var frozenFor = options.Lease + (2 * FleetSettings.DefaultCheckinInterval) + TimeSpan.FromSeconds(3);
        var paused = 0;
        for (var i = 0; i < options.Pauses; i++)
        {
            var due = options.ChangePhase * ((i + 0.5) / options.Pauses);
            if (due > phase.Elapsed)
            {
                await Task.Delay(due - phase.Elapsed, cancellationToken).ConfigureAwait(false);
            }

            // Up to ten tries to catch a worker in the middle of a pass; an idle one would hold no lease to lose.
            for (var attempt = 0; attempt < 10; attempt++)
            {
                var candidates = Working(workers).ToList();
                if (candidates.Count == 0)
                {
                    await Task.Delay(TimeSpan.FromMilliseconds(500), cancellationToken).ConfigureAwait(false);
                    continue;
                }

                var victim = candidates[_random.Next(candidates.Count)];
                var tagPrefix = victim.Name + ".";
                var requested = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);

                // The server holds the victim's next page request until 5 s after it is resumed: it is frozen mid-pass, and
                // once resumed it still waits while the cluster sees it missed its check-ins and another worker takes the
                // calendar over. A frozen worker may hold Quartz's cluster lock, which stalls every worker until it resumes.
                server.Faults.Enqueue(
                    Fault.Delay(frozenFor + TimeSpan.FromSeconds(5)),
                    request => request.GetQueryValue("quotaUser") is { } tag && tag.StartsWith(tagPrefix, StringComparison.Ordinal)
                        && request.CalendarId is { } calendarId && requested.TrySetResult(calendarId),
                    times: 1);
                var arrived = await Task.WhenAny(requested.Task, Task.Delay(TimeSpan.FromSeconds(5), cancellationToken)).ConfigureAwait(false) == requested.Task;
                if (!arrived)
                {
                    requested.TrySetCanceled(CancellationToken.None); // the armed rule then never fires
                    continue;
                }

                if (victim.Pause())
                {
                    // A change the frozen pass cannot have seen: the worker that takes the calendar over commits it, so the
                    // frozen pass's commit, which must only land on the state it began from, is refused. (A takeover that
                    // found nothing new would write nothing, and the frozen pass's commit would then rightly stand.)
                    var calendar = await requested.Task.ConfigureAwait(false);
                    TouchOne(server.GetCalendar(calendar));
                    await output.WriteLineAsync(string.Create(CultureInfo.InvariantCulture,
                        $"paused {victim.Name} mid-pass for {frozenFor.TotalSeconds:0}s (SIGSTOP)")).ConfigureAwait(false);
                    try
                    {
                        // Quartz rightly defers recovering a job that may still run on the frozen worker, so no worker of the
                        // fleet takes the calendar over. The run fires the job a second time itself once the frozen pass's
                        // lease has expired, as a scheduler's misfire race or an operator's manual sync would.
                        var frozen = Stopwatch.StartNew();
                        await Task.Delay(options.Lease + TimeSpan.FromSeconds(1), cancellationToken).ConfigureAwait(false);
                        await FireAgainAsync(server, calendar, cancellationToken).ConfigureAwait(false);
                        if (frozenFor > frozen.Elapsed)
                        {
                            await Task.Delay(frozenFor - frozen.Elapsed, cancellationToken).ConfigureAwait(false);
                        }
                    }
                    finally
                    {
                        victim.Resume();
                    }

                    // Its held page is answered 5 s later: the run goes on (and may stop the workers) once the resumed pass
                    // met the fence, or did not within 20 s.
                    var waited = Stopwatch.StartNew();
                    var refusals = $"SELECT count(*) FROM {Schema}.refusals WHERE worker = '{victim.Name}';";
                    while (await CountAsync(database, refusals, cancellationToken).ConfigureAwait(false) == 0 && waited.Elapsed < TimeSpan.FromSeconds(20))
                    {
                        await Task.Delay(TimeSpan.FromMilliseconds(200), cancellationToken).ConfigureAwait(false);
                    }

                    paused++;
                }

                break;
            }
        }

        return paused;
    }

    /// <summary>One pass of <paramref name="calendar"/> run by this process, through the same runner and store as a worker's.</summary>
    private async Task FireAgainAsync(FakeCalendarServer server, string calendar, CancellationToken cancellationToken)
    {
        var name = "chaos-" + _runId;
        await using var database = PostgreSqlSyncDatabase.Create(connectionString, new PostgreSqlSyncStoreOptions
        {
            Schema = Schema,
            LeaseDuration = options.Lease,
            Holder = name,
        });
        using var http = new HttpClient();
        var settings = new FleetSettings { ConnectionString = connectionString, ServerUri = server.BaseUri, Calendars = options.Calendars, StoreSchema = Schema };
        var runner = new CalendarRunner(database, http, settings, new PassTags(name), name, NullLogger<CalendarEventsRepository>.Instance);
        await runner.SyncAsync(calendar, cancellationToken).ConfigureAwait(false);
    }

    private void TouchOne(FakeCalendar calendar)
    {
        // The first live event, not a random one: the change loop draws from the run's Random on another thread.
        var target = calendar.LiveEvents[0];
        calendar.Upsert(target with { Summary = $"{target.Summary} (changed while its worker was frozen)" });
    }

    /// <summary>One count; retried for up to a minute while the database is away (restarted under the run), as the workers retry.</summary>
    private static async Task<long> CountAsync(PostgreSqlSyncDatabase database, string sql, CancellationToken cancellationToken)
    {
        var away = Stopwatch.StartNew();
        while (true)
        {
            try
            {
                await using var command = database.DataSource.CreateCommand(sql);
                return (long)(await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false))!;
            }
            catch (Npgsql.NpgsqlException exception) when (IsConnectionLoss(exception) && away.Elapsed < TimeSpan.FromMinutes(1))
            {
                await Task.Delay(TimeSpan.FromMilliseconds(500), cancellationToken).ConfigureAwait(false);
            }
        }
    }

    // Refused, reset, or ended by the server's shutdown (57P01) or start-up (57P03): the database is away, not wrong.
    private static bool IsConnectionLoss(Npgsql.NpgsqlException exception) =>
        exception is Npgsql.PostgresException { SqlState: "57P01" or "57P02" or "57P03" } || exception is not Npgsql.PostgresException;
}
