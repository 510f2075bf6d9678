using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.IO;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.Data.Sqlite;
using NUnit.Framework;
using SyncGen.Testing.FakeServer;
using SyncGen.Testing;

namespace CalendarSync.Tests;

/// <summary>
/// Issue 9 point 7: SIGINT and SIGTERM cancel the sync through its token: "sync cancelled; store unchanged", exit 130,
/// the committed state as before and no staged rows left behind.
/// </summary>
public class InterruptTests : CalendarSyncTestBase
{
    [TestCase("INT")]
    [TestCase("TERM")]
    public async Task A_signal_mid_pass_cancels_the_sync_and_leaves_the_store_unchanged(string signal)
    {
        Calendar.AddMany(30);
        Assert.That((await CommandLineTests.RunAsync("sync", "--base-url", Server.BaseUri.ToString(), "--store", StorePath)).ExitCode, Is.Zero);
        Calendar.AddMany(600, "more");
        Calendar.ExpireSyncTokens();
        var before = await ReadStateAsync();

        // The recovery's full pass stalls on its third page: the signal arrives with two pages staged and the third
        // request held by the server.
        var stalled = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        Server.Faults.Enqueue(new FaultRule(Fault.Delay(TimeSpan.FromMinutes(2)))
        {
            When = r =>
            {
                if (r.SyncToken is null && r.PageNumber == 3)
                {
                    stalled.TrySetResult();
                    return true;
                }

                return false;
            },
        });
        // Through coreutils' env, which gives the sample SIGINT's default disposition as an interactive shell does: a test
        // run started with SIGINT ignored (a background job of a script) would pass that on, and .NET then leaves it
        // ignored, so the test would wait for an exit that never comes.
        var start = new ProcessStartInfo("env") { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var argument in new[] { "--default-signal=INT", "dotnet", CommandLineTests.SampleAssemblyPath(), "sync", "--base-url", Server.BaseUri.ToString(), "--store", StorePath })
        {
            start.ArgumentList.Add(argument);
        }

        using var process = Process.Start(start)!;
        var stderr = process.StandardError.ReadToEndAsync();
        var stdout = process.StandardOutput.ReadToEndAsync();
        await stalled.Task.WaitAsync(TimeSpan.FromSeconds(60));
        using (var kill = Process.Start("kill", $"-{signal} {process.Id}")!)
        {
            await kill.WaitForExitAsync();
        }

        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        await process.WaitForExitAsync(timeout.Token);

        Assert.That(process.ExitCode, Is.EqualTo(130), await stderr + await stdout);
        Assert.That((await stderr).Trim(), Is.EqualTo("error: sync cancelled; store unchanged"));
        Assert.That(await ReadStateAsync(), Is.EqualTo(before));
        SqliteConnection.ClearAllPools();
        await using var connection = new SqliteConnection($"Data Source={StorePath};Mode=ReadOnly;Pooling=False");
        await connection.OpenAsync();
        await using var command = connection.CreateCommand();
        // A pass buffers its pages outside the file (a temp table of its connection), so the file holds the committed
        // tables and nothing else: no table of the cancelled pass, and no staging rows of the store's older layout.
        command.CommandText = "SELECT name FROM sqlite_schema WHERE type = 'table' ORDER BY name;";
        var tables = new List<string>();
        await using (var reader = await command.ExecuteReaderAsync())
        {
            while (await reader.ReadAsync())
            {
                tables.Add(reader.GetString(0));
            }
        }

        // The store's own tables (mirror, state, query fingerprints, change feed), and no temporary table of the pass.
        Assert.That(tables, Is.EqualTo(new[] { "syncgen_changes", "syncgen_consumers", "syncgen_feed", "syncgen_items", "syncgen_kept", "syncgen_kept_heads", "syncgen_queries", "syncgen_state" }), "nothing of the cancelled pass is left in the file");
    }
}
