using System;
using System.Linq;
using System.Text.Json;
using System.Threading.Tasks;
using NUnit.Framework;
using SyncGen.Testing.FakeServer;

namespace CalendarSync.Tests;

/// <summary><c>sync --all-calendars</c> and <c>show --all-calendars</c> as a user runs them: separate processes over real HTTP into one SQLite file.</summary>
public class AllCalendarsCommandLineTests : CalendarSyncTestBase
{
    private const string Holidays = "en.usa#holiday@group.v.calendar.google.com";
    private const string Team = "team@group.calendar.google.com";

    private void SeedCalendars()
    {
        Server.AddToCalendarList("primary", "Me").Upsert(new FakeEvent("p1", "Standup", DateTimeOffset.UnixEpoch));
        Server.AddToCalendarList(Holidays, "Holidays in United States", hidden: true, accessRole: "reader").Upsert(new FakeEvent("h1", "New Year", DateTimeOffset.UnixEpoch));
        Server.AddToCalendarList(Team, "Team").Upsert(new FakeEvent("t1", "Planning", DateTimeOffset.UnixEpoch));
    }

    [Test]
    public async Task Sync_all_calendars_then_show_prints_the_list_and_every_calendar_as_one_json_line()
    {
        SeedCalendars();

        var sync = await CommandLineTests.RunAsync("sync", "--base-url", Server.BaseUri.ToString(), "--store", StorePath, "--all-calendars");
        var show = await CommandLineTests.RunAsync("show", "--store", StorePath, "--json", "--all-calendars");

        Assert.That(sync.ExitCode, Is.EqualTo(0), sync.StdErr);
        Assert.That(sync.StdOut.Trim(), Does.StartWith("calendar list full sync: 1 pages, 3 upserts, 0 deletes"));
        Assert.That(sync.StdOut.Trim(), Does.EndWith("3 calendars synced (3 in full), 0 failed, 0 removed"));
        Assert.That(show.ExitCode, Is.EqualTo(0), show.StdErr);
        Assert.That(show.StdOut.TrimEnd('\n').Split('\n'), Has.Length.EqualTo(1), "one line");
        using var json = JsonDocument.Parse(show.StdOut);
        var root = json.RootElement;
        Assert.That(Names(root), Is.EqualTo(new[] { "calendarList", "calendars" }));
        var list = root.GetProperty("calendarList");
        Assert.That(Names(list), Is.EqualTo(new[] { "syncToken", "items" }));
        Assert.That(list.GetProperty("syncToken").GetString(), Is.Not.Empty);
        var items = list.GetProperty("items").EnumerateArray().ToList();
        Assert.That(items.Select(Names), Has.All.EqualTo(new[] { "id", "summary" }));
        Assert.That(items.Select(i => i.GetProperty("id").GetString()), Is.EqualTo(new[] { Holidays, "primary", Team }));
        Assert.That(items[0].GetProperty("summary").GetString(), Is.EqualTo("Holidays in United States"));
        var calendars = root.GetProperty("calendars").EnumerateArray().ToList();
        Assert.That(calendars.Select(Names), Has.All.EqualTo(new[] { "id", "syncToken", "events" }));
        Assert.That(calendars.Select(c => c.GetProperty("id").GetString()), Is.EqualTo(new[] { Holidays, "primary", Team }));
        Assert.That(calendars.Select(c => c.GetProperty("syncToken").GetString()), Is.EqualTo(new[] { Holidays, "primary", Team }.Select(id => Server.GetCalendar(id).CurrentSyncToken)));
        var holidayEvents = calendars[0].GetProperty("events").EnumerateArray().ToList();
        Assert.That(holidayEvents.Select(Names), Has.All.EqualTo(new[] { "id", "summary", "status", "updated" }));
        Assert.That(holidayEvents.Select(e => e.GetProperty("summary").GetString()), Is.EqualTo(new[] { "New Year" }));
        Assert.That(Server.Requests.Select(r => r.Path), Does.Contain("/calendar/v3/calendars/" + Holidays + "/events"), "the id reached the server whole, # and @ escaped");
    }

    [Test]
    public async Task A_calendar_removed_from_the_list_leaves_the_store_with_its_events_and_token()
    {
        SeedCalendars();
        await CommandLineTests.RunAsync("sync", "--base-url", Server.BaseUri.ToString(), "--store", StorePath, "--all-calendars");
        Server.CalendarList.Delete(Team);

        var sync = await CommandLineTests.RunAsync("sync", "--base-url", Server.BaseUri.ToString(), "--store", StorePath, "--all-calendars");
        var show = await CommandLineTests.RunAsync("show", "--store", StorePath, "--json", "--calendar", Team);

        Assert.That(sync.ExitCode, Is.EqualTo(0), sync.StdErr);
        Assert.That(sync.StdOut.Trim(), Does.StartWith("calendar list incremental sync: 1 pages, 0 upserts, 1 deletes"));
        Assert.That(sync.StdOut.Trim(), Does.EndWith("2 calendars synced (0 in full), 0 failed, 1 removed"));
        using var json = JsonDocument.Parse(show.StdOut);
        Assert.That(json.RootElement.GetProperty("syncToken").ValueKind, Is.EqualTo(JsonValueKind.Null));
        Assert.That(json.RootElement.GetProperty("events").GetArrayLength(), Is.Zero);
    }

    [Test]
    public async Task A_calendar_answering_404_is_named_on_one_stderr_line_and_the_others_are_synced()
    {
        SeedCalendars();
        Server.Faults.Enqueue(Fault.Status(404), r => r.CalendarId == Team, int.MaxValue);

        var sync = await CommandLineTests.RunAsync("sync", "--base-url", Server.BaseUri.ToString(), "--store", StorePath, "--all-calendars");
        var show = await CommandLineTests.RunAsync("show", "--store", StorePath, "--json", "--calendar", "primary");

        Assert.That(sync.ExitCode, Is.EqualTo(1));
        Assert.That(sync.StdErr.TrimEnd('\n').Split('\n'), Has.Length.EqualTo(1), sync.StdErr);
        Assert.That(sync.StdErr, Does.StartWith($"error: calendar '{Team}' failed, its mirror is unchanged: "));
        Assert.That(sync.StdErr, Does.Contain("404"));
        Assert.That(sync.StdOut.Trim(), Does.EndWith("2 calendars synced (2 in full), 1 failed, 0 removed"));
        using var json = JsonDocument.Parse(show.StdOut);
        Assert.That(json.RootElement.GetProperty("events").EnumerateArray().Select(e => e.GetProperty("id").GetString()), Is.EqualTo(new[] { "p1" }));
    }

    [TestCase("sync")]
    [TestCase("show")]
    public async Task All_calendars_beside_an_explicit_calendar_is_a_usage_error_on_one_line(string command)
    {
        var arguments = command == "sync"
            ? new[] { "sync", "--base-url", Server.BaseUri.ToString(), "--store", StorePath, "--all-calendars", "--calendar", "primary" }
            : new[] { "show", "--store", StorePath, "--all-calendars", "--calendar", "primary" };

        var result = await CommandLineTests.RunAsync(arguments);

        Assert.That(result.ExitCode, Is.EqualTo(2));
        Assert.That(result.StdErr.Trim(), Is.EqualTo("error: --all-calendars covers every listed calendar; leave out --calendar"));
        Assert.That(Server.Requests, Is.Empty);
    }

    private static string[] Names(JsonElement element) => element.EnumerateObject().Select(p => p.Name).ToArray();
}
