using System;
using System.Collections.Generic;
using System.Linq;
using System.Net;
using System.Net.Http;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;
using System.Threading.Tasks;
using NUnit.Framework;
using SyncGen.Testing.Dialects;
using SyncGen.Testing.Conformance;
using SyncGen.Testing.FakeServer;
using SyncGen.Testing.Scenarios;

namespace SyncGen.Testing.Tests.FakeSync;

/// <summary>The dialect server, driven by the runtime's own <see cref="SyncHttpPageSource{TItem}"/> over real HTTP.</summary>
[TestFixture]
public sealed class FakeSyncServerTests
{
    private static readonly SyncOptions FastOptions = new() { Retry = new SyncRetryOptions { BaseDelay = TimeSpan.FromMilliseconds(1), MaxDelay = TimeSpan.FromMilliseconds(2) } };

    public sealed record User(string Id, string? DisplayName);

    public sealed record Person(string ResourceName, IReadOnlyList<PersonName>? Names);

    public sealed record PersonName(string DisplayName);

    public sealed record DriveFile(string Id, string? Name);

    [Test]
    public async Task Graph_pages_removes_follows_links_and_recovers_from_expiry()
    {
        await using var server = await FakeSyncServer.StartAsync(SyncDialects.MicrosoftGraph);
        Assert.That(server.Endpoint.AbsolutePath, Is.EqualTo("/v1.0/users/delta"));
        Assert.That(server.BaseUri.AbsolutePath, Is.EqualTo("/v1.0/"));
        for (var i = 1; i <= 5; i++)
        {
            server.Upsert($"u{i}", $"User {i}");
        }

        using var http = new HttpClient();
        var source = new SyncHttpPageSource<User>(http, SyncDialects.MicrosoftGraph, new Uri(server.Endpoint + "?$select=displayName&$top=2"));
        var store = new InMemorySyncStore<User>();

        var full = await source.SyncAsync(store, FastOptions);
        Assert.That(full.Pages, Is.EqualTo(3));
        Assert.That(store.Items.Keys, Is.EquivalentTo(new[] { "u1", "u2", "u3", "u4", "u5" }));
        Assert.That(store.Items["u3"].DisplayName, Is.EqualTo("User 3"));
        Assert.That(store.SyncToken, Does.StartWith(server.Endpoint + "?$select=displayName&$top=2&$deltatoken="), "the stored token is the whole deltaLink");

        server.Upsert("u2", "Renamed");
        Assert.That(server.Delete("u4"), Is.True);
        server.Upsert("u6", "User 6");
        server.ClearRequests();
        var incremental = await source.SyncAsync(store, FastOptions);
        Assert.That(incremental.WasFullSync, Is.False);
        Assert.That(store.Items.Keys, Is.EquivalentTo(new[] { "u1", "u2", "u3", "u5", "u6" }));
        Assert.That(store.Items["u2"].DisplayName, Is.EqualTo("Renamed"));
        Assert.That(server.Requests[0].Query.Select(p => p.Key), Does.Contain("$deltatoken"));

        server.Delete("u1");
        server.ExpireSyncTokens();
        server.ClearRequests();
        var recovered = await source.SyncAsync(store, FastOptions);
        Assert.That(recovered.ExpiriesRecovered, Is.EqualTo(1));
        Assert.That(recovered.WasFullSync, Is.True);
        Assert.That(store.Items.Keys, Is.EquivalentTo(new[] { "u2", "u3", "u5", "u6" }));
        Assert.That(server.Requests[0].StatusCode, Is.EqualTo(410), "the first expiry answer is Graph's 410 resyncRequired");
    }

    [Test]
    public async Task Graph_renders_users_and_removals_as_graph_does()
    {
        await using var server = await FakeSyncServer.StartAsync(SyncDialects.MicrosoftGraph);
        server.Upsert("u1", "Ada");
        using var http = new HttpClient();
        var first = JsonDocument.Parse(await http.GetStringAsync(server.Endpoint)).RootElement;
        Assert.That(first.GetProperty("value")[0].GetRawText(), Is.EqualTo("{\"id\":\"u1\",\"displayName\":\"Ada\"}"));
        var deltaLink = first.GetProperty("@odata.deltaLink").GetString()!;
        Assert.That(new Uri(deltaLink).GetLeftPart(UriPartial.Authority), Is.EqualTo(server.Endpoint.GetLeftPart(UriPartial.Authority)));
        Assert.That(server.CurrentSyncToken, Is.EqualTo(deltaLink));

        server.Delete("u1");
        var changes = JsonDocument.Parse(await http.GetStringAsync(deltaLink)).RootElement;
        Assert.That(changes.GetProperty("value")[0].GetRawText(), Is.EqualTo("{\"id\":\"u1\",\"@removed\":{\"reason\":\"deleted\"}}"));
    }

    [Test]
    public async Task Graph_expiry_answers_rotate_through_the_documented_shapes()
    {
        await using var server = await FakeSyncServer.StartAsync(SyncDialects.MicrosoftGraph);
        using var http = new HttpClient();
        var deltaLink = server.CurrentSyncToken;
        server.ExpireSyncTokens();
        var answers = new List<(int, string)>();
        for (var i = 0; i < 4; i++)
        {
            using var response = await http.GetAsync(deltaLink);
            var code = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.GetProperty("error").GetProperty("code").GetString()!;
            answers.Add(((int)response.StatusCode, code));
            var facts = new SyncErrorFacts { StatusCode = (int)response.StatusCode, Reasons = new[] { code } };
            Assert.That(SyncDialects.MicrosoftGraph.IsExpiry(facts), Is.True, $"{(int)response.StatusCode} {code} must read as expiry");
        }

        Assert.That(answers, Is.EqualTo(new[] { (410, "resyncRequired"), (400, "syncStateNotFound"), (400, "resyncRequired"), (404, "syncStateNotFound") }));
    }

    [Test]
    public async Task People_needs_requestSyncToken_and_expires_with_400_in_three_shapes()
    {
        await using var server = await FakeSyncServer.StartAsync(SyncDialects.GooglePeople);
        server.Upsert("people/c1", "Ann");
        server.Upsert("people/c2", "Bob");
        using var http = new HttpClient();
        var without = JsonDocument.Parse(await http.GetStringAsync(server.Endpoint + "?personFields=names")).RootElement;
        Assert.That(without.TryGetProperty("nextSyncToken", out _), Is.False, "People gives no sync token without requestSyncToken=true");

        var source = new SyncHttpPageSource<Person>(http, SyncDialects.GooglePeople, new Uri(server.Endpoint + "?personFields=names&pageSize=1"));
        var store = new InMemorySyncStore<Person>();
        await source.SyncAsync(store, FastOptions);
        Assert.That(store.Items["people/c2"].Names![0].DisplayName, Is.EqualTo("Bob"));

        server.Delete("people/c1");
        await source.SyncAsync(store, FastOptions);
        Assert.That(store.Items.Keys, Is.EquivalentTo(new[] { "people/c2" }));

        for (var i = 0; i < 3; i++)
        {
            server.ExpireSyncTokens();
            server.ClearRequests();
            var result = await source.SyncAsync(store, FastOptions);
            Assert.That(result.ExpiriesRecovered, Is.EqualTo(1));
            Assert.That(server.Requests[0].StatusCode, Is.EqualTo(400));
        }

        Assert.That(store.Items.Keys, Is.EquivalentTo(new[] { "people/c2" }));
    }

    [Test]
    public async Task Drive_takes_the_start_token_lists_files_then_follows_changes()
    {
        // files.list accepts pageSize too, so the listing repeats the endpoint's: its pages are cut at 2, not at the
        // server's default.
        await using var server = await FakeSyncServer.StartAsync(FakeDialects.GoogleDrive, new FakeSyncServerOptions { DefaultPageSize = 10 });
        server.Upsert("f1", "one.txt");
        server.Upsert("f2", "two.txt");
        server.Upsert("f3", "three.txt");
        using var http = new HttpClient();
        var source = new SyncHttpPageSource<DriveFile>(http, SyncDialects.GoogleDrive, new Uri(server.Endpoint + "?pageSize=2"));
        var store = new InMemorySyncStore<DriveFile>();
        await source.SyncAsync(store, FastOptions);
        Assert.That(store.Items.Keys, Is.EquivalentTo(new[] { "f1", "f2", "f3" }));
        Assert.That(server.Requests.Select(r => r.Path), Is.EqualTo(new[] { "/drive/v3/changes/startPageToken", "/drive/v3/files", "/drive/v3/files" }));

        server.Delete("f2");
        server.Upsert("f3", "renamed.txt");
        await source.SyncAsync(store, FastOptions);
        Assert.That(store.Items.Keys, Is.EquivalentTo(new[] { "f1", "f3" }));
        Assert.That(store.Items["f3"].Name, Is.EqualTo("renamed.txt"));
    }

    [Test]
    public async Task Drive_serves_a_trashed_file_as_a_change_with_removed_false_and_the_file_trashed()
    {
        await using var server = await FakeSyncServer.StartAsync(SyncDialects.GoogleDrive);
        server.Upsert("f1", "one.txt");
        using var http = new HttpClient();
        var token = JsonDocument.Parse(await http.GetStringAsync(new Uri(server.BaseUri, "changes/startPageToken"))).RootElement.GetProperty("startPageToken").GetString();

        Assert.That(server.Trash("f1"), Is.True);
        var page = JsonDocument.Parse(await http.GetStringAsync(server.Endpoint + "?pageToken=" + Uri.EscapeDataString(token!))).RootElement;

        Assert.That(page.GetProperty("changes").GetArrayLength(), Is.EqualTo(1));
        Assert.That(page.GetProperty("changes")[0].GetRawText(),
            Is.EqualTo("""{"fileId":"f1","changeType":"file","removed":false,"file":{"id":"f1","name":"one.txt","mimeType":"text/plain","trashed":true}}"""));
    }

    [Test]
    public async Task Drive_files_lists_trashed_files_marked_unless_q_leaves_them_out()
    {
        await using var server = await FakeSyncServer.StartAsync(SyncDialects.GoogleDrive);
        server.Upsert("f1", "one.txt");
        server.Upsert("f2", "two.txt");
        server.Trash("f2");
        using var http = new HttpClient();
        async Task<string[]> ListAsync(string query) =>
            JsonDocument.Parse(await http.GetStringAsync(new Uri(server.BaseUri, "files" + query))).RootElement.GetProperty("files").EnumerateArray()
                .Select(f => f.GetProperty("id").GetString() + (f.TryGetProperty("trashed", out var trashed) ? "/trashed=" + trashed.GetRawText() : string.Empty))
                .ToArray();

        Assert.That(await ListAsync(string.Empty), Is.EqualTo(new[] { "f1", "f2/trashed=true" }), "files.list lists trashed files unless asked not to");
        Assert.That(await ListAsync("?q=trashed%20%3D%20false"), Is.EqualTo(new[] { "f1" }));
        Assert.That(await ListAsync("?q=trashed=true"), Is.EqualTo(new[] { "f2/trashed=true" }));
        Assert.That(server.LiveItems.Select(i => i.Id), Is.EqualTo(new[] { "f1" }), "what a mirror should hold");

        using var unsupported = await http.GetAsync(new Uri(server.BaseUri, "files?q=name%20contains%20%27one%27"));
        Assert.That(unsupported.StatusCode, Is.EqualTo(HttpStatusCode.BadRequest));
        Assert.That(await unsupported.Content.ReadAsStringAsync(), Does.Contain("name contains 'one'"));
    }

    [Test]
    public async Task Drive_page_source_drops_a_trashed_file_never_lists_it_and_brings_it_back_when_untrashed()
    {
        await using var server = await FakeSyncServer.StartAsync(SyncDialects.GoogleDrive);
        server.Upsert("f1", "one.txt");
        server.Upsert("f2", "two.txt");
        using var http = new HttpClient();
        var source = new SyncHttpPageSource<DriveFile>(http, SyncDialects.GoogleDrive, server.Endpoint);
        var store = new InMemorySyncStore<DriveFile>();
        await source.SyncAsync(store, FastOptions);
        Assert.That(store.Items.Keys, Is.EquivalentTo(new[] { "f1", "f2" }));

        server.Trash("f2");
        var trashed = await source.SyncAsync(store, FastOptions);
        Assert.That(trashed.WasFullSync, Is.False);
        Assert.That(trashed.Deletes, Is.EqualTo(1));
        Assert.That(store.Items.Keys, Is.EquivalentTo(new[] { "f1" }));

        var fresh = new InMemorySyncStore<DriveFile>();
        await source.SyncAsync(fresh, FastOptions);
        Assert.That(fresh.Items.Keys, Is.EquivalentTo(new[] { "f1" }), "a full pass does not mirror the trashed file");

        Assert.That(server.Untrash("f2"), Is.True);
        await source.SyncAsync(store, FastOptions);
        await source.SyncAsync(fresh, FastOptions);
        Assert.That(store.Items.Keys, Is.EquivalentTo(new[] { "f1", "f2" }));
        Assert.That(fresh.Items.Keys, Is.EquivalentTo(new[] { "f1", "f2" }));
        Assert.That(store.Items["f2"].Name, Is.EqualTo("two.txt"));
    }

    [Test]
    public async Task Trash_and_untrash_append_nothing_when_there_is_nothing_to_change()
    {
        await using var server = await FakeSyncServer.StartAsync(SyncDialects.GoogleDrive);
        server.Upsert("f1", "one.txt");
        server.Upsert("f2", "two.txt");
        server.Delete("f2");

        Assert.That((server.Trash("nope"), server.Trash("f2"), server.Untrash("f1")), Is.EqualTo((false, false, false)));
        Assert.That(server.Position, Is.EqualTo(3));
        Assert.That(server.Trash("f1"), Is.True);
        Assert.That(server.Trash("f1"), Is.False, "already in the trash");
        Assert.That(server.Position, Is.EqualTo(4));
    }

    [Test]
    public async Task Trash_in_a_dialect_without_a_trash_is_refused_naming_the_setting()
    {
        await using var server = await FakeSyncServer.StartAsync(SyncDialects.MicrosoftGraph);
        server.Upsert("u1", "Ada");

        var error = Assert.Throws<InvalidOperationException>(() => server.Trash("u1"));

        Assert.That(error!.Message, Does.Contain("Microsoft Graph delta").And.Contain("FakeDialect.Trashed"));
        Assert.That(server.Position, Is.EqualTo(1));
    }

    [Test]
    public async Task A_request_the_server_does_not_serve_gets_a_404_naming_what_it_serves()
    {
        await using var server = await FakeSyncServer.StartAsync(SyncDialects.MicrosoftGraph);
        using var http = new HttpClient();
        using var response = await http.GetAsync(new Uri(server.BaseUri, "groups/delta"));
        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.NotFound));
        var message = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.GetProperty("error").GetProperty("message").GetString();
        Assert.That(message, Does.Contain("/v1.0/groups/delta is not served").And.Contain("GET /v1.0/users/delta"));
    }

    [TestCase("/v1", "people/me/connections")]
    [TestCase("/teams/42/v2/", "/records/archive/")]
    public async Task The_endpoint_handed_out_is_the_path_served_however_the_paths_are_slashed(string rootPath, string feedPath)
    {
        // A user's FeedPath written with slashes around it must not yield an endpoint the server answers with 404.
        var served = FakeDialects.GooglePeople with { RootPath = rootPath, FeedPath = feedPath };
        await using var server = await FakeSyncServer.StartAsync(served);
        server.Upsert("people/c1", "Ann");
        using var http = new HttpClient();
        var source = new SyncHttpPageSource<Person>(http, SyncDialects.GooglePeople, new Uri(server.Endpoint + "?personFields=names"));
        var store = new InMemorySyncStore<Person>();

        await source.SyncAsync(store, FastOptions);

        Assert.That(store.Items.Keys, Is.EqualTo(new[] { "people/c1" }));
        Assert.That(server.Endpoint.AbsolutePath, Is.EqualTo("/" + rootPath.Trim('/') + "/" + feedPath.Trim('/')));
    }

    [TestCaseSource(nameof(BuiltInDialects))]
    public async Task Every_built_in_dialect_answers_an_unserved_path_with_a_404_naming_its_feed(SyncDialect dialect)
    {
        await using var server = await FakeSyncServer.StartAsync(dialect);
        using var http = new HttpClient();
        using var response = await http.GetAsync(new Uri(server.BaseUri, "not/a/feed"));
        var body = await response.Content.ReadAsStringAsync();

        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.NotFound));
        var message = JsonDocument.Parse(body).RootElement.GetProperty("error").GetProperty("message").GetString();
        Assert.That(message, Does.Contain(dialect.Name).And.Contain("not/a/feed is not served").And.Contain("GET " + server.Endpoint.AbsolutePath));
    }

    private static IEnumerable<SyncDialect> BuiltInDialects() =>
        new[] { SyncDialects.GoogleCalendar, SyncDialects.GooglePeople, SyncDialects.MicrosoftGraph, SyncDialects.GoogleDrive };

    private static IEnumerable<TestCaseData> KeyProperties() => new[]
    {
        new TestCaseData(SyncDialects.MicrosoftGraph, "id").SetArgDisplayNames("Graph", "id"),
        new TestCaseData(SyncDialects.GooglePeople, "resourceName").SetArgDisplayNames("People", "resourceName"),
        new TestCaseData(SyncDialects.GoogleCalendar, "id").SetArgDisplayNames("Calendar", "id"),

        // Drive's changes carry the key in fileId beside the file, but the file itself (and the files listing) is keyed by id.
        new TestCaseData(SyncDialects.GoogleDrive, "id").SetArgDisplayNames("Drive", "id"),
    };

    [TestCaseSource(nameof(KeyProperties))]
    public async Task An_item_whose_fields_name_another_key_is_refused_with_both_keys(SyncDialect dialect, string keyProperty)
    {
        await using var server = await FakeSyncServer.StartAsync(dialect);
        var item = new FakeItem("k1", new JsonObject { [keyProperty] = "k2", ["name"] = "Ada" });

        var error = Assert.Throws<ArgumentException>(() => server.Upsert(item));

        Assert.That(error!.ParamName, Is.EqualTo("item"));
        Assert.That(error.Message, Does.Contain("'k1'").And.Contain("\"k2\"").And.Contain($"'{keyProperty}'"));
        Assert.That(server.Position, Is.Zero, "nothing was appended");
        Assert.That(server.LiveItems, Is.Empty);
    }

    [Test]
    public async Task An_item_whose_fields_drop_its_key_is_refused()
    {
        await using var server = await FakeSyncServer.StartAsync(SyncDialects.MicrosoftGraph);

        var error = Assert.Throws<ArgumentException>(() => server.Upsert(new FakeItem("u1", new JsonObject { ["id"] = null, ["displayName"] = "Ada" })));

        Assert.That(error!.Message, Does.Contain("'u1'").And.Contain("null"));
        Assert.That(server.Position, Is.Zero);
    }

    [Test]
    public async Task An_item_whose_fields_repeat_its_own_key_is_stored_and_served_under_it()
    {
        await using var server = await FakeSyncServer.StartAsync(SyncDialects.MicrosoftGraph);
        server.Upsert(new FakeItem("u1", new JsonObject { ["id"] = "u1", ["displayName"] = "Ada" }));
        using var http = new HttpClient();

        var page = JsonDocument.Parse(await http.GetStringAsync(server.Endpoint)).RootElement;

        Assert.That(page.GetProperty("value")[0].GetRawText(), Is.EqualTo("{\"id\":\"u1\",\"displayName\":\"Ada\"}"));
        Assert.That(server.LiveItems.Select(i => i.Id), Is.EqualTo(new[] { "u1" }));
    }

    [Test]
    public void An_unknown_dialect_needs_its_own_serving()
    {
        var acme = SyncDialects.GoogleCalendar with { Name = "Acme" };
        var error = Assert.Throws<ArgumentException>(() => FakeDialects.For(acme));
        Assert.That(error!.Message, Does.Contain("Acme").And.Contain(nameof(FakeDialect)));
    }

    [Test]
    public async Task A_scenario_a_dialect_cannot_replay_is_refused_with_the_dialects_reason()
    {
        var goneDeleted = ScenarioCatalog.Get("gone-deleted-is-not-expiry");
        Assert.That(FakeDialects.GoogleCalendar.SkipReason(goneDeleted), Is.Null);
        Assert.That(FakeDialects.GoogleDrive.SkipReason(goneDeleted), Is.Null);
        Assert.That(FakeDialects.MicrosoftGraph.SkipReason(goneDeleted), Does.Contain("every 410"));
        Assert.That(FakeDialects.GooglePeople.SkipReason(ScenarioCatalog.Get("plain-text-410-is-expiry")), Does.Contain("400 FAILED_PRECONDITION"));
        Assert.That(FakeDialects.GoogleDrive.SkipReason(ScenarioCatalog.Get("cancelled-recurring-exception")), Does.Contain("only in Google Calendar"));

        await using var server = new EmbeddedScenarioServer(FakeDialects.MicrosoftGraph);
        var error = Assert.ThrowsAsync<ArgumentException>(() => ScenarioRunner.RunAsync(server, goneDeleted, _ => throw new AssertionException("no repository is built for a refused scenario")));
        Assert.That(error!.Message, Does.Contain("does not apply to the Microsoft Graph delta dialect"));
    }
}
