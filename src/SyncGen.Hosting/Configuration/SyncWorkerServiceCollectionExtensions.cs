using System;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Quartz;

namespace SyncGen.Hosting;

/// <summary>Registers a clustered SyncGen worker.</summary>
public static class SyncWorkerServiceCollectionExtensions
{
    /// <summary>Adds a Quartz.NET worker that syncs the configured collections on a cluster over PostgreSQL.</summary>
    /// <remarks>
    /// The scheduler is clustered through Quartz's AdoJobStore on PostgreSQL (tables created when missing, job data as
    /// System.Text.Json), with one durable job per collection and the hosted services that start it and schedule the
    /// configured collections. Register an <see cref="ISyncCollectionRunner"/> too, and the runner's
    /// <see cref="SyncGen.PostgreSql.PostgreSqlSyncDatabase"/> as a singleton for the worker to record each call's outcome in it
    /// (<see cref="SyncGen.PostgreSql.PostgreSqlSyncDatabase.ReadStatusAsync"/> reads them). On shutdown running sync calls are
    /// cancelled and waited for: a pass is discarded or committed whole, never half.
    /// </remarks>
    /// <param name="services">The host's services.</param>
    /// <param name="configure">Sets the connection string, interval, concurrency, backoff and collections.</param>
    /// <returns><paramref name="services"/>.</returns>
    public static IServiceCollection AddSyncGenWorker(this IServiceCollection services, Action<SyncWorkerOptions> configure)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(configure);
        var options = new SyncWorkerOptions();
        configure(options);
        options.Validate();
        var quartzConnectionString = options.QuartzConnectionString();
        services.AddSingleton<IOptions<SyncWorkerOptions>>(Options.Create(options));

        services.AddQuartz(quartz =>
        {
            quartz.ConfigureScheduler(scheduler =>
            {
                scheduler.InstanceName = options.SchedulerName;
                scheduler.InstanceId = options.InstanceId;
                scheduler.ShutdownJobInterruption = ShutdownJobInterruption.WhenWaitingForJobs;

                // Acquire as many due triggers per trip to the database as there are threads: with thousands of
                // collections, one trigger per acquisition (Quartz's default) makes the cluster lock the bottleneck.
                scheduler.MaxBatchSize = options.MaxConcurrency;
                scheduler.IdleWaitTime = options.IdleWaitTime;
            });
            quartz.UseDefaultThreadPool(pool => pool.MaxConcurrency = options.MaxConcurrency);
            quartz.UsePersistentStore(store =>
            {
                store.UsePostgres(quartzConnectionString);
                store.UseSystemTextJsonSerializer();
                store.ProvisionSchema();
                store.ConfigureStore(ado => ado.MisfireThreshold = options.MisfireThreshold);
                store.UseClustering(cluster =>
                {
                    if (options.ClusterCheckinInterval is { } interval)
                    {
                        cluster.CheckinInterval = interval;
                    }

                    if (options.ClusterCheckinMisfireThreshold is { } threshold)
                    {
                        cluster.CheckinMisfireThreshold = threshold;
                    }
                });
            });
        });
        // On shutdown, running jobs are told to stop (their cancellation token) and then waited for.
        services.AddQuartzHostedService(hosted => hosted.WaitForJobsToComplete = true);
        services.AddTransient<SyncCollectionJob>();
        services.AddSingleton<RunningFirings>();
        services.AddSingleton<SyncStatusRecorder>();
        services.AddSingleton<SyncCollectionScheduler>();
        services.AddHostedService(provider => provider.GetRequiredService<SyncCollectionScheduler>());
        services.AddHostedService<SyncTriggerCheck>();
        return services;
    }
}
