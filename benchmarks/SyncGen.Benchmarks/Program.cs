using System;
using System.Collections.Generic;
using System.Linq;
using System.Threading.Tasks;

namespace SyncGen.Benchmarks;

/// <summary>
/// dotnet run -c Release --project benchmarks/SyncGen.Benchmarks -- [all|generated-vs-hand|no-change|overlap|memory|process-memory|bandwidth|generator|postgresql|resume|change-feed] [--quick]
/// Every figure is printed as one <c>name: value</c> line so that runs can be diffed and pasted into docs/benchmarks.md.
/// </summary>
public static class Program
{
    private static readonly string[] Suites = { "generated-vs-hand", "no-change", "overlap", "memory", "process-memory", "bandwidth", "generator", "postgresql", "resume", "change-feed" };

    public static async Task<int> Main(string[] args)
    {
        // The child process that hosts the fake server for the allocation and memory benchmarks (see RemoteServer).
        if (args.Length > 0 && args[0] == RemoteServer.ServeVerb)
        {
            return await RemoteServer.ServeAsync(args.Skip(1).ToArray()).ConfigureAwait(false);
        }

        // The child process that measures one size of the process-memory benchmark (see PeakWorkingSetBenchmark).
        if (args.Length > 0 && args[0] == PeakWorkingSetBenchmark.ChildVerb)
        {
            return await PeakWorkingSetBenchmark.MeasureInChildAsync(args.Skip(1).ToArray()).ConfigureAwait(false);
        }

        // The child process that times both sizes of the process-memory benchmark in turn (see PeakWorkingSetBenchmark).
        if (args.Length > 0 && args[0] == PeakWorkingSetBenchmark.PairedChildVerb)
        {
            return await PeakWorkingSetBenchmark.MeasurePairsInChildAsync(args.Skip(1).ToArray()).ConfigureAwait(false);
        }

        // The child process of the resume benchmark: one sync call, killed or not (see ResumeBenchmark).
        if (args.Length > 0 && args[0] == ResumeBenchmark.ChildVerb)
        {
            return await ResumeBenchmark.RunChildAsync(args.Skip(1).ToArray()).ConfigureAwait(false);
        }

        var quick = args.Contains("--quick");
        var selected = args.Where(a => !a.StartsWith("--", StringComparison.Ordinal)).ToList();
        if (selected.Count == 0 || selected.Contains("all"))
        {
            selected = Suites.ToList();
        }

        var unknown = selected.Except(Suites).ToList();
        if (unknown.Count > 0)
        {
            Console.Error.WriteLine($"unknown benchmark(s): {string.Join(", ", unknown)}; expected all or {string.Join(", ", Suites)} [--quick]");
            return 2;
        }

#if DEBUG
        Console.Error.WriteLine("warning: a Debug build; run with -c Release for figures worth recording");
#endif
        Report.Machine(quick);
        foreach (var suite in selected)
        {
            Console.WriteLine();
            Console.WriteLine($"## {suite}{(quick ? " (quick)" : string.Empty)}");
            switch (suite)
            {
                case "generated-vs-hand":
                    await GeneratedVsHandBenchmark.RunAsync(quick).ConfigureAwait(false);
                    break;
                case "no-change":
                    await NoChangeBenchmark.RunAsync(quick).ConfigureAwait(false);
                    break;
                case "overlap":
                    await OverlapBenchmark.RunAsync(quick).ConfigureAwait(false);
                    break;
                case "memory":
                    await MemoryBenchmark.RunAsync(quick).ConfigureAwait(false);
                    break;
                case "process-memory":
                    await PeakWorkingSetBenchmark.RunAsync(quick).ConfigureAwait(false);
                    break;
                case "bandwidth":
                    await BandwidthBenchmark.RunAsync(quick).ConfigureAwait(false);
                    break;
                case "generator":
                    GeneratorBenchmark.Run(quick);
                    break;
                case "postgresql":
                    await PostgreSqlBenchmark.RunAsync(quick).ConfigureAwait(false);
                    break;
                case "resume":
                    await ResumeBenchmark.RunAsync(quick).ConfigureAwait(false);
                    break;
                case "change-feed":
                    await ChangeFeedBenchmark.RunAsync(quick).ConfigureAwait(false);
                    break;
            }
        }

        return 0;
    }
}
