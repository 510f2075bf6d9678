using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Threading.Tasks;
using CalendarSync.CalendarApi;
using CalendarSync.Repository;
using SyncGen.Testing.FakeServer;

namespace SyncGen.Benchmarks;

/// <summary>
/// Issue 23, goal 5: what the change feed costs a sync. The same pass on the SQLite store with and without
/// <see cref="SqliteSyncStore{TItem}.ChangeFeed"/>: a full sync of 100,000 events into a new file, and an incremental
/// pass of 1,000 changed events out of 100,000. The two variants run back to back in every iteration, the order reversed
/// every other iteration, and the ratio is given per pair (min / median / max) with the machine's load average.
/// </summary>
internal static class ChangeFeedBenchmark
{
    private const int Events = 100_000;
    private const int PageSize = 2_500;
    private const int IncrementalChanges = 1_000;

    public static async Task RunAsync(bool quick)
    {
        var directory = Directory.CreateTempSubdirectory("syncgen-bench-feed-");
        try
        {
            Load("start");
            await FullAsync(directory, quick).ConfigureAwait(false);
            Load("after_full");
            await IncrementalAsync(directory, quick).ConfigureAwait(false);
            Load("end");
        }
        finally
        {
            Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
            directory.Delete(recursive: true);
        }
    }

    private static void Load(string when) => Report.Line($"change_feed.loadavg.{when}", File.ReadAllText("/proc/loadavg").Trim());

    private static SqliteSyncStore<Event> Open(string path, bool feed)
    {
        var store = SqliteSyncStore<Event>.OpenFile(path, "primary");
        store.ChangeFeed = feed ? new SyncChangeFeedOptions() : null;
        return store;
    }

    /// <summary>What a run of the benchmark syncs into.</summary>
    private enum Variant
    {
        /// <summary>The store without the feed: the baseline.</summary>
        WithoutFeed,

        /// <summary>The store with the feed and nobody reading it: every row is retained, so every version a pass replaces is kept.</summary>
        WithFeed,

        /// <summary>The store with the feed and a consumer that reads and acknowledges every pass's rows (off the clock) before the next.</summary>
        WithFeedConsumed,
    }

    private static string Name(Variant variant) => variant switch
    {
        Variant.WithoutFeed => "without_feed",
        Variant.WithFeed => "with_feed",
        _ => "with_feed_consumed",
    };

    private static async Task FullAsync(DirectoryInfo directory, bool quick)
    {
        await using var server = await RemoteServer.StartAsync(Events, prerendered: true).ConfigureAwait(false);
        using var service = CalendarService.Create(server.BaseUri.ToString(), pageReader: PageReader.SystemTextJson);
        var file = 0;
        async Task RunAsync(Variant variant)
        {
            var path = Path.Combine(directory.FullName, $"full{file++}.db");
            await using var store = Open(path, variant != Variant.WithoutFeed);
            var result = await new CalendarEventsRepository(service, "primary", store) { PageSize = PageSize }.SyncAsync().ConfigureAwait(false);
            Check(result.Upserts, Events);
        }

        Task DeleteFilesAsync(Variant variant)
        {
            Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
            foreach (var path in directory.EnumerateFiles())
            {
                path.Delete();
            }

            return Task.CompletedTask;
        }

        var iterations = quick ? 3 : 21;
        Report.Note($"full sync of {Events} events into a new SQLite file, {PageSize} per page, server in a child process replaying pre-rendered pages, System.Text.Json page reader; 1 warm-up and {iterations} iterations of both variants");
        var samples = await PairedAsync(iterations, warmups: 1, new[] { Variant.WithoutFeed, Variant.WithFeed }, RunAsync, DeleteFilesAsync).ConfigureAwait(false);
        Summarize("change_feed.full", samples, Variant.WithFeed);
    }

    private static async Task IncrementalAsync(DirectoryInfo directory, bool quick)
    {
        // In process: the events must change between passes (rendering them is on every variant's clock alike).
        await using var server = await FakeCalendarServer.StartAsync(new FakeCalendarServerOptions()).ConfigureAwait(false);
        server.Primary.AddMany(Events);
        using var service = CalendarService.Create(server.BaseUri.ToString(), pageReader: PageReader.SystemTextJson);
        var variants = new[] { Variant.WithoutFeed, Variant.WithFeed, Variant.WithFeedConsumed };
        var stores = variants.ToDictionary(variant => variant, variant => Open(Path.Combine(directory.FullName, $"incremental-{Name(variant)}.db"), variant != Variant.WithoutFeed));
        try
        {
            var repositories = stores.ToDictionary(pair => pair.Key, pair => new CalendarEventsRepository(service, "primary", pair.Value) { PageSize = PageSize });
            foreach (var repository in repositories.Values)
            {
                Check((await repository.SyncAsync().ConfigureAwait(false)).Upserts, Events);
            }

            // The consumer an application runs: it reads what each pass appended and acknowledges it, so the feed prunes
            // it at the next commit. It starts caught up with the first full sync.
            const string Consumer = "benchmark";
            var consumed = stores[Variant.WithFeedConsumed];
            async Task ConsumeAsync()
            {
                var cursor = await consumed.ReadCursorAsync(Consumer).ConfigureAwait(false) ?? 0;
                while (true)
                {
                    var page = await consumed.ReadChangesAsync(cursor, 5_000).ConfigureAwait(false);
                    if (page.Changes.Count == 0)
                    {
                        break;
                    }

                    cursor = page.Last;
                }

                await consumed.AcknowledgeAsync(Consumer, cursor).ConfigureAwait(false);
            }

            await ConsumeAsync().ConfigureAwait(false);

            var round = 1_000;
            async Task RunAsync(Variant variant) => Check((await repositories[variant].SyncAsync().ConfigureAwait(false)).Upserts, IncrementalChanges);

            // Every variant syncs the same changes: the calendar changes once per iteration, after its last variant ran.
            var pending = 0;
            async Task AfterEachRunAsync(Variant variant)
            {
                if (variant == Variant.WithFeedConsumed)
                {
                    await ConsumeAsync().ConfigureAwait(false);
                }

                if (++pending % variants.Length == 0)
                {
                    BandwidthBenchmark.Change(server.Primary, IncrementalChanges, Events, round++);
                }
            }

            BandwidthBenchmark.Change(server.Primary, IncrementalChanges, Events, round++);
            var iterations = quick ? 5 : 101;
            Report.Note($"incremental sync of {IncrementalChanges} changed events out of {Events} (SQLite, in-process fake server); 2 warm-ups and {iterations} iterations, each changing {IncrementalChanges} events (off the clock) and then running the three variants: without the feed, with it and nobody reading (every row retained), with it and a consumer that reads and acknowledges each pass's rows off the clock");
            var samples = await PairedAsync(iterations, warmups: 2, variants, RunAsync, AfterEachRunAsync).ConfigureAwait(false);
            Summarize("change_feed.incremental", samples, Variant.WithFeed, Variant.WithFeedConsumed);
            Report.Line("change_feed.incremental.feed_head_after_all_passes", (await stores[Variant.WithFeed].ReadChangesAsync(0, 1).ConfigureAwait(false)).Head, "0");
        }
        finally
        {
            foreach (var store in stores.Values)
            {
                await store.DisposeAsync().ConfigureAwait(false);
            }
        }
    }

    /// <summary>
    /// Runs every variant per iteration, back to back, the order rotated by one each iteration (and so each variant as
    /// often first as last). Each run gives its wall time and, as a second sample, the CPU time of this whole process (the
    /// in-process server's too, alike for all): on a machine other work keeps busy, the CPU ratio moves far less than the
    /// wall-clock one. <paramref name="afterEachRun"/> runs off the clock.
    /// </summary>
    private static async Task<(Dictionary<Variant, List<Sample>> Wall, Dictionary<Variant, List<Sample>> Cpu)> PairedAsync(int iterations, int warmups, Variant[] variants, Func<Variant, Task> run, Func<Variant, Task> afterEachRun)
    {
        var wall = variants.ToDictionary(variant => variant, _ => new List<Sample>());
        var cpu = variants.ToDictionary(variant => variant, _ => new List<Sample>());
        using var process = System.Diagnostics.Process.GetCurrentProcess();
        for (var i = -warmups; i < iterations; i++)
        {
            var first = ((i % variants.Length) + variants.Length) % variants.Length;
            foreach (var variant in variants.Skip(first).Concat(variants.Take(first)))
            {
                var cpuSpent = 0.0;
                var sample = await Harness.MeasureAsync(async () =>
                {
                    // Inside the measured run: the harness's forced collections before it are on neither clock.
                    process.Refresh();
                    var cpuBefore = process.TotalProcessorTime;
                    await run(variant).ConfigureAwait(false);
                    process.Refresh();
                    cpuSpent = (process.TotalProcessorTime - cpuBefore).TotalMilliseconds;
                }).ConfigureAwait(false);
                await afterEachRun(variant).ConfigureAwait(false);
                if (i >= 0)
                {
                    wall[variant].Add(sample);
                    cpu[variant].Add(new Sample(cpuSpent, sample.AllocatedBytes));
                }
            }
        }

        return (wall, cpu);
    }

    private static void Summarize(string prefix, (Dictionary<Variant, List<Sample>> Wall, Dictionary<Variant, List<Sample>> Cpu) samples, params Variant[] withFeed)
    {
        foreach (var (figure, byVariant) in new[] { ("ms", samples.Wall), ("cpu_ms", samples.Cpu) })
        {
            foreach (var (variant, runs) in byVariant)
            {
                var ms = runs.Select(s => s.Milliseconds).ToList();
                Report.Line($"{prefix}.{Name(variant)}.min_median_max_{figure}", string.Join(" / ", new[] { ms.Min(), Report.Median(ms), ms.Max() }.Select(v => v.ToString("0.0", System.Globalization.CultureInfo.InvariantCulture))));
            }
        }

        foreach (var variant in withFeed)
        {
            GeneratedVsHandBenchmark.Ratio($"{prefix}.time_ratio_{Name(variant)}_vs_without", samples.Wall[variant], samples.Wall[Variant.WithoutFeed]);
            GeneratedVsHandBenchmark.Ratio($"{prefix}.cpu_ratio_{Name(variant)}_vs_without", samples.Cpu[variant], samples.Cpu[Variant.WithoutFeed]);
        }
    }

    private static void Check(int applied, int expected)
    {
        if (applied != expected)
        {
            throw new InvalidOperationException($"expected {expected} events, synced {applied}");
        }
    }
}
