using System;
using System.Linq;
using System.Net.Http;
using System.Threading;
using System.Threading.Tasks;
using CalendarFleet.Worker;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging.Abstractions;
using NUnit.Framework;
using Quartz;
using SyncGen.PostgreSql;
using SyncGen.Testing.FakeServer;

namespace SyncGen.Hosting.Tests;

/// <summary>
/// A parent collection in the worker: the CalendarFleet sample's calendar list job over the kit's fake Calendar server
/// (real HTTP) into the throwaway PostgreSQL, where each listed calendar becomes a job of its own as it appears.
/// </summary>
[TestFixture]
public sealed class CalendarListFleetTests
{
    private const string Holidays = "en.usa#holiday@group.v.calendar.google.com";

    [Test]
    [CancelAfter(60_000)]
    public async Task A_calendar_added_to_the_list_becomes_a_job_and_one_removed_loses_its_job_mirror_and_token(CancellationToken cancellationToken)
    {
        var connection = await PostgreSqlCluster.Cluster.CreateDatabaseAsync("calendar_list_fleet", cancellationToken);
        await using var server = await FakeCalendarServer.StartAsync(cancellationToken: cancellationToken);
        server.AddToCalendarList("work@example.com", "Work").Upsert(new FakeEvent("w1", "Standup", DateTimeOffset.UnixEpoch));
        server.AddToCalendarList(Holidays, "Holidays", hidden: true, accessRole: "reader").Upsert(new FakeEvent("h1", "New Year", DateTimeOffset.UnixEpoch));

        await using var database = PostgreSqlSyncDatabase.Create(connection, new PostgreSqlSyncStoreOptions { Schema = "fleet", Holder = "node-1" });
        await FleetSchema.EnsureAsync(database, cancellationToken);
        var settings = new FleetSettings { ConnectionString = connection, ServerUri = server.BaseUri, Calendars = 0, CalendarList = true };
        using var http = new HttpClient();
        var runner = new CalendarRunner(database, http, settings, new PassTags("node-1"), "node-1", NullLogger<CalendarEventsRepository>.Instance);
        var schedulerName = "list-" + Guid.NewGuid().ToString("N")[..8];
        IHost StartWorker(string instance)
        {
            var builder = Host.CreateApplicationBuilder();
            builder.Services.AddSingleton<ISyncCollectionRunner>(runner);
            builder.Services.AddSyncGenWorker(options =>
            {
                options.ConnectionString = connection;
                options.SchedulerName = schedulerName;
                options.InstanceId = instance;
                options.Interval = TimeSpan.FromMilliseconds(300);
                options.IdleWaitTime = TimeSpan.FromSeconds(1);
                options.Collections.Add(CalendarRunner.CalendarListCollection);
            });
            return builder.Build();
        }

        using (var first = StartWorker("node-1"))
        {
            await first.StartAsync(cancellationToken);
            try
            {
                var scheduler = await first.Services.GetRequiredService<ISchedulerFactory>().GetScheduler(cancellationToken);

                // The two listed calendars become jobs and get mirrored (the hidden one too).
                await UntilAsync(async () => await EventIdsAsync(database, "work@example.com", cancellationToken) == "w1"
                                             && await EventIdsAsync(database, Holidays, cancellationToken) == "h1", cancellationToken);

                // A calendar that appears in the list becomes a job and its events are mirrored.
                server.AddToCalendarList("team@example.com", "Team").Upsert(new FakeEvent("t1", "Planning", DateTimeOffset.UnixEpoch));
                await UntilAsync(async () => await EventIdsAsync(database, "team@example.com", cancellationToken) == "t1", cancellationToken);
                Assert.That(await scheduler.Exists(JobKeys.Job("team@example.com"), cancellationToken), Is.True);
            }
            finally
            {
                await first.StopAsync(CancellationToken.None);
            }
        }

        // Another worker, after the first stopped: the list's children are known from the store, not from the first's memory.
        using var second = StartWorker("node-2");
        await second.StartAsync(cancellationToken);
        try
        {
            var scheduler = await second.Services.GetRequiredService<ISchedulerFactory>().GetScheduler(cancellationToken);

            // The calendar's own job keeps firing every 300 ms: a firing between the list's commit and the job's deletion
            // is refused by the removal mark, so the mirror stays removed whatever the timing.
            Assert.That(server.CalendarList.Delete(Holidays), Is.True);
            await UntilAsync(async () => !await scheduler.Exists(JobKeys.Job(Holidays), cancellationToken), cancellationToken);

            var holidays = database.OpenStore<FleetEvent>(Holidays);
            using (Assert.EnterMultipleScope())
            {
                Assert.That(await holidays.ReadItemsAsync(cancellationToken), Is.Empty, "the removed calendar's mirror");
                Assert.That(await holidays.ReadSyncTokenAsync(cancellationToken), Is.Null, "the removed calendar's token");
                Assert.That((await database.OpenStore<FleetCalendarListEntry>(CalendarRunner.CalendarListCollection).ReadItemsAsync(cancellationToken)).Select(p => p.Key),
                    Is.EqualTo(new[] { "team@example.com", "work@example.com" }));
                Assert.That(await scheduler.Exists(JobKeys.Job("work@example.com"), cancellationToken), Is.True, "the others keep their jobs");
                Assert.That(await EventIdsAsync(database, "work@example.com", cancellationToken), Is.EqualTo("w1"));
            }
        }
        finally
        {
            await second.StopAsync(CancellationToken.None);
        }
    }

    private static async Task<string> EventIdsAsync(PostgreSqlSyncDatabase database, string calendarId, CancellationToken cancellationToken) =>
        string.Join(",", (await database.OpenStore<FleetEvent>(calendarId).ReadItemsAsync(cancellationToken)).Select(p => p.Key));

    // Polls a condition the worker reaches on its own schedule; the test's CancelAfter bounds it.
    private static async Task UntilAsync(Func<Task<bool>> condition, CancellationToken cancellationToken)
    {
        while (!await condition())
        {
            await Task.Delay(50, cancellationToken);
        }
    }
}
