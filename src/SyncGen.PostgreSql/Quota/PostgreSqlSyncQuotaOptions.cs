using System;

namespace SyncGen.PostgreSql;

/// <summary>Settings of a <see cref="PostgreSqlSyncQuota"/>.</summary>
public sealed class PostgreSqlSyncQuotaOptions
{
    /// <summary>The most requests one trip to the database admits for one set of keys.</summary>
    /// <value>64 by default.</value>
    /// <remarks>Requests of this worker waiting on the same keys share one trip; this bounds what one trip takes at once.</remarks>
    public int MaxBatch { get; set; } = 64;

    /// <summary>How long a concurrency slot stays taken if its worker never frees it (it died).</summary>
    /// <value>Two minutes by default; keep it above the longest request (the client's timeout).</value>
    public TimeSpan SlotLease { get; set; } = TimeSpan.FromMinutes(2);

    /// <summary>How often a request waiting for a concurrency slot looks again.</summary>
    /// <value>25 ms by default.</value>
    public TimeSpan SlotPollInterval { get; set; } = TimeSpan.FromMilliseconds(25);

    /// <summary>The longest wait between two trips of a request waiting for its budget to refill.</summary>
    /// <value>One second by default.</value>
    /// <remarks>A trip returns when the next token is due; this only bounds the wait after a long pause was recorded.</remarks>
    public TimeSpan MaxWait { get; set; } = TimeSpan.FromSeconds(1);

    internal void Validate()
    {
        if (MaxBatch < 1 || SlotLease <= TimeSpan.Zero || SlotPollInterval <= TimeSpan.Zero || MaxWait <= TimeSpan.Zero)
        {
            throw new ArgumentException($"PostgreSqlSyncQuotaOptions: MaxBatch ({MaxBatch}) must be at least 1, and SlotLease ({SlotLease}), SlotPollInterval ({SlotPollInterval}) and MaxWait ({MaxWait}) positive.");
        }
    }
}
