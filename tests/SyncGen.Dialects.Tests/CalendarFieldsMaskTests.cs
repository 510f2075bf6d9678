using System;
using System.Net.Http;
using System.Threading.Tasks;
using NUnit.Framework;
using SyncGen;
using SyncGen.Testing.FakeServer;

namespace SyncGen.Dialects.Tests;

/// <summary>
/// A <c>fields</c> mask on a Calendar events.list endpoint, through a real <c>[IncrementalSync]</c> repository on the
/// fake server: Calendar honours the standard partial-response parameter, so a mask without <c>items(status)</c> would
/// turn a cancelled event into a live one. Such a mask is refused when the repository is built, before any request.
/// </summary>
[TestFixture]
public sealed class CalendarFieldsMaskTests
{
    [TestCase("nextPageToken,nextSyncToken,items(id,status,summary)")]
    [TestCase("nextPageToken,nextSyncToken,items/id,items/status,items/summary")]
    [TestCase("nextPageToken,nextSyncToken,items")]
    [TestCase("*")]
    [TestCase("nextPageToken%2CnextSyncToken%2Citems%28id%2Cstatus%2Csummary%29")]
    public async Task A_mask_that_keeps_what_the_dialect_reads_syncs_and_a_cancelled_event_leaves_the_mirror(string mask)
    {
        await using var server = await FakeSyncServer.StartAsync(SyncDialects.GoogleCalendar);
        server.Upsert("e1", "Standup");
        server.Upsert("e2", "Retro");
        using var http = new HttpClient();
        var store = new InMemorySyncStore<CalendarEvent>();
        var mirror = new CalendarMirror(http, FieldsMaskEndpoints.WithQuery(server, "fields=" + mask), store, FieldsMaskEndpoints.FastRetries);

        await mirror.SyncAsync();
        server.Delete("e2");
        var incremental = await mirror.SyncAsync();

        Assert.That(incremental.WasFullSync, Is.False);
        Assert.That(incremental.Deletes, Is.EqualTo(1));
        Assert.That(store.Items.Keys, Is.EquivalentTo(new[] { "e1" }));
        Assert.That(store.Items["e1"].Summary, Is.EqualTo("Standup"));
    }

    [Test]
    public async Task A_mask_without_items_status_is_refused_naming_it_and_nothing_is_requested()
    {
        await using var server = await FakeSyncServer.StartAsync(SyncDialects.GoogleCalendar);
        server.Upsert("e1", "Standup");
        using var http = new HttpClient();
        var store = new InMemorySyncStore<CalendarEvent>();
        const string mask = "nextPageToken,nextSyncToken,items(id,summary)";

        var error = Assert.Throws<SyncFieldsMaskException>(() => new CalendarMirror(http, FieldsMaskEndpoints.WithQuery(server, "fields=" + mask), store, FieldsMaskEndpoints.FastRetries))!;

        Assert.That(error.Message, Does.Contain("'status' of each 'items' entry"));
        Assert.That(error.Message, Does.Contain("Google Calendar"));
        Assert.That(error.MissingFields, Is.EqualTo(new[] { "items/status" }));
        Assert.That(error.ParamName, Is.EqualTo("endpoint"));
        Assert.That(server.Requests, Is.Empty);
        Assert.That(store.SyncToken, Is.Null);
    }

    [TestCase("nextPageToken,nextSyncToken,items(status)", "items/id")]
    [TestCase("nextPageToken,items(id,status)", "nextSyncToken")]
    [TestCase("nextSyncToken,items(id,status)", "nextPageToken")]
    [TestCase("nextPageToken,nextSyncToken", "items/id,items/status")]
    [TestCase("items(id,status,summary)", "nextPageToken,nextSyncToken")]
    public async Task A_mask_missing_any_member_the_dialect_reads_is_refused_naming_each(string mask, string missing)
    {
        await using var server = await FakeSyncServer.StartAsync(SyncDialects.GoogleCalendar);
        using var http = new HttpClient();

        var error = Assert.Throws<SyncFieldsMaskException>(() => new CalendarMirror(http, FieldsMaskEndpoints.WithQuery(server, "fields=" + mask), new InMemorySyncStore<CalendarEvent>(), FieldsMaskEndpoints.FastRetries))!;

        Assert.That(error.MissingFields, Is.EqualTo(missing.Split(',')));
        Assert.That(server.Requests, Is.Empty);
    }

    [Test]
    public void The_calendar_dialect_checks_the_standard_fields_parameter() =>
        Assert.That(SyncDialects.GoogleCalendar.FieldsParameter, Is.EqualTo("fields"));
}
