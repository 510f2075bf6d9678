using System;
using System.Diagnostics;
using System.IO;
using System.Linq;
using System.Text;
using System.Threading;
using System.Threading.Tasks;
using Npgsql;
using NUnit.Framework;
using SyncGen.Testing.FakeServer;

namespace SyncGen.Hosting.Tests;

/// <summary>
/// <c>CalendarFleet worker --webhook-listen</c> as a process against a Calendar server it knows only by URL (here the
/// kit's fake, which sends exactly Google's headers and no body): the worker watches its calendars and a change reaches
/// the mirror through a notification, with a polling interval of an hour.
/// </summary>
[TestFixture]
public sealed class FleetPushTests
{
    [Test]
    [CancelAfter(120_000)]
    public async Task A_worker_with_a_webhook_watches_its_calendars_and_mirrors_a_change_it_was_notified_of(CancellationToken cancellationToken)
    {
        var connection = await PostgreSqlCluster.Cluster.CreateDatabaseAsync("fleet_push_test", cancellationToken);
        await using var server = await FakeCalendarServer.StartAsync(cancellationToken: cancellationToken);
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, RedirectStandardInput = true, UseShellExecute = false };
        foreach (var argument in new[]
                 {
                     Path.Combine(AppContext.BaseDirectory, "CalendarFleet.dll"), "worker", "--connection", connection, "--server", server.BaseUri.AbsoluteUri,
                     "--calendars", "2", "--interval-seconds", "3600", "--webhook-listen", "http://127.0.0.1:0", "--stop-on-stdin-eof",
                 })
        {
            start.ArgumentList.Add(argument);
        }

        using var process = Process.Start(start)!;
        var output = new StringBuilder();
        process.OutputDataReceived += (_, e) => { lock (output) { output.AppendLine(e.Data); } };
        process.ErrorDataReceived += (_, e) => { lock (output) { output.AppendLine(e.Data); } };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        try
        {
            while (server.Channels.Live.Count < 2)
            {
                Assert.That(process.HasExited, Is.False, () => "the worker exited: " + output);
                await Task.Delay(100, cancellationToken);
            }

            var channels = server.Channels.Live;
            server.GetCalendar("cal-00001").AddMany(3);
            await using var database = NpgsqlDataSource.Create(connection);
            await using var count = database.CreateCommand("SELECT count(*) FROM fleet.items WHERE collection = 'cal-00001';");
            while ((long)(await count.ExecuteScalarAsync(cancellationToken))! < 3)
            {
                await Task.Delay(100, cancellationToken);
            }

            await server.Channels.WhenDeliveredAsync(cancellationToken);
            using (Assert.EnterMultipleScope())
            {
                Assert.That(channels.Select(c => c.Resource), Is.EquivalentTo(new[] { "calendars/cal-00001/events", "calendars/cal-00002/events" }));
                Assert.That(channels.Select(c => c.Address.AbsolutePath), Is.All.EqualTo("/syncgen/webhooks/google"), "the listen address with the webhook's path, its port as bound");
                Assert.That(server.Channels.Deliveries.Where(d => d.Kind == "exists").Select(d => d.StatusCode), Is.EqualTo(new[] { 200 }));
            }

            process.StandardInput.Close();
            await process.WaitForExitAsync(cancellationToken);
            Assert.That(process.ExitCode, Is.Zero, () => output.ToString());
        }
        finally
        {
            if (!process.HasExited)
            {
                process.Kill(entireProcessTree: true);
            }
        }
    }
}
