using System;
using System.Collections.Generic;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Npgsql;
using Quartz;

namespace SyncGen.Hosting;

/// <summary>
/// Every <see cref="SyncWorkerOptions.TriggerCheckInterval"/>, puts back on its interval any collection whose trigger
/// can no longer fire: gone, in error, blocked by a firing of this node that no longer runs or by none, acquired by none.
/// </summary>
/// <remarks>
/// <para>
/// Quartz keeps a serial job's trigger BLOCKED while a firing row (<c>qrtz_fired_triggers</c>, state EXECUTING) says the
/// job runs, and only the node that ran it (its job completion) or the recovery of a dead node removes that row. A
/// PostgreSQL restart under failing passes was seen to leave collections that were never fired again while their
/// workers lived (3 of 200, each one whose pass the restart cut; docs/scale.md): a trigger BLOCKED by a row that nobody
/// completes, or by no row at all. The same check catches the other ways a collection can silently stop: its trigger
/// deleted, put in ERROR, or ACQUIRED with no firing row.
/// </para>
/// <para>
/// Each node deletes only its own firing rows, and only those older than the check interval that are not among the
/// passes it is running, so a pass in progress anywhere is never touched. A trigger is then reset to WAITING only when
/// it is overdue by more than the check interval and no firing row stands for it, which Quartz itself never leaves
/// committed (it writes the row and the state in one transaction). All of it runs under Quartz's own
/// <c>TRIGGER_ACCESS</c> lock row, serialized with Quartz's firing and completion; one more query per check finds
/// every collection whose trigger is gone or in error, whatever the number of collections.
/// </para>
/// </remarks>
internal sealed partial class SyncTriggerCheck(ISchedulerFactory schedulers, RunningFirings firings, IOptions<SyncWorkerOptions> options, ILogger<SyncTriggerCheck> logger) : BackgroundService
{
    // AddSyncGenWorker provisions Quartz's tables with Quartz's default prefix.
    private const string Prefix = "qrtz_";

    private readonly SyncWorkerOptions _options = options.Value;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(_options.TriggerCheckInterval);
        await using var dataSource = NpgsqlDataSource.Create(_options.QuartzConnectionString());
        while (await timer.WaitForNextTickAsync(stoppingToken).ConfigureAwait(false))
        {
            try
            {
                await CheckAsync(dataSource, stoppingToken).ConfigureAwait(false);
            }
            catch (Exception exception) when (!stoppingToken.IsCancellationRequested)
            {
                // The database is away, most likely: the next tick tries again. Never let it end the host.
                Log.CheckFailed(logger, exception);
            }
        }
    }

    /// <summary>Runs one check; returns how many collections it put back on their interval.</summary>
    internal async Task<int> CheckAsync(NpgsqlDataSource dataSource, CancellationToken cancellationToken)
    {
        var scheduler = await schedulers.GetScheduler(cancellationToken).ConfigureAwait(false);
        if (scheduler.Status != SchedulerStatus.Running)
        {
            return 0;
        }

        var released = await ReleaseStaleFiringsAsync(dataSource, cancellationToken).ConfigureAwait(false);
        var restored = 0;
        foreach (var collection in await SelectUnschedulableAsync(dataSource, cancellationToken).ConfigureAwait(false))
        {
            var trigger = SyncCollectionScheduler.BuildTrigger(collection, _options.Interval, DateTimeOffset.UtcNow + Jitter());
            if (await scheduler.RescheduleJob(trigger.Key, trigger, cancellationToken).ConfigureAwait(false) is null)
            {
                try
                {
                    await scheduler.ScheduleJob(trigger, default, cancellationToken).ConfigureAwait(false);
                }
                catch (ObjectAlreadyExistsException)
                {
                    // Another node restored it meanwhile.
                }
            }

            Log.Restored(logger, collection);
            restored++;
        }

        return released + restored;
    }

    private async Task<int> ReleaseStaleFiringsAsync(NpgsqlDataSource dataSource, CancellationToken cancellationToken)
    {
        // Read before the firing rows: a pass running now that was fired before the stale bound is in this list.
        var running = firings.Snapshot().ToArray();
        var staleBefore = (DateTimeOffset.UtcNow - _options.TriggerCheckInterval).UtcTicks;

        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
        await using var command = new NpgsqlCommand(
            $"""
            SELECT 1 FROM {Prefix}locks WHERE sched_name = @sched AND lock_name = 'TRIGGER_ACCESS' FOR UPDATE;
            DELETE FROM {Prefix}fired_triggers
            WHERE sched_name = @sched AND instance_name = @instance AND job_group = @group AND state = 'EXECUTING'
              AND fired_time < @staleBefore AND entry_id <> ALL(@running);
            UPDATE {Prefix}triggers t SET trigger_state = 'WAITING'
            WHERE t.sched_name = @sched AND t.trigger_group = @group AND t.next_fire_time < @staleBefore
              AND ((t.trigger_state = 'BLOCKED'
                    AND NOT EXISTS (SELECT 1 FROM {Prefix}fired_triggers f
                                    WHERE f.sched_name = t.sched_name AND f.job_group = t.job_group AND f.job_name = t.job_name))
                OR (t.trigger_state = 'ACQUIRED'
                    AND NOT EXISTS (SELECT 1 FROM {Prefix}fired_triggers f
                                    WHERE f.sched_name = t.sched_name AND f.trigger_group = t.trigger_group AND f.trigger_name = t.trigger_name)))
            RETURNING t.trigger_name;
            """,
            connection,
            transaction);
        command.Parameters.AddWithValue("sched", _options.SchedulerName);
        command.Parameters.AddWithValue("instance", _options.InstanceId);
        command.Parameters.AddWithValue("group", JobKeys.Group);
        command.Parameters.AddWithValue("staleBefore", staleBefore);
        command.Parameters.AddWithValue("running", running);
        var released = new List<string>();
        await using (var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false))
        {
            do
            {
                // Only the update's rows name triggers; the lock row's result is skipped.
                while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
                {
                    if (reader.GetName(0) == "trigger_name")
                    {
                        released.Add(reader.GetString(0));
                    }
                }
            }
            while (await reader.NextResultAsync(cancellationToken).ConfigureAwait(false));
        }

        await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
        foreach (var collection in released)
        {
            Log.Released(logger, collection);
        }

        return released.Count;
    }

    private async Task<IReadOnlyList<string>> SelectUnschedulableAsync(NpgsqlDataSource dataSource, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand(
            $"""
            SELECT j.job_name FROM {Prefix}job_details j
            WHERE j.sched_name = @sched AND j.job_group = @group
              AND NOT EXISTS (SELECT 1 FROM {Prefix}triggers t
                              WHERE t.sched_name = j.sched_name AND t.job_group = j.job_group AND t.job_name = j.job_name
                                AND t.trigger_group = @group AND t.trigger_state NOT IN ('ERROR', 'COMPLETE'));
            """);
        command.Parameters.AddWithValue("sched", _options.SchedulerName);
        command.Parameters.AddWithValue("group", JobKeys.Group);
        var collections = new List<string>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            collections.Add(reader.GetString(0));
        }

        return collections;
    }

    // Spread restored collections over one interval, as new ones are.
    private TimeSpan Jitter() => TimeSpan.FromMilliseconds(Random.Shared.NextDouble() * _options.Interval.TotalMilliseconds);

    private static partial class Log
    {
        [LoggerMessage(120, LogLevel.Warning, "{Collection}: its trigger was left BLOCKED or ACQUIRED with no running firing behind it; back on its interval")]
        public static partial void Released(ILogger logger, string collection);

        [LoggerMessage(121, LogLevel.Warning, "{Collection}: its trigger was gone or in error; scheduled it again")]
        public static partial void Restored(ILogger logger, string collection);

        [LoggerMessage(122, LogLevel.Warning, "Trigger check failed; trying again at the next one")]
        public static partial void CheckFailed(ILogger logger, Exception exception);
    }
}
