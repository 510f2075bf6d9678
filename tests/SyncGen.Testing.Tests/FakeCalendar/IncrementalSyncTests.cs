using System;
using System.Linq;
using System.Net;
using System.Threading.Tasks;
using NUnit.Framework;
using SyncGen.Testing.FakeServer;

namespace SyncGen.Testing.Tests.FakeCalendarTests;

public sealed class IncrementalSyncTests : FakeCalendarTestBase
{
    private const string ExpectedGoneBody =
        "{\"error\":{\"errors\":[{\"domain\":\"calendar\",\"reason\":\"fullSyncRequired\",\"message\":\"Sync token is no longer valid, a full sync is required.\",\"locationType\":\"parameter\",\"location\":\"syncToken\"}],\"code\":410,\"message\":\"Sync token is no longer valid, a full sync is required.\"}}";

    private const string ExpectedRestrictionBody =
        "{\"error\":{\"errors\":[{\"domain\":\"global\",\"reason\":\"syncTokenWithRequestRestrictions\",\"message\":\"Sync token cannot be used with other request restrictions.\"}],\"code\":400,\"message\":\"Sync token cannot be used with other request restrictions.\"}}";

    [Test]
    public async Task Incremental_lists_changes_in_order_with_cancelled_items_carrying_only_kind_etag_id_status()
    {
        var calendar = Server.Primary;
        calendar.AddMany(3);
        var full = await Api.ListAllAsync();

        calendar.Upsert(new FakeEvent("evt-000002", "Renamed", DateTimeOffset.Parse("2026-06-01T10:00:00Z")));
        calendar.Delete("evt-000001");
        calendar.Upsert(new FakeEvent("new", "Fresh", DateTimeOffset.Parse("2026-06-02T10:00:00Z")));

        var incremental = await Api.ListAllAsync("syncToken=" + FakeCalendarApi.Escape(full.SyncToken));

        Assert.That(incremental.Items.Select(i => (string?)i["id"]), Is.EqualTo(new[] { "evt-000002", "evt-000001", "new" }));
        var cancelled = incremental.Items[1];
        Assert.That(cancelled.Select(p => p.Key), Is.EquivalentTo(new[] { "kind", "etag", "id", "status" }));
        Assert.That((string?)cancelled["status"], Is.EqualTo("cancelled"));
        Assert.That((string?)cancelled["kind"], Is.EqualTo("calendar#event"));
        Assert.That((string?)cancelled["etag"], Is.EqualTo("\"5\""));
        Assert.That((string?)incremental.Items[0]["summary"], Is.EqualTo("Renamed"));
        Assert.That(incremental.SyncToken, Is.EqualTo(calendar.CurrentSyncToken));
    }

    [Test]
    public async Task Cancelled_occurrence_carries_series_id_and_original_start_and_the_series_stays_live()
    {
        var calendar = Server.Primary;
        calendar.Upsert(new FakeEvent("series1", "Weekly", DateTimeOffset.Parse("2026-03-02T09:00:00Z")) { Recurrence = new[] { "RRULE:FREQ=WEEKLY" } });
        var full = await Api.ListAllAsync();

        var exceptionId = calendar.CancelOccurrence("series1", DateTimeOffset.Parse("2026-03-16T09:00:00Z"));
        var incremental = await Api.ListAllAsync("syncToken=" + FakeCalendarApi.Escape(full.SyncToken));

        Assert.That(exceptionId, Is.EqualTo("series1_20260316T090000Z"));
        var item = incremental.Items.Single();
        Assert.That(item.Select(p => p.Key), Is.EquivalentTo(new[] { "kind", "etag", "id", "status", "recurringEventId", "originalStartTime" }));
        Assert.That((string?)item["id"], Is.EqualTo(exceptionId));
        Assert.That((string?)item["status"], Is.EqualTo("cancelled"));
        Assert.That((string?)item["recurringEventId"], Is.EqualTo("series1"));
        Assert.That((string?)item["originalStartTime"]!["dateTime"], Is.EqualTo("2026-03-16T09:00:00Z"));
        Assert.That(calendar.LiveEvents.Select(e => e.Id), Is.EqualTo(new[] { "series1" }));
        Assert.That(() => calendar.CancelOccurrence("nope", DateTimeOffset.Parse("2026-03-16T09:00:00Z")), Throws.InvalidOperationException);
    }

    [Test]
    public async Task Nothing_changed_returns_no_items_and_the_same_token()
    {
        Server.Primary.AddMany(5);
        var full = await Api.ListAllAsync();

        var first = await Api.GetAsync("syncToken=" + FakeCalendarApi.Escape(full.SyncToken));
        var second = await Api.GetAsync("syncToken=" + FakeCalendarApi.Escape(first.NextSyncToken!));

        Assert.That(first.Items, Is.Empty);
        Assert.That(first.NextSyncToken, Is.EqualTo(full.SyncToken));
        Assert.That(first.NextPageToken, Is.Null);
        Assert.That(second.NextSyncToken, Is.EqualTo(full.SyncToken));
    }

    [Test]
    public async Task Incremental_pass_pages_with_token_only_on_last_page()
    {
        var calendar = Server.Primary;
        var full = await Api.ListAllAsync();
        calendar.AddMany(7);

        var pass = await Api.ListAllAsync("maxResults=3&syncToken=" + FakeCalendarApi.Escape(full.SyncToken));

        Assert.That(pass.Pages.Select(p => p.Items.Count), Is.EqualTo(new[] { 3, 3, 1 }));
        Assert.That(pass.Pages.Take(2).Select(p => p.NextSyncToken), Is.All.Null);
        Assert.That(pass.Items, Has.Count.EqualTo(7));
        Assert.That(pass.SyncToken, Is.EqualTo(calendar.CurrentSyncToken));
    }

    [TestCase("iCalUID=abc%40google.com")]
    [TestCase("orderBy=updated")]
    [TestCase("privateExtendedProperty=a%3Db")]
    [TestCase("q=standup")]
    [TestCase("sharedExtendedProperty=a%3Db")]
    [TestCase("timeMin=2026-01-01T00%3A00%3A00Z")]
    [TestCase("timeMax=2026-12-01T00%3A00%3A00Z")]
    [TestCase("updatedMin=2026-01-01T00%3A00%3A00Z")]
    [TestCase("showDeleted=false")]
    public async Task Restricted_parameter_with_sync_token_is_400_sync_token_with_request_restrictions(string restriction)
    {
        Server.Primary.AddMany(2);
        var token = Server.Primary.CurrentSyncToken;

        var page = await Api.GetAsync("syncToken=" + FakeCalendarApi.Escape(token) + "&" + restriction);

        Assert.That(page.Status, Is.EqualTo(HttpStatusCode.BadRequest));
        Assert.That(page.Body, Is.EqualTo(ExpectedRestrictionBody));
    }

    [TestCase("showDeleted=true")]
    [TestCase("singleEvents=true")]
    [TestCase("maxResults=10")]
    public async Task Allowed_parameter_with_sync_token_is_accepted(string parameter)
    {
        var token = Server.Primary.CurrentSyncToken;

        var page = await Api.GetAsync("syncToken=" + FakeCalendarApi.Escape(token) + "&" + parameter);

        Assert.That(page.Status, Is.EqualTo(HttpStatusCode.OK));
        Assert.That(page.NextSyncToken, Is.EqualTo(token));
    }

    [Test]
    public async Task Changing_a_parameter_between_pages_is_400_invalid()
    {
        Server.Primary.AddMany(10);
        var first = await Api.GetAsync("maxResults=4&q=Event");

        var changed = await Api.GetAsync("maxResults=4&q=Event%201&pageToken=" + FakeCalendarApi.Escape(first.NextPageToken!));
        var dropped = await Api.GetAsync("maxResults=4&pageToken=" + FakeCalendarApi.Escape(first.NextPageToken!));
        var reordered = await Api.GetAsync("pageToken=" + FakeCalendarApi.Escape(first.NextPageToken!) + "&q=Event&maxResults=4");

        Assert.That(changed.Status, Is.EqualTo(HttpStatusCode.BadRequest));
        Assert.That(changed.ErrorReason, Is.EqualTo("invalid"));
        Assert.That((string?)changed.Json["error"]!["message"], Does.Contain("page token does not match the request"));
        Assert.That(dropped.Status, Is.EqualTo(HttpStatusCode.BadRequest));
        Assert.That(reordered.Status, Is.EqualTo(HttpStatusCode.OK), "the order of parameters is not part of the query");
        Assert.That(reordered.Items.Select(i => (string?)i!["id"]), Is.EqualTo(new[] { "evt-000005", "evt-000006", "evt-000007", "evt-000008" }));
    }

    [Test]
    public async Task Page_token_of_another_calendar_or_garbage_is_400()
    {
        Server.Primary.AddMany(10);
        Server.GetCalendar("other").AddMany(10);
        var first = await Api.GetAsync("maxResults=4");

        var foreign = await Api.GetAsync("maxResults=4&pageToken=" + FakeCalendarApi.Escape(first.NextPageToken!), "other");
        var garbage = await Api.GetAsync("maxResults=4&pageToken=not-a-token");

        Assert.That(foreign.Status, Is.EqualTo(HttpStatusCode.BadRequest));
        Assert.That(foreign.ErrorReason, Is.EqualTo("invalid"));
        Assert.That(garbage.Status, Is.EqualTo(HttpStatusCode.BadRequest));
        Assert.That(garbage.ErrorReason, Is.EqualTo("invalid"));
    }

    [Test]
    public async Task Expire_sync_tokens_gives_410_with_the_exact_body_and_a_fresh_full_sync_recovers()
    {
        var calendar = Server.Primary;
        calendar.AddMany(3);
        var full = await Api.ListAllAsync();
        var epoch = calendar.Epoch;

        calendar.ExpireSyncTokens();
        var gone = await Api.GetAsync("syncToken=" + FakeCalendarApi.Escape(full.SyncToken));

        Assert.That(calendar.Epoch, Is.EqualTo(epoch + 1));
        Assert.That(gone.Status, Is.EqualTo(HttpStatusCode.Gone));
        Assert.That(gone.Body, Is.EqualTo(ExpectedGoneBody));
        Assert.That(gone.ContentHeaders.ContentType!.ToString(), Is.EqualTo("application/json; charset=UTF-8"));

        var again = await Api.ListAllAsync();
        var incremental = await Api.GetAsync("syncToken=" + FakeCalendarApi.Escape(again.SyncToken));

        Assert.That(again.SyncToken, Is.Not.EqualTo(full.SyncToken));
        Assert.That(again.Items, Has.Count.EqualTo(3));
        Assert.That(incremental.Status, Is.EqualTo(HttpStatusCode.OK));
    }

    [Test]
    public async Task Expire_sync_tokens_during_an_incremental_pass_gives_410_on_page_N()
    {
        var calendar = Server.Primary;
        var full = await Api.ListAllAsync();
        calendar.AddMany(6);
        var query = "maxResults=2&syncToken=" + FakeCalendarApi.Escape(full.SyncToken);
        var first = await Api.GetAsync(query);

        calendar.ExpireSyncTokens();
        var second = await Api.GetAsync(query + "&pageToken=" + FakeCalendarApi.Escape(first.NextPageToken!));

        Assert.That(first.Status, Is.EqualTo(HttpStatusCode.OK));
        Assert.That(second.Status, Is.EqualTo(HttpStatusCode.Gone));
        Assert.That(second.Body, Is.EqualTo(ExpectedGoneBody));
    }

    [TestCase("garbage")]
    [TestCase("")]
    [TestCase("czEuMC45OTkucHJpbWFyeQ")]
    public async Task Unreadable_or_future_sync_token_is_410(string token)
    {
        var page = await Api.GetAsync("syncToken=" + token);

        Assert.That(page.Status, Is.EqualTo(HttpStatusCode.Gone));
        Assert.That(page.Body, Is.EqualTo(ExpectedGoneBody));
    }

    [Test]
    public async Task Sync_token_of_another_calendar_is_410()
    {
        var otherToken = Server.GetCalendar("other").CurrentSyncToken;

        var page = await Api.GetAsync("syncToken=" + FakeCalendarApi.Escape(otherToken));

        Assert.That(page.Status, Is.EqualTo(HttpStatusCode.Gone));
        Assert.That(page.ErrorReason, Is.EqualTo("fullSyncRequired"));
    }
}
