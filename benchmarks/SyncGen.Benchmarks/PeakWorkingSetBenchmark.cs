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
/// What makes the figure stable: each measurement is a fresh child process (nothing carried over from an earlier size:
/// no grown heap, no warmed budgets), the child warms up with the very syncs it will measure (the same 400 pages at both
/// sizes, so tiered JIT has settled at both) and then resets the kernel's
/// high-water mark (<c>/proc/self/clear_refs</c>), so the peak is that of the measured syncs only; the server replays
/// pre-rendered pages from its own process; the child runs with a fixed gen-0 budget (<c>DOTNET_GCgen0size</c>); both
/// sizes do the same number of pages; and the sizes alternate over several rounds, the ratio being taken per round and
/// its spread reported.
/// </remarks>
internal static class PeakWorkingSetBenchmark
{
    public const string ChildVerb = "memory-child";
    private const string Gen0BudgetHex = "1000000";
    private const int PageSize = 2_500;

    public static async Task RunAsync(bool quick)
    {
        var (small, large) = quick ? (100_000, 300_000) : (100_000, 1_000_000);
        var rounds = quick ? 2 : 5;
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
        using var process = Process.Start(start) ?? throw new InvalidOperationException("The measuring process did not start.");
        var output = await process.StandardOutput.ReadToEndAsync().WaitAsync(TimeSpan.FromMinutes(10)).ConfigureAwait(false);
        await process.WaitForExitAsync().ConfigureAwait(false);
        var result = output.Split('\n').Select(l => l.Trim()).FirstOrDefault(l => l.StartsWith("RESULT ", StringComparison.Ordinal))
            ?? throw new InvalidOperationException($"The measuring process exited {process.ExitCode} without a result: {output}");
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

    private static async Task SyncAsync(CalendarService service, int events)
    {
        var store = new CountingSyncStore<Event>();
        var result = await new CalendarEventsRepository(service, "primary", store) { PageSize = PageSize }.SyncAsync().ConfigureAwait(false);
        if (result.Upserts != events || store.Applied != events)
        {
            throw new InvalidOperationException($"expected {events} events, synced {result.Upserts}");
        }
    }
}
