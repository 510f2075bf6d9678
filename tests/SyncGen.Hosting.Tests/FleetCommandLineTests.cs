using System;
using System.Diagnostics;
using System.IO;
using System.Threading;
using System.Threading.Tasks;
using NUnit.Framework;
using SyncGen.Tests.Shared;

namespace SyncGen.Hosting.Tests;

/// <summary>
/// The CalendarFleet commands' failures as a user meets them: one line on stderr and the documented exit code
/// (1 a failure while running, 2 bad arguments), never a stack trace.
/// </summary>
[TestFixture]
public sealed class FleetCommandLineTests
{
    [Test]
    [CancelAfter(60_000)]
    public async Task A_worker_with_a_server_that_is_not_a_url_is_a_usage_error(CancellationToken cancellationToken)
    {
        var (exitCode, stderr) = await RunFleetAsync(["worker", "--connection", "Host=127.0.0.1", "--server", "notaurl"], cancellationToken);

        Assert.That(exitCode, Is.EqualTo(2), stderr);
        Assert.That(stderr.Trim(), Is.EqualTo("error: --server 'notaurl' is not an absolute http(s) URL"));
    }

    [Test]
    [CancelAfter(60_000)]
    public async Task Store_cost_against_an_unreachable_database_fails_in_one_line(CancellationToken cancellationToken)
    {
        using var closed = new ClosedPort();
        var (exitCode, stderr) = await RunFleetAsync(["store-cost", "--connection", $"Host=127.0.0.1;Port={closed.Port};Timeout=5"], cancellationToken);

        Assert.That(exitCode, Is.EqualTo(1), stderr);
        var lines = stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.That(lines, Has.Length.EqualTo(1), stderr);
        Assert.That(lines[0], Does.StartWith("error: ").And.Contain("127.0.0.1"));
    }

    private static async Task<(int ExitCode, string StdErr)> RunFleetAsync(string[] arguments, CancellationToken cancellationToken)
    {
        var fleet = Path.Combine(AppContext.BaseDirectory, "CalendarFleet.dll");
        Assert.That(File.Exists(fleet), Is.True, $"{fleet} was not built next to the tests");
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        start.ArgumentList.Add(fleet);
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync(cancellationToken);
        var stderr = process.StandardError.ReadToEndAsync(cancellationToken);
        try
        {
            await process.WaitForExitAsync(cancellationToken);
        }
        finally
        {
            if (!process.HasExited)
            {
                process.Kill(entireProcessTree: true);
            }
        }

        await stdout;
        return (process.ExitCode, await stderr);
    }
}
