using System;
using System.Collections.Generic;
using System.Globalization;
using Npgsql;

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

    /// <summary>How often each worker checks that every collection's trigger can still fire, and repairs those that cannot.</summary>
    /// <value>One minute by default.</value>
    /// <remarks>
    /// A collection whose trigger is gone, in error, or blocked by a firing of this worker that no longer runs (seen after
    /// a PostgreSQL restart under a running pass) is put back on its interval; a firing counts as stale once it is older
    /// than this interval and not running here. See docs/scale.md.
    /// </remarks>
    public TimeSpan TriggerCheckInterval { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>How long a Quartz session may sit idle inside a transaction before PostgreSQL ends it (<c>idle_in_transaction_session_timeout</c>).</summary>
    /// <value>30 seconds by default; null leaves the server's setting alone.</value>
    /// <remarks>
    /// Quartz serializes the cluster through a lock row (<c>TRIGGER_ACCESS</c>) held for the length of a transaction. A
    /// worker frozen while it holds it (a stopped process, a VM paused, a network partition that keeps the socket open)
    /// would stall every worker of the cluster until it comes back; with this timeout PostgreSQL ends its session, the
    /// lock is released and its transaction rolled back, and the worker's own Quartz retries the work when it resumes.
    /// Quartz's transactions send their statements back to back, so a legitimate one is idle for milliseconds; keep the
    /// value well above the longest pause the process may take (a full garbage collection on a loaded machine). Sent as
    /// a startup option of Quartz's connections (<c>Options=-c ...</c>); poolers that refuse startup options (PgBouncer)
    /// need null here and the setting on the role instead (<c>ALTER ROLE ... SET idle_in_transaction_session_timeout</c>).
    /// </remarks>
    public TimeSpan? QuartzIdleInTransactionTimeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>The collections this worker makes sure have a job at start (others may be added with <see cref="SyncCollectionScheduler"/>).</summary>
    public IList<string> Collections { get; } = new List<string>();

    /// <summary>The connection string Quartz gets: <see cref="ConnectionString"/> with the session settings of its connections.</summary>
    internal string QuartzConnectionString()
    {
        NpgsqlConnectionStringBuilder builder;
        try
        {
            builder = new NpgsqlConnectionStringBuilder(ConnectionString);
        }
        catch (ArgumentException exception)
        {
            throw new InvalidOperationException($"SyncWorkerOptions.ConnectionString is not a valid Npgsql connection string: {exception.Message}", exception);
        }

        if (QuartzIdleInTransactionTimeout is { } idle)
        {
            // First: of two -c of one name the later wins, so a value the application passes in Options itself is kept.
            var setting = string.Create(CultureInfo.InvariantCulture, $"-c idle_in_transaction_session_timeout={(long)Math.Ceiling(idle.TotalMilliseconds)}");
            builder.Options = string.IsNullOrWhiteSpace(builder.Options) ? setting : setting + " " + builder.Options;
        }

        return builder.ConnectionString;
    }

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

        if (TriggerCheckInterval <= TimeSpan.Zero)
        {
            throw new InvalidOperationException($"SyncWorkerOptions.TriggerCheckInterval must be positive; it is {TriggerCheckInterval}.");
        }

        if (QuartzIdleInTransactionTimeout is { } idle && (idle < TimeSpan.FromMilliseconds(1) || idle.TotalMilliseconds > int.MaxValue))
        {
            throw new InvalidOperationException($"SyncWorkerOptions.QuartzIdleInTransactionTimeout must be between 1 ms and {TimeSpan.FromMilliseconds(int.MaxValue)} (or null to keep the server's setting); it is {idle}.");
        }

        if (MaxConcurrency < 1)
        {
            throw new InvalidOperationException($"SyncWorkerOptions.MaxConcurrency must be at least 1; it is {MaxConcurrency}.");
        }
    }
}
