using System;
using System.Linq;
using System.Net.Http;
using System.Threading.Tasks;
using NUnit.Framework;
using SyncGen.Runtime.Tests.Engine;

namespace SyncGen.Runtime.Tests.Dialects;

/// <summary>
/// Entries of a change feed that are not about an item of the collection, per dialect, over real HTTP on 127.0.0.1:
/// Drive's shared-drive changes are skipped and counted (<see cref="SyncDialect.EntryKind"/>); in the dialects without
/// such a rule an entry without a key is a protocol error that leaves the store as it was.
/// </summary>
public class NonItemEntryTests
{
    private const string DriveListing = "/drive/v3/files?q=trashed = false";

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

    // Drive sends this change when the user loses access to a shared drive: no fileId, so read as an item it has no key,
    // and the pass would fail at this page on every sync from then on.
    [Test]
    public async Task A_drive_change_about_a_shared_drive_is_skipped_and_the_rest_of_the_page_applied()
    {
        _server.Json("/drive/v3/changes/startPageToken", """{"startPageToken":"100"}""");
        _server.Json(DriveListing, """{"files":[{"id":"f1","name":"plan.txt"},{"id":"f2","name":"old.txt"}]}""");
        _server.Json("/drive/v3/changes?pageToken=100",
            """{"changes":[{"changeType":"file","removed":true,"fileId":"f2"},{"kind":"drive#change","changeType":"drive","driveId":"0AD","removed":true},{"changeType":"file","removed":false,"fileId":"f3","file":{"id":"f3","name":"new.txt"}}],"newStartPageToken":"101"}""");
        _server.Json("/drive/v3/changes?pageToken=101", """{"changes":[],"newStartPageToken":"101"}""");
        var store = new InMemorySyncStore<Named>();
        var source = new SyncHttpPageSource<Named>(_http, SyncDialects.GoogleDrive, new Uri(_server.BaseUri, "/drive/v3/changes"));
        await source.SyncAsync(store, FastRetry.Options);
        var log = new ListLogger();

        var result = await source.SyncAsync(store, FastRetry.Options, log);

        Assert.That(store.Items.Keys.Order().ToArray(), Is.EqualTo(new[] { "f1", "f3" }));
        Assert.That(store.SyncToken, Is.EqualTo("101"), "the token moves past the page");
        Assert.That(result.SkippedEntries, Is.EqualTo(1));
        Assert.That(result.Upserts + result.Deletes, Is.EqualTo(2));
        Assert.That(log.Lines, Has.One.Contains("skipped 1 entries that are not about an item"));

        var next = await source.SyncAsync(store, FastRetry.Options);

        Assert.That(next.SkippedEntries, Is.Zero);
        Assert.That(store.SyncToken, Is.EqualTo("101"));
    }

    [Test]
    public async Task A_drive_change_of_a_kind_not_yet_known_is_skipped_too_but_one_without_the_kind_is_a_file()
    {
        _server.Json("/drive/v3/changes/startPageToken", """{"startPageToken":"100"}""");
        _server.Json(DriveListing, """{"files":[]}""");
        _server.Json("/drive/v3/changes?pageToken=100",
            """{"changes":[{"changeType":"label","labelId":"L1"},{"removed":false,"fileId":"f1","file":{"id":"f1","name":"a"}}],"newStartPageToken":"101"}""");
        var store = new InMemorySyncStore<Named>();
        var source = new SyncHttpPageSource<Named>(_http, SyncDialects.GoogleDrive, new Uri(_server.BaseUri, "/drive/v3/changes"));
        await source.SyncAsync(store, FastRetry.Options);

        var result = await source.SyncAsync(store, FastRetry.Options);

        Assert.That(result.SkippedEntries, Is.EqualTo(1));
        Assert.That(store.Items.Keys.ToArray(), Is.EqualTo(new[] { "f1" }));
    }

    // Before EntryKind, a wrapping entry without its item was dropped without a word; a file change must carry the file.
    [Test]
    public async Task A_drive_file_change_without_its_file_fails_the_pass_naming_the_key()
    {
        _server.Json("/drive/v3/changes/startPageToken", """{"startPageToken":"100"}""");
        _server.Json(DriveListing, """{"files":[{"id":"f1","name":"a"}]}""");
        _server.Json("/drive/v3/changes?pageToken=100", """{"changes":[{"changeType":"file","removed":false,"fileId":"f1"}],"newStartPageToken":"101"}""");
        var store = new InMemorySyncStore<Named>();
        var source = new SyncHttpPageSource<Named>(_http, SyncDialects.GoogleDrive, new Uri(_server.BaseUri, "/drive/v3/changes"));
        await source.SyncAsync(store, FastRetry.Options);

        var failure = Assert.ThrowsAsync<SyncProtocolException>(() => source.SyncAsync(store, FastRetry.Options));

        Assert.That(failure!.Violation, Is.EqualTo(SyncProtocolViolation.MalformedResponse));
        Assert.That(failure.Message, Does.Contain("key 'f1'").And.Contain("carries no item"));
        Assert.That(store.SyncToken, Is.EqualTo("100"));
        Assert.That(store.Items["f1"].Name, Is.EqualTo("a"));
    }

    [Test]
    public async Task A_drive_change_kind_that_is_not_a_string_is_a_malformed_page()
    {
        _server.Json("/drive/v3/changes/startPageToken", """{"startPageToken":"100"}""");
        _server.Json(DriveListing, """{"files":[]}""");
        _server.Json("/drive/v3/changes?pageToken=100", """{"changes":[{"changeType":7,"fileId":"f1"}],"newStartPageToken":"101"}""");
        var store = new InMemorySyncStore<Named>();
        var source = new SyncHttpPageSource<Named>(_http, SyncDialects.GoogleDrive, new Uri(_server.BaseUri, "/drive/v3/changes"));

        await source.SyncAsync(store, FastRetry.Options);

        var failure = Assert.ThrowsAsync<SyncProtocolException>(() => source.SyncAsync(store, FastRetry.Options));

        Assert.That(failure!.Violation, Is.EqualTo(SyncProtocolViolation.MalformedResponse));
        Assert.That(failure.Message, Does.Contain("'changeType' is a JSON Number"));
        Assert.That(store.SyncToken, Is.EqualTo("100"));
    }

    // Graph's @removed nested in a container's member list (groups/delta: members@delta) is part of the group's body, not
    // a removal of the group; only a top-level @removed removes an entry.
    [Test]
    public async Task A_graph_removal_nested_in_a_container_keeps_the_container()
    {
        _server.Json("/v1.0/groups/delta",
            """{"value":[{"id":"g1","name":"Team","members@delta":[{"@odata.type":"#microsoft.graph.user","id":"u1","@removed":{"reason":"deleted"}}]},{"id":"g2","@removed":{"reason":"changed"}}],"@odata.deltaLink":"/v1.0/groups/delta?$deltatoken=d1"}"""
                .Replace("/v1.0/groups/delta?$deltatoken=d1", new Uri(_server.BaseUri, "/v1.0/groups/delta?$deltatoken=d1").ToString()));
        var store = new InMemorySyncStore<Named>();
        var source = new SyncHttpPageSource<Named>(_http, SyncDialects.MicrosoftGraph, new Uri(_server.BaseUri, "/v1.0/groups/delta"));

        var result = await source.SyncAsync(store, FastRetry.Options);

        Assert.That(store.Items.Keys.ToArray(), Is.EqualTo(new[] { "g1" }));
        Assert.That(result.Deletes, Is.EqualTo(1));
        Assert.That(result.SkippedEntries, Is.Zero);
    }

    // Graph and People have no entry of another kind: an entry without its key could be a removal the mirror must not
    // miss, so the pass fails and the store keeps its token and items.
    [TestCase("Graph")]
    [TestCase("People")]
    public void An_entry_without_a_key_fails_the_pass_in_a_dialect_without_entry_kinds(string api)
    {
        var (dialect, path, body) = api == "Graph"
            ? (SyncDialects.MicrosoftGraph, "/v1.0/users/delta", """{"value":[{"id":"a","name":"Ann"},{"@removed":{"reason":"deleted"}}],"@odata.deltaLink":"LINK"}""".Replace("LINK", new Uri(_server.BaseUri, "/v1.0/users/delta?$deltatoken=d").ToString()))
            : (SyncDialects.GooglePeople, "/v1/people/me/connections", """{"connections":[{"resourceName":"people/c1","name":"Ann"},{"metadata":{"deleted":true}}],"nextSyncToken":"s1"}""");
        _server.Json(api == "Graph" ? path : path + "?requestSyncToken=true", body);
        var store = new InMemorySyncStore<Named>();
        var source = new SyncHttpPageSource<Named>(_http, dialect, new Uri(_server.BaseUri, path));

        var failure = Assert.ThrowsAsync<SyncProtocolException>(() => source.SyncAsync(store, FastRetry.Options));

        Assert.That(failure!.Violation, Is.EqualTo(SyncProtocolViolation.MissingItemKey));
        Assert.That(store.SyncToken, Is.Null);
        Assert.That(store.Items, Is.Empty);
    }

    [Test]
    public void A_drive_fields_mask_must_keep_the_change_kind()
    {
        var error = Assert.Throws<SyncFieldsMaskException>(() => _ = new SyncHttpPageSource<Named>(_http, SyncDialects.GoogleDrive,
            new Uri("http://127.0.0.1:9/drive/v3/changes?fields=nextPageToken,newStartPageToken,changes(fileId,removed,file(trashed))")))!;

        Assert.That(error.MissingFields, Is.EqualTo(new[] { "changes/changeType" }));
    }
}
