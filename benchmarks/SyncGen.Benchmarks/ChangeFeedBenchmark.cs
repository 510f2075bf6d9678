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

    private static async Task FullAsync(DirectoryInfo directory, bool quick)
    {
        await using var server = await RemoteServer.StartAsync(Events, prerendered: true).ConfigureAwait(false);
        using var service = CalendarService.Create(server.BaseUri.ToString(), pageReader: PageReader.SystemTextJson);
        var file = 0;
        async Task RunAsync(bool feed)
        {
            var path = Path.Combine(directory.FullName, $"full{file++}.db");
            await using var store = Open(path, feed);
            var result = await new CalendarEventsRepository(service, "primary", store) { PageSize = PageSize }.SyncAsync().ConfigureAwait(false);
            Check(result.Upserts, Events);
        }

        void DeleteFiles()
        {
            Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
            foreach (var path in directory.EnumerateFiles())
            {
                path.Delete();
            }
        }

        var iterations = quick ? 3 : 11;
        Report.Note($"full sync of {Events} events into a new SQLite file, {PageSize} per page, server in a child process replaying pre-rendered pages, System.Text.Json page reader; 1 warm-up and {iterations} iterations of both variants");
        var samples = await PairedAsync(iterations, warmups: 1, RunAsync, DeleteFiles).ConfigureAwait(false);
        Summarize("change_feed.full", samples);
    }

    private static async Task IncrementalAsync(DirectoryInfo directory, bool quick)
    {
        // In process: the events must change between passes (rendering them is on both variants' clocks alike).
        await using var server = await FakeCalendarServer.StartAsync(new FakeCalendarServerOptions()).ConfigureAwait(false);
        server.Primary.AddMany(Events);
        using var service = CalendarService.Create(server.BaseUri.ToString(), pageReader: PageReader.SystemTextJson);
        await using var plain = Open(Path.Combine(directory.FullName, "incremental-plain.db"), feed: false);
        await using var feed = Open(Path.Combine(directory.FullName, "incremental-feed.db"), feed: true);
        var repositories = new Dictionary<bool, CalendarEventsRepository>
        {
            [false] = new(service, "primary", plain) { PageSize = PageSize },
            [true] = new(service, "primary", feed) { PageSize = PageSize },
        };
        foreach (var repository in repositories.Values)
        {
            Check((await repository.SyncAsync().ConfigureAwait(false)).Upserts, Events);
        }

        var round = 1_000;
        async Task RunAsync(bool withFeed) => Check((await repositories[withFeed].SyncAsync().ConfigureAwait(false)).Upserts, IncrementalChanges);

        // Both variants sync the same changes: the calendar changes once per iteration, before its first variant runs.
        var pending = 0;
        void ChangeWhenBothSynced()
        {
            if (++pending % 2 == 0)
            {
                BandwidthBenchmark.Change(server.Primary, IncrementalChanges, Events, round++);
            }
        }

        BandwidthBenchmark.Change(server.Primary, IncrementalChanges, Events, round++);
        var iterations = quick ? 5 : 101;
        Report.Note($"incremental sync of {IncrementalChanges} changed events out of {Events} (SQLite, in-process fake server); 2 warm-ups and {iterations} iterations, each changing {IncrementalChanges} events (off the clock) and then running both variants");
        var samples = await PairedAsync(iterations, warmups: 2, RunAsync, ChangeWhenBothSynced).ConfigureAwait(false);
        Summarize("change_feed.incremental", samples);
        var entries = await feed.ReadChangesAsync(0, 1).ConfigureAwait(false);
        Report.Line("change_feed.incremental.feed_head_after_all_passes", entries.Head, "0");
    }

    /// <summary>
    /// Runs both variants per iteration, back to back, the order reversed every other iteration. Each run gives its wall
    /// time and, as a second sample, the CPU time of this whole process (the in-process server's too, alike for both):
    /// on a machine other work keeps busy, the CPU ratio moves far less than the wall-clock one.
    /// </summary>
    private static async Task<(Dictionary<bool, List<Sample>> Wall, Dictionary<bool, List<Sample>> Cpu)> PairedAsync(int iterations, int warmups, Func<bool, Task> run, Action afterEachRun)
    {
        var wall = new Dictionary<bool, List<Sample>> { [false] = new(), [true] = new() };
        var cpu = new Dictionary<bool, List<Sample>> { [false] = new(), [true] = new() };
        using var process = System.Diagnostics.Process.GetCurrentProcess();
        for (var i = -warmups; i < iterations; i++)
        {
            foreach (var feed in i % 2 == 0 ? new[] { false, true } : new[] { true, false })
            {
                var cpuSpent = 0.0;
                var sample = await Harness.MeasureAsync(async () =>
                {
                    // Inside the measured run: the harness's forced collections before it are on neither clock.
                    process.Refresh();
                    var cpuBefore = process.TotalProcessorTime;
                    await run(feed).ConfigureAwait(false);
                    process.Refresh();
                    cpuSpent = (process.TotalProcessorTime - cpuBefore).TotalMilliseconds;
                }).ConfigureAwait(false);
                afterEachRun();
                if (i >= 0)
                {
                    wall[feed].Add(sample);
                    cpu[feed].Add(new Sample(cpuSpent, sample.AllocatedBytes));
                }
            }
        }

        return (wall, cpu);
    }

    private static void Summarize(string prefix, (Dictionary<bool, List<Sample>> Wall, Dictionary<bool, List<Sample>> Cpu) samples)
    {
        foreach (var (figure, byVariant) in new[] { ("ms", samples.Wall), ("cpu_ms", samples.Cpu) })
        {
            foreach (var (feed, runs) in byVariant)
            {
                var ms = runs.Select(s => s.Milliseconds).ToList();
                var name = feed ? "with_feed" : "without_feed";
                Report.Line($"{prefix}.{name}.min_median_max_{figure}", string.Join(" / ", new[] { ms.Min(), Report.Median(ms), ms.Max() }.Select(v => v.ToString("0.0", System.Globalization.CultureInfo.InvariantCulture))));
            }
        }

        GeneratedVsHandBenchmark.Ratio($"{prefix}.time_ratio_with_feed_vs_without", samples.Wall[true], samples.Wall[false]);
        GeneratedVsHandBenchmark.Ratio($"{prefix}.cpu_ratio_with_feed_vs_without", samples.Cpu[true], samples.Cpu[false]);
    }

    private static void Check(int applied, int expected)
    {
        if (applied != expected)
        {
            throw new InvalidOperationException($"expected {expected} events, synced {applied}");
        }
    }
}
