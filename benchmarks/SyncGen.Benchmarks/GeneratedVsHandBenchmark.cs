using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Threading.Tasks;
using CalendarSync.CalendarApi;
using CalendarSync.Repository;

namespace SyncGen.Benchmarks;

/// <summary>
/// Issues 5 and 12: the generated SyncAsync (with and without prefetch) against two hand-written loops, and, with SQLite,
/// against what the machine can do. Same server process (pre-rendered pages), same 100,000 events in pages of 2,500,
/// same Google.Apis client settings; every variant and every limit runs once per iteration, interleaved.
/// </summary>
/// <remarks>
/// The two baselines: <c>hand_through_store</c> (<see cref="HandLoopThroughStore"/>) writes through the same
/// <see cref="ISyncStore{TItem}"/> as the generated code, so it isolates the engine; <c>hand_direct_sqlite</c>
/// (<see cref="HandLoopDirectSqlite"/>) is a user's own loop straight onto SQLite, so it also judges the store.
/// </remarks>
internal static class GeneratedVsHandBenchmark
{
    private const int Events = 100_000;
    private const int PageSize = 2_500;

    public static async Task RunAsync(bool quick)
    {
        await using var server = await RemoteServer.StartAsync(Events, prerendered: true).ConfigureAwait(false);
        using var service = CalendarService.Create(server.BaseUri.ToString());
        using var stjService = CalendarService.Create(server.BaseUri.ToString(), pageReader: PageReader.SystemTextJson);
        var prefetch = new SyncOptions { PrefetchNextPage = true };
        var sequential = new SyncOptions { PrefetchNextPage = false };

        Report.Note($"full sync of {Events} events, {PageSize} per page, server in a child process replaying pre-rendered pages, Google.Apis defaults (gzip on)");
        var memoryVariants = new List<Variant>
        {
            new("hand_through_store", async _ => Check(await HandLoopThroughStore.SyncAsync(service, "primary", new InMemorySyncStore<Event>(), PageSize).ConfigureAwait(false))),
            new("generated_prefetch", async _ => Check((await Repository(service, new InMemorySyncStore<Event>(), prefetch).SyncAsync().ConfigureAwait(false)).Upserts)),
            new("generated_sequential", async _ => Check((await Repository(service, new InMemorySyncStore<Event>(), sequential).SyncAsync().ConfigureAwait(false)).Upserts)),
        };
        var memory = await CompareAsync(server, memoryVariants, quick ? 1 : 2, quick ? 3 : 7).ConfigureAwait(false);
        ReportSyncs("generated_vs_hand.memory_store", memory, "hand_through_store");

        var directory = Directory.CreateTempSubdirectory("syncgen-bench-");
        try
        {
            using var limits = await MachineLimits.PrepareAsync(server.BaseUri, PageSize).ConfigureAwait(false);
            var file = 0;
            string NewFile() => Path.Combine(directory.FullName, $"run{file++}.db");
            SqliteSyncStore<Event> NewStore() => SqliteSyncStore<Event>.OpenFile(NewFile(), "primary");
            var sqliteVariants = new List<Variant>
            {
                new("hand_direct_sqlite", async _ => Check(await HandLoopDirectSqlite.SyncAsync(service, "primary", NewFile(), PageSize).ConfigureAwait(false))),
                new("hand_through_store", async _ => Check(await HandLoopThroughStore.SyncAsync(service, "primary", NewStore(), PageSize).ConfigureAwait(false))),
                new("generated_prefetch", async _ => Check((await Repository(service, NewStore(), prefetch).SyncAsync().ConfigureAwait(false)).Upserts)),
                new("generated_sequential", async _ => Check((await Repository(service, NewStore(), sequential).SyncAsync().ConfigureAwait(false)).Upserts)),

                // The sample's System.Text.Json page reader instead of Google.Apis' Newtonsoft one.
                new("generated_prefetch_stj_reader", async _ => Check((await Repository(stjService, NewStore(), prefetch).SyncAsync().ConfigureAwait(false)).Upserts)),
                new("limit_transfer", _ => limits.TransferAsync()),
                new("limit_parse_sample", _ => { limits.ParseWithSampleParser(); return Task.CompletedTask; }),
                new("limit_parse_stj", _ => { limits.ParseWithSystemTextJson(); return Task.CompletedTask; }),
                new("limit_insert", _ => limits.InsertAsync(NewFile())) { Prepare = limits.PrepareRows, Release = limits.Release },
                new("store_alone_from_memory", _ => limits.StoreAloneAsync(NewStore())) { Prepare = limits.PrepareChanges, Release = limits.Release },
            };

            Report.Note($"limits: {limits.Events} events, {limits.JsonBytes} bytes of page JSON; transfer = GET of the pre-rendered pages (gzip, decompressed); parse = the pages into the sample's Events; insert = one WAL transaction of {limits.Events} prepared inserts of the events' JSON");
            var sqlite = await CompareAsync(server, sqliteVariants, 1, quick ? 3 : 5, DeleteFiles).ConfigureAwait(false);
            ReportSyncs("generated_vs_hand.sqlite_store", sqlite, "hand_through_store");
            ReportSqlite("generated_vs_hand.sqlite_store", sqlite);

            void DeleteFiles()
            {
                // Each run writes a new 50 MB file; removing them keeps the disk's page cache comparable between runs.
                Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
                foreach (var path in directory.EnumerateFiles())
                {
                    path.Delete();
                }
            }
        }
        finally
        {
            Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
            directory.Delete(recursive: true);
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

    /// <summary>
    /// One thing timed: a sync variant or a limit. The argument is the iteration number. <see cref="Prepare"/> and
    /// <see cref="Release"/> run just before and after it, off the clock.
    /// </summary>
    internal sealed record Variant(string Name, Func<int, Task> Run)
    {
        public Action? Prepare { get; init; }

        public Action? Release { get; init; }
    }

    private static async Task<Dictionary<string, List<Sample>>> CompareAsync(RemoteServer server, List<Variant> variants, int warmups, int iterations, Action? afterEachRun = null)
    {
        for (var w = 0; w < warmups; w++)
        {
            foreach (var variant in variants)
            {
                variant.Prepare?.Invoke();
                await variant.Run(-1).ConfigureAwait(false);
                variant.Release?.Invoke();
                afterEachRun?.Invoke();
            }
        }

        // Every iteration runs every variant, in forward then reverse order (A B C, C B A, ...), so that drift on a shared
        // machine and the cost of running right after another variant hit every variant alike.
        var rendersBefore = await server.RendersAsync().ConfigureAwait(false);
        var samples = variants.ToDictionary(v => v.Name, _ => new List<Sample>());
        for (var i = 0; i < iterations; i++)
        {
            var order = i % 2 == 0 ? variants : Enumerable.Reverse(variants);
            foreach (var variant in order)
            {
                var iteration = i;
                variant.Prepare?.Invoke();
                samples[variant.Name].Add(await Harness.MeasureAsync(() => variant.Run(iteration)).ConfigureAwait(false));
                variant.Release?.Invoke();
                afterEachRun?.Invoke();
            }
        }

        // Zero: every measured request was answered from the pre-rendered pages, none was rendered on the clock.
        Report.Line("server.renders_during_measured_runs", await server.RendersAsync().ConfigureAwait(false) - rendersBefore, "0");
        return samples;
    }

    private static void ReportSyncs(string prefix, Dictionary<string, List<Sample>> samples, string hand)
    {
        foreach (var (name, runs) in samples)
        {
            var ms = runs.Select(s => s.Milliseconds).ToList();
            var median = Report.Median(ms);
            Report.Line($"{prefix}.{name}.median_ms", median, "0.0");
            Report.Line($"{prefix}.{name}.min_ms", ms.Min(), "0.0");
            Report.Line($"{prefix}.{name}.max_ms", ms.Max(), "0.0");
            if (!name.StartsWith("limit_", StringComparison.Ordinal) && !name.StartsWith("store_", StringComparison.Ordinal))
            {
                Report.Line($"{prefix}.{name}.events_per_s", Events / (median / 1000), "0");
                Report.Line($"{prefix}.{name}.alloc_bytes_per_event", Report.Median(runs.Select(s => (double)s.AllocatedBytes).ToList()) / Events, "0.0");
            }
        }

        Ratio($"{prefix}.time_ratio_generated_prefetch_vs_{hand}", samples["generated_prefetch"], samples[hand]);
        Ratio($"{prefix}.time_ratio_generated_sequential_vs_{hand}", samples["generated_sequential"], samples[hand]);
        double Alloc(string name) => Report.Median(samples[name].Select(s => (double)s.AllocatedBytes).ToList()) / Events;
        Report.Line($"{prefix}.alloc_ratio_generated_prefetch_vs_{hand}", Alloc("generated_prefetch") / Alloc(hand), "0.0000");
        Report.Line($"{prefix}.alloc_ratio_generated_sequential_vs_{hand}", Alloc("generated_sequential") / Alloc(hand), "0.0000");

        // The engine's own cost shows as a constant per page on top of the client's per-event cost.
        Report.Line($"{prefix}.alloc_extra_bytes_per_page_generated_prefetch", (Alloc("generated_prefetch") - Alloc(hand)) * PageSize, "0");
    }

    private static void ReportSqlite(string prefix, Dictionary<string, List<Sample>> samples)
    {
        // Issue 12, goal 1: against the user's own SQLite loop.
        Ratio($"{prefix}.time_ratio_generated_prefetch_vs_hand_direct_sqlite", samples["generated_prefetch"], samples["hand_direct_sqlite"]);
        Ratio($"{prefix}.time_ratio_hand_through_store_vs_hand_direct_sqlite", samples["hand_through_store"], samples["hand_direct_sqlite"]);

        // Issue 12, goal 2: against the sum of the limits of the same iteration, with the sample's parser and with STJ.
        var sumSample = Sum(samples, "limit_transfer", "limit_parse_sample", "limit_insert");
        var sumStj = Sum(samples, "limit_transfer", "limit_parse_stj", "limit_insert");
        Report.Line($"{prefix}.limit_sum_sample_parser.median_ms", Report.Median(sumSample.Select(s => s.Milliseconds).ToList()), "0.0");
        Report.Line($"{prefix}.limit_sum_stj.median_ms", Report.Median(sumStj.Select(s => s.Milliseconds).ToList()), "0.0");
        Ratio($"{prefix}.time_ratio_generated_prefetch_vs_limit_sum_sample_parser", samples["generated_prefetch"], sumSample);
        Ratio($"{prefix}.time_ratio_generated_prefetch_vs_limit_sum_stj", samples["generated_prefetch"], sumStj);
        Ratio($"{prefix}.time_ratio_generated_prefetch_stj_reader_vs_limit_sum_stj", samples["generated_prefetch_stj_reader"], sumStj);
        Ratio($"{prefix}.time_ratio_generated_prefetch_stj_reader_vs_hand_direct_sqlite", samples["generated_prefetch_stj_reader"], samples["hand_direct_sqlite"]);
        Ratio($"{prefix}.time_ratio_hand_direct_sqlite_vs_limit_sum_sample_parser", samples["hand_direct_sqlite"], sumSample);
        Ratio($"{prefix}.time_ratio_store_alone_from_memory_vs_limit_insert", samples["store_alone_from_memory"], samples["limit_insert"]);
    }

    private static List<Sample> Sum(Dictionary<string, List<Sample>> samples, params string[] names) =>
        Enumerable.Range(0, samples[names[0]].Count)
            .Select(i => new Sample(names.Sum(n => samples[n][i].Milliseconds), names.Sum(n => samples[n][i].AllocatedBytes)))
            .ToList();

    /// <summary>
    /// Prints the ratio of the medians and, as the noise, the smallest, median and largest ratio of the runs paired by
    /// iteration (each pair ran back to back, so machine drift cancels within a pair).
    /// </summary>
    internal static void Ratio(string name, List<Sample> numerator, List<Sample> denominator)
    {
        Report.Line(name, Report.Median(numerator.Select(s => s.Milliseconds).ToList()) / Report.Median(denominator.Select(s => s.Milliseconds).ToList()));
        var paired = numerator.Zip(denominator, (a, b) => a.Milliseconds / b.Milliseconds).ToList();
        Report.Line($"{name}.paired_min_median_max",
            string.Join(" / ", new[] { paired.Min(), Report.Median(paired), paired.Max() }.Select(r => r.ToString("0.000", System.Globalization.CultureInfo.InvariantCulture))));
    }
}
