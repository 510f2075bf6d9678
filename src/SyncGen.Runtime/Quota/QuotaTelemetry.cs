using System.Diagnostics.Metrics;

namespace SyncGen;

/// <summary>The quota's instruments, on <see cref="SyncTelemetry.Meter"/>. No key names as tags: one per user would be unbounded.</summary>
internal static class QuotaTelemetry
{
    public static Histogram<double> Wait { get; } = SyncTelemetry.Meter.CreateHistogram<double>(
        "syncgen.quota.wait", "s", "Time a request waited for its budgets (full-pass jitter excluded).");

    public static Counter<long> SlowDowns { get; } = SyncTelemetry.Meter.CreateCounter<long>(
        "syncgen.quota.slowdowns", "{answer}", "Throttling answers (429, 403 rateLimitExceeded) that paused their budgets for the fleet.");
}
