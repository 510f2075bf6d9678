using System;
using System.Diagnostics;
using System.Globalization;
using System.Linq;
using System.Net.Http;
using System.Text.Json.Serialization;
using System.Threading.Tasks;
using SyncGen.PostgreSql;
using SyncGen.Testing.FakeServer;
using SyncGen.TestSupport.PostgreSql;

namespace SyncGen.Benchmarks;

/// <summary>
/// Issue 23: a full pass of 400 pages into PostgreSQL, run by a child process that is killed (SIGKILL) once 90% of the
/// pages were requested; a fresh process then syncs again once the dead pass's lease expired. Figures: the pages the
/// server answered in all, against the unkilled pass, with resuming on (the Calendar dialect's default) and off.
/// </summary>
internal static class ResumeBenchmark
{
    public const string ChildVerb = "resume-child";

    private const int Pages = 400;
    private const int PerPage = 50;
    private static readonly TimeSpan Lease = TimeSpan.FromSeconds(2);

    public static async Task RunAsync(bool quick)
    {
        var pages = quick ? 100 : Pages;
        await using var cluster = await ThrowawayPostgreSql.StartAsync().ConfigureAwait(false);
        var connection = await cluster.CreateDatabaseAsync("resume").ConfigureAwait(false);
        await using var server = await FakeCalendarServer.StartAsync().ConfigureAwait(false);
        server.Primary.AddMany(pages * PerPage);
        await using var database = PostgreSqlSyncDatabase.Create(connection);
        Report.Note($"{pages} pages of {PerPage} events (Calendar dialect over HTTP), PostgreSQL store, lease {Lease.TotalSeconds:0} s, kill at 90% of the pages");

        var unkilled = await RunChildAsync(server, connection, "unkilled", resume: true, killAfter: null).ConfigureAwait(false);
        Report.Line("resume.unkilled_pages", unkilled.Requests);
        foreach (var resume in new[] { true, false })
        {
            var name = resume ? "resume_on" : "resume_off";
            var collection = "killed-" + name;
            var killed = await RunChildAsync(server, connection, collection, resume, killAfter: unkilled.Requests * 9 / 10).ConfigureAwait(false);
            await WaitForLeaseAsync(database, collection).ConfigureAwait(false);
            var after = await RunChildAsync(server, connection, collection, resume, killAfter: null).ConfigureAwait(false);
            var items = (await database.OpenStore<BenchItem>(collection).ReadItemsAsync().ConfigureAwait(false)).Count;
            var total = killed.Requests + after.Requests;
            Report.Line($"resume.{name}.killed_process_pages", killed.Requests);
            Report.Line($"resume.{name}.next_process_pages", after.Requests);
            Report.Line($"resume.{name}.next_process_ms", after.Milliseconds, "0");
            Report.Line($"resume.{name}.pages_vs_unkilled", (double)total / unkilled.Requests, "0.000");
            Report.Line($"resume.{name}.mirror_complete", items == pages * PerPage ? "yes" : $"NO ({items} of {pages * PerPage})");
        }
    }

    /// <summary>One sync in a child process; killed once the server answered <paramref name="killAfter"/> requests of it.</summary>
    private static async Task<(int Requests, double Milliseconds)> RunChildAsync(FakeCalendarServer server, string connection, string collection, bool resume, int? killAfter)
    {
        server.ClearRequests();
        var start = RemoteServer.SelfStartInfo(ChildVerb);
        foreach (var argument in new[] { server.EventsUri().ToString(), connection, collection, resume ? "on" : "off" })
        {
            start.ArgumentList.Add(argument);
        }

        var clock = Stopwatch.StartNew();
        using var process = Process.Start(start) ?? throw new InvalidOperationException("The sync process did not start.");
        if (killAfter is { } limit)
        {
            while (server.Requests.Count < limit && !process.HasExited)
            {
                await Task.Delay(1).ConfigureAwait(false);
            }

            process.Kill(entireProcessTree: true);
        }

        await process.WaitForExitAsync().ConfigureAwait(false);
        if (killAfter is null && process.ExitCode != 0)
        {
            throw new InvalidOperationException($"The sync process of {collection} failed ({process.ExitCode}).");
        }

        await server.WhenRequestsAnsweredAsync().ConfigureAwait(false);
        return (server.Requests.Count, clock.Elapsed.TotalMilliseconds);
    }

    private static async Task WaitForLeaseAsync(PostgreSqlSyncDatabase database, string collection)
    {
        while (await database.ReadLeaseAsync(collection).ConfigureAwait(false) is { } lease && lease.ExpiresAt > DateTimeOffset.UtcNow)
        {
            await Task.Delay(50).ConfigureAwait(false);
        }
    }

    /// <summary>The child: one sync call of the events into the collection, then exit 0.</summary>
    public static async Task<int> RunChildAsync(string[] args)
    {
        var (events, connection, collection, resume) = (new Uri(args[0]), args[1], args[2], args[3] == "on");
        await using var database = PostgreSqlSyncDatabase.Create(connection, new PostgreSqlSyncStoreOptions { LeaseDuration = Lease, MaxBufferedChanges = 0 });
        using var http = new HttpClient();
        var source = new SyncHttpPageSource<BenchItem>(http, SyncDialects.GoogleCalendar, new Uri(events + "?maxResults=" + PerPage.ToString(CultureInfo.InvariantCulture)));
        var result = await source.SyncAsync(database.OpenStore<BenchItem>(collection), new SyncOptions { ResumeInterruptedPasses = resume }).ConfigureAwait(false);
        Console.WriteLine($"{result.Kind} {result.Pages} pages, resumed at {result.ResumedAtPage?.ToString(CultureInfo.InvariantCulture) ?? "-"}");
        return 0;
    }

    internal sealed record BenchItem(
        [property: JsonPropertyName("id")] string? Id,
        [property: JsonPropertyName("summary")] string? Summary,
        [property: JsonPropertyName("status")] string? Status);
}
