using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.IO;
using System.Linq;
using System.Text.Json;
using System.Threading.Tasks;
using NUnit.Framework;
using SyncGen.Testing.FakeServer;
using SyncGen.Tests.Shared;

namespace CalendarSync.Tests;

/// <summary>The sample as a user runs it: a separate process, its exit code, its stdout and stderr.</summary>
public class CommandLineTests : CalendarSyncTestBase
{
    [Test]
    public async Task Sync_then_show_prints_the_mirror_as_json()
    {
        Calendar.AddMany(3);
        Calendar.Delete("evt-000002");

        var sync = await RunAsync("sync", "--base-url", Server.BaseUri.ToString(), "--store", StorePath);
        var show = await RunAsync("show", "--store", StorePath, "--json");

        Assert.That(sync.ExitCode, Is.EqualTo(0), sync.StdErr);
        Assert.That(sync.StdOut, Does.StartWith("full sync: 1 pages, 2 upserts, 0 deletes"));
        Assert.That(show.ExitCode, Is.EqualTo(0), show.StdErr);
        using var json = JsonDocument.Parse(show.StdOut);
        Assert.That(json.RootElement.GetProperty("syncToken").GetString(), Is.EqualTo(Calendar.CurrentSyncToken));
        var events = json.RootElement.GetProperty("events").EnumerateArray().ToList();
        Assert.That(events.Select(e => e.GetProperty("id").GetString()), Is.EqualTo(new[] { "evt-000001", "evt-000003" }));
        Assert.That(events.Select(e => e.GetProperty("status").GetString()), Has.All.EqualTo("confirmed"));
        Assert.That(events[0].GetProperty("summary").GetString(), Is.EqualTo(Calendar.Find("evt-000001")!.Event.Summary));
        Assert.That(events[0].GetProperty("updated").GetString(), Does.Match(@"^2026-01-01T00:00:\d\d\.000Z$"));
    }

    [Test]
    public async Task Show_on_a_store_that_never_synced_prints_a_null_token()
    {
        Calendar.AddMany(1);
        Server.Faults.Enqueue(Fault.Status(400, "invalid"));
        await RunAsync("sync", "--base-url", Server.BaseUri.ToString(), "--store", StorePath);

        var show = await RunAsync("show", "--store", StorePath, "--json");

        Assert.That(show.ExitCode, Is.EqualTo(0), show.StdErr);
        using var json = JsonDocument.Parse(show.StdOut);
        Assert.That(json.RootElement.GetProperty("syncToken").ValueKind, Is.EqualTo(JsonValueKind.Null));
        Assert.That(json.RootElement.GetProperty("events").GetArrayLength(), Is.Zero);
    }

    [Test]
    public async Task A_failed_sync_exits_non_zero_with_one_line_on_stderr()
    {
        Calendar.AddMany(1);
        Server.Faults.Enqueue(Fault.Unauthorized());

        var sync = await RunAsync("sync", "--base-url", Server.BaseUri.ToString(), "--store", StorePath);

        Assert.That(sync.ExitCode, Is.Not.EqualTo(0));
        var lines = sync.StdErr.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.That(lines, Has.Length.EqualTo(1), sync.StdErr);
        Assert.That(lines[0], Does.StartWith("error: ").And.Contain("HTTP 401"));
    }

    [TestCase("not a url", "is not an absolute http(s) URL")]
    [TestCase("ftp://127.0.0.1/calendar/v3", "is not an absolute http(s) URL")]
    public async Task A_bad_base_url_is_named_in_the_error(string url, string expected)
    {
        var sync = await RunAsync("sync", "--base-url", url, "--store", StorePath);

        Assert.That(sync.ExitCode, Is.EqualTo(2));
        Assert.That(sync.StdErr.Trim(), Does.Contain(expected).And.Contain(url));
        Assert.That(File.Exists(StorePath), Is.False, "nothing was created");
    }

    [Test]
    public async Task An_unreachable_server_fails_after_retries_with_one_line()
    {
        // A port nothing listens on: connection refused is a transport error, retried, then reported.
        using var closed = new ClosedPort();

        var sync = await RunAsync("sync", "--base-url", $"http://127.0.0.1:{closed.Port}/calendar/v3", "--store", StorePath);

        Assert.That(sync.ExitCode, Is.EqualTo(1));
        Assert.That(sync.StdErr.Trim().Split('\n'), Has.Length.EqualTo(1));
        Assert.That(sync.StdErr, Does.Contain("no HTTP response"));
    }

    [TestCase("soon")]
    [TestCase("-5")]
    [TestCase("40000")]
    public async Task A_retry_delay_that_is_not_a_number_of_milliseconds_up_to_the_maximum_delay_is_a_usage_error(string delay)
    {
        var sync = await RunAsync(asNobody: false, new Dictionary<string, string> { ["SYNCGEN_RETRY_BASE_DELAY_MS"] = delay }, "sync", "--base-url", Server.BaseUri.ToString(), "--store", StorePath);

        Assert.That(sync.ExitCode, Is.EqualTo(2), sync.StdErr);
        Assert.That(sync.StdErr.Trim(), Is.EqualTo($"error: SYNCGEN_RETRY_BASE_DELAY_MS must be a whole number of milliseconds from 0 to 32000; it was '{delay}'"));
        Assert.That(File.Exists(StorePath), Is.False, "nothing was created");
        Assert.That(Server.Requests, Is.Empty, "nothing was sent");
    }

    [Test]
    public async Task Show_of_a_missing_store_says_so()
    {
        var show = await RunAsync("show", "--store", Path.Combine(Path.GetTempPath(), "no-such-dir", "x.db"), "--json");

        Assert.That(show.ExitCode, Is.EqualTo(3), "a store problem");
        Assert.That(show.StdErr, Does.Contain("does not exist"));
    }

    [Test]
    public async Task The_demo_runs_every_step_and_checks_the_mirror()
    {
        var demo = await RunAsync();

        Assert.That(demo.ExitCode, Is.EqualTo(0), demo.StdErr);
        Assert.That(demo.StdOut, Does.Contain("full sync: 5 pages, 1200 upserts"));
        Assert.That(demo.StdOut, Does.Contain("token unchanged"));
        Assert.That(demo.StdOut, Does.Contain("recovered from 1 expired token(s)"));
        Assert.That(demo.StdOut.Split('\n').Count(l => l.Contains("equal: yes")), Is.EqualTo(4));
    }

    internal sealed record ProcessResult(int ExitCode, string StdOut, string StdErr);

    internal static Task<ProcessResult> RunAsync(params string[] arguments) => RunAsync(asNobody: false, arguments);

    /// <summary>
    /// Runs the sample; with <paramref name="asNobody"/> (only possible when the tests run as root) the process runs as
    /// the unprivileged user <c>nobody</c> through util-linux's <c>setpriv</c>, so that file modes are enforced on it.
    /// </summary>
    internal static Task<ProcessResult> RunAsync(bool asNobody, params string[] arguments) => RunAsync(asNobody, null, arguments);

    /// <summary>Runs the sample with <paramref name="environment"/> added to the test run's environment.</summary>
    internal static async Task<ProcessResult> RunAsync(bool asNobody, IReadOnlyDictionary<string, string>? environment, params string[] arguments)
    {
        var start = new ProcessStartInfo(asNobody ? "setpriv" : "dotnet") { RedirectStandardOutput = true, RedirectStandardError = true };
        // Failures are retried after milliseconds, not seconds (the sample's hidden setting), so that a test of a
        // failing server waits no real backoff.
        start.Environment["SYNCGEN_RETRY_BASE_DELAY_MS"] = "10";
        foreach (var (name, value) in environment ?? new Dictionary<string, string>())
        {
            start.Environment[name] = value;
        }

        if (asNobody)
        {
            foreach (var argument in new[] { "--reuid=65534", "--regid=65534", "--clear-groups", "--", "dotnet" })
            {
                start.ArgumentList.Add(argument);
            }

            // nobody's home does not exist; the host needs somewhere to write nothing important.
            start.Environment["HOME"] = Path.GetTempPath();
            start.Environment["DOTNET_CLI_HOME"] = Path.GetTempPath();
        }

        start.ArgumentList.Add(SampleAssembly());
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var timeout = new System.Threading.CancellationTokenSource(TimeSpan.FromMinutes(2));
        try
        {
            await process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            // A hung sample is a failed test, not a process left behind.
            process.Kill(entireProcessTree: true);
            Assert.Fail($"the sample did not exit within 2 minutes: {string.Join(' ', arguments)}");
        }

        return new ProcessResult(process.ExitCode, await stdout, await stderr);
    }

    /// <summary>Creates a FIFO (named pipe) at <paramref name="path"/> with coreutils' <c>mkfifo</c>.</summary>
    internal static async Task MakeFifoAsync(string path)
    {
        using var mkfifo = Process.Start("mkfifo", new[] { path })!;
        await mkfifo.WaitForExitAsync();
        Assert.That(mkfifo.ExitCode, Is.Zero, "mkfifo failed");
    }

    /// <summary>The sample's own build output (the test project references it, so it is built first).</summary>
    internal static string SampleAssemblyPath() => SampleAssembly();

    private static string SampleAssembly()
    {
        var testOutput = new DirectoryInfo(AppContext.BaseDirectory.TrimEnd(Path.DirectorySeparatorChar));
        var framework = testOutput.Name;
        var configuration = testOutput.Parent!.Name;
        var root = testOutput;
        while (root is not null && !File.Exists(Path.Combine(root.FullName, "README.md")))
        {
            root = root.Parent;
        }

        var path = Path.Combine(root!.FullName, "samples", "CalendarSync", "bin", configuration, framework, "CalendarSync.dll");
        Assert.That(File.Exists(path), Is.True, $"sample not built at {path}");
        return path;
    }
}
