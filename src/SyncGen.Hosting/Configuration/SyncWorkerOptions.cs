using System;
using System.Collections.Generic;

namespace SyncGen.Hosting;

/// <summary>How a SyncGen worker schedules its collections; see <see cref="SyncWorkerServiceCollectionExtensions.AddSyncGenWorker"/>.</summary>
public sealed class SyncWorkerOptions
{
    /// <summary>The Npgsql connection string of the database holding Quartz's tables (<c>qrtz_*</c>, created when missing).</summary>
    public string ConnectionString { get; set; } = "";

    /// <summary>The Quartz scheduler name: every worker of one cluster uses the same.</summary>
    /// <value><c>syncgen</c> by default.</value>
    public string SchedulerName { get; set; } = "syncgen";

    /// <summary>This node's id in the cluster; unique per process.</summary>
    /// <value>The machine name and the process id by default.</value>
    public string InstanceId { get; set; } = $"{Environment.MachineName}-{Environment.ProcessId}";

    /// <summary>Time between two sync calls of one collection.</summary>
    /// <value>Five minutes by default.</value>
    public TimeSpan Interval { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>How many collections this worker syncs at once (Quartz's thread pool).</summary>
    /// <value>Eight by default.</value>
    public int MaxConcurrency { get; set; } = 8;

    /// <summary>How often this node tells the cluster it is alive.</summary>
    /// <value>Null by default: Quartz's 7.5 s.</value>
    public TimeSpan? ClusterCheckinInterval { get; set; }

    /// <summary>How long past a missed check-in the other nodes wait before recovering this node's jobs.</summary>
    public TimeSpan? ClusterCheckinMisfireThreshold { get; set; }

    /// <summary>How late a firing may be before it counts as misfired (Quartz's store setting).</summary>
    /// <value>Ten minutes by default. Keep it above <see cref="Interval"/>.</value>
    /// <remarks>
    /// A cluster that cannot keep up (more collections due than threads) then fires collections late and in order
    /// instead of skipping them; only a firing later than this (the whole cluster down) waits for its next slot.
    /// </remarks>
    public TimeSpan MisfireThreshold { get; set; } = TimeSpan.FromMinutes(10);

    /// <summary>How long an idle scheduler waits before looking for due triggers again.</summary>
    /// <value>Five seconds by default, against Quartz's 30 s.</value>
    /// <remarks>
    /// Other nodes' changes (collections added, triggers moved by a backoff, jobs recovered from a dead node) are only
    /// seen when the scheduler looks, hence a default lower than Quartz's.
    /// </remarks>
    public TimeSpan IdleWaitTime { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>The first retry delay after a failed call; doubles with every further failure, with jitter.</summary>
    /// <value>Ten seconds by default.</value>
    public TimeSpan BackoffBase { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>The longest retry delay after failures.</summary>
    /// <value>30 minutes by default.</value>
    public TimeSpan BackoffMax { get; set; } = TimeSpan.FromMinutes(30);

    /// <summary>The collections this worker makes sure have a job at start (others may be added with <see cref="SyncCollectionScheduler"/>).</summary>
    public IList<string> Collections { get; } = new List<string>();

    internal void Validate()
    {
        if (string.IsNullOrWhiteSpace(ConnectionString))
        {
            throw new InvalidOperationException("SyncWorkerOptions.ConnectionString is empty: the worker needs the PostgreSQL database that holds Quartz's cluster tables.");
        }

        if (Interval <= TimeSpan.Zero || BackoffBase <= TimeSpan.Zero || BackoffMax < BackoffBase)
        {
            throw new InvalidOperationException($"SyncWorkerOptions: Interval ({Interval}) and BackoffBase ({BackoffBase}) must be positive and BackoffMax ({BackoffMax}) at least BackoffBase.");
        }

        if (MaxConcurrency < 1)
        {
            throw new InvalidOperationException($"SyncWorkerOptions.MaxConcurrency must be at least 1; it is {MaxConcurrency}.");
        }
    }
}
