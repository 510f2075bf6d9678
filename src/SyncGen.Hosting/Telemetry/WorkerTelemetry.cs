using System.Diagnostics.Metrics;

namespace SyncGen.Hosting;

/// <summary>The worker's instruments, on SyncGen's own <see cref="SyncTelemetry.Meter"/> and activity source.</summary>
internal static class WorkerTelemetry
{
    public static Counter<long> Runs { get; } = SyncTelemetry.Meter.CreateCounter<long>(
        "syncgen.worker.runs", "{run}", "Sync calls run by the worker, tagged with syncgen.outcome (succeeded, failed, cancelled, lease_held, lease_lost).");

    public static Counter<long> StaleCommitsRefused { get; } = SyncTelemetry.Meter.CreateCounter<long>(
        "syncgen.worker.stale_commits_refused", "{pass}", "Passes refused because their collection's lease was taken over (the fence at work).");

    // Tagged by outcome only: a collection tag would make one series per collection, thousands in a fleet.
    public static Histogram<double> RunDuration { get; } = SyncTelemetry.Meter.CreateHistogram<double>(
        "syncgen.worker.run.duration", "s", "Duration of the worker's sync calls, tagged with syncgen.outcome (as syncgen.worker.runs; cancelled calls excluded).");
}
