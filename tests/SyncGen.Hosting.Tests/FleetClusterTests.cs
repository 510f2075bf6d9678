using System;
using System.Diagnostics;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Text;
using System.Text.Json;
using System.Threading;
using System.Threading.Tasks;
using NUnit.Framework;
using SyncGen.Tests.Shared;

namespace SyncGen.Hosting.Tests;

/// <summary>
/// The cluster with real processes: the CalendarFleet sample's chaos run, as a user runs it, against this assembly's
/// throwaway PostgreSQL. 3 workers, calendars changing while workers are killed with SIGKILL (each replaced).
/// </summary>
/// <remarks>
/// By default 100 calendars change for 20 s with 3 kills, syncs every 5 s; with <c>SYNCGEN_SOAK=1</c> 1,000 calendars
/// change for a minute with 20 kills, syncs every 10 s (about 3 minutes).
/// <para>
/// The two runs overlap each other (and nothing else of the assembly): each has its own database, schema, Quartz
/// scheduler, fake server and worker processes, and both mostly wait (the change phase, the frozen worker), so running
/// them side by side takes the longer one's time instead of their sum.
/// </para>
/// </remarks>
[TestFixture]
[Parallelizable(ParallelScope.Children)]
public sealed class FleetClusterTests
{
    [Test]
    [CancelAfter(8 * 60 * 1000)]
    public async Task Three_workers_killed_and_replaced_mirror_every_calendar_without_overlap_or_token_regression(CancellationToken cancellationToken)
    {
        var fleet = Path.Combine(AppContext.BaseDirectory, "CalendarFleet.dll");
        Assert.That(File.Exists(fleet), Is.True, $"{fleet} was not built next to the tests");
        var connection = await PostgreSqlCluster.Cluster.CreateDatabaseAsync("fleet_cluster_test", cancellationToken);
        var calendars = Soak.Depth(reduced: 100, full: 1000);
        var kills = Soak.Depth(reduced: 3, full: 20);

        var (exitCode, output) = await RunAsync(
            fleet,
            ["chaos", "--connection", connection, "--workers", "3", "--calendars", Text(calendars), "--kills", Text(kills),
             "--change-seconds", Text(Soak.Depth(reduced: 20, full: 60)), "--interval-seconds", Text(Soak.Depth(reduced: 5, full: 10)),
             "--converge-seconds", "150"],
            cancellationToken);

        var lines = output.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        TestContext.Out.WriteLine(output);
        using var summary = JsonDocument.Parse(lines[^1]);
        var root = summary.RootElement;
        var killedLine = lines.Single(line => line.StartsWith("run took", StringComparison.Ordinal));
        using (Assert.EnterMultipleScope())
        {
            Assert.That(root.EnumerateObject().Select(p => p.Name), Is.EqualTo(new[] { "calendars", "converged", "passes", "overlaps", "staleCommitsRefused", "tokenRegressions" }));
            Assert.That(root.GetProperty("calendars").GetInt32(), Is.EqualTo(calendars));
            Assert.That(root.GetProperty("converged").GetInt32(), Is.EqualTo(calendars), "every mirror equals its calendar: nothing lost, nothing extra");
            Assert.That(root.GetProperty("overlaps").GetInt32(), Is.Zero);
            Assert.That(root.GetProperty("tokenRegressions").GetInt32(), Is.Zero);
            Assert.That(root.GetProperty("passes").GetInt32(), Is.GreaterThan(2 * calendars), "each calendar synced more than twice");
            Assert.That(killedLine, Does.Contain($"{kills} workers killed"));
            Assert.That(exitCode, Is.Zero);
        }
    }

    private static string Text(int value) => value.ToString(CultureInfo.InvariantCulture);

    [Test]
    [CancelAfter(4 * 60 * 1000)]
    public async Task A_worker_frozen_past_its_lease_mid_pass_has_its_commit_refused_and_every_mirror_still_converges(CancellationToken cancellationToken)
    {
        var fleet = Path.Combine(AppContext.BaseDirectory, "CalendarFleet.dll");
        var connection = await PostgreSqlCluster.Cluster.CreateDatabaseAsync("fleet_pause_test", cancellationToken);

        // Two workers, so one is left to take the frozen worker's calendar over; a 2 s lease keeps the freeze short.
        var (exitCode, output) = await RunAsync(
            fleet,
            ["chaos", "--connection", connection, "--workers", "2", "--calendars", "20", "--kills", "0", "--pauses", "1",
             "--change-seconds", "4", "--changes-per-second", "10", "--interval-seconds", "1", "--lease-seconds", "2",
             "--converge-seconds", "60", "--seed", "7"],
            cancellationToken);

        TestContext.Out.WriteLine(output);
        var lines = output.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        using var summary = JsonDocument.Parse(lines[^1]);
        var root = summary.RootElement;
        using (Assert.EnterMultipleScope())
        {
            Assert.That(lines, Has.One.Contains("paused past their lease").And.Contains("1 paused"));
            Assert.That(root.GetProperty("staleCommitsRefused").GetInt64(), Is.GreaterThanOrEqualTo(1), "the frozen pass was refused at its commit");
            Assert.That(root.GetProperty("converged").GetInt32(), Is.EqualTo(20));
            Assert.That(root.GetProperty("overlaps").GetInt32(), Is.Zero);
            Assert.That(root.GetProperty("tokenRegressions").GetInt32(), Is.Zero);
            Assert.That(exitCode, Is.Zero);
        }
    }

    /// <summary>Runs the fleet CLI to its end with standard input closed; its output and errors as one text.</summary>
    internal static async Task<(int ExitCode, string Output)> RunAsync(string dll, string[] arguments, CancellationToken cancellationToken)
    {
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, RedirectStandardInput = true, UseShellExecute = false };
        start.ArgumentList.Add(dll);
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        using var process = Process.Start(start)!;
        process.StandardInput.Close();
        var output = new StringBuilder();
        process.OutputDataReceived += (_, e) => { lock (output) { output.AppendLine(e.Data); } };
        process.ErrorDataReceived += (_, e) => { lock (output) { output.AppendLine(e.Data); } };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        try
        {
            await process.WaitForExitAsync(cancellationToken);
        }
        finally
        {
            // The chaos run kills its workers when it exits, on any path; a hung run is killed with all of them.
            if (!process.HasExited)
            {
                process.Kill(entireProcessTree: true);
            }
        }

        process.WaitForExit(); // drains the output handlers
        lock (output)
        {
            return (process.ExitCode, output.ToString());
        }
    }
}
