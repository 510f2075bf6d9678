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

    [TestCase(new[] { "worker", "--connection", "garbage===;;", "--server", "http://127.0.0.1:1/" }, "error: --connection is not an Npgsql connection string (a key Npgsql does not know, or a pair that is not key=value); give key=value pairs separated by ';', e.g. Host=localhost;Database=fleet;Username=fleet", TestName = "a worker with a connection string that is not one")]
    [TestCase(new[] { "chaos", "--connection", "garbage===;;" }, "error: --connection is not an Npgsql connection string (a key Npgsql does not know, or a pair that is not key=value); give key=value pairs separated by ';', e.g. Host=localhost;Database=fleet;Username=fleet", TestName = "a chaos run with a connection string that is not one")]
    [TestCase(new[] { "chaos", "--calendars", "2147483647" }, "error: --calendars must be 1 to 100000; it was 2147483647", TestName = "a chaos run of int.MaxValue calendars")]
    [TestCase(new[] { "worker", "--connection", "Host=127.0.0.1", "--server", "http://127.0.0.1:1/", "--calendars", "0" }, "error: --calendars must be 1 to 100000; it was 0", TestName = "a worker of no calendar")]
    [TestCase(new[] { "worker", "--connection", "Host=127.0.0.1", "--server", "http://127.0.0.1:1/", "--lease-seconds", "-1" }, "error: --lease-seconds must be more than 0 and at most 86400 seconds (a day); it was -1", TestName = "a worker with a negative lease")]
    [TestCase(new[] { "chaos", "--pauses", "-1" }, "error: --pauses must be 0 to 100; it was -1", TestName = "a chaos run with negative pauses")]
    [TestCase(new[] { "worker", "--connection", "Host=127.0.0.1", "--server", "http://127.0.0.1:1/", "--webhook-listen", "ftp://127.0.0.1:21" }, "error: --webhook-listen 'ftp://127.0.0.1:21' is not an absolute http(s) URL", TestName = "a worker whose webhook would listen on something else than http")]
    [TestCase(new[] { "worker", "--connection", "Host=127.0.0.1", "--server", "http://127.0.0.1:1/", "--webhook-address", "https://hooks.example.com/" }, "error: --webhook-address needs --webhook-listen: the worker must listen for the notifications it registers", TestName = "a worker with a webhook address but nothing listening")]
    [CancelAfter(60_000)]
    public async Task Bad_arguments_are_a_usage_error_in_one_line_before_anything_starts(string[] arguments, string expected, CancellationToken cancellationToken)
    {
        var (exitCode, stderr) = await RunFleetAsync(arguments, cancellationToken);

        // Checked before a throwaway cluster, a worker or a connection starts: nothing but the one line is printed.
        Assert.That(exitCode, Is.EqualTo(2), stderr);
        Assert.That(stderr.Trim(), Is.EqualTo(expected));
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

    [Test]
    [CancelAfter(60_000)]
    public async Task A_chaos_run_against_an_unreachable_database_is_a_failure_while_running_not_a_usage_error(CancellationToken cancellationToken)
    {
        using var closed = new ClosedPort();
        var (exitCode, stderr) = await RunFleetAsync(["chaos", "--connection", $"Host=127.0.0.1;Port={closed.Port};Timeout=5", "--calendars", "1"], cancellationToken);

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

        Assert.That(await stdout, Does.Not.Contain("starting a throwaway PostgreSQL cluster"));
        return (process.ExitCode, await stderr);
    }
}
