using System;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using NUnit.Framework;
using Quartz;

namespace SyncGen.Hosting.Tests;

/// <summary>
/// A firing of a child collection its parent just removed (before the parent's reconcile deleted the job) is refused by
/// the store with <see cref="SyncCollectionRemovedException"/>: the job counts no failure and does not back off.
/// </summary>
[TestFixture]
public sealed class RemovedCollectionJobTests
{
    [Test]
    [CancelAfter(60_000)]
    public async Task A_firing_refused_because_the_parent_removed_the_collection_is_neither_a_failure_nor_rescheduled(CancellationToken cancellationToken)
    {
        var connection = await PostgreSqlCluster.Cluster.CreateDatabaseAsync("hosting_removed");
        var collection = "removed-" + Guid.NewGuid().ToString("N")[..8];
        var runner = new RemovedRunner();
        var builder = Host.CreateApplicationBuilder();
        builder.Services.AddSingleton<ISyncCollectionRunner>(runner);
        builder.Services.AddSyncGenWorker(options =>
        {
            options.ConnectionString = connection;
            options.SchedulerName = "test-" + Guid.NewGuid().ToString("N")[..8];
            options.InstanceId = "node-1";
            options.Interval = TimeSpan.FromMinutes(10); // only the firing this test triggers runs
            options.BackoffBase = TimeSpan.FromMinutes(5);
            options.Collections.Add(collection);
        });
        using var host = builder.Build();
        await host.StartAsync(cancellationToken);
        try
        {
            var scheduler = await host.Services.GetRequiredService<ISchedulerFactory>().GetScheduler(cancellationToken);
            var trigger = (await scheduler.GetTrigger(JobKeys.Trigger(collection), cancellationToken))!;
            await scheduler.TriggerJob(JobKeys.Job(collection), null, cancellationToken);
            await runner.Refused.Task.WaitAsync(cancellationToken);

            // A second firing starts only once the first is over and its job data saved (one firing of a job at a time).
            await scheduler.TriggerJob(JobKeys.Job(collection), null, cancellationToken);
            await runner.SecondCall.Task.WaitAsync(cancellationToken);
            var detail = (await scheduler.GetJobDetail(JobKeys.Job(collection), cancellationToken))!;
            var after = (await scheduler.GetTrigger(JobKeys.Trigger(collection), cancellationToken))!;
            using (Assert.EnterMultipleScope())
            {
                Assert.That(detail.JobDataMap.GetInt(JobKeys.FailuresKey), Is.Zero, "no failure counted");
                Assert.That(after.StartTimeUtc, Is.EqualTo(trigger.StartTimeUtc), "no backoff reschedule (it would replace the trigger by one starting later)");
            }
        }
        finally
        {
            await host.StopAsync(CancellationToken.None);
        }
    }

    /// <summary>Refused the first time as the store refuses a pass of a collection its parent removed; the second waits for the host to stop.</summary>
    private sealed class RemovedRunner : ISyncCollectionRunner
    {
        private int _calls;

        public TaskCompletionSource Refused { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public TaskCompletionSource SecondCall { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public async Task<SyncResult> SyncAsync(string collection, CancellationToken cancellationToken)
        {
            if (Interlocked.Increment(ref _calls) == 1)
            {
                Refused.TrySetResult();
                throw new SyncCollectionRemovedException(collection, "users/me/calendarList");
            }

            SecondCall.TrySetResult();
            await Task.Delay(Timeout.Infinite, cancellationToken); // until the host stops
            throw new InvalidOperationException("unreachable");
        }
    }
}
