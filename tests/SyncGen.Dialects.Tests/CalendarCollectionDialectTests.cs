using System;
using System.Linq;
using System.Net;
using System.Net.Http;
using System.Text.Json.Nodes;
using System.Threading.Tasks;
using NUnit.Framework;
using SyncGen.Testing.FakeServer;

namespace SyncGen.Dialects.Tests;

/// <summary>
/// Calendar's calendar list, ACL and settings dialects against the kit's embedded Calendar server over real HTTP: each
/// collection's deletion marker, the parameters a sync token refuses (the server answers them with 400 as Google does),
/// and a calendar-list mirror that is the same whether a full pass or incremental passes built it.
/// </summary>
[TestFixture]
public sealed class CalendarCollectionDialectTests
{
    private HttpClient _http = null!;

    [SetUp]
    public void CreateClient() => _http = new HttpClient();

    [TearDown]
    public void DisposeClient() => _http.Dispose();

    [Test]
    public async Task A_calendar_list_mirror_built_by_a_full_pass_equals_one_built_incrementally_hidden_calendars_included()
    {
        await using var server = await FakeCalendarServer.StartAsync();
        server.AddToCalendarList("primary", "Me");
        server.AddToCalendarList("team@group.calendar.google.com", "Team", hidden: true);
        var incremental = new InMemorySyncStore<ListEntry>();
        await ListSource(server.CalendarListUri).SyncAsync(incremental);

        server.AddToCalendarList("en.usa#holiday@group.v.calendar.google.com", "Holidays", hidden: true);
        server.CalendarList.Delete("primary");
        var second = await ListSource(server.CalendarListUri).SyncAsync(incremental);
        var full = new InMemorySyncStore<ListEntry>();
        await ListSource(server.CalendarListUri).SyncAsync(full);

        Assert.That(second.WasFullSync, Is.False);
        Assert.That(second.Deletes, Is.EqualTo(1));
        Assert.That(full.Items.Keys.Order(StringComparer.Ordinal), Is.EqualTo(incremental.Items.Keys.Order(StringComparer.Ordinal)));
        Assert.That(full.Items.Keys, Is.EquivalentTo(new[] { "en.usa#holiday@group.v.calendar.google.com", "team@group.calendar.google.com" }));
        Assert.That(full.Items["team@group.calendar.google.com"].Hidden, Is.True);
    }

    [Test]
    public async Task Full_pass_only_calendar_list_parameters_never_travel_with_a_sync_token()
    {
        await using var server = await FakeCalendarServer.StartAsync();
        server.AddToCalendarList("primary", "Me");
        var store = new InMemorySyncStore<ListEntry>();
        var source = ListSource(new Uri(server.CalendarListUri + "?minAccessRole=reader&showDeleted=false&maxResults=1"));
        await source.SyncAsync(store);
        server.AddToCalendarList("work@example.com", "Work");

        var incremental = await source.SyncAsync(store);

        Assert.That(incremental.WasFullSync, Is.False);
        Assert.That(store.Items.Keys, Is.EquivalentTo(new[] { "primary", "work@example.com" }));
        var withToken = server.Requests.Where(r => r.SyncToken is not null).ToList();
        Assert.That(withToken, Is.Not.Empty);
        Assert.That(withToken.Select(r => r.GetQueryValue("minAccessRole") ?? r.GetQueryValue("showDeleted")), Is.All.Null);
        Assert.That(server.Requests.First().GetQueryValue("showHidden"), Is.EqualTo("true"));
    }

    [Test]
    public async Task An_endpoint_that_asks_full_passes_to_leave_hidden_calendars_out_is_refused_before_any_request()
    {
        await using var server = await FakeCalendarServer.StartAsync();

        var error = Assert.Throws<ArgumentException>(() => ListSource(new Uri(server.CalendarListUri + "?showHidden=false")))!;

        Assert.That(error.Message, Does.Contain("showHidden=false"));
        Assert.That(server.Requests, Is.Empty);
    }

    [TestCase("minAccessRole=owner")]
    [TestCase("showDeleted=false")]
    [TestCase("showHidden=false")]
    public async Task The_kit_answers_400_to_a_calendar_list_parameter_a_sync_token_refuses(string parameter)
    {
        await using var server = await FakeCalendarServer.StartAsync();
        var store = new InMemorySyncStore<ListEntry>();
        await ListSource(server.CalendarListUri).SyncAsync(store);

        using var response = await _http.GetAsync(new Uri(server.CalendarListUri + "?syncToken=" + Uri.EscapeDataString(store.SyncToken!) + "&" + parameter));

        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.BadRequest));
        Assert.That(await response.Content.ReadAsStringAsync(), Does.Contain(parameter.Split('=')[0]));
    }

    [Test]
    public async Task An_acl_rule_whose_role_is_none_leaves_the_mirror_and_showDeleted_false_stays_on_full_passes()
    {
        await using var server = await FakeCalendarServer.StartAsync();
        var acl = server.Acl("en.usa#holiday@group.v.calendar.google.com");
        acl.Put("user:a@example.com", new JsonObject { ["role"] = "reader", ["scope"] = new JsonObject { ["type"] = "user", ["value"] = "a@example.com" } });
        acl.Put("user:b@example.com", new JsonObject { ["role"] = "writer" });
        var endpoint = new Uri(GoogleCalendarCollections.Endpoint(server.BaseUri, GoogleCalendarCollections.Acl, "en.usa#holiday@group.v.calendar.google.com") + "?showDeleted=false");
        var source = new SyncHttpPageSource<AclRule>(_http, SyncDialects.GoogleCalendarAcl, endpoint);
        var store = new InMemorySyncStore<AclRule>();
        await source.SyncAsync(store);

        acl.Delete("user:a@example.com");
        var incremental = await source.SyncAsync(store);

        Assert.That(incremental.Deletes, Is.EqualTo(1));
        Assert.That(store.Items.Keys, Is.EquivalentTo(new[] { "user:b@example.com" }));
        Assert.That(server.Requests.First().GetQueryValue("showDeleted"), Is.EqualTo("false"));
        Assert.That(server.Requests.Last().GetQueryValue("showDeleted"), Is.Null);
    }

    [Test]
    public async Task A_changed_setting_replaces_its_value_and_settings_are_never_deleted()
    {
        await using var server = await FakeCalendarServer.StartAsync();
        server.Settings.Put("timezone", new JsonObject { ["value"] = "Europe/Paris" });
        server.Settings.Put("weekStart", new JsonObject { ["value"] = "1" });
        var source = new SyncHttpPageSource<Setting>(_http, SyncDialects.GoogleCalendarSettings, GoogleCalendarCollections.Endpoint(server.BaseUri, GoogleCalendarCollections.Settings));
        var store = new InMemorySyncStore<Setting>();
        await source.SyncAsync(store);

        server.Settings.Put("timezone", new JsonObject { ["value"] = "America/New_York" });
        var incremental = await source.SyncAsync(store);

        Assert.That(incremental.Upserts, Is.EqualTo(1));
        Assert.That(store.Items["timezone"].Value, Is.EqualTo("America/New_York"));
        Assert.That(store.Items, Has.Count.EqualTo(2));
        Assert.That(() => server.Settings.Delete("timezone"), Throws.InvalidOperationException);
        Assert.That(() => SyncDeletionMarker.Never.Mark(new JsonObject()), Throws.InvalidOperationException);
    }

    [Test]
    public async Task A_calendar_id_with_hash_and_at_is_escaped_into_one_path_segment_and_reaches_its_calendar()
    {
        await using var server = await FakeCalendarServer.StartAsync();
        const string id = "en.usa#holiday@group.v.calendar.google.com";
        server.GetCalendar(id).Upsert(new FakeEvent("e1", "New Year", DateTimeOffset.UnixEpoch));
        var endpoint = GoogleCalendarCollections.Endpoint(server.BaseUri, GoogleCalendarCollections.Events, id);
        var store = new InMemorySyncStore<ListEntry>();

        await new SyncHttpPageSource<ListEntry>(_http, GoogleCalendarCollections.Dialect(GoogleCalendarCollections.Events), endpoint).SyncAsync(store);

        Assert.That(endpoint.AbsolutePath, Does.EndWith("/calendars/en.usa%23holiday%40group.v.calendar.google.com/events"));
        Assert.That(store.Items.Keys, Is.EquivalentTo(new[] { "e1" }));
    }

    [TestCase("")]
    [TestCase("..")]
    [TestCase("lone surrogate")]
    public void A_calendar_id_that_cannot_be_one_path_segment_is_refused_by_name(string id)
    {
        // An attribute cannot carry a lone surrogate (its UTF-8 blob turns it into U+FFFD), so it is made here.
        id = id == "lone surrogate" ? "bad" + (char)0xD800 + "id" : id;
        var error = Assert.Throws<ArgumentException>(() => GoogleCalendarCollections.Endpoint(new Uri("http://127.0.0.1/calendar/v3/"), GoogleCalendarCollections.Events, id))!;

        Assert.That(error.Message, Does.Contain("cannot be put in a URL path"));
    }

    [Test]
    public void An_unknown_collection_kind_is_refused_naming_the_known_ones()
    {
        var error = Assert.Throws<ArgumentException>(() => GoogleCalendarCollections.Dialect("calendars"))!;

        Assert.That(error.Message, Does.Contain("'calendars' is not a Google Calendar sync collection"));
        Assert.That(error.Message, Does.Contain("events, calendarList, acl, settings"));
    }

    private SyncHttpPageSource<ListEntry> ListSource(Uri endpoint) => new(_http, SyncDialects.GoogleCalendarList, endpoint);

    private sealed record ListEntry(string Id, string? Summary, bool? Hidden);

    private sealed record AclRule(string Id, string? Role);

    private sealed record Setting(string Id, string? Value);
}
