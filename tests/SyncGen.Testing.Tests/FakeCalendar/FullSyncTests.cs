using System;
using System.Linq;
using System.Net;
using System.Text.Json.Nodes;
using System.Threading.Tasks;
using NUnit.Framework;
using SyncGen.Testing.FakeServer;

namespace SyncGen.Testing.Tests.FakeCalendarTests;

public sealed class FullSyncTests : FakeCalendarTestBase
{
    [Test]
    public async Task Multi_page_full_sync_carries_sync_token_only_on_last_page_and_lists_every_event_once_by_id()
    {
        var ids = Server.Primary.AddMany(600);

        var pass = await Api.ListAllAsync("maxResults=250");

        Assert.That(pass.Pages.Select(p => p.Items.Count), Is.EqualTo(new[] { 250, 250, 100 }));
        Assert.That(pass.Pages.Take(2).Select(p => p.NextSyncToken), Is.All.Null);
        Assert.That(pass.Pages.Take(2).Select(p => p.NextPageToken), Is.All.Not.Null);
        Assert.That(pass.Pages[2].NextPageToken, Is.Null);
        Assert.That(pass.SyncToken, Is.EqualTo(Server.Primary.CurrentSyncToken));
        Assert.That(pass.Items.Select(i => (string?)i["id"]), Is.EqualTo(ids));
    }

    [Test]
    public async Task Pages_write_Googles_members_in_Googles_order_tokens_between_the_calendar_members_and_the_items()
    {
        Server.Primary.AddMany(3);

        var first = await Api.GetAsync("maxResults=2");
        var last = await Api.GetAsync("maxResults=2&pageToken=" + FakeCalendarApi.Escape(first.NextPageToken!));

        string[] Members(JsonObject page) => page.Select(member => member.Key).ToArray();
        string[] calendarMembers = ["kind", "etag", "summary", "description", "updated", "timeZone", "accessRole", "defaultReminders"];
        Assert.That(Members(first.Json), Is.EqualTo(calendarMembers.Append("nextPageToken").Append("items")));
        Assert.That(Members(last.Json), Is.EqualTo(calendarMembers.Append("nextSyncToken").Append("items")));
        Assert.That(first.Body, Does.Contain("\"defaultReminders\":[],\"nextPageToken\":\"" + first.NextPageToken + "\",\"items\":[{\"kind\":\"calendar#event\""));
    }

    [Test]
    public async Task Max_results_defaults_to_250()
    {
        Server.Primary.AddMany(300);

        var page = await Api.GetAsync(string.Empty);

        Assert.That(page.Items, Has.Count.EqualTo(250));
        Assert.That(page.NextPageToken, Is.Not.Null);
        Assert.That(page.NextSyncToken, Is.Null);
    }

    [Test]
    public async Task Max_results_above_2500_is_clamped_to_2500()
    {
        Server.Primary.AddMany(3000);

        var page = await Api.GetAsync("maxResults=5000");

        Assert.That(page.Status, Is.EqualTo(HttpStatusCode.OK));
        Assert.That(page.Items, Has.Count.EqualTo(2500));
        Assert.That(page.NextPageToken, Is.Not.Null);
    }

    [TestCase("0")]
    [TestCase("-3")]
    [TestCase("abc")]
    [TestCase("")]
    public async Task Max_results_below_one_or_not_a_number_is_400_invalid(string value)
    {
        var page = await Api.GetAsync("maxResults=" + value);

        Assert.That(page.Status, Is.EqualTo(HttpStatusCode.BadRequest));
        Assert.That(page.ErrorReason, Is.EqualTo("invalid"));
        Assert.That((string?)page.Json["error"]!["errors"]![0]!["location"], Is.EqualTo("maxResults"));
    }

    [Test]
    public async Task Response_has_Google_shape_and_deterministic_times()
    {
        Server.Primary.Upsert(new FakeEvent("a1", "Standup", new DateTimeOffset(2026, 3, 2, 9, 0, 0, TimeSpan.Zero)) { Description = "daily" });
        Server.Primary.Upsert(new FakeEvent("b2", "Lunch", new DateTimeOffset(2026, 3, 2, 12, 0, 0, TimeSpan.FromHours(1)), new DateTimeOffset(2026, 3, 2, 13, 30, 0, TimeSpan.FromHours(1))));
        Server.Primary.Upsert(new FakeEvent("a1", "Standup (moved)", new DateTimeOffset(2026, 3, 2, 9, 30, 0, TimeSpan.Zero)));

        var page = await Api.GetAsync(string.Empty);
        var json = page.Json;

        Assert.That((string?)json["kind"], Is.EqualTo("calendar#events"));
        Assert.That((string?)json["summary"], Is.EqualTo("primary"));
        Assert.That((string?)json["timeZone"], Is.EqualTo("UTC"));
        Assert.That((string?)json["accessRole"], Is.EqualTo("owner"));
        Assert.That(json["defaultReminders"]!.AsArray(), Is.Empty);
        Assert.That((string?)json["updated"], Is.EqualTo("2026-01-01T00:00:02.000Z"));
        Assert.That(page.Body, Does.StartWith("{\"kind\":\"calendar#events\",\"etag\":\"\\\"p3\\\"\""));
        Assert.That(page.ContentHeaders.ContentType!.MediaType, Is.EqualTo("application/json"));

        var a1 = page.Items[0]!.AsObject();
        Assert.That((string?)a1["id"], Is.EqualTo("a1"));
        Assert.That((string?)a1["kind"], Is.EqualTo("calendar#event"));
        Assert.That((string?)a1["etag"], Is.EqualTo("\"3\""));
        Assert.That((string?)a1["status"], Is.EqualTo("confirmed"));
        Assert.That((string?)a1["summary"], Is.EqualTo("Standup (moved)"));
        Assert.That(a1.ContainsKey("description"), Is.False, "the update replaced the description");
        Assert.That((string?)a1["created"], Is.EqualTo("2026-01-01T00:00:00.000Z"));
        Assert.That((string?)a1["updated"], Is.EqualTo("2026-01-01T00:00:02.000Z"));
        Assert.That((string?)a1["start"]!["dateTime"], Is.EqualTo("2026-03-02T09:30:00Z"));
        Assert.That((string?)a1["end"]!["dateTime"], Is.EqualTo("2026-03-02T10:30:00Z"));
        Assert.That((string?)a1["iCalUID"], Is.EqualTo("a1@google.com"));

        var b2 = page.Items[1]!.AsObject();
        Assert.That((string?)b2["start"]!["dateTime"], Is.EqualTo("2026-03-02T12:00:00+01:00"));
        Assert.That((string?)b2["end"]!["dateTime"], Is.EqualTo("2026-03-02T13:30:00+01:00"));
        Assert.That((string?)b2["updated"], Is.EqualTo("2026-01-01T00:00:01.000Z"));
    }

    [Test]
    public async Task Full_sync_isolates_its_snapshot_and_the_next_incremental_lists_the_changes()
    {
        var calendar = Server.Primary;
        calendar.AddMany(6);

        // Mutate the calendar after the first page: the rest of this pass must still list the snapshot of page 1.
        var mutated = false;
        var pass = await Api.ListAllAsync("maxResults=2", afterPage: page =>
        {
            if (page == 1)
            {
                calendar.Upsert(new FakeEvent("evt-000000", "Inserted before everything", DateTimeOffset.Parse("2026-05-01T10:00:00Z")));
                calendar.Upsert(new FakeEvent("evt-000004", "Renamed", DateTimeOffset.Parse("2026-05-01T10:00:00Z")));
                Assert.That(calendar.Delete("evt-000005"), Is.True);
                mutated = true;
            }
        });

        Assert.That(mutated, Is.True);
        Assert.That(pass.Items.Select(i => (string?)i["id"]), Is.EqualTo(new[] { "evt-000001", "evt-000002", "evt-000003", "evt-000004", "evt-000005", "evt-000006" }));
        Assert.That((string?)pass.Items[3]["summary"], Is.EqualTo("Event 4"));
        Assert.That(pass.SyncToken, Is.Not.EqualTo(calendar.CurrentSyncToken));

        var incremental = await Api.ListAllAsync("syncToken=" + FakeCalendarApi.Escape(pass.SyncToken));

        Assert.That(incremental.Items.Select(i => (string?)i["id"]), Is.EqualTo(new[] { "evt-000000", "evt-000004", "evt-000005" }));
        Assert.That((string?)incremental.Items[1]["summary"], Is.EqualTo("Renamed"));
        Assert.That((string?)incremental.Items[2]["status"], Is.EqualTo("cancelled"));
        Assert.That(incremental.SyncToken, Is.EqualTo(calendar.CurrentSyncToken));
    }

    [Test]
    public async Task Time_min_and_time_max_select_events_overlapping_the_window()
    {
        var calendar = Server.Primary;
        calendar.Upsert(new FakeEvent("before", "b", DateTimeOffset.Parse("2026-04-01T08:00:00Z"), DateTimeOffset.Parse("2026-04-01T09:00:00Z")));
        calendar.Upsert(new FakeEvent("straddle", "s", DateTimeOffset.Parse("2026-04-01T09:30:00Z"), DateTimeOffset.Parse("2026-04-01T10:30:00Z")));
        calendar.Upsert(new FakeEvent("inside", "i", DateTimeOffset.Parse("2026-04-01T11:00:00Z")));
        calendar.Upsert(new FakeEvent("after", "a", DateTimeOffset.Parse("2026-04-01T12:00:00Z")));

        var page = await Api.GetAsync("timeMin=" + FakeCalendarApi.Escape("2026-04-01T10:00:00Z") + "&timeMax=" + FakeCalendarApi.Escape("2026-04-01T12:00:00+00:00"));

        Assert.That(page.Status, Is.EqualTo(HttpStatusCode.OK));
        Assert.That(page.Items.Select(i => (string?)i!["id"]), Is.EqualTo(new[] { "inside", "straddle" }));
        Assert.That(page.NextSyncToken, Is.EqualTo(calendar.CurrentSyncToken));
    }

    [TestCase("timeMin=2026-04-01T10:00:00")]
    [TestCase("timeMax=yesterday")]
    [TestCase("updatedMin=2026-04-01")]
    public async Task Time_parameter_without_offset_is_400(string query)
    {
        var page = await Api.GetAsync(query);

        Assert.That(page.Status, Is.EqualTo(HttpStatusCode.BadRequest));
        Assert.That(page.ErrorReason, Is.EqualTo("badRequest"));
    }

    [Test]
    public async Task Full_sync_hides_deleted_events_unless_show_deleted_but_lists_cancelled_occurrences()
    {
        var calendar = Server.Primary;
        calendar.AddMany(3);
        calendar.Delete("evt-000002");
        calendar.Upsert(new FakeEvent("series", "Weekly", DateTimeOffset.Parse("2026-03-02T09:00:00Z")) { Recurrence = new[] { "RRULE:FREQ=WEEKLY" } });
        var exceptionId = calendar.CancelOccurrence("series", DateTimeOffset.Parse("2026-03-09T09:00:00Z"));

        var plain = await Api.GetAsync(string.Empty);
        var withDeleted = await Api.GetAsync("showDeleted=true");

        Assert.That(plain.Items.Select(i => (string?)i!["id"]), Is.EqualTo(new[] { "evt-000001", "evt-000003", "series", exceptionId }));
        Assert.That((string?)plain.Items[2]!["recurrence"]![0], Is.EqualTo("RRULE:FREQ=WEEKLY"));
        Assert.That(withDeleted.Items.Select(i => (string?)i!["id"]), Is.EqualTo(new[] { "evt-000001", "evt-000002", "evt-000003", "series", exceptionId }));
        Assert.That((string?)withDeleted.Items[1]!["status"], Is.EqualTo("cancelled"));
        Assert.That(calendar.LiveEvents.Select(e => e.Id), Is.EqualTo(new[] { "evt-000001", "evt-000003", "series" }));
    }

    [Test]
    public async Task Q_matches_summary_substring_case_insensitively()
    {
        var calendar = Server.Primary;
        calendar.Upsert(new FakeEvent("x", "Team Standup", DateTimeOffset.Parse("2026-03-02T09:00:00Z")));
        calendar.Upsert(new FakeEvent("y", "Lunch", DateTimeOffset.Parse("2026-03-02T12:00:00Z")));

        var page = await Api.GetAsync("q=standup");

        Assert.That(page.Items.Select(i => (string?)i!["id"]), Is.EqualTo(new[] { "x" }));
    }

    [Test]
    public async Task Order_by_start_time_requires_single_events()
    {
        var refused = await Api.GetAsync("orderBy=startTime");
        var accepted = await Api.GetAsync("orderBy=startTime&singleEvents=true");

        Assert.That(refused.Status, Is.EqualTo(HttpStatusCode.BadRequest));
        Assert.That(refused.ErrorReason, Is.EqualTo("badRequest"));
        Assert.That(accepted.Status, Is.EqualTo(HttpStatusCode.OK));
    }

    [Test]
    public async Task Hundred_thousand_events_seed_and_page_through_in_40_pages()
    {
        Server.Primary.AddMany(100_000);

        Assert.That(Server.Primary.Position, Is.EqualTo(100_000));

        var pass = await Api.ListAllAsync("maxResults=2500");

        Assert.That(pass.Pages, Has.Count.EqualTo(40));
        Assert.That(pass.Items, Has.Count.EqualTo(100_000));
        Assert.That((string?)pass.Items[^1]["id"], Is.EqualTo("evt-100000"));
    }

    [Test]
    public async Task Unknown_calendar_is_created_on_demand_and_empty()
    {
        var page = await Api.GetAsync(string.Empty, "team@example.com");

        Assert.That(page.Status, Is.EqualTo(HttpStatusCode.OK));
        Assert.That(page.Items, Is.Empty);
        Assert.That((string?)page.Json["summary"], Is.EqualTo("team@example.com"));
        Assert.That(page.NextSyncToken, Is.EqualTo(Server.GetCalendar("team@example.com").CurrentSyncToken));
        Assert.That(Server.CalendarIds, Does.Contain("team@example.com"));
    }

    [Test]
    public void Base_uri_is_loopback_with_api_root_and_trailing_slash()
    {
        Assert.That(Server.BaseUri.Host, Is.EqualTo("127.0.0.1"));
        Assert.That(Server.BaseUri.Port, Is.GreaterThan(0));
        Assert.That(Server.BaseUri.AbsolutePath, Is.EqualTo("/calendar/v3/"));
        Assert.That(Server.EventsUri().ToString(), Is.EqualTo(Server.BaseUri + "calendars/primary/events"));
    }

    [Test]
    public async Task Unknown_path_is_404_with_Google_body()
    {
        using var response = await Api.Http.GetAsync(new Uri(Server.BaseUri, "colors"));
        var body = JsonNode.Parse(await response.Content.ReadAsStringAsync())!;

        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.NotFound));
        Assert.That((string?)body["error"]!["errors"]![0]!["reason"], Is.EqualTo("notFound"));
        Assert.That(Server.Requests.Single().CalendarId, Is.Null);
    }
}
