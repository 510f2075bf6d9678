using System;
using System.IO;
using System.Linq;
using System.Net.Http;
using System.Threading.Tasks;
using NUnit.Framework;

namespace SyncGen.Runtime.Tests.Dialects;

/// <summary>
/// What the HTTP page source refuses, and the edge answers a demanding user meets, over real HTTP on 127.0.0.1: a refused
/// answer leaves the store as it was each time.
/// </summary>
public class HttpPageSourceEdgeTests
{
    private ScriptedApi _server = null!;
    private HttpClient _http = null!;

    [SetUp]
    public void Start()
    {
        _server = new ScriptedApi();
        _http = new HttpClient();
    }

    [TearDown]
    public async Task StopAsync()
    {
        _http.Dispose();
        await _server.DisposeAsync();
    }

    // A next link to another host would hand the bearer token to that host; a stored delta link of another host would
    // be refused by every later sync, leaving the store stuck. Either fails the pass that brings it, and nothing is stored.
    [TestCase("@odata.nextLink", "http://203.0.113.9/v1.0/users/delta?$skiptoken=x")]
    [TestCase("@odata.deltaLink", "http://203.0.113.9/v1.0/users/delta?$deltatoken=d")]
    public void A_graph_link_to_another_origin_fails_the_pass_that_receives_it(string member, string link)
    {
        _server.Json("/v1.0/users/delta", $$"""{"value":[{"id":"a","name":"Ann"}],"{{member}}":"{{link}}"}""");
        var store = new InMemorySyncStore<Named>();
        var source = new SyncHttpPageSource<Named>(_http, SyncDialects.MicrosoftGraph, new Uri(_server.BaseUri, "/v1.0/users/delta"));

        var failure = Assert.ThrowsAsync<SyncProtocolException>(() => source.SyncAsync(store, FastRetry.Options));

        Assert.That(failure!.Violation, Is.EqualTo(SyncProtocolViolation.MalformedResponse));
        Assert.That(failure.Message, Does.Contain("not the endpoint's origin"));
        Assert.That(_server.RawTargets.ToArray(), Is.EqualTo(new[] { "/v1.0/users/delta" }), "the foreign link is never requested");
        Assert.That(store.SyncToken, Is.Null);
        Assert.That(store.Items, Is.Empty);
    }

    [Test]
    public void A_200_that_is_not_json_is_a_malformed_response_and_not_retried()
    {
        _server.Error("/list", 200, "text/html", "<html><body>Please sign in</body></html>");
        var store = new InMemorySyncStore<Named>();
        var source = new SyncHttpPageSource<Named>(_http, SyncDialects.GoogleCalendar, new Uri(_server.BaseUri, "/list"));

        var failure = Assert.ThrowsAsync<SyncProtocolException>(() => source.SyncAsync(store, FastRetry.Options));

        Assert.That(failure!.Violation, Is.EqualTo(SyncProtocolViolation.MalformedResponse));
        Assert.That(_server.Targets, Has.Count.EqualTo(1));
        Assert.That(store.SyncToken, Is.Null);
    }

    [Test]
    public async Task Drive_takes_the_start_token_before_the_first_listing_page()
    {
        new DriveScript().FullPass(new ScriptedApiHandle(_server));
        var store = new InMemorySyncStore<Named>();
        var source = new SyncHttpPageSource<Named>(_http, SyncDialects.GoogleDrive, new Uri(_server.BaseUri, "/drive/v3/changes"));

        await source.SyncAsync(store, FastRetry.Options);

        Assert.That(_server.Targets.ToArray(), Is.EqualTo(new[] { "/drive/v3/changes/startPageToken", DriveListing, DriveListing + "&pageToken=f2" }));
        Assert.That(store.SyncToken, Is.EqualTo("100"));
    }

    [Test]
    public void A_relative_endpoint_is_refused_naming_it()
    {
        var error = Assert.Throws<ArgumentException>(() => new SyncHttpPageSource<Named>(_http, SyncDialects.GooglePeople, new Uri("/v1/people/me/connections", UriKind.Relative)));

        Assert.That(error!.Message, Does.Contain("'/v1/people/me/connections'"));
    }

    [Test]
    public void An_entry_without_a_key_is_a_protocol_error()
    {
        _server.Json("/list", """{"items":[{"status":"confirmed","name":"no id"}],"nextSyncToken":"s1"}""");
        var store = new InMemorySyncStore<Named>();
        var source = new SyncHttpPageSource<Named>(_http, SyncDialects.GoogleCalendar, new Uri(_server.BaseUri, "/list"));

        var failure = Assert.ThrowsAsync<SyncProtocolException>(() => source.SyncAsync(store, FastRetry.Options));

        Assert.That(failure!.Violation, Is.EqualTo(SyncProtocolViolation.MissingItemKey));
        Assert.That(store.SyncToken, Is.Null);
    }

    [TestCase("/v1/people/me/connections?personFields=names,emailAddresses", "People", "/v1/people/me/connections?personFields=names,emailAddresses&requestSyncToken=true")]
    [TestCase("/v1.0/users/delta?$select=displayName,mail", "Graph", "/v1.0/users/delta?$select=displayName,mail")]
    public async Task The_endpoints_query_is_sent_as_written(string endpoint, string dialect, string expected)
    {
        _server.Json(expected, $$"""{"connections":[],"value":[],"nextSyncToken":"s1","@odata.deltaLink":"{{_server.BaseUri}}x"}""");
        var source = new SyncHttpPageSource<Named>(_http, dialect == "People" ? SyncDialects.GooglePeople : SyncDialects.MicrosoftGraph, new Uri(_server.BaseUri, endpoint));

        await source.SyncAsync(new InMemorySyncStore<Named>(), FastRetry.Options);

        Assert.That(_server.RawTargets.First(), Is.EqualTo(expected));
    }

    // Edge answers a demanding user meets, each built-in dialect.

    [Test]
    public async Task People_endpoint_that_already_asks_for_a_sync_token_sends_it_once()
    {
        const string expected = "/v1/people/me/connections?personFields=names&requestSyncToken=true";
        _server.Json(expected, """{"connections":[],"nextSyncToken":"s1"}""");
        var source = new SyncHttpPageSource<Named>(_http, SyncDialects.GooglePeople, new Uri(_server.BaseUri, expected));

        await source.SyncAsync(new InMemorySyncStore<Named>(), FastRetry.Options);

        Assert.That(_server.RawTargets.First(), Is.EqualTo(expected));
    }

    [Test]
    public async Task A_graph_next_link_with_another_path_on_the_same_origin_is_followed_verbatim()
    {
        _server.Json("/v1.0/users/delta", $$"""{"value":[{"id":"a","name":"Ann"}],"@odata.nextLink":"{{_server.BaseUri}}beta/users/delta2?$skiptoken=x%24y"}""");
        _server.Json("/beta/users/delta2?$skiptoken=x%24y", $$"""{"value":[{"id":"b","name":"Bob"}],"@odata.deltaLink":"{{_server.BaseUri}}v1.0/users/delta?$deltatoken=d1"}""");
        var store = new InMemorySyncStore<Named>();
        var source = new SyncHttpPageSource<Named>(_http, SyncDialects.MicrosoftGraph, new Uri(_server.BaseUri, "/v1.0/users/delta"));

        await source.SyncAsync(store, FastRetry.Options);

        Assert.That(_server.RawTargets.ToArray(), Is.EqualTo(new[] { "/v1.0/users/delta", "/beta/users/delta2?$skiptoken=x%24y" }));
        Assert.That(store.Items.Keys.Order().ToArray(), Is.EqualTo(new[] { "a", "b" }));
        Assert.That(store.SyncToken, Is.EqualTo($"{_server.BaseUri}v1.0/users/delta?$deltatoken=d1"));
    }

    [Test]
    public async Task A_user_name_in_the_endpoint_does_not_make_its_own_links_foreign_nor_leak_into_messages()
    {
        var origin = _server.BaseUri.GetLeftPart(UriPartial.Authority);
        var withUser = new UriBuilder(_server.BaseUri) { UserName = "me", Password = "s3cret", Path = "/v1.0/users/delta" }.Uri;
        _server.Json("/v1.0/users/delta", $$"""{"value":[{"id":"a","name":"Ann"}],"@odata.nextLink":"{{origin}}/v1.0/users/delta?$skiptoken=x"}""");
        _server.Json("/v1.0/users/delta?$skiptoken=x", """{"value":[],"@odata.nextLink":"http://203.0.113.9/v1.0/users/delta?$skiptoken=y"}""");
        var store = new InMemorySyncStore<Named>();
        var source = new SyncHttpPageSource<Named>(_http, SyncDialects.MicrosoftGraph, withUser);

        // The first next link (same scheme, host and port) is followed; the foreign one is refused without the password.
        var failure = Assert.ThrowsAsync<SyncProtocolException>(() => source.SyncAsync(store, FastRetry.Options));

        Assert.That(_server.RawTargets.ToArray(), Is.EqualTo(new[] { "/v1.0/users/delta", "/v1.0/users/delta?$skiptoken=x" }));
        Assert.That(failure!.Message, Does.Contain("not the endpoint's origin").And.Not.Contain("s3cret"));
        Assert.That(store.SyncToken, Is.Null);
    }

    [Test]
    public async Task Drive_with_zero_files_stores_the_start_token()
    {
        _server.Json("/drive/v3/changes/startPageToken", """{"startPageToken":"7"}""");
        _server.Json(DriveListing, """{"files":[]}""");
        var store = new InMemorySyncStore<Named>();
        var source = new SyncHttpPageSource<Named>(_http, SyncDialects.GoogleDrive, new Uri(_server.BaseUri, "/drive/v3/changes"));

        await source.SyncAsync(store, FastRetry.Options);

        Assert.That(store.SyncToken, Is.EqualTo("7"));
        Assert.That(store.Items, Is.Empty);
    }

    // A shared drive is served only to requests that name it, as Drive does: without driveId the start token is My
    // Drive's and files.list lists the user's corpus. Each request gets the endpoint parameters its method accepts
    // (Drive v3 reference): includeRemoved and fields are changes.list's only, includeItemsFromAllDrives is not
    // getStartPageToken's, and files.list needs corpora=drive beside driveId.
    private const string SharedDrive = "driveId=0ASharedDrive9PVA&supportsAllDrives=true&includeItemsFromAllDrives=true";

    [Test]
    public async Task Drive_sends_each_request_of_a_shared_drive_the_endpoint_parameters_its_method_accepts()
    {
        const string own = SharedDrive + "&spaces=drive&includeRemoved=true&fields=nextPageToken,newStartPageToken,changes(fileId,changeType,removed,file(id,name,trashed))&quotaUser=team-a";
        _server.Json("/drive/v3/changes/startPageToken?driveId=0ASharedDrive9PVA&supportsAllDrives=true&quotaUser=team-a", """{"startPageToken":"100"}""");
        const string listing = DriveListing + "&" + SharedDrive + "&spaces=drive&quotaUser=team-a&corpora=drive";
        _server.Json(listing, """{"files":[{"id":"s1","name":"plan.txt"}],"nextPageToken":"f2"}""");
        _server.Json(listing + "&pageToken=f2", """{"files":[{"id":"s2","name":"budget.xlsx"}]}""");
        _server.Json("/drive/v3/changes?" + own + "&pageToken=100", """{"changes":[],"newStartPageToken":"100"}""");
        var store = new InMemorySyncStore<Named>();
        var source = new SyncHttpPageSource<Named>(_http, SyncDialects.GoogleDrive, new Uri(_server.BaseUri, "/drive/v3/changes?" + own));

        await source.SyncAsync(store, FastRetry.Options);
        await source.SyncAsync(store, FastRetry.Options);

        Assert.That(_server.Unrouted, Is.Empty);
        Assert.That(_server.Targets.ToArray(), Is.EqualTo(new[]
        {
            "/drive/v3/changes/startPageToken?driveId=0ASharedDrive9PVA&supportsAllDrives=true&quotaUser=team-a",
            listing,
            listing + "&pageToken=f2",
            "/drive/v3/changes?" + own + "&pageToken=100",
        }));
    }

    [TestCase("corpora=drive&" + SharedDrive, "driveId=0ASharedDrive9PVA&supportsAllDrives=true", "corpora=drive&" + SharedDrive)]
    [TestCase("includeItemsFromAllDrives=true&supportsAllDrives=true&corpora=allDrives", "supportsAllDrives=true", "includeItemsFromAllDrives=true&supportsAllDrives=true&corpora=allDrives")]
    [TestCase("teamDriveId=0ATeam9PVA&supportsTeamDrives=true&includeTeamDriveItems=true", "teamDriveId=0ATeam9PVA&supportsTeamDrives=true", "teamDriveId=0ATeam9PVA&supportsTeamDrives=true&includeTeamDriveItems=true&corpora=drive")]
    [TestCase("spaces=appDataFolder&pageSize=500&restrictToMyDrive=true", "", "spaces=appDataFolder&pageSize=500")]
    public async Task Drive_full_pass_forwards_what_each_method_accepts_and_keeps_a_written_corpora(string endpointQuery, string startTokenQuery, string listingQuery)
    {
        static string Target(string path, string query) => query.Length == 0 ? path : path + (path.Contains('?') ? "&" : "?") + query;
        _server.Json(Target("/drive/v3/changes/startPageToken", startTokenQuery), """{"startPageToken":"7"}""");
        _server.Json(Target(DriveListing, listingQuery), """{"files":[{"id":"f1","name":"a"}]}""");
        var store = new InMemorySyncStore<Named>();
        var source = new SyncHttpPageSource<Named>(_http, SyncDialects.GoogleDrive, new Uri(_server.BaseUri, "/drive/v3/changes?" + endpointQuery));

        await source.SyncAsync(store, FastRetry.Options);

        Assert.That(_server.Targets.ToArray(), Is.EqualTo(new[] { Target("/drive/v3/changes/startPageToken", startTokenQuery), Target(DriveListing, listingQuery) }));
        Assert.That(store.SyncToken, Is.EqualTo("7"));
    }

    [Test]
    public async Task A_query_written_into_a_full_listings_requests_is_kept_before_the_forwarded_parameters()
    {
        var dialect = SyncDialects.GoogleDrive with
        {
            FullListing = SyncDialects.GoogleDrive.FullListing! with { StartTokenRequest = "changes/startPageToken?alt=json", ListingRequest = "files?orderBy=name" },
        };
        _server.Json("/drive/v3/changes/startPageToken?alt=json&driveId=0ASharedDrive9PVA&supportsAllDrives=true", """{"startPageToken":"7"}""");
        _server.Json("/drive/v3/files?orderBy=name&" + SharedDrive + "&corpora=drive", """{"files":[{"id":"s1","name":"a"}]}""");
        var store = new InMemorySyncStore<Named>();
        var source = new SyncHttpPageSource<Named>(_http, dialect, new Uri(_server.BaseUri, "/drive/v3/changes?" + SharedDrive));

        await source.SyncAsync(store, FastRetry.Options);

        Assert.That(_server.Unrouted, Is.Empty);
        Assert.That(store.Items.Keys.ToArray(), Is.EqualTo(new[] { "s1" }));
    }

    [Test]
    public async Task Drive_full_then_incremental_pass_over_a_shared_drive_mirrors_the_shared_drives_files()
    {
        // My Drive answers the requests that do not name the shared drive: a pass that drops the endpoint's query
        // mirrors these instead, and follows My Drive's changes from My Drive's token.
        _server.Json("/drive/v3/changes/startPageToken", """{"startPageToken":"900"}""");
        _server.Json(DriveListing, """{"files":[{"id":"m1","name":"mine.txt"}]}""");
        _server.Json("/drive/v3/changes?" + SharedDrive + "&pageToken=900", """{"changes":[{"changeType":"file","removed":false,"fileId":"m2","file":{"id":"m2","name":"also-mine.txt"}}],"newStartPageToken":"901"}""");

        _server.Json("/drive/v3/changes/startPageToken?driveId=0ASharedDrive9PVA&supportsAllDrives=true", """{"startPageToken":"100"}""");
        const string listing = DriveListing + "&" + SharedDrive + "&corpora=drive";
        _server.Json(listing, """{"files":[{"id":"s1","name":"plan.txt"},{"id":"s2","name":"budget.xlsx"}],"nextPageToken":"f2"}""");
        _server.Json(listing + "&pageToken=f2", """{"files":[{"id":"s3","name":"notes.md"}]}""");
        _server.Json("/drive/v3/changes?" + SharedDrive + "&pageToken=100", """{"changes":[{"changeType":"file","removed":true,"fileId":"s2"}],"nextPageToken":"101"}""");
        _server.Json("/drive/v3/changes?" + SharedDrive + "&pageToken=101", """{"changes":[{"changeType":"file","removed":false,"fileId":"s4","file":{"id":"s4","name":"minutes.md"}},{"changeType":"drive","removed":false,"driveId":"0ASharedDrive9PVA"}],"newStartPageToken":"102"}""");
        var store = new InMemorySyncStore<Named>();
        var source = new SyncHttpPageSource<Named>(_http, SyncDialects.GoogleDrive, new Uri(_server.BaseUri, "/drive/v3/changes?" + SharedDrive));

        await source.SyncAsync(store, FastRetry.Options);

        Assert.That(store.Items.Keys.Order().ToArray(), Is.EqualTo(new[] { "s1", "s2", "s3" }));
        Assert.That(store.SyncToken, Is.EqualTo("100"), "the shared drive's start token, not My Drive's");

        await source.SyncAsync(store, FastRetry.Options);

        Assert.That(store.Items.Keys.Order().ToArray(), Is.EqualTo(new[] { "s1", "s3", "s4" }));
        Assert.That(store.Items["s4"].Name, Is.EqualTo("minutes.md"));
        Assert.That(store.SyncToken, Is.EqualTo("102"));
        Assert.That(_server.Unrouted, Is.Empty);
    }

    // Drive as its v3 reference describes trash: files.list lists trashed files unless q says trashed = false, and its
    // default fields (kind, id, name, mimeType) do not say which are trashed; a file moved to the trash is a change with
    // removed false and the file's trashed true, and a restored one a change with trashed false.
    private const string DriveListing = "/drive/v3/files?q=trashed = false";

    private void DriveWithOneTrashedFile()
    {
        _server.Json("/drive/v3/changes/startPageToken", """{"startPageToken":"100"}""");
        _server.Json("/drive/v3/files", """{"kind":"drive#fileList","files":[{"kind":"drive#file","id":"f1","name":"plan.txt","mimeType":"text/plain"},{"kind":"drive#file","id":"f2","name":"old.txt","mimeType":"text/plain"}]}""");
        _server.Json(DriveListing, """{"kind":"drive#fileList","files":[{"kind":"drive#file","id":"f1","name":"plan.txt","mimeType":"text/plain"}]}""");
    }

    // A drive with nothing in the trash lists the same files with or without q: the incremental tests then fail on
    // the change feed alone.
    private void DriveListingWithoutTrash(string body)
    {
        _server.Json("/drive/v3/files", body);
        _server.Json(DriveListing, body);
    }

    [Test]
    public async Task Drive_full_pass_does_not_mirror_a_trashed_file()
    {
        DriveWithOneTrashedFile();
        var store = new InMemorySyncStore<Named>();
        var source = new SyncHttpPageSource<Named>(_http, SyncDialects.GoogleDrive, new Uri(_server.BaseUri, "/drive/v3/changes"));

        await source.SyncAsync(store, FastRetry.Options);

        Assert.That(store.Items.Keys.ToArray(), Is.EqualTo(new[] { "f1" }), "the trashed f2 is not in the mirror");
        Assert.That(store.SyncToken, Is.EqualTo("100"));
        Assert.That(_server.Targets.ToArray(), Is.EqualTo(new[] { "/drive/v3/changes/startPageToken", DriveListing }));
        Assert.That(_server.RawTargets.Last(), Is.EqualTo("/drive/v3/files?q=trashed%20%3D%20false"), "the query is sent escaped");
    }

    [Test]
    public async Task Drive_incremental_pass_removes_a_trashed_file_and_brings_it_back_when_restored_in_a_sqlite_mirror()
    {
        var directory = Directory.CreateTempSubdirectory("syncgen-trash-");
        try
        {
            _server.Json("/drive/v3/changes/startPageToken", """{"startPageToken":"100"}""");
            DriveListingWithoutTrash("""{"files":[{"id":"f1","name":"plan.txt"},{"id":"f2","name":"budget.xlsx"}]}""");
            _server.Json("/drive/v3/changes?pageToken=100",
                """{"changes":[{"kind":"drive#change","changeType":"file","removed":false,"fileId":"f2","file":{"id":"f2","name":"budget.xlsx","trashed":true}}],"newStartPageToken":"101"}""");
            _server.Json("/drive/v3/changes?pageToken=101",
                """{"changes":[{"kind":"drive#change","changeType":"file","removed":false,"fileId":"f2","file":{"id":"f2","name":"budget-2027.xlsx","trashed":false}}],"newStartPageToken":"102"}""");
            await using var store = SqliteSyncStore<Named>.OpenFile(Path.Combine(directory.FullName, "mirror.db"), "files");
            var source = new SyncHttpPageSource<Named>(_http, SyncDialects.GoogleDrive, new Uri(_server.BaseUri, "/drive/v3/changes"));
            async Task<string[]> MirrorAsync() => (await store.ReadItemsAsync()).Select(p => $"{p.Key}={p.Value.Name}").Order(StringComparer.Ordinal).ToArray();

            await source.SyncAsync(store, FastRetry.Options);
            Assert.That(await MirrorAsync(), Is.EqualTo(new[] { "f1=plan.txt", "f2=budget.xlsx" }));

            await source.SyncAsync(store, FastRetry.Options);
            Assert.That(await MirrorAsync(), Is.EqualTo(new[] { "f1=plan.txt" }), "a trashed file leaves the mirror");
            Assert.That(await store.ReadSyncTokenAsync(), Is.EqualTo("101"));

            await source.SyncAsync(store, FastRetry.Options);
            Assert.That(await MirrorAsync(), Is.EqualTo(new[] { "f1=plan.txt", "f2=budget-2027.xlsx" }), "a restored file comes back");
            Assert.That(await store.ReadSyncTokenAsync(), Is.EqualTo("102"));
            Assert.That(_server.Unrouted, Is.Empty);
        }
        finally
        {
            directory.Delete(recursive: true);
        }
    }

    [Test]
    public async Task Drive_incremental_pass_removes_a_trashed_file_from_an_in_memory_mirror()
    {
        _server.Json("/drive/v3/changes/startPageToken", """{"startPageToken":"100"}""");
        DriveListingWithoutTrash("""{"files":[{"id":"f1","name":"plan.txt"},{"id":"f2","name":"budget.xlsx"}]}""");
        _server.Json("/drive/v3/changes?pageToken=100",
            """{"changes":[{"changeType":"file","removed":false,"fileId":"f1","file":{"id":"f1","name":"plan-v2.txt","trashed":false}},{"changeType":"file","removed":false,"fileId":"f2","file":{"id":"f2","name":"budget.xlsx","trashed":true}}],"newStartPageToken":"101"}""");
        var store = new InMemorySyncStore<Named>();
        var source = new SyncHttpPageSource<Named>(_http, SyncDialects.GoogleDrive, new Uri(_server.BaseUri, "/drive/v3/changes"));

        await source.SyncAsync(store, FastRetry.Options);
        var result = await source.SyncAsync(store, FastRetry.Options);

        Assert.That(store.Items.Keys.ToArray(), Is.EqualTo(new[] { "f1" }));
        Assert.That(store.Items["f1"].Name, Is.EqualTo("plan-v2.txt"));
        Assert.That(result.Deletes, Is.EqualTo(1));
        Assert.That(result.Upserts, Is.EqualTo(1));
        Assert.That(store.SyncToken, Is.EqualTo("101"));
    }

    [TestCase("""{"items":null,"nextSyncToken":"s1"}""")]
    [TestCase("""{"nextSyncToken":"s1"}""")]
    public async Task Items_null_or_missing_is_an_empty_page(string body)
    {
        _server.Json("/list", body);
        var store = new InMemorySyncStore<Named>();
        var source = new SyncHttpPageSource<Named>(_http, SyncDialects.GoogleCalendar, new Uri(_server.BaseUri, "/list"));

        await source.SyncAsync(store, FastRetry.Options);

        Assert.That(store.SyncToken, Is.EqualTo("s1"));
        Assert.That(store.Items, Is.Empty);
    }

    [Test]
    public void A_key_of_the_wrong_json_type_is_a_malformed_response()
    {
        _server.Json("/list", """{"items":[{"id":{"x":1},"name":"A"}],"nextSyncToken":"s1"}""");
        var store = new InMemorySyncStore<Named>();
        var source = new SyncHttpPageSource<Named>(_http, SyncDialects.GoogleCalendar, new Uri(_server.BaseUri, "/list"));

        var failure = Assert.ThrowsAsync<SyncProtocolException>(() => source.SyncAsync(store, FastRetry.Options));

        Assert.That(failure!.Violation, Is.EqualTo(SyncProtocolViolation.MalformedResponse));
        Assert.That(failure.Message, Does.Contain("'id'"));
        Assert.That(store.SyncToken, Is.Null);
    }

    [Test]
    public async Task Duplicate_keys_in_one_page_keep_the_last()
    {
        _server.Json("/list", """{"items":[{"id":"a","name":"first"},{"id":"a","name":"second"}],"nextSyncToken":"s1"}""");
        var store = new InMemorySyncStore<Named>();
        var source = new SyncHttpPageSource<Named>(_http, SyncDialects.GoogleCalendar, new Uri(_server.BaseUri, "/list"));

        await source.SyncAsync(store, FastRetry.Options);

        Assert.That(store.Items["a"].Name, Is.EqualTo("second"));
    }

    [Test]
    public void An_empty_final_token_fails_and_stores_nothing()
    {
        _server.Json("/list", """{"items":[{"id":"a","name":"A"}],"nextSyncToken":""}""");
        var store = new InMemorySyncStore<Named>();
        var source = new SyncHttpPageSource<Named>(_http, SyncDialects.GoogleCalendar, new Uri(_server.BaseUri, "/list"));

        var failure = Assert.ThrowsAsync<SyncProtocolException>(() => source.SyncAsync(store, FastRetry.Options));

        // An empty token reads as no token: the page ends nothing, and nothing is stored.
        Assert.That(failure!.Message, Does.Contain("neither a next page token nor a next sync token"));
        Assert.That(store.SyncToken, Is.Null);
        Assert.That(store.Items, Is.Empty);
    }
}
