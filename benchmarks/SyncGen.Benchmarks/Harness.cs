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

internal static class JitWarmUp
{
    /// <summary>
    /// Runs <paramref name="round"/> until the JIT has stopped compiling: no new method compiled over a whole round,
    /// three rounds in a row (and at most <paramref name="limit"/>). Tiered compilation recompiles hot methods on a
    /// background thread for seconds after start; on a 2-core machine that thread takes CPU from whatever is measured
    /// meanwhile, and the methods measured early run unoptimized code.
    /// </summary>
    /// <returns>How long the warm-up took.</returns>
    public static async Task<TimeSpan> UntilSettledAsync(Func<Task> round, TimeSpan limit)
    {
        var clock = Stopwatch.StartNew();
        var quietRounds = 0;
        while (quietRounds < 3 && clock.Elapsed < limit)
        {
            var before = System.Runtime.JitInfo.GetCompiledMethodCount();
            await round().ConfigureAwait(false);

            // Tier-1 promotion waits for a 100 ms quiet period after the last tier-0 compilation: give it that chance.
            await Task.Delay(150).ConfigureAwait(false);
            quietRounds = System.Runtime.JitInfo.GetCompiledMethodCount() == before ? quietRounds + 1 : 0;
        }

        return clock.Elapsed;
    }
}
