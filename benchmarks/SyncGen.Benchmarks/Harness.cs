using System;
using System.Diagnostics;
using System.Threading.Tasks;

namespace SyncGen.Benchmarks;

/// <summary>One timed run: wall time and bytes allocated by the whole process (every thread) during it.</summary>
internal readonly record struct Sample(double Milliseconds, long AllocatedBytes);

internal static class Harness
{
    /// <summary>
    /// Times one run after a full, compacting GC so that one run's garbage is not collected on the next one's clock.
    /// Allocations are counted with <see cref="GC.GetTotalAllocatedBytes(bool)"/> (precise, all threads), because the
    /// awaited continuations hop between pool threads and a per-thread counter would miss most of them.
    /// </summary>
    public static async Task<Sample> MeasureAsync(Func<Task> run)
    {
        GC.Collect(GC.MaxGeneration, GCCollectionMode.Forced, blocking: true, compacting: true);
        GC.WaitForPendingFinalizers();
        GC.Collect();
        var before = GC.GetTotalAllocatedBytes(precise: true);
        var clock = Stopwatch.StartNew();
        await run().ConfigureAwait(false);
        clock.Stop();
        var after = GC.GetTotalAllocatedBytes(precise: true);
        return new Sample(clock.Elapsed.TotalMilliseconds, after - before);
    }
}
