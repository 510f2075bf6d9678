using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Threading.Tasks;
using CalendarSync.CalendarApi;
using CalendarSync.Repository;

namespace SyncGen.Benchmarks;

/// <summary>
/// Issue 5, part 1: the generated SyncAsync (with and without prefetch) against the hand-written loop: same server
/// process, same 100,000 events in pages of 2,500, same store, same Google.Apis client settings.
/// </summary>
internal static class GeneratedVsHandBenchmark
{
    private const int Events = 100_000;
    private const int PageSize = 2_500;

    public static async Task RunAsync(bool quick)
    {
        await using var server = await RemoteServer.StartAsync(Events).ConfigureAwait(false);
        using var service = CalendarService.Create(server.BaseUri.ToString());
        var prefetch = new SyncOptions { PrefetchNextPage = true };
        var sequential = new SyncOptions { PrefetchNextPage = false };

        var variants = new List<(string Name, Func<ISyncStore<Event>, Task> Run)>
        {
            ("hand", async store => Check(await HandWrittenLoop.SyncAsync(service, "primary", store, PageSize).ConfigureAwait(false))),
            ("generated_prefetch", async store => Check((await Repository(service, store, prefetch).SyncAsync().ConfigureAwait(false)).Upserts)),
            ("generated_sequential", async store => Check((await Repository(service, store, sequential).SyncAsync().ConfigureAwait(false)).Upserts)),
        };

        Report.Note($"full sync of {Events} events, {PageSize} per page, server in a child process, Google.Apis defaults (gzip on)");
        await CompareAsync("generated_vs_hand.memory_store", variants, () => new InMemorySyncStore<Event>(), quick ? 1 : 2, quick ? 3 : 7).ConfigureAwait(false);

        if (!quick)
        {
            var directory = Directory.CreateTempSubdirectory("syncgen-bench-");
            try
            {
                var file = 0;
                await CompareAsync("generated_vs_hand.sqlite_store", variants,
                    () => SqliteSyncStore<Event>.OpenFile(Path.Combine(directory.FullName, $"run{file++}.db"), "primary"), 1, 3).ConfigureAwait(false);
            }
            finally
            {
                Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
                directory.Delete(recursive: true);
            }
        }
    }

    private static CalendarEventsRepository Repository(CalendarService service, ISyncStore<Event> store, SyncOptions options) =>
        new(service, "primary", store) { PageSize = PageSize, Options = options };

    private static void Check(int applied)
    {
        if (applied != Events)
        {
            throw new InvalidOperationException($"expected {Events} events, synced {applied}");
        }
    }

    private static async Task CompareAsync(string prefix, List<(string Name, Func<ISyncStore<Event>, Task> Run)> variants, Func<ISyncStore<Event>> newStore, int warmups, int iterations)
    {
        for (var w = 0; w < warmups; w++)
        {
            foreach (var (_, run) in variants)
            {
                await run(newStore()).ConfigureAwait(false);
            }
        }

        // Every iteration runs every variant, in forward then reverse order (A B C, C B A, ...), so that drift on a shared
        // machine and the cost of running right after another variant hit every variant alike.
        var samples = variants.ToDictionary(v => v.Name, _ => new List<Sample>());
        for (var i = 0; i < iterations; i++)
        {
            var order = i % 2 == 0 ? variants : Enumerable.Reverse(variants);
            foreach (var (name, run) in order)
            {
                var store = newStore();
                samples[name].Add(await Harness.MeasureAsync(() => run(store)).ConfigureAwait(false));
                (store as IDisposable)?.Dispose();
            }
        }

        var ms = samples.ToDictionary(p => p.Key, p => Report.Median(p.Value.Select(s => s.Milliseconds).ToList()));
        var bytesPerEvent = samples.ToDictionary(p => p.Key, p => Report.Median(p.Value.Select(s => (double)s.AllocatedBytes).ToList()) / Events);
        foreach (var (name, _) in variants)
        {
            Report.Line($"{prefix}.{name}.median_ms", ms[name], "0.0");
            Report.Line($"{prefix}.{name}.min_ms", samples[name].Min(s => s.Milliseconds), "0.0");
            Report.Line($"{prefix}.{name}.events_per_s", Events / (ms[name] / 1000), "0");
            Report.Line($"{prefix}.{name}.alloc_bytes_per_event", bytesPerEvent[name], "0.0");
        }

        Report.Line($"{prefix}.time_ratio_generated_prefetch_vs_hand", ms["generated_prefetch"] / ms["hand"]);
        Report.Line($"{prefix}.time_ratio_generated_sequential_vs_hand", ms["generated_sequential"] / ms["hand"]);
        Report.Line($"{prefix}.alloc_ratio_generated_prefetch_vs_hand", bytesPerEvent["generated_prefetch"] / bytesPerEvent["hand"], "0.0000");
        Report.Line($"{prefix}.alloc_ratio_generated_sequential_vs_hand", bytesPerEvent["generated_sequential"] / bytesPerEvent["hand"], "0.0000");
        // The engine's own cost shows as a constant per page on top of the client's per-event cost.
        Report.Line($"{prefix}.alloc_extra_bytes_per_page_generated_prefetch", (bytesPerEvent["generated_prefetch"] - bytesPerEvent["hand"]) * PageSize, "0");
    }
}
