using System;
using System.Collections.Generic;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Quartz;

namespace SyncGen.Hosting;

/// <summary>
/// Gives every collection its durable job and trigger in the cluster's Quartz store, once: the workers of a cluster all
/// call this at start, and whichever comes first creates a collection's job; the others find it there.
/// </summary>
/// <remarks>
/// Misfire policy: <see cref="SimpleTriggerMisfireInstruction.NextWithRemainingCount"/>. One sync call catches up every
/// change since the last one, so missed firings are never replayed; a trigger that missed its slot (every node down, or
/// all threads busy past the misfire threshold) waits for its next slot. That keeps each collection on its own phase of
/// the interval, so a cluster coming back after an outage does not fire every collection at once, and no collection is
/// more than one interval (plus the threshold) late. A job whose node died while running it is fired again at once on
/// another node (it requests recovery), independently of this policy.
/// </remarks>
public sealed partial class SyncCollectionScheduler(ISchedulerFactory schedulers, IOptions<SyncWorkerOptions> options, ILogger<SyncCollectionScheduler> logger) : IHostedService
{
    private readonly SyncWorkerOptions _options = options.Value;

    /// <summary>Creates the jobs of <paramref name="collections"/> that do not exist yet; returns how many it created.</summary>
    public async Task<int> EnsureScheduledAsync(IEnumerable<string> collections, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(collections);
        var scheduler = await schedulers.GetScheduler(cancellationToken).ConfigureAwait(false);
        var created = 0;
        foreach (var collection in collections)
        {
            if (await scheduler.Exists(JobKeys.Job(collection), cancellationToken).ConfigureAwait(false))
            {
                continue;
            }

            var job = JobBuilder.Create<SyncCollectionJob>()
                .WithIdentity(JobKeys.Job(collection))
                .UsingJobData(JobKeys.CollectionKey, collection)
                .UsingJobData(JobKeys.FailuresKey, 0)
                .StoreDurably()
                .RequestRecovery()
                .Build();

            // Spread first firings over one interval so that many new collections do not all start together.
            var start = DateTimeOffset.UtcNow + TimeSpan.FromMilliseconds(Random.Shared.NextDouble() * _options.Interval.TotalMilliseconds);
            try
            {
                await scheduler.ScheduleJob(job, BuildTrigger(collection, _options.Interval, start), default, cancellationToken).ConfigureAwait(false);
                created++;
            }
            catch (ObjectAlreadyExistsException)
            {
                // Another worker created it between the check and here.
            }
        }

        Log.Ensured(logger, created);
        return created;
    }

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
    }
}
