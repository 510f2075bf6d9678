using System;
using System.IO;
using System.Linq;
using System.Security.Cryptography;
using System.Text.Json;
using System.Threading.Tasks;
using NUnit.Framework;
using SyncGen.Testing.FakeServer;

namespace CalendarSync.Tests;

/// <summary>The <c>changes</c> command as a user runs it: a separate process, over a store the <c>sync</c> command wrote.</summary>
public class ChangesCommandTests : CalendarSyncTestBase
{
    private Task<CommandLineTests.ProcessResult> SyncAsync() => CommandLineTests.RunAsync("sync", "--base-url", Server.BaseUri.ToString(), "--store", StorePath);

    private static (long Seq, string Key, string Kind, JsonElement Item)[] Changes(JsonDocument document) =>
        document.RootElement.GetProperty("changes").EnumerateArray()
            .Select(change => (change.GetProperty("seq").GetInt64(), change.GetProperty("key").GetString()!, change.GetProperty("kind").GetString()!, change.GetProperty("item").Clone()))
            .ToArray();

    [Test]
    public async Task Changes_prints_each_sync_s_net_changes_on_one_line_and_a_resync_announces_only_what_differs()
    {
        Calendar.AddMany(3);
        Assert.That((await SyncAsync()).ExitCode, Is.EqualTo(0));
        Calendar.Upsert(Calendar.Find("evt-000001")!.Event with { Summary = "moved" });
        Calendar.Delete("evt-000002");
        Calendar.AddMany(1, firstIndex: 4);
        Assert.That((await SyncAsync()).ExitCode, Is.EqualTo(0));
        Calendar.ExpireSyncTokens();
        Calendar.Upsert(Calendar.Find("evt-000003")!.Event with { Summary = "renamed" });
        Assert.That((await SyncAsync()).ExitCode, Is.EqualTo(0));

        var all = await CommandLineTests.RunAsync("changes", "--store", StorePath, "--after", "0", "--json");
        var tail = await CommandLineTests.RunAsync("changes", "--store", StorePath, "--after", "3", "--json");

        Assert.That(all.ExitCode, Is.EqualTo(0), all.StdErr);
        Assert.That(all.StdOut.TrimEnd('\n').Split('\n'), Has.Length.EqualTo(1), "one line");
        using var allJson = JsonDocument.Parse(all.StdOut);
        using var tailJson = JsonDocument.Parse(tail.StdOut);
        var changes = Changes(allJson);
        Assert.Multiple(() =>
        {
            Assert.That(changes.Select(change => change.Seq), Is.EqualTo(new long[] { 1, 2, 3, 4, 5, 6, 7 }));
            Assert.That(changes.Select(change => (change.Key, change.Kind)), Is.EqualTo(new[]
            {
                ("evt-000001", "added"), ("evt-000002", "added"), ("evt-000003", "added"),
                ("evt-000001", "updated"), ("evt-000002", "removed"), ("evt-000004", "added"),
                ("evt-000003", "updated"),
            }));
            Assert.That(changes[3].Item.GetProperty("summary").GetString(), Is.EqualTo("moved"));
            Assert.That(changes[4].Item.ValueKind, Is.EqualTo(JsonValueKind.Null));
            Assert.That(changes[6].Item.GetProperty("summary").GetString(), Is.EqualTo("renamed"));
            Assert.That(allJson.RootElement.GetProperty("last").GetInt64(), Is.EqualTo(7));
            Assert.That(Changes(tailJson).Select(change => change.Seq), Is.EqualTo(new long[] { 4, 5, 6, 7 }));
        });
    }

    [Test]
    public async Task A_consumer_acknowledges_what_it_printed_and_goes_on_from_there()
    {
        Calendar.AddMany(3);
        Assert.That((await SyncAsync()).ExitCode, Is.EqualTo(0));

        var first = await CommandLineTests.RunAsync("changes", "--store", StorePath, "--consumer", "mailer", "--after", "0", "--limit", "2", "--ack", "--json");
        var second = await CommandLineTests.RunAsync("changes", "--store", StorePath, "--consumer", "mailer", "--ack", "--json");
        var third = await CommandLineTests.RunAsync("changes", "--store", StorePath, "--consumer", "mailer", "--json");

        Assert.That(new[] { first.ExitCode, second.ExitCode, third.ExitCode }, Is.All.EqualTo(0), first.StdErr + second.StdErr + third.StdErr);
        using var firstJson = JsonDocument.Parse(first.StdOut);
        using var secondJson = JsonDocument.Parse(second.StdOut);
        using var thirdJson = JsonDocument.Parse(third.StdOut);
        Assert.Multiple(() =>
        {
            Assert.That(Changes(firstJson).Select(change => change.Seq), Is.EqualTo(new long[] { 1, 2 }));
            Assert.That(Changes(secondJson).Select(change => change.Seq), Is.EqualTo(new long[] { 3 }));
            Assert.That(Changes(thirdJson), Is.Empty);
            Assert.That(thirdJson.RootElement.GetProperty("last").GetInt64(), Is.EqualTo(3));
        });
    }

    [TestCase(new[] { "--after", "-1" }, 2, "--after must be 0 or more")]
    [TestCase(new[] { "--after", "4" }, 5, "beyond the end of the change feed (its last change is 3)")]
    [TestCase(new[] { "--consumer", "nobody" }, 5, "consumer 'nobody' is unknown")]
    [TestCase(new[] { "--consumer", "nobody", "--ack" }, 5, "consumer 'nobody' is unknown")]
    [TestCase(new[] { "--after", "9", "--consumer", "new", "--ack" }, 5, "beyond the end")]
    [TestCase(new[] { "--ack", "--after", "0" }, 2, "--ack needs --consumer")]
    [TestCase(new string[0], 2, "needs --after N or --consumer NAME")]
    public async Task Bad_input_is_one_line_with_its_exit_code_and_changes_nothing(string[] flags, int exitCode, string message)
    {
        Calendar.AddMany(3);
        Assert.That((await SyncAsync()).ExitCode, Is.EqualTo(0));
        var before = await FilesHashAsync();

        var run = await CommandLineTests.RunAsync(["changes", "--store", StorePath, "--json", .. flags]);

        Assert.Multiple(async () =>
        {
            Assert.That(run.ExitCode, Is.EqualTo(exitCode), run.StdErr);
            Assert.That(run.StdOut, Is.Empty);
            Assert.That(run.StdErr.TrimEnd('\n').Split('\n'), Has.Length.EqualTo(1), run.StdErr);
            Assert.That(run.StdErr, Does.StartWith("error: ").And.Contain(message));
            Assert.That(await FilesHashAsync(), Is.EqualTo(before), "the store file is unchanged");
        });
    }

    // The database file and its side files: a write would change one of them (the WAL first).
    private async Task<string> FilesHashAsync()
    {
        var hashes = "";
        foreach (var path in new[] { StorePath, StorePath + "-wal" }.Where(File.Exists))
        {
            hashes += Convert.ToHexString(SHA256.HashData(await File.ReadAllBytesAsync(path)));
        }

        return hashes;
    }
}
