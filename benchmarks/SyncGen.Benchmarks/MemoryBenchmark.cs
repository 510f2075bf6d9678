using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using CalendarSync.CalendarApi;
using CalendarSync.Repository;

namespace SyncGen.Benchmarks;

/// <summary>
/// Issue 5, part 3: the client's peak managed memory while syncing 100,000 and 1,000,000 events (2,500 per page) into a
/// store that discards items. The server runs in a child process, so the peak is the engine's and the client's alone;
/// it is reported above the baseline measured after a full GC just before the sync.
/// </summary>
internal static class MemoryBenchmark
{
    private const int PageSize = 2_500;

    // The peak of one sync is an extreme value set by where the GC's budgets happen to trigger, so it jumps between runs.
    // Both sizes are therefore also cut into windows of the same number of pages (one 100k sync = one window, one 1M
    // sync = ten), and the median window peak is compared: same statistic over the same amount of work.
    private const int WindowPages = 40;

    public static async Task RunAsync(bool quick)
    {
        var sizes = quick ? new[] { 100_000, 300_000 } : new[] { 100_000, 1_000_000 };
        var results = new (double Total, double AfterGc, double WindowMedian)[sizes.Length];
        for (var i = 0; i < sizes.Length; i++)
        {
            results[i] = await MeasureAsync(sizes[i], sizes[^1]).ConfigureAwait(false);
        }

        var small = Label(sizes[0]);
        var large = Label(sizes[^1]);
        Report.Line($"memory.peak_ratio_{large}_vs_{small}", results[^1].Total / results[0].Total);
        Report.Line($"memory.median_window_peak_ratio_{large}_vs_{small}", results[^1].WindowMedian / results[0].WindowMedian);
        Report.Line($"memory.peak_live_after_gc_ratio_{large}_vs_{small}", results[^1].AfterGc / results[0].AfterGc);
    }

    private static string Label(int events) => events >= 1_000_000 ? $"{events / 1_000_000}m" : $"{events / 1_000}k";

    private static async Task<(double Total, double AfterGc, double WindowMedian)> MeasureAsync(int events, int longest)
    {
        var seeding = Stopwatch.StartNew();
        await using var server = await RemoteServer.StartAsync(events, prerendered: true).ConfigureAwait(false);
        seeding.Stop();
        using var service = CalendarService.Create(server.BaseUri.ToString());

        // Warm-up on the same server: JIT, connection pool, Newtonsoft's contract cache, the pre-rendered pages. Then a
        // clean baseline.
        await SyncAsync(service, events).ConfigureAwait(false);
        // The whole-heap peak depends on where the GC's budgets happen to trigger, so a longer sync sees more chances at
        // the maximum: the shorter syncs are repeated, back to back, until they have covered as many pages as the longest
        // one. Both series start from the same forced full GC and then run in the GC's steady state, so they differ only
        // in what is compared: many small collections against one large one.
        var repeats = Math.Max(1, longest / events);
        GC.Collect(GC.MaxGeneration, GCCollectionMode.Forced, blocking: true, compacting: true);
        GC.WaitForPendingFinalizers();
        GC.Collect(GC.MaxGeneration, GCCollectionMode.Forced, blocking: true, compacting: true);
        var baseline = GC.GetTotalMemory(forceFullCollection: false);
        var clock = Stopwatch.StartNew();
        var sampler = new PeakSampler();
        try
        {
            for (var r = 0; r < repeats; r++)
            {
                await SyncAsync(service, events, new WindowProgress(sampler)).ConfigureAwait(false);
            }
        }
        finally
        {
            clock.Stop();
            sampler.Stop();
        }

        var windowPeaks = sampler.WindowPeaks.Select(peak => peak - baseline).ToList();
        var (peakTotal, peakAfterGc, peakLive) = (sampler.PeakTotal - baseline, sampler.PeakAfterGc - baseline, sampler.PeakLiveAfterGc - baseline);
        var (gen0, gen1, gen2) = (sampler.Gen0, sampler.Gen1, sampler.Gen2);

        var name = $"memory.{Label(events)}";
        const double MiB = 1024 * 1024;
        Report.Line($"{name}.server_seed_s", seeding.Elapsed.TotalSeconds, "0.0");
        Report.Line($"{name}.sync_s", clock.Elapsed.TotalSeconds / repeats, "0.00");
        Report.Line($"{name}.measured_syncs", repeats, "0");
        Report.Line($"{name}.baseline_mib", baseline / MiB, "0.0");
        // Everything on the heap, garbage included: bounded by the GC's allocation budget plus what is live.
        Report.Line($"{name}.peak_mib", peakTotal / MiB, "0.0");
        // The heap right after each GC during the sync: what the engine really keeps alive.
        Report.Line($"{name}.peak_after_gc_mib", peakAfterGc / MiB, "0.0");
        // The same without free space between objects (fragmentation, mostly in the large object heap).
        Report.Line($"{name}.peak_live_after_gc_mib", peakLive / MiB, "0.0");
        Report.Line($"{name}.gcs_gen0_gen1_gen2", $"{gen0}/{gen1}/{gen2}");
        windowPeaks.Sort();
        var windowMedian = windowPeaks[windowPeaks.Count / 2] / MiB;
        Report.Line($"{name}.windows_of_{WindowPages}_pages", windowPeaks.Count, "0");
        Report.Line($"{name}.median_window_peak_mib", windowMedian, "0.0");
        return (peakTotal / MiB, peakLive / MiB, windowMedian);
    }

    private static async Task SyncAsync(CalendarService service, int events, IProgress<SyncProgress>? progress = null)
    {
        var store = new CountingSyncStore<Event>();
        var repository = new CalendarEventsRepository(service, "primary", store) { PageSize = PageSize };
        var result = await repository.SyncAsync(progress).ConfigureAwait(false);
        if (result.Upserts != events || store.Applied != events)
        {
            throw new InvalidOperationException($"expected {events} events, synced {result.Upserts}");
        }
    }

    /// <summary>Closes a window of the sampler every <see cref="WindowPages"/> pages, synchronously on the engine's thread.</summary>
    private sealed class WindowProgress(PeakSampler sampler) : IProgress<SyncProgress>
    {
        public void Report(SyncProgress value)
        {
            if (value.PageNumber % WindowPages == 0)
            {
                sampler.CloseWindow();
            }
        }
    }

    /// <summary>
    /// Samples the managed heap every millisecond on a dedicated thread: <see cref="GC.GetTotalMemory(bool)"/> for the
    /// whole heap, and <see cref="GCMemoryInfo.HeapSizeBytes"/> of the latest GC for the heap that survived it.
    /// </summary>
    private sealed class PeakSampler
    {
        private readonly Thread _thread;
        private readonly int _gen0 = GC.CollectionCount(0);
        private readonly int _gen1 = GC.CollectionCount(1);
        private readonly int _gen2 = GC.CollectionCount(2);
        private readonly long _startIndex = GC.GetGCMemoryInfo(GCKind.Any).Index;
        private readonly object _windowLock = new();
        private readonly List<long> _windowPeaks = new();
        private long _windowPeak;
        private volatile bool _stop;

        public PeakSampler()
        {
            _thread = new Thread(Loop) { IsBackground = true, Name = "peak sampler", Priority = ThreadPriority.AboveNormal };
            _thread.Start();
        }

        public long PeakTotal { get; private set; }

        public long PeakAfterGc { get; private set; }

        public long PeakLiveAfterGc { get; private set; }

        public int Gen0 { get; private set; }

        public int Gen1 { get; private set; }

        public int Gen2 { get; private set; }

        /// <summary>The whole-heap peak of each closed window.</summary>
        public IReadOnlyList<long> WindowPeaks
        {
            get
            {
                lock (_windowLock)
                {
                    return _windowPeaks.ToArray();
                }
            }
        }

        public void CloseWindow()
        {
            lock (_windowLock)
            {
                _windowPeaks.Add(Math.Max(_windowPeak, GC.GetTotalMemory(forceFullCollection: false)));
                _windowPeak = 0;
            }
        }

        public void Stop()
        {
            _stop = true;
            _thread.Join();
            Sample();
            Gen0 = GC.CollectionCount(0) - _gen0;
            Gen1 = GC.CollectionCount(1) - _gen1;
            Gen2 = GC.CollectionCount(2) - _gen2;
        }

        private void Loop()
        {
            while (!_stop)
            {
                Sample();
                Thread.Sleep(1);
            }
        }

        private void Sample()
        {
            var total = GC.GetTotalMemory(forceFullCollection: false);
            PeakTotal = Math.Max(PeakTotal, total);
            lock (_windowLock)
            {
                _windowPeak = Math.Max(_windowPeak, total);
            }

            var info = GC.GetGCMemoryInfo(GCKind.Any);
            if (info.Index > _startIndex)
            {
                PeakAfterGc = Math.Max(PeakAfterGc, info.HeapSizeBytes);
                PeakLiveAfterGc = Math.Max(PeakLiveAfterGc, info.HeapSizeBytes - info.FragmentedBytes);
            }
        }
    }
}
