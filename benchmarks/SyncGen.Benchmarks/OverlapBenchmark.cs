using System;
using System.Collections.Generic;
using System.Linq;
using System.Threading.Tasks;
using CalendarSync.CalendarApi;
using CalendarSync.Repository;
using SyncGen.Testing.FakeServer;

namespace SyncGen.Benchmarks;

/// <summary>
/// Issue 5, part 2: a server that takes X ms per page and a store that takes Y ms per page. With prefetch a pass should
/// cost about max(X, Y) per page; the sequential loop (PrefetchNextPage=false) costs X + Y.
/// </summary>
internal static class OverlapBenchmark
{
    private const int PageSize = 250;

    public static async Task RunAsync(bool quick)
    {
        var pages = quick ? 10 : 20;
        var cases = quick
            ? new[] { (X: 20, Y: 20), (X: 30, Y: 10) }
            // X alone and Y alone show each side's own overhead above its delay; the rest are the overlap cases.
            : new[] { (X: 20, Y: 0), (X: 0, Y: 20), (X: 20, Y: 20), (X: 30, Y: 10), (X: 10, Y: 30), (X: 50, Y: 50) };

        // In process: only wall time matters here, and the delays dwarf the server's CPU.
        await using var server = await FakeCalendarServer.StartAsync().ConfigureAwait(false);
        server.Primary.AddMany(pages * PageSize);
        using var service = CalendarService.Create(server.BaseUri.ToString());
        Report.Note($"{pages} pages of {PageSize} events; X = server delay per page (Fault.Delay), Y = store delay per ApplyAsync");

        // Warm-up: JIT, connection pool.
        await SyncAsync(service, prefetch: true, TimeSpan.Zero).ConfigureAwait(false);

        var iterations = quick ? 2 : 5;
        foreach (var (x, y) in cases)
        {
            var name = $"overlap.x{x}_y{y}";
            if (x > 0)
            {
                server.Faults.Enqueue(new FaultRule(Fault.Delay(TimeSpan.FromMilliseconds(x))) { Times = int.MaxValue });
            }

            var prefetched = new List<double>();
            var sequential = new List<double>();
            for (var i = 0; i < iterations; i++)
            {
                prefetched.Add((await Harness.MeasureAsync(() => SyncAsync(service, true, TimeSpan.FromMilliseconds(y))).ConfigureAwait(false)).Milliseconds);
                sequential.Add((await Harness.MeasureAsync(() => SyncAsync(service, false, TimeSpan.FromMilliseconds(y))).ConfigureAwait(false)).Milliseconds);
            }

            server.Faults.Clear();
            var perPagePrefetch = Report.Median(prefetched) / pages;
            var perPageSequential = Report.Median(sequential) / pages;
            Report.Line($"{name}.per_page_ms", perPagePrefetch, "0.0");
            Report.Line($"{name}.sequential_per_page_ms", perPageSequential, "0.0");
            Report.Line($"{name}.ideal_per_page_ms", Math.Max(x, y), "0.0");
            // A pipeline cannot hide the first fetch nor the last apply: (X + (pages - 1) * max(X, Y) + Y) / pages.
            var bound = (x + (pages - 1) * Math.Max(x, y) + y) / (double)pages;
            Report.Line($"{name}.pipeline_bound_per_page_ms", bound, "0.0");
            Report.Line($"{name}.ratio_vs_pipeline_bound", perPagePrefetch / bound);
            Report.Line($"{name}.ratio_vs_sequential", perPagePrefetch / perPageSequential);
            // 1.0 = the shorter of X and Y is hidden completely.
            Report.Line($"{name}.ratio_vs_ideal", perPagePrefetch / Math.Max(x, y));
        }

        async Task SyncAsync(CalendarService svc, bool prefetch, TimeSpan applyDelay)
        {
            var store = new DelayedSyncStore<Event>(new CountingSyncStore<Event>(), applyDelay);
            var repository = new CalendarEventsRepository(svc, "primary", store)
            {
                PageSize = PageSize,
                Options = new SyncOptions { PrefetchNextPage = prefetch },
            };
            var result = await repository.SyncAsync().ConfigureAwait(false);
            if (result.Pages != pages)
            {
                throw new InvalidOperationException($"expected {pages} pages, got {result.Pages}");
            }
        }
    }
}
