using System;

namespace SyncGen;

/// <summary>A request budget: at most <see cref="Requests"/> in any window of <see cref="Per"/>, and optionally at most <see cref="MaxConcurrent"/> in flight.</summary>
/// <remarks>
/// Enforced as a token bucket holding <see cref="Burst"/> tokens (a tenth of the budget, at least one) refilled at
/// (<see cref="Requests"/> - <see cref="Burst"/>) / <see cref="Per"/>: a full bucket plus a window's refill is exactly the
/// budget, so no window of <see cref="Per"/> ever admits more, however the requests bunch. Set it a little below the
/// server's published quota: the server counts arrivals, and a request admitted just before a window starts may arrive
/// inside it.
/// </remarks>
public sealed record SyncQuotaLimit
{
    /// <summary>Creates a budget.</summary>
    /// <param name="requests">Requests allowed per window; at least 2.</param>
    /// <param name="per">The window; positive.</param>
    /// <param name="maxConcurrent">Requests in flight at once (Graph: 4 per mailbox), or <see langword="null"/> for no bound.</param>
    /// <exception cref="ArgumentOutOfRangeException">A value is out of its range.</exception>
    public SyncQuotaLimit(int requests, TimeSpan per, int? maxConcurrent = null)
    {
        if (requests < 2)
        {
            throw new ArgumentOutOfRangeException(nameof(requests), requests, "A quota budget needs at least 2 requests per window (one for the burst, one refilled).");
        }

        if (per <= TimeSpan.Zero)
        {
            throw new ArgumentOutOfRangeException(nameof(per), per, "A quota window must be positive.");
        }

        if (maxConcurrent is < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(maxConcurrent), maxConcurrent, "A concurrency bound must be at least 1 (or null for none).");
        }

        Requests = requests;
        Per = per;
        MaxConcurrent = maxConcurrent;
    }

    /// <summary>Requests allowed in any window of <see cref="Per"/>.</summary>
    public int Requests { get; }

    /// <summary>The window.</summary>
    public TimeSpan Per { get; }

    /// <summary>Requests in flight at once, or <see langword="null"/> for no bound.</summary>
    public int? MaxConcurrent { get; }

    /// <summary>The bucket's size: how many requests may go at once after a quiet spell.</summary>
    public int Burst => Math.Max(1, Requests / 10);

    /// <summary>Tokens added per second.</summary>
    public double RefillPerSecond => (Requests - Burst) / Per.TotalSeconds;

    /// <summary>A budget per minute, e.g. Google Calendar's 600 per user.</summary>
    /// <param name="requests">Requests allowed per minute.</param>
    public static SyncQuotaLimit PerMinute(int requests) => new(requests, TimeSpan.FromMinutes(1));
}
