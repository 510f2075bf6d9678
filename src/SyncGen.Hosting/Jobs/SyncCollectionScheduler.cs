using System;
using System.Collections.Generic;
using System.Linq;
using System.Text.Json;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Quartz;

namespace SyncGen.Hosting;

/// <summary>Gives every collection its durable job and trigger in the cluster's Quartz store, once.</summary>
/// <remarks>
/// <para>
/// The workers of a cluster all call this at start, and whichever comes first creates a collection's job; the others
/// find it there.
/// </para>
/// <para>
/// Misfire policy: <see cref="SimpleTriggerMisfireInstruction.NextWithRemainingCount"/>, with a long misfire threshold
/// (<see cref="SyncWorkerOptions.MisfireThreshold"/>, ten minutes by default). One sync call catches up every change since
/// the last one, so missed firings are never replayed. A firing that is merely late (all threads busy) is still run, late
/// and in order, so an overloaded cluster degrades into a longer effective interval rather than skipping collections; a
/// firing later than the threshold (every node down) waits for its next slot, which keeps each collection on its own
/// phase so a cluster coming back after an outage does not fire every collection at once. (A short threshold with an
/// overloaded cluster was measured to starve: the misfire handler and the firings fight over Quartz's cluster lock; see
/// docs/scale.md.) A job whose node died while running it is fired again at once on another node (it requests
/// recovery), independently of this policy.
/// </para>
/// </remarks>
public sealed partial class SyncCollectionScheduler(ISchedulerFactory schedulers, IOptions<SyncWorkerOptions> options, ILogger<SyncCollectionScheduler> logger) : IHostedService
{
    private readonly SyncWorkerOptions _options = options.Value;

    /// <summary>Creates the jobs of <paramref name="collections"/> that do not exist yet; returns how many it created.</summary>
    public async Task<int> EnsureScheduledAsync(IEnumerable<string> collections, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(collections);
        var scheduler = await schedulers.GetScheduler(cancellationToken).ConfigureAwait(false);
        var missing = new List<string>();
        foreach (var collection in collections)
        {
            if (!await scheduler.Exists(JobKeys.Job(collection), cancellationToken).ConfigureAwait(false))
            {
                missing.Add(collection);
            }
        }

        // In batches: one trip through Quartz's cluster lock per batch instead of per collection, which is what makes
        // registering thousands of collections take seconds instead of minutes.
        var created = 0;
        foreach (var batch in missing.Chunk(ScheduleBatchSize))
        {
            var jobs = batch.ToDictionary(collection => BuildJob(collection), collection => (IReadOnlyCollection<ITrigger>)[BuildTrigger(collection, _options.Interval, FirstFiring())]);
            try
            {
                await scheduler.ScheduleJobs(jobs, default, cancellationToken).ConfigureAwait(false);
                created += batch.Length;
            }
            catch (ObjectAlreadyExistsException)
            {
                // Another worker registered some of them meanwhile: the batch was not stored; go one by one.
                foreach (var collection in batch)
                {
                    try
                    {
                        await scheduler.ScheduleJob(BuildJob(collection), BuildTrigger(collection, _options.Interval, FirstFiring()), default, cancellationToken).ConfigureAwait(false);
                        created++;
                    }
                    catch (ObjectAlreadyExistsException)
                    {
                        // Registered by another worker between the check and here.
                    }
                }
            }
        }

        Log.Ensured(logger, created);
        return created;
    }

    /// <summary>Fires the job of <paramref name="collection"/> once now, beside its interval; false when it has no job.</summary>
    /// <remarks>
    /// What a push notification calls. The extra firing goes through Quartz like any other, so the cluster still never
    /// runs two firings of one collection at once: a firing asked for while a pass runs waits for it and then runs
    /// (it catches the change the running pass may have missed), and the store's fenced lease makes a duplicate harmless.
    /// </remarks>
    /// <param name="collection">The collection id.</param>
    /// <param name="cancellationToken">Cancels the request to Quartz.</param>
    /// <returns>Whether a firing was requested.</returns>
    public async Task<bool> TriggerNowAsync(string collection, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(collection);
        var scheduler = await schedulers.GetScheduler(cancellationToken).ConfigureAwait(false);
        try
        {
            await scheduler.TriggerJob(JobKeys.Job(collection), cancellationToken).ConfigureAwait(false);
            return true;
        }
        catch (JobPersistenceException)
        {
            // Quartz says "the job referenced by the trigger does not exist" this way; anything else is a real failure.
            if (await scheduler.Exists(JobKeys.Job(collection), cancellationToken).ConfigureAwait(false))
            {
                throw;
            }

            return false;
        }
    }

    private const int ScheduleBatchSize = 200;

    /// <summary>Makes the child jobs of <paramref name="parent"/> exactly <paramref name="children"/>: creates the missing, deletes the dropped.</summary>
    /// <remarks>
    /// The children a parent keeps live in its job's data (persisted after the run), so that a child it no longer lists
    /// is known to be its and not some other collection's. Before any job is created the data is written with the new
    /// children added, so a worker dying in between leaves a job its parent still knows of and deletes later, never an
    /// orphan that would sync a dropped calendar forever. Every step is idempotent: a rerun, here or on another worker
    /// (Quartz never runs one parent twice at once), finishes what a dead run began.
    /// </remarks>
    internal async Task ReconcileChildrenAsync(IJobExecutionContext context, string parent, IReadOnlyCollection<string> children, CancellationToken cancellationToken)
    {
        var data = context.JobDetail.JobDataMap;
        var before = data.TryGetString(JobKeys.ChildrenKey, out var stored) && stored is not null
            ? JsonSerializer.Deserialize<string[]>(stored) ?? []
            : [];
        var now = children.Where(child => !string.Equals(child, parent, StringComparison.Ordinal)).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToArray();
        var added = now.Except(before, StringComparer.Ordinal).ToArray();
        if (added.Length > 0)
        {
            // Also in the run's own data: the run's end persists that, even when it is cancelled or fails further on.
            data[JobKeys.ChildrenKey] = JsonSerializer.Serialize(before.Union(now, StringComparer.Ordinal).ToArray());
            await context.Scheduler.AddJob(context.JobDetail.GetJobBuilder().Build(), AddJobOptions.Replacing, cancellationToken).ConfigureAwait(false);
        }

        // Every listed child, not just the new ones: a job lost some other way comes back.
        var created = await EnsureScheduledAsync(now, cancellationToken).ConfigureAwait(false);
        var deleted = 0;
        foreach (var child in before.Except(now, StringComparer.Ordinal))
        {
            // A firing already running finishes; the parent's commit already removed the mirror it syncs.
            if (await context.Scheduler.DeleteJob(JobKeys.Job(child), cancellationToken).ConfigureAwait(false))
            {
                deleted++;
            }
        }

        // Persisted with the run's data when the job returns.
        data[JobKeys.ChildrenKey] = JsonSerializer.Serialize(now);
        if (created > 0 || deleted > 0)
        {
            Log.Reconciled(logger, parent, created, deleted);
        }
    }

    private static IJobDetail BuildJob(string collection) =>
        JobBuilder.Create<SyncCollectionJob>()
            .WithIdentity(JobKeys.Job(collection))
            .UsingJobData(JobKeys.CollectionKey, collection)
            .UsingJobData(JobKeys.FailuresKey, 0)
            .StoreDurably()
            .RequestRecovery()
            .Build();

    // Spread first firings over one interval so that many new collections do not all start together.
    private DateTimeOffset FirstFiring() =>
        DateTimeOffset.UtcNow + TimeSpan.FromMilliseconds(Random.Shared.NextDouble() * _options.Interval.TotalMilliseconds);

    /// <inheritdoc />
    public Task StartAsync(CancellationToken cancellationToken) => EnsureScheduledAsync(_options.Collections, cancellationToken);

    /// <inheritdoc />
    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    internal static ITrigger BuildTrigger(string collection, TimeSpan interval, DateTimeOffset start) =>
        TriggerBuilder.Create()
            .WithIdentity(JobKeys.Trigger(collection))
            .ForJob(JobKeys.Job(collection))
            .StartAt(start)
            .WithSimpleSchedule(schedule => schedule
                .WithInterval(interval)
                .RepeatForever()
                .WithMisfireInstruction(SimpleTriggerMisfireInstruction.NextWithRemainingCount))
            .Build();

    private static partial class Log
    {
        [LoggerMessage(110, LogLevel.Information, "Scheduled {Created} new collection jobs")]
        public static partial void Ensured(ILogger logger, int created);

        [LoggerMessage(111, LogLevel.Information, "{Parent}: {Created} child collection jobs scheduled, {Deleted} deleted")]
        public static partial void Reconciled(ILogger logger, string parent, int created, int deleted);
    }
}
