using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Quartz;
using SyncGen.PostgreSql;

namespace SyncGen.Hosting;

/// <summary>
/// The job of one collection: one sync call per firing. Quartz never runs two firings of one job at once anywhere in
/// the cluster (<see cref="DisallowConcurrentExecutionAttribute"/>); the store's fenced lease makes a second run harmless
/// even if that ever fails. After a failure the job moves its own trigger out by an exponential backoff (the failure
/// count lives in the job's data, persisted after each run); the first success puts it back on the normal interval.
/// </summary>
[DisallowConcurrentExecution]
[PersistJobDataAfterExecution]
internal sealed partial class SyncCollectionJob(
    ISyncCollectionRunner runner,
    SyncCollectionScheduler scheduler,
    RunningFirings firings,
    SyncStatusRecorder status,
    IOptions<SyncWorkerOptions> options,
    ILogger<SyncCollectionJob> logger) : IJob
{
    private readonly SyncWorkerOptions _options = options.Value;

    public async ValueTask Execute(IJobExecutionContext context, CancellationToken cancellationToken = default)
    {
        firings.Add(context.FireInstanceId);
        try
        {
            await RunAsync(context, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            firings.Remove(context.FireInstanceId);
        }
    }

    private async Task RunAsync(IJobExecutionContext context, CancellationToken cancellationToken)
    {
        var collection = context.MergedJobDataMap.GetString(JobKeys.CollectionKey) ?? context.JobDetail.Key.Name;
        var failures = context.JobDetail.JobDataMap.TryGetInt(JobKeys.FailuresKey, out var count) ? count : 0;
        using var activity = SyncTelemetry.ActivitySource.StartActivity("SyncGen.Job");
        activity?.SetTag("syncgen.collection", collection);
        activity?.SetTag("syncgen.recovering", context.Recovering);

        string outcome;
        TimeSpan? retryIn = null;
        var started = Stopwatch.GetTimestamp();
        try
        {
            var result = runner is ISyncParentCollectionRunner parents && parents.IsParent(collection)
                ? await SyncParentAsync(context, parents, collection, cancellationToken).ConfigureAwait(false)
                : await runner.SyncAsync(collection, cancellationToken).ConfigureAwait(false);
            outcome = "succeeded";
            Log.Synced(logger, collection, result.Kind, result.Upserts, result.Deletes, result.Duration);
            // The pass is committed: its record is written even when shutdown started meanwhile.
            await status.SucceededAsync(collection, result, CancellationToken.None).ConfigureAwait(false);
            if (failures > 0)
            {
                failures = 0;
                await RescheduleAsync(context, collection, _options.Interval, cancellationToken).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // Shutdown: the pass was discarded (never half-committed); the next firing, here or on another node, redoes it.
            Log.Cancelled(logger, collection);
            WorkerTelemetry.Runs.Add(1, Tags(collection, "cancelled"));
            return;
        }
        catch (SyncLeaseLostException lost)
        {
            // Another pass took the collection over and committed something newer; nothing of ours was written.
            outcome = "lease_lost";
            WorkerTelemetry.StaleCommitsRefused.Add(1, new KeyValuePair<string, object?>("syncgen.collection", collection));
            Log.LeaseLost(logger, collection, lost.PassEpoch, lost.CurrentEpoch);
        }
        catch (SyncCollectionRemovedException removed)
        {
            // Its parent dropped the collection and this firing came before the parent's reconcile deleted the job:
            // nothing was written, and the job is about to go, so neither a failure nor a retry.
            outcome = "removed";
            Log.Removed(logger, collection, removed.RemovedBy);
        }
        catch (SyncLeaseHeldException held)
        {
            // A pass of another worker (possibly a dead one) holds the lease: come back when it expires.
            outcome = "lease_held";
            retryIn = Max(held.ExpiresAt - DateTimeOffset.UtcNow, TimeSpan.Zero) + Jitter(TimeSpan.FromSeconds(1));
            Log.LeaseHeld(logger, collection, held.Holder, held.ExpiresAt);
        }
        catch (Exception exception)
        {
            outcome = "failed";
            failures++;
            retryIn = Backoff(failures);
            activity?.SetStatus(ActivityStatusCode.Error, exception.Message);
            Log.Failed(logger, collection, failures, retryIn.Value, exception);
            await status.FailedAsync(collection, exception, CancellationToken.None).ConfigureAwait(false);
        }

        WorkerTelemetry.Runs.Add(1, Tags(collection, outcome));
        WorkerTelemetry.RunDuration.Record(Stopwatch.GetElapsedTime(started).TotalSeconds, new KeyValuePair<string, object?>("syncgen.outcome", outcome));
        context.JobDetail.JobDataMap[JobKeys.FailuresKey] = failures;
        if (retryIn is { } delay)
        {
            await RescheduleAsync(context, collection, delay, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>Syncs a parent collection, then gives each child it lists a job and takes the job of each it dropped.</summary>
    private async Task<SyncResult> SyncParentAsync(IJobExecutionContext context, ISyncParentCollectionRunner parents, string collection, CancellationToken cancellationToken)
    {
        var parent = await parents.SyncParentAsync(collection, cancellationToken).ConfigureAwait(false);
        // After the commit: a dropped child's mirror is gone before its job is, never the other way round. A failure here
        // fails the run, and the next one reconciles again from the parent's stored list.
        await scheduler.ReconcileChildrenAsync(context, collection, parent.Children, cancellationToken).ConfigureAwait(false);
        return parent.Result;
    }

    private static KeyValuePair<string, object?>[] Tags(string collection, string outcome) =>
        [new("syncgen.collection", collection), new("syncgen.outcome", outcome)];

    private TimeSpan Backoff(int failures)
    {
        var exponential = _options.BackoffBase.TotalMilliseconds * Math.Pow(2, Math.Min(failures - 1, 20));
        var capped = TimeSpan.FromMilliseconds(Math.Min(exponential, _options.BackoffMax.TotalMilliseconds));
        return capped / 2 + Jitter(capped / 2); // "equal jitter": never sooner than half, spread so failures do not align
    }

    private static TimeSpan Jitter(TimeSpan upTo) => TimeSpan.FromMilliseconds(Random.Shared.NextDouble() * upTo.TotalMilliseconds);

    private static TimeSpan Max(TimeSpan a, TimeSpan b) => a > b ? a : b;

    /// <summary>Moves the collection's trigger so that it next fires after <paramref name="delay"/>, then every interval.</summary>
    private async Task RescheduleAsync(IJobExecutionContext context, string collection, TimeSpan delay, CancellationToken cancellationToken)
    {
        var trigger = SyncCollectionScheduler.BuildTrigger(collection, _options.Interval, DateTimeOffset.UtcNow + delay);
        try
        {
            if (await context.Scheduler.RescheduleJob(JobKeys.Trigger(collection), trigger, CancellationToken.None).ConfigureAwait(false) is null)
            {
                // No trigger to move (gone): without one the collection would never be synced again.
                await context.Scheduler.ScheduleJob(trigger, default, CancellationToken.None).ConfigureAwait(false);
            }
        }
        catch (ObjectAlreadyExistsException)
        {
            // Put back meanwhile by the trigger check of some worker.
        }
        catch (SchedulerException exception)
        {
            // The trigger keeps its normal interval, and the trigger check repairs it if it was left unable to fire.
            Log.RescheduleFailed(logger, collection, exception);
        }
    }

    private static partial class Log
    {
        [LoggerMessage(100, LogLevel.Information, "{Collection}: {Kind} sync done, {Upserts} upserts, {Deletes} deletes in {Elapsed}")]
        public static partial void Synced(ILogger logger, string collection, SyncPassKind kind, int upserts, int deletes, TimeSpan elapsed);

        [LoggerMessage(101, LogLevel.Information, "{Collection}: sync cancelled by shutdown; nothing was committed")]
        public static partial void Cancelled(ILogger logger, string collection);

        [LoggerMessage(102, LogLevel.Warning, "{Collection}: pass of epoch {Epoch} refused, the lease was taken over by epoch {Current}; nothing was written")]
        public static partial void LeaseLost(ILogger logger, string collection, long epoch, long? current);

        [LoggerMessage(103, LogLevel.Information, "{Collection}: lease held by {Holder} until {ExpiresAt:O}; retrying after it")]
        public static partial void LeaseHeld(ILogger logger, string collection, string holder, DateTimeOffset expiresAt);

        [LoggerMessage(104, LogLevel.Warning, "{Collection}: sync failed ({Failures} in a row); retrying in {Delay}")]
        public static partial void Failed(ILogger logger, string collection, int failures, TimeSpan delay, Exception exception);

        [LoggerMessage(105, LogLevel.Error, "{Collection}: could not move the trigger for a retry; it keeps its interval")]
        public static partial void RescheduleFailed(ILogger logger, string collection, Exception exception);

        [LoggerMessage(106, LogLevel.Information, "{Collection}: removed by {Parent}; pass refused, nothing written, its job goes with the parent's reconcile")]
        public static partial void Removed(ILogger logger, string collection, string parent);
    }
}
