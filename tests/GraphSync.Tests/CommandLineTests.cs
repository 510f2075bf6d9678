using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.IO;
using System.Linq;
using System.Text.Json;
using System.Threading;
using System.Threading.Tasks;
using NUnit.Framework;

namespace GraphSync.Tests;

/// <summary>The sample as a user runs it: a separate process, its exit code, its stdout and stderr.</summary>
public sealed class CommandLineTests : GraphSyncTestBase
{
    private string DeltaLink1 => $"{Graph.Root}/users/delta?$deltatoken=t%2B1&$select=displayName";

    [Test]
    public async Task Sync_then_show_prints_exactly_the_token_and_items_object()
    {
        var nextLink = $"{Graph.Root}/users/delta?$skiptoken=s1";
        Graph.On(Graph.DeltaEndpoint, GraphDeltaStub.Page([("u2", "Bob"), ("u1", "Ann")], nextLink: nextLink));
        Graph.On(nextLink, GraphDeltaStub.Page([("u3", "Émile & \"Cy\"")], deltaLink: DeltaLink1));

        var sync = await RunAsync("sync", "--base-url", Graph.Root, "--store", StorePath);
        var show = await RunAsync("show", "--store", StorePath, "--json");

        Assert.That(sync.ExitCode, Is.EqualTo(0), sync.StdErr);
        Assert.That(sync.StdOut, Does.StartWith("full sync: 2 pages, 3 upserts, 0 removals"));
        Assert.That(show.ExitCode, Is.EqualTo(0), show.StdErr);
        Assert.That(show.StdOut.Trim().Split('\n'), Has.Length.EqualTo(1), "one JSON object on one line");
        using var json = JsonDocument.Parse(show.StdOut);
        var root = json.RootElement;
        Assert.That(root.EnumerateObject().Select(p => p.Name), Is.EqualTo(new[] { "syncToken", "items" }));
        Assert.That(root.GetProperty("syncToken").GetString(), Is.EqualTo(DeltaLink1), "the deltaLink the next sync sends");
        var items = root.GetProperty("items").EnumerateArray().ToList();
        Assert.That(items.Select(i => i.EnumerateObject().Select(p => p.Name).ToArray()), Has.All.EqualTo(new[] { "id", "displayName" }));
        Assert.That(items.Select(i => $"{i.GetProperty("id").GetString()}={i.GetProperty("displayName").GetString()}"),
            Is.EqualTo(new[] { "u1=Ann", "u2=Bob", "u3=Émile & \"Cy\"" }));
    }

    [Test]
    public async Task The_second_sync_sends_what_show_printed()
    {
        Graph.On(Graph.DeltaEndpoint, GraphDeltaStub.Page([("u1", "Ann")], deltaLink: DeltaLink1));
        await RunAsync("sync", "--base-url", Graph.Root, "--store", StorePath);
        using var shown = JsonDocument.Parse((await RunAsync("show", "--store", StorePath, "--json")).StdOut);
        var token = shown.RootElement.GetProperty("syncToken").GetString()!;
        Graph.On(token, GraphDeltaStub.Page([], deltaLink: Graph.Root + "/users/delta?$deltatoken=t2"));
        Graph.ClearJournal();

        var sync = await RunAsync("sync", "--base-url", Graph.Root, "--store", StorePath);

        Assert.That(sync.ExitCode, Is.EqualTo(0), sync.StdErr);
        Assert.That(Graph.Requests, Is.EqualTo(new[] { token[Graph.Origin.Length..] }));
    }

    [Test]
    public async Task Show_on_a_store_that_never_synced_prints_a_null_token_and_no_items()
    {
        Graph.On(Graph.DeltaEndpoint, GraphDeltaStub.Error(401, "InvalidAuthenticationToken", "Access token is empty."));
        var sync = await RunAsync("sync", "--base-url", Graph.Root, "--store", StorePath);

        var show = await RunAsync("show", "--store", StorePath, "--json");

        Assert.That(sync.ExitCode, Is.EqualTo(1));
        Assert.That(show.ExitCode, Is.EqualTo(0), show.StdErr);
        Assert.That(show.StdOut.Trim(), Is.EqualTo("{\"syncToken\":null,\"items\":[]}"));
    }

    [Test]
    public async Task A_failed_sync_exits_1_with_one_line_naming_the_status_and_the_store_unchanged()
    {
        Graph.On(Graph.DeltaEndpoint, GraphDeltaStub.Page([("u1", "Ann")], deltaLink: DeltaLink1));
        await RunAsync("sync", "--base-url", Graph.Root, "--store", StorePath);
        var before = await ReadStateAsync();
        Graph.On(DeltaLink1, GraphDeltaStub.Error(403, "Authorization_RequestDenied", "Insufficient privileges to complete the operation."));

        var sync = await RunAsync("sync", "--base-url", Graph.Root, "--store", StorePath);

        Assert.That(sync.ExitCode, Is.EqualTo(1));
        var lines = sync.StdErr.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.That(lines, Has.Length.EqualTo(1), sync.StdErr);
        Assert.That(lines[0], Does.StartWith("error: ").And.Contain("HTTP 403 Authorization_RequestDenied").And.Contain("Insufficient privileges"));
        Assert.That(await ReadStateAsync(), Is.EqualTo(before));
    }

    [Test]
    public async Task A_foreign_nextLink_exits_1_with_one_line()
    {
        Graph.On(Graph.DeltaEndpoint, GraphDeltaStub.Page([("u1", "Ann")], nextLink: "https://graph.example.net/v1.0/users/delta?$skiptoken=x"));

        var sync = await RunAsync("sync", "--base-url", Graph.Root, "--store", StorePath);

        Assert.That(sync.ExitCode, Is.EqualTo(1));
        Assert.That(sync.StdErr.Trim().Split('\n'), Has.Length.EqualTo(1));
        Assert.That(sync.StdErr, Does.Contain("points at https://graph.example.net"));
        Assert.That(Graph.Requests, Is.EqualTo(new[] { "/v1.0/users/delta" }));
    }

    [Test]
    public async Task Verbose_logs_the_expiry_with_Graphs_status_and_code_to_stderr()
    {
        Graph.On(Graph.DeltaEndpoint, GraphDeltaStub.Page([("u1", "Ann")], deltaLink: DeltaLink1));
        await RunAsync("sync", "--base-url", Graph.Root, "--store", StorePath);
        Graph.On(DeltaLink1, GraphDeltaStub.Error(410, "resyncRequired", "Resync required."));
        Graph.On(Graph.DeltaEndpoint, GraphDeltaStub.Page([("u2", "Bob")], deltaLink: Graph.Root + "/users/delta?$deltatoken=t2"));

        var sync = await RunAsync("sync", "--base-url", Graph.Root, "--store", StorePath, "--verbose");

        Assert.That(sync.ExitCode, Is.EqualTo(0), sync.StdErr);
        Assert.That(sync.StdOut.Trim(), Does.StartWith("full sync: 1 pages, 1 upserts, 0 removals, recovered from 1 expired delta link(s)"));
        Assert.That(sync.StdErr, Does.Contain("sync token expired during incremental pass #1 (HTTP 410 resyncRequired)"));
    }

    [TestCase(new[] { "sync", "--store", "{store}" }, "--base-url", TestName = "sync without --base-url")]
    [TestCase(new[] { "sync", "--base-url", "{root}" }, "--store", TestName = "sync without --store")]
    [TestCase(new[] { "sync", "--base-url", "not a url", "--store", "{store}" }, "'not a url' is not an absolute http(s) URL", TestName = "a base url that is no URL")]
    [TestCase(new[] { "sync", "--base-url", "ftp://127.0.0.1/v1.0", "--store", "{store}" }, "is not an absolute http(s) URL", TestName = "an ftp base url")]
    [TestCase(new[] { "sync", "--base-url", "{root}?$select=id", "--store", "{store}" }, "has a query or fragment", TestName = "a base url with a query")]
    [TestCase(new[] { "sync", "--base-url", "http://me:s3cret@127.0.0.1:9/v1.0", "--store", "{store}" }, "has a user name or password", TestName = "a base url with a password")]
    [TestCase(new[] { "sync", "--base-url", "{root}", "--store", "{store}", "--timeout", "0" }, "--timeout must be 1 to 86400 seconds (a day); it was 0", TestName = "a zero timeout")]
    [TestCase(new[] { "sync", "--base-url", "{root}", "--store", "{store}", "--timeout", "3000000" }, "--timeout must be 1 to 86400 seconds (a day); it was 3000000", TestName = "a timeout of 35 days")]
    [TestCase(new[] { "sync", "--base-url", "{root}", "--store", "{store}", "--credentials", "x.json" }, "--credentials", TestName = "an unknown flag")]
    [TestCase(new[] { "show", "--json" }, "--store", TestName = "show without --store")]
    [TestCase(new[] { "unsync" }, "unsync", TestName = "an unknown command")]
    public async Task Bad_arguments_exit_2_with_one_line_and_create_nothing(string[] arguments, string expected)
    {
        var result = await RunAsync(arguments.Select(a => a.Replace("{store}", StorePath).Replace("{root}", Graph.Root)).ToArray());

        Assert.That(result.ExitCode, Is.EqualTo(2), result.StdErr);
        var lines = result.StdErr.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.That(lines, Has.Length.EqualTo(1), result.StdErr);
        Assert.That(lines[0], Does.StartWith("error: ").And.Contain(expected));
        Assert.That(lines[0], Does.Not.Contain("s3cret"), "a password is never echoed");
        Assert.That(File.Exists(StorePath), Is.False, "nothing was created");
        Assert.That(Graph.Requests, Is.Empty, "nothing was sent");
    }

    [TestCase("soon")]
    [TestCase("-5")]
    [TestCase("40000")]
    public async Task A_retry_delay_that_is_not_a_number_of_milliseconds_up_to_the_maximum_delay_is_a_usage_error(string delay)
    {
        var sync = await RunAsync(new Dictionary<string, string> { ["SYNCGEN_RETRY_BASE_DELAY_MS"] = delay }, "sync", "--base-url", Graph.Root, "--store", StorePath);

        Assert.That(sync.ExitCode, Is.EqualTo(2), sync.StdErr);
        Assert.That(sync.StdErr.Trim(), Is.EqualTo($"error: SYNCGEN_RETRY_BASE_DELAY_MS must be a whole number of milliseconds from 0 to 32000; it was '{delay}'"));
        Assert.That(File.Exists(StorePath), Is.False, "nothing was created");
        Assert.That(Graph.Requests, Is.Empty, "nothing was sent");
    }

    [Test]
    public async Task A_token_is_refused_over_plain_http_to_a_host_that_is_not_loopback()
    {
        var result = await RunAsync(new Dictionary<string, string> { ["GRAPH_ACCESS_TOKEN"] = "secret" },
            "sync", "--base-url", "http://graph.example.net/v1.0", "--store", StorePath);

        Assert.That(result.ExitCode, Is.EqualTo(2), result.StdErr);
        Assert.That(result.StdErr.Trim(), Does.Contain("is plain http").And.Not.Contain("secret"));
        Assert.That(File.Exists(StorePath), Is.False);
    }

    [Test]
    public async Task A_token_from_the_environment_goes_to_the_root_origin_as_a_bearer()
    {
        Graph.On(Graph.DeltaEndpoint, GraphDeltaStub.Page([("u1", "Ann")], deltaLink: DeltaLink1));

        var result = await RunAsync(new Dictionary<string, string> { ["GRAPH_ACCESS_TOKEN"] = "secret-1" },
            "sync", "--base-url", Graph.Root, "--store", StorePath);

        Assert.That(result.ExitCode, Is.EqualTo(0), result.StdErr);
        Assert.That(Graph.SentRequests.Select(r => r.Authorization), Is.EqualTo(new[] { "Bearer secret-1" }));
    }

    [Test]
    public async Task Without_a_token_requests_carry_no_authorization()
    {
        Graph.On(Graph.DeltaEndpoint, GraphDeltaStub.Page([("u1", "Ann")], deltaLink: DeltaLink1));

        var result = await RunAsync(new Dictionary<string, string> { ["GRAPH_ACCESS_TOKEN"] = "" }, "sync", "--base-url", Graph.Root, "--store", StorePath);

        Assert.That(result.ExitCode, Is.EqualTo(0), result.StdErr);
        Assert.That(Graph.SentRequests.Select(r => r.Authorization), Is.EqualTo(new string?[] { null }));
    }

    [Test]
    public async Task Show_of_a_missing_store_exits_3()
    {
        var show = await RunAsync("show", "--store", Path.Combine(Path.GetTempPath(), "no-such-dir", "x.db"), "--json");

        Assert.That(show.ExitCode, Is.EqualTo(3), show.StdErr);
        Assert.That(show.StdErr.Trim().Split('\n'), Has.Length.EqualTo(1));
        Assert.That(show.StdErr, Does.Contain("does not exist"));
    }

    [Test]
    public async Task Show_creates_no_side_files_beside_the_store()
    {
        Graph.On(Graph.DeltaEndpoint, GraphDeltaStub.Page([("u1", "Ann")], deltaLink: DeltaLink1));
        Assert.That((await RunAsync("sync", "--base-url", Graph.Root, "--store", StorePath)).ExitCode, Is.Zero);
        var folder = Path.GetDirectoryName(StorePath)!;
        Assert.That(Directory.GetFiles(folder), Is.EqualTo(new[] { StorePath }), "the sync left no side files");

        var show = await RunAsync("show", "--store", StorePath, "--json");

        // SQLite opens a WAL file read-only by creating its -wal and -shm as the reader; left there by another user,
        // they make the store unwritable for its owner.
        Assert.That(show.ExitCode, Is.Zero, show.StdErr);
        Assert.That(show.StdOut, Does.Contain("\"displayName\":\"Ann\""));
        Assert.That(Directory.GetFiles(folder), Is.EqualTo(new[] { StorePath }), "show created side files");
    }

    [Test]
    public async Task A_store_path_that_is_a_fifo_is_refused_at_once_by_show_and_sync()
    {
        using (var mkfifo = Process.Start("mkfifo", new[] { StorePath })!)
        {
            await mkfifo.WaitForExitAsync();
            Assert.That(mkfifo.ExitCode, Is.Zero, "mkfifo failed");
        }

        // Opening a FIFO for reading waits for a writer in the kernel: show used to hang there, deaf to SIGTERM.
        foreach (var arguments in new[] { new[] { "show", "--store", StorePath }, new[] { "sync", "--base-url", Graph.Root, "--store", StorePath } })
        {
            var result = await RunAsync(arguments);

            Assert.That(result.ExitCode, Is.EqualTo(3), result.StdErr);
            Assert.That(result.StdErr.Trim(), Does.Not.Contain("\n").And.StartWith("error: ").And.Contain("is a FIFO (named pipe), not a regular file"));
        }

        Assert.That(Graph.Requests, Is.Empty, "nothing was sent");
    }

    [TestCase("INT")]
    [TestCase("TERM")]
    public async Task A_signal_mid_pass_exits_130_and_leaves_the_store_unchanged(string signal)
    {
        Graph.On(Graph.DeltaEndpoint, GraphDeltaStub.Page([("u1", "Ann")], deltaLink: DeltaLink1));
        Assert.That((await RunAsync("sync", "--base-url", Graph.Root, "--store", StorePath)).ExitCode, Is.Zero);
        var before = await ReadStateAsync();
        var stalled = $"{Graph.Root}/users/delta?$skiptoken=stalled";
        Graph.On(DeltaLink1, GraphDeltaStub.Page([("u1", "Changed")], nextLink: stalled, removed: [("u1", "deleted")]));
        Graph.On(stalled, GraphDeltaStub.Page([], deltaLink: Graph.Root + "/users/delta?$deltatoken=never") with { Delay = TimeSpan.FromMinutes(2) });
        Graph.ClearJournal();

        using var process = Start(null, "sync", "--base-url", Graph.Root, "--store", StorePath);
        var stderr = process.StandardError.ReadToEndAsync();
        var stdout = process.StandardOutput.ReadToEndAsync();
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (!Graph.Requests.Contains("/v1.0/users/delta?$skiptoken=stalled") && DateTime.UtcNow < deadline)
        {
            await Task.Delay(50);
        }

        Assert.That(Graph.Requests, Does.Contain("/v1.0/users/delta?$skiptoken=stalled"), "the pass reached its stalled page");
        using (var kill = Process.Start("kill", $"-{signal} {process.Id}")!)
        {
            await kill.WaitForExitAsync();
        }

        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        await process.WaitForExitAsync(timeout.Token);

        Assert.That(process.ExitCode, Is.EqualTo(130), await stderr + await stdout);
        Assert.That((await stderr).Trim(), Is.EqualTo("error: sync cancelled; store unchanged"));
        Assert.That(await ReadStateAsync(), Is.EqualTo(before));
    }

    [Test]
    public async Task The_demo_runs_every_step_on_the_embedded_Graph_server_and_checks_the_mirror()
    {
        var demo = await RunAsync();

        Assert.That(demo.ExitCode, Is.EqualTo(0), demo.StdErr);
        Assert.That(demo.StdOut, Does.Contain("full sync: 5 pages, 1200 upserts, 0 removals"));
        Assert.That(demo.StdOut, Does.Contain("incremental sync: 1 pages, 7 upserts, 3 removals"));
        Assert.That(demo.StdOut, Does.Contain("delta link unchanged"));
        Assert.That(demo.StdOut, Does.Contain("recovered from 1 expired delta link(s)"));
        Assert.That(demo.StdOut.Split('\n').Count(l => l.Contains("equal: yes")), Is.EqualTo(4));
        Assert.That(demo.StdErr, Is.Empty);
    }

    internal sealed record ProcessResult(int ExitCode, string StdOut, string StdErr);

    internal static Task<ProcessResult> RunAsync(params string[] arguments) => RunAsync(null, arguments);

    internal static async Task<ProcessResult> RunAsync(IReadOnlyDictionary<string, string>? environment, params string[] arguments)
    {
        using var process = Start(environment, arguments);
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(2));
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

    private static Process Start(IReadOnlyDictionary<string, string>? environment, params string[] arguments)
    {
        // Through coreutils' env, which gives the sample SIGINT's default disposition as an interactive shell does: a test
        // run started with SIGINT ignored (a background job of a script) would pass that on, and .NET then leaves it
        // ignored, so the signal tests would wait for an exit that never comes.
        var start = new ProcessStartInfo("env") { RedirectStandardOutput = true, RedirectStandardError = true };
        start.ArgumentList.Add("--default-signal=INT");
        start.ArgumentList.Add("dotnet");
        start.ArgumentList.Add(SampleAssembly());
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        // The test run's own environment might hold a token; each test says what the sample sees.
        start.Environment.Remove("GRAPH_ACCESS_TOKEN");
        // Failures are retried after milliseconds, not seconds (the sample's hidden setting), so that a test of a
        // failing server waits no real backoff.
        start.Environment["SYNCGEN_RETRY_BASE_DELAY_MS"] = "10";
        foreach (var (name, value) in environment ?? new Dictionary<string, string>())
        {
            start.Environment[name] = value;
        }

        return Process.Start(start)!;
    }

    /// <summary>The sample's own build output (the test project references it, so it is built first).</summary>
    internal static string SampleAssembly()
    {
        var testOutput = new DirectoryInfo(AppContext.BaseDirectory.TrimEnd(Path.DirectorySeparatorChar));
        var framework = testOutput.Name;
        var configuration = testOutput.Parent!.Name;
        var root = testOutput;
        while (root is not null && !File.Exists(Path.Combine(root.FullName, "README.md")))
        {
            root = root.Parent;
        }

        var path = Path.Combine(root!.FullName, "samples", "GraphSync", "bin", configuration, framework, "GraphSync.dll");
        Assert.That(File.Exists(path), Is.True, $"sample not built at {path}");
        return path;
    }
}
