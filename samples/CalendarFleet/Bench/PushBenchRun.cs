using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Net.Http;
using System.Threading;
using System.Threading.Tasks;
using CalendarFleet.Chaos;
using CalendarFleet.Worker;
using Microsoft.Extensions.Logging.Abstractions;
using SyncGen.PostgreSql;
using SyncGen.Testing.FakeServer;

namespace CalendarFleet.Bench;

/// <summary>One push-bench run; see <see cref="PushBenchCommand"/>.</summary>
internal sealed class PushBenchRun(string connectionString, PushBenchOptions options, TextWriter output)
{
    private readonly string _runId = Guid.NewGuid().ToString("N")[..8];
    private readonly Random _random = new(options.Seed);

    private string Schema => "bench_" + _runId;

    private string SchedulerName => "bench-" + _runId;

    public async Task<PushBenchReport> RunAsync(CancellationToken cancellationToken)
    {
        using var workers = new WorkerGroup("calendar-fleet-bench-", "b", _runId);
        await output.WriteLineAsync($"push-bench {_runId}: {options.Describe()}; worker logs in {workers.LogDirectory}").ConfigureAwait(false);
        var quota = new FakeUserQuota(options.QuotaPerUser, TimeSpan.FromMinutes(1), calendar => FleetSettings.UserOf(calendar, options.CalendarsPerUser));
        await using var server = await FakeCalendarServer.StartAsync(new FakeCalendarServerOptions { Quota = quota }, cancellationToken).ConfigureAwait(false);
        var calendars = Enumerable.Range(1, options.Calendars).Select(FleetSettings.CalendarId).ToArray();
        foreach (var calendar in calendars)
        {
            server.GetCalendar(calendar).AddMany(3 + _random.Next(8), idPrefix: "evt");
        }

        await using var database = PostgreSqlSyncDatabase.Create(connectionString, new PostgreSqlSyncStoreOptions { Schema = Schema });
        await FleetSchema.EnsureAsync(database, cancellationToken).ConfigureAwait(false);
        await FleetChecks.InstallTokenHistoryAsync(database, cancellationToken).ConfigureAwait(false);

        // The fleet starts as one that has been running: every calendar mirrored once (here, through the workers' own
        // runner and store), so its workers' first firings, spread over the long polling interval, are not waited for.
        var warmUp = Stopwatch.StartNew();
        await MirrorAllAsync(server, calendars, cancellationToken).ConfigureAwait(false);
        var arguments = WorkerArguments(server);
        for (var i = 0; i < options.Workers; i++)
        {
            workers.Start(arguments);
        }

        // With push, every calendar watched before the changes start.
        while (warmUp.Elapsed < options.ConvergeTimeout
            && (await CountAsync(database, $"SELECT count(*) FROM {Schema}.state;", cancellationToken).ConfigureAwait(false) < calendars.Length
                || (options.Push && server.Channels.Live.Count < calendars.Length)))
        {
            workers.ThrowIfAllExited();
            await Task.Delay(TimeSpan.FromMilliseconds(250), cancellationToken).ConfigureAwait(false);
        }

        var synced = await CountAsync(database, $"SELECT count(*) FROM {Schema}.state;", cancellationToken).ConfigureAwait(false);
        await output.WriteLineAsync(string.Create(CultureInfo.InvariantCulture,
            $"warm-up {warmUp.Elapsed.TotalSeconds:0}s: {synced} calendars synced, {server.Channels.Live.Count} watched")).ConfigureAwait(false);

        var phaseStart = DateTimeOffset.UtcNow;
        var journalBefore = server.Requests.Count;
        var channelCallsBefore = server.Channels.Calls.Count;   // watch and channels/stop calls
        var latencies = new ChangeLatencies();
        var forged = new List<Task<int>>();
        await ChangeAsync(server, calendars, latencies, forged, workers, cancellationToken).ConfigureAwait(false);
        await output.WriteLineAsync($"{latencies.Count} changes made; waiting for convergence").ConfigureAwait(false);

        var converged = 0;
        var waiting = Stopwatch.StartNew();
        while (true)
        {
            converged = await FleetChecks.CountConvergedAsync(database, server, calendars, cancellationToken).ConfigureAwait(false);
            if (converged == calendars.Length || waiting.Elapsed > options.ConvergeTimeout)
            {
                break;
            }

            await Task.Delay(TimeSpan.FromMilliseconds(500), cancellationToken).ConfigureAwait(false);
        }

        await server.WhenRequestsAnsweredAsync(cancellationToken).ConfigureAwait(false);
        var requests = server.Requests.Count - journalBefore + (server.Channels.Calls.Count - channelCallsBefore);
        var forgedStatuses = await Task.WhenAll(forged).ConfigureAwait(false);
        await output.WriteLineAsync(string.Create(CultureInfo.InvariantCulture,
            $"{converged} of {calendars.Length} converged {waiting.Elapsed.TotalSeconds:0}s after the changes stopped; {requests} requests since the changes started")).ConfigureAwait(false);
        await workers.StopAllAsync(TimeSpan.FromSeconds(30)).ConfigureAwait(false);

        var (sorted, missed) = latencies.Measure(await ReadCommitsAsync(database, cancellationToken).ConfigureAwait(false));
        var p99 = ChangeLatencies.Percentile(sorted, 99);
        var report = new PushBenchReport
        {
            Calendars = calendars.Length,
            Changes = latencies.Count,
            Converged = converged,
            MissedChanges = missed,
            P50Ms = Math.Round(ChangeLatencies.Percentile(sorted, 50)),
            P90Ms = Math.Round(ChangeLatencies.Percentile(sorted, 90)),
            P99Ms = Math.Round(p99),
            MaxMs = Math.Round(ChangeLatencies.Percentile(sorted, 100)),
            RequestsPerChange = Ratio(requests, latencies.Count),
            // Polling every calendar once per p99 keeps 99% of changes within it (a change waits at most one interval
            // for the next poll); an idle incremental poll is one request.
            PollingRequestsPerChange = p99 > 0 && options.ChangesPerSecond > 0 ? Math.Round(calendars.Length / (p99 / 1000) / options.ChangesPerSecond, 2) : 0,
            ForgedSent = forgedStatuses.Length,
            ForgedAccepted = forgedStatuses.Count(status => status is >= 200 and < 300),
            MaxRequestsPerMinutePerKey = quota.MaxInWindow,
            QuotaPerMinutePerKey = quota.RequestsPerWindow,
            QuotaRefusals = quota.Refused,
            Push = options.Push,
        };
        await RunCleanup.DropRunAsync(database, SchedulerName).ConfigureAwait(false);
        workers.RunEnded(report.Passed);
        return report;
    }

    /// <summary>One full pass of every calendar, eight at a time, through the same runner and store a worker uses.</summary>
    private async Task MirrorAllAsync(FakeCalendarServer server, string[] calendars, CancellationToken cancellationToken)
    {
        var name = "bench-" + _runId;
        await using var database = PostgreSqlSyncDatabase.Create(connectionString, new PostgreSqlSyncStoreOptions { Schema = Schema, Holder = name });
        using var http = new HttpClient();
        var settings = new FleetSettings { ConnectionString = connectionString, ServerUri = server.BaseUri, Calendars = options.Calendars, StoreSchema = Schema };
        var runner = new CalendarRunner(database, http, settings, new PassTags(name), name, NullLogger<CalendarEventsRepository>.Instance);
        await Parallel.ForEachAsync(calendars, new ParallelOptions { MaxDegreeOfParallelism = 8, CancellationToken = cancellationToken },
            async (calendar, token) => await runner.SyncAsync(calendar, token).ConfigureAwait(false)).ConfigureAwait(false);
    }

    private string[] WorkerArguments(FakeCalendarServer server)
    {
        var arguments = new List<string>
        {
            "--connection", connectionString,
            "--server", server.BaseUri.ToString(),
            "--calendars", options.Calendars.ToString(CultureInfo.InvariantCulture),
            "--schema", Schema,
            "--scheduler", SchedulerName,
            "--interval-seconds", options.Interval.TotalSeconds.ToString(CultureInfo.InvariantCulture),
            "--concurrency", options.Concurrency.ToString(CultureInfo.InvariantCulture),
            "--calendars-per-user", options.CalendarsPerUser.ToString(CultureInfo.InvariantCulture),
            // The workers' shared budget sits a tenth below the server's: the server counts arrivals, not admissions.
            "--quota-per-user", Math.Max(2, options.QuotaPerUser * 9 / 10).ToString(CultureInfo.InvariantCulture),
            "--full-pass-jitter-seconds", "2",
        };
        if (options.Push)
        {
            arguments.AddRange(["--webhook-listen", "http://127.0.0.1:0"]);
        }

        return arguments.ToArray();
    }

    /// <summary>Changes random calendars at the asked rate, and beside every change sends one forged notification to a webhook of the fleet.</summary>
    private async Task ChangeAsync(FakeCalendarServer server, string[] calendars, ChangeLatencies latencies, List<Task<int>> forged, WorkerGroup workers, CancellationToken cancellationToken)
    {
        var changes = new RandomChanges(_random);
        var phase = Stopwatch.StartNew();
        var done = 0L;
        while (phase.Elapsed < options.Duration)
        {
            var due = (long)(phase.Elapsed.TotalSeconds * options.ChangesPerSecond);
            for (; done < due; done++)
            {
                var calendar = calendars[_random.Next(calendars.Length)];
                var position = changes.ChangeOne(server.GetCalendar(calendar));
                latencies.Made(calendar, position, DateTimeOffset.UtcNow);
                if (Forge(server) is { } forgery)
                {
                    forged.Add(forgery);
                }
            }

            workers.ThrowIfAllExited();
            await Task.Delay(TimeSpan.FromMilliseconds(10), cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>A notification no channel sent: for a live channel with a wrong token, or for a channel that does not exist.</summary>
    private Task<int>? Forge(FakeCalendarServer server)
    {
        var live = server.Channels.Live;
        if (live.Count == 0)
        {
            return null;
        }

        var victim = live[_random.Next(live.Count)];
        return _random.Next(2) == 0
            ? server.Channels.ForgeAsync(victim.Address, victim.Id, "forged-" + Guid.NewGuid().ToString("N"))
            : server.Channels.ForgeAsync(victim.Address, "unknown-" + Guid.NewGuid().ToString("N"), victim.Token);
    }

    private async Task<List<(string Calendar, string Token, DateTimeOffset At)>> ReadCommitsAsync(PostgreSqlSyncDatabase database, CancellationToken cancellationToken)
    {
        var commits = new List<(string, string, DateTimeOffset)>();
        await using var command = database.DataSource.CreateCommand($"SELECT collection, sync_token, committed_at FROM {Schema}.token_history ORDER BY seq;");
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            commits.Add((reader.GetString(0), reader.GetString(1), reader.GetFieldValue<DateTimeOffset>(2)));
        }

        return commits;
    }

    private static async Task<long> CountAsync(PostgreSqlSyncDatabase database, string sql, CancellationToken cancellationToken)
    {
        await using var command = database.DataSource.CreateCommand(sql);
        return (long)(await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false))!;
    }

    private static double Ratio(long part, int whole) => whole == 0 ? 0 : Math.Round((double)part / whole, 2);
}
