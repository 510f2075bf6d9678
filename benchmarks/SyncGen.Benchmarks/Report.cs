using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Runtime.InteropServices;

namespace SyncGen.Benchmarks;

/// <summary>Prints figures as <c>name: value</c> lines (invariant culture) and describes the machine they ran on.</summary>
internal static class Report
{
    public static void Line(string name, double value, string format = "0.###") =>
        Console.WriteLine($"{name}: {value.ToString(format, CultureInfo.InvariantCulture)}");

    public static void Line(string name, string value) => Console.WriteLine($"{name}: {value}");

    public static void Note(string text) => Console.WriteLine($"# {text}");

    public static void Machine(bool quick)
    {
        Line("machine.nproc", Environment.ProcessorCount.ToString(CultureInfo.InvariantCulture));
        Line("machine.cpu", ReadFirst("/proc/cpuinfo", "model name") ?? RuntimeInformation.ProcessArchitecture.ToString());
        var memKb = ReadFirst("/proc/meminfo", "MemTotal");
        Line("machine.memory", memKb ?? "unknown");
        Line("machine.os", RuntimeInformation.OSDescription);
        Line("machine.dotnet", RuntimeInformation.FrameworkDescription);
        Line("machine.gc", System.Runtime.GCSettings.IsServerGC ? "server" : "workstation");
        Line("run.mode", quick ? "quick" : "full");
    }

    private static string? ReadFirst(string path, string key)
    {
        try
        {
            return File.ReadLines(path)
                .Where(line => line.StartsWith(key, StringComparison.Ordinal))
                .Select(line => line[(line.IndexOf(':', StringComparison.Ordinal) + 1)..].Trim())
                .FirstOrDefault();
        }
        catch (IOException)
        {
            return null;
        }
        catch (UnauthorizedAccessException)
        {
            return null;
        }
    }

    public static double Median(IReadOnlyList<double> values)
    {
        var sorted = values.OrderBy(v => v).ToArray();
        return sorted.Length == 0 ? double.NaN
            : sorted.Length % 2 == 1 ? sorted[sorted.Length / 2]
            : (sorted[sorted.Length / 2 - 1] + sorted[sorted.Length / 2]) / 2;
    }
}
