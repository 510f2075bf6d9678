using System;
using System.Diagnostics;
using System.IO;
using System.Linq;
using System.Text;
using System.Text.Json;
using System.Threading;
using System.Threading.Tasks;
using NUnit.Framework;

namespace SyncGen.Hosting.Tests;

/// <summary>
/// The cluster with real processes: the CalendarFleet sample's chaos run, as a user runs it, against this assembly's
/// throwaway PostgreSQL. 3 workers, 1,000 calendars changing for a minute, 20 workers killed with SIGKILL (each replaced).
/// </summary>
[TestFixture]
public sealed class FleetClusterTests
{
    [Test]
    [CancelAfter(8 * 60 * 1000)]
    public async Task ThreeWorkers_ThousandCalendars_TwentyKills_EveryMirrorConverges_NoOverlapNoRegression(CancellationToken cancellationToken)
    {
        var fleet = Path.Combine(AppContext.BaseDirectory, "CalendarFleet.dll");
        Assert.That(File.Exists(fleet), Is.True, $"{fleet} was not built next to the tests");
        var connection = await PostgreSqlCluster.Cluster.CreateDatabaseAsync("fleet_cluster_test", cancellationToken);

        var (exitCode, output) = await RunAsync(
            fleet,
            ["chaos", "--connection", connection, "--workers", "3", "--calendars", "1000", "--kills", "20",
             "--change-seconds", "60", "--interval-seconds", "10", "--converge-seconds", "150"],
            cancellationToken);

        var lines = output.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        TestContext.Out.WriteLine(output);
        using var summary = JsonDocument.Parse(lines[^1]);
        var root = summary.RootElement;
        var killedLine = lines.Single(line => line.StartsWith("run took", StringComparison.Ordinal));
        using (Assert.EnterMultipleScope())
        {
            Assert.That(root.EnumerateObject().Select(p => p.Name), Is.EqualTo(new[] { "calendars", "converged", "passes", "overlaps", "staleCommitsRefused", "tokenRegressions" }));
            Assert.That(root.GetProperty("calendars").GetInt32(), Is.EqualTo(1000));
            Assert.That(root.GetProperty("converged").GetInt32(), Is.EqualTo(1000), "every mirror equals its calendar: nothing lost, nothing extra");
            Assert.That(root.GetProperty("overlaps").GetInt32(), Is.Zero);
            Assert.That(root.GetProperty("tokenRegressions").GetInt32(), Is.Zero);
            Assert.That(root.GetProperty("passes").GetInt32(), Is.GreaterThan(2000), "each calendar synced more than twice");
            Assert.That(killedLine, Does.Contain("20 workers killed"));
            Assert.That(exitCode, Is.Zero);
        }
    }

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

    private static async Task<(int ExitCode, string Output)> RunAsync(string dll, string[] arguments, CancellationToken cancellationToken)
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
