using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Threading.Tasks;
using CalendarSync.CalendarApi;
using CalendarSync.Repository;

namespace SyncGen.Benchmarks;

/// <summary>
/// Issue 12, goal 4: time per event and peak working set of a whole client process, syncing 1,000,000 events once
/// against 100,000 events ten times (the same 400 pages of 2,500), into a store that only counts.
/// </summary>
/// <remarks>
/// <para>
/// Peak working set: each measurement is a fresh child process (nothing carried over from an earlier size: no grown
/// heap, no warmed budgets), the child warms up with the very syncs it will measure (the same 400 pages at both sizes,
/// so tiered JIT has settled at both) and then resets the kernel's high-water mark (<c>/proc/self/clear_refs</c>), so
/// the peak is that of the measured syncs only; the server replays pre-rendered pages from its own process; the child
/// runs with a fixed gen-0 budget (<c>DOTNET_GCgen0size</c>); both sizes do the same number of pages; and the sizes
/// alternate over several rounds, the ratio being taken per round and its spread reported.
/// </para>
/// <para>
/// Time per event: measured in other children, each of which syncs both sizes in turn (small, large, large, small,
/// ...) after warming up on both, so that every ratio compares two measurements of one process. Comparing processes
/// instead was not stable: a child runs at one of two speeds for its whole life (for example 2.7-3.0 or 4.0-5.5 µs of
/// CPU per event for the same work, at either size), so ratios of one process to another ranged 0.58-1.90 with five
/// rounds. The per-process figures of the peak children are still printed, to show that spread.
/// </para>
/// </remarks>
internal static class PeakWorkingSetBenchmark
{
    public const string ChildVerb = "memory-child";
    public const string PairedChildVerb = "memory-time-child";
    private const string Gen0BudgetHex = "1000000";
    private const int PageSize = 2_500;

    public static async Task RunAsync(bool quick)
    {
        var (small, large) = quick ? (100_000, 300_000) : (100_000, 1_000_000);
        var rounds = quick ? 2 : 3;
        var results = new Dictionary<int, List<(double MicrosecondsPerEvent, double PeakMiB, double CpuMicrosecondsPerEvent)>> { [small] = new(), [large] = new() };
        Report.Note($"fresh child process per measurement (DOTNET_GCgen0size={Gen0BudgetHex}): warm-up = the measured syncs, high-water mark reset; wall and CPU time of the client process, then {large / small} x {small} or 1 x {large} events; {rounds} rounds, sizes alternating");
        for (var round = 0; round < rounds; round++)
        {
            foreach (var events in round % 2 == 0 ? new[] { small, large } : new[] { large, small })
            {
                results[events].Add(await RunChildAsync(events, large / events).ConfigureAwait(false));
            }
        }

        foreach (var (events, runs) in results)
        {
            var name = $"process_memory.{Label(events)}";
            Report.Line($"{name}.us_per_event", string.Join(" / ", runs.Select(r => r.MicrosecondsPerEvent.ToString("0.00", CultureInfo.InvariantCulture))));
            Report.Line($"{name}.peak_working_set_mib", string.Join(" / ", runs.Select(r => r.PeakMiB.ToString("0.0", CultureInfo.InvariantCulture))));
            Report.Line($"{name}.cpu_us_per_event", string.Join(" / ", runs.Select(r => r.CpuMicrosecondsPerEvent.ToString("0.00", CultureInfo.InvariantCulture))));
        }

        var pairs = results[small].Zip(results[large], (s, l) => (Time: l.MicrosecondsPerEvent / s.MicrosecondsPerEvent, Peak: l.PeakMiB / s.PeakMiB, Cpu: l.CpuMicrosecondsPerEvent / s.CpuMicrosecondsPerEvent)).ToList();
        var prefix = $"process_memory.ratio_{Label(large)}_vs_{Label(small)}";
        Report.Line($"{prefix}.time_per_event_by_round", string.Join(" / ", pairs.Select(p => p.Time.ToString("0.000", CultureInfo.InvariantCulture))));
        Report.Line($"{prefix}.time_per_event_median", Report.Median(pairs.Select(p => p.Time).ToList()), "0.000");
        Report.Line($"{prefix}.cpu_time_per_event_by_round", string.Join(" / ", pairs.Select(p => p.Cpu.ToString("0.000", CultureInfo.InvariantCulture))));
        Report.Line($"{prefix}.cpu_time_per_event_median", Report.Median(pairs.Select(p => p.Cpu).ToList()), "0.000");
        Report.Line($"{prefix}.peak_working_set_by_round", string.Join(" / ", pairs.Select(p => p.Peak.ToString("0.000", CultureInfo.InvariantCulture))));
        Report.Line($"{prefix}.peak_working_set_median", Report.Median(pairs.Select(p => p.Peak).ToList()), "0.000");

        await RunPairedTimeAsync(small, large, quick).ConfigureAwait(false);
    }

    /// <summary>
    /// Time per event, both sizes measured in one process: <c>children</c> processes, each warming up on both sizes and
    /// then timing <c>pairs</c> pairs (the order alternating, small-large then large-small), the ratio taken per pair.
    /// </summary>
    private static async Task RunPairedTimeAsync(int small, int large, bool quick)
    {
        var children = quick ? 1 : 3;
        var pairsPerChild = quick ? 2 : 4;
        Report.Note($"time per event, both sizes in one process: {children} child processes, each warming up on both sizes, then {pairsPerChild} pairs (order alternating) of {large / small} calendars of {small} events each synced once and 1 calendar of {large}, all from one server process, events of equal length; ratios per pair");
        var wall = new List<double>();
        var cpu = new List<double>();
        var childMedians = new List<(double Wall, double Cpu)>();
        for (var child = 0; child < children; child++)
        {
            var start = RemoteServer.SelfStartInfo(PairedChildVerb);
            start.ArgumentList.Add(small.ToString(CultureInfo.InvariantCulture));
            start.ArgumentList.Add(large.ToString(CultureInfo.InvariantCulture));
            start.ArgumentList.Add(pairsPerChild.ToString(CultureInfo.InvariantCulture));
            start.Environment["DOTNET_GCgen0size"] = Gen0BudgetHex;
            var lines = await RunToEndAsync(start).ConfigureAwait(false);
            var childWall = new List<double>();
            var childCpu = new List<double>();
            foreach (var line in lines.Where(l => l.StartsWith("PAIR ", StringComparison.Ordinal)))
            {
                // PAIR small_us small_cpu_us large_us large_cpu_us (per event)
                var f = line.Split(' ').Skip(1).Select(v => double.Parse(v, CultureInfo.InvariantCulture)).ToArray();
                childWall.Add(f[2] / f[0]);
                childCpu.Add(f[3] / f[1]);
                Report.Line($"process_memory.paired.child{child + 1}.us_per_event_{Label(small)}_{Label(large)}", string.Create(CultureInfo.InvariantCulture, $"{f[0]:0.00} {f[2]:0.00} (CPU {f[1]:0.00} {f[3]:0.00})"));
            }

            if (childWall.Count != pairsPerChild)
            {
                throw new InvalidOperationException($"The timing process printed {childWall.Count} pairs, expected {pairsPerChild}: {string.Join('\n', lines)}");
            }

            wall.AddRange(childWall);
            cpu.AddRange(childCpu);
            childMedians.Add((Report.Median(childWall), Report.Median(childCpu)));
        }

        var prefix = $"process_memory.paired.ratio_{Label(large)}_vs_{Label(small)}";
        Report.Line($"{prefix}.time_per_event_by_pair", string.Join(" / ", wall.Select(r => r.ToString("0.000", CultureInfo.InvariantCulture))));
        Report.Line($"{prefix}.time_per_event_median_by_child", string.Join(" / ", childMedians.Select(m => m.Wall.ToString("0.000", CultureInfo.InvariantCulture))));
        Report.Line($"{prefix}.time_per_event_median", Report.Median(wall), "0.000");
        Report.Line($"{prefix}.cpu_time_per_event_by_pair", string.Join(" / ", cpu.Select(r => r.ToString("0.000", CultureInfo.InvariantCulture))));
        Report.Line($"{prefix}.cpu_time_per_event_median_by_child", string.Join(" / ", childMedians.Select(m => m.Cpu.ToString("0.000", CultureInfo.InvariantCulture))));
        Report.Line($"{prefix}.cpu_time_per_event_median", Report.Median(cpu), "0.000");
    }

    private static async Task<string[]> RunToEndAsync(ProcessStartInfo start)
    {
        using var process = Process.Start(start) ?? throw new InvalidOperationException("The measuring process did not start.");
        var output = await process.StandardOutput.ReadToEndAsync().WaitAsync(TimeSpan.FromMinutes(10)).ConfigureAwait(false);
        await process.WaitForExitAsync().ConfigureAwait(false);
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"The measuring process exited {process.ExitCode}: {output}");
        }

        return output.Split('\n').Select(l => l.Trim()).ToArray();
    }

    private static string Label(int events) => events >= 1_000_000 ? $"{events / 1_000_000}m" : $"{events / 1_000}k";

    private static async Task<(double MicrosecondsPerEvent, double PeakMiB, double CpuMicrosecondsPerEvent)> RunChildAsync(int events, int repeats)
    {
        var start = RemoteServer.SelfStartInfo(ChildVerb);
        start.ArgumentList.Add(events.ToString(CultureInfo.InvariantCulture));
        start.ArgumentList.Add(repeats.ToString(CultureInfo.InvariantCulture));

        // A fixed gen-0 budget (16 MiB): the GC then collects after a set volume of allocation, not after a budget it
        // tunes from the cache size and from the timing of earlier collections, so the peak no longer jumps by ~30 MiB
        // between two identical runs.
        start.Environment["DOTNET_GCgen0size"] = Gen0BudgetHex;
        var lines = await RunToEndAsync(start).ConfigureAwait(false);
        var result = lines.FirstOrDefault(l => l.StartsWith("RESULT ", StringComparison.Ordinal))
            ?? throw new InvalidOperationException($"The measuring process printed no result: {string.Join('\n', lines)}");
        var parts = result.Split(' ');
        return (double.Parse(parts[1], CultureInfo.InvariantCulture), double.Parse(parts[2], CultureInfo.InvariantCulture), double.Parse(parts[3], CultureInfo.InvariantCulture));
    }

    /// <summary>The child side: measure and print <c>RESULT us_per_event peak_working_set_mib cpu_us_per_event</c>.</summary>
    public static async Task<int> MeasureInChildAsync(string[] args)
    {
        var events = int.Parse(args[0], CultureInfo.InvariantCulture);
        var repeats = int.Parse(args[1], CultureInfo.InvariantCulture);
        await using var server = await RemoteServer.StartAsync(events, prerendered: true).ConfigureAwait(false);
        using var service = CalendarService.Create(server.BaseUri.ToString());

        // Warm-up: JIT, connection pool, the server's pre-rendered pages. Exactly the measured work, so that both sizes warm
        // up over the same 400 pages: with one sync of 40 pages the small size was still being re-jitted (tiered
        // compilation) on the clock and measured up to twice as slow per event as the large one. Then a clean heap and a
        // fresh high-water mark.
        for (var r = 0; r < repeats; r++)
        {
            await SyncAsync(service, events).ConfigureAwait(false);
        }

        GC.Collect(GC.MaxGeneration, GCCollectionMode.Forced, blocking: true, compacting: true);
        GC.WaitForPendingFinalizers();
        GC.Collect(GC.MaxGeneration, GCCollectionMode.Forced, blocking: true, compacting: true);
        await File.WriteAllTextAsync("/proc/self/clear_refs", "5").ConfigureAwait(false);

        // The CPU time of this process (the server is a process of its own): the wall clock on a shared machine also counts
        // the time this process waited for a core that another tenant held, the CPU time does not.
        using var self = Process.GetCurrentProcess();
        var cpuBefore = self.TotalProcessorTime;
        var clock = Stopwatch.StartNew();
        for (var r = 0; r < repeats; r++)
        {
            await SyncAsync(service, events).ConfigureAwait(false);
        }

        clock.Stop();
        self.Refresh();
        var cpuMicrosecondsPerEvent = (self.TotalProcessorTime - cpuBefore).TotalMilliseconds * 1000 / ((double)events * repeats);
        var peakKiB = File.ReadLines("/proc/self/status").First(l => l.StartsWith("VmHWM:", StringComparison.Ordinal))
            .Split(' ', StringSplitOptions.RemoveEmptyEntries)[1];
        var microsecondsPerEvent = clock.Elapsed.TotalMilliseconds * 1000 / ((double)events * repeats);
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"RESULT {microsecondsPerEvent} {long.Parse(peakKiB, CultureInfo.InvariantCulture) / 1024.0} {cpuMicrosecondsPerEvent}"));
        return 0;
    }

    /// <summary>
    /// The paired child: both sizes in this one process, from one server process that holds ten calendars of the small
    /// size and one of the large, all of events of one length (see <see cref="RemoteServer.StartAsync"/>). The small
    /// side syncs each of the ten once, so that both sides fetch the same number of distinct pages of the same size from
    /// the same process, and differ only in how many events one pass holds. Prints one line per pair,
    /// <c>PAIR small_us small_cpu_us large_us large_cpu_us</c>, each per event.
    /// </summary>
    public static async Task<int> MeasurePairsInChildAsync(string[] args)
    {
        var small = int.Parse(args[0], CultureInfo.InvariantCulture);
        var large = int.Parse(args[1], CultureInfo.InvariantCulture);
        var pairs = int.Parse(args[2], CultureInfo.InvariantCulture);
        var calendars = Enumerable.Range(0, large / small).ToDictionary(i => $"small{i}", _ => small);
        calendars["large"] = large;
        await using var server = await RemoteServer.StartAsync(0, prerendered: true, calendars).ConfigureAwait(false);
        using var service = CalendarService.Create(server.BaseUri.ToString());
        using var self = Process.GetCurrentProcess();

        // Both sizes go through the same code, so one warm-up of each (the measured work itself) settles the JIT for
        // both, and fills the server's pre-rendered pages of every calendar.
        async Task<(double Us, double CpuUs)> RunAsync(IReadOnlyList<string> passes, int events)
        {
            GC.Collect(GC.MaxGeneration, GCCollectionMode.Forced, blocking: true, compacting: true);
            GC.WaitForPendingFinalizers();
            self.Refresh();
            var cpuBefore = self.TotalProcessorTime;
            var clock = Stopwatch.StartNew();
            foreach (var calendar in passes)
            {
                await SyncAsync(service, events, calendar).ConfigureAwait(false);
            }

            clock.Stop();
            self.Refresh();
            var count = (double)events * passes.Count;
            return (clock.Elapsed.TotalMilliseconds * 1000 / count, (self.TotalProcessorTime - cpuBefore).TotalMilliseconds * 1000 / count);
        }

        var smallPasses = calendars.Keys.Where(k => k.StartsWith("small", StringComparison.Ordinal)).ToList();
        var largePass = new[] { "large" };
        await RunAsync(smallPasses, small).ConfigureAwait(false);
        await RunAsync(largePass, large).ConfigureAwait(false);
        for (var pair = 0; pair < pairs; pair++)
        {
            (double Us, double CpuUs) smallRun, largeRun;
            if (pair % 2 == 0)
            {
                smallRun = await RunAsync(smallPasses, small).ConfigureAwait(false);
                largeRun = await RunAsync(largePass, large).ConfigureAwait(false);
            }
            else
            {
                largeRun = await RunAsync(largePass, large).ConfigureAwait(false);
                smallRun = await RunAsync(smallPasses, small).ConfigureAwait(false);
            }

            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"PAIR {smallRun.Us} {smallRun.CpuUs} {largeRun.Us} {largeRun.CpuUs}"));
        }

        return 0;
    }

    private static async Task SyncAsync(CalendarService service, int events, string calendar = "primary")
    {
        var store = new CountingSyncStore<Event>();
        var result = await new CalendarEventsRepository(service, calendar, store) { PageSize = PageSize }.SyncAsync().ConfigureAwait(false);
        if (result.Upserts != events || store.Applied != events)
        {
            throw new InvalidOperationException($"expected {events} events, synced {result.Upserts}");
        }
    }
}
