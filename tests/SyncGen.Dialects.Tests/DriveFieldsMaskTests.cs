using System;
using System.Linq;
using System.Net.Http;
using System.Threading.Tasks;
using NUnit.Framework;
using SyncGen;
using SyncGen.Testing.FakeServer;

namespace SyncGen.Dialects.Tests;

/// <summary>
/// A <c>fields</c> mask on a Drive endpoint, through a real <c>[IncrementalSync]</c> repository on the fake Drive server:
/// Drive honours the mask, so one that drops <c>file.trashed</c> (or the key, <c>removed</c>, a token) would keep trashed
/// or removed files in the mirror as live ones, and one that drops <c>changeType</c> would read a change to a shared drive
/// itself as a file without a key. Such a mask is refused when the repository is built, before any request.
/// </summary>
[TestFixture]
public sealed class DriveFieldsMaskTests
{
    // Each keeps every member the dialect reads: parentheses, slashes, spaces, '*', a whole 'changes', and the mask
    // escaped as a client library writes it (%2C, %28, '+' for a space).
    [TestCase("nextPageToken,newStartPageToken,changes(fileId,changeType,removed,file(id,name,trashed))")]
    [TestCase("nextPageToken,newStartPageToken,changes/fileId,changes/changeType,changes/removed,changes/file/trashed,changes/file/name")]
    [TestCase(" nextPageToken , newStartPageToken ,changes( fileId , changeType , removed , file( name , trashed ) ) ")]
    [TestCase("nextPageToken,newStartPageToken,changes(fileId,changeType,removed,file/trashed,file/name)")]
    [TestCase("nextPageToken,newStartPageToken,changes")]
    [TestCase("nextPageToken,newStartPageToken,changes(*)")]
    [TestCase("*")]
    [TestCase("*,changes(fileId)")]
    [TestCase("nextPageToken%2CnewStartPageToken%2Cchanges%28fileId%2CchangeType%2Cremoved%2Cfile%28name%2Ctrashed%29%29")]
    [TestCase("nextPageToken,+newStartPageToken,changes(fileId,+changeType,+removed,file(name,trashed))")]
    public async Task A_mask_that_keeps_what_the_dialect_reads_syncs_and_a_trashed_file_leaves_the_mirror(string mask)
    {
        await using var server = await FakeSyncServer.StartAsync(SyncDialects.GoogleDrive);
        server.Upsert("f1", "one.txt");
        server.Upsert("f2", "two.txt");
        using var http = new HttpClient();
        var store = new InMemorySyncStore<DriveFile>();
        var mirror = new DriveMirror(http, FieldsMaskEndpoints.WithQuery(server, "fields=" + mask), store, FieldsMaskEndpoints.FastRetries);

        await mirror.SyncAsync();
        server.Trash("f2");
        var incremental = await mirror.SyncAsync();

        Assert.That(incremental.WasFullSync, Is.False);
        Assert.That(incremental.Deletes, Is.EqualTo(1));
        Assert.That(store.Items.Keys, Is.EquivalentTo(new[] { "f1" }));
        Assert.That(store.Items["f1"].Name, Is.EqualTo("one.txt"));
    }

    [Test]
    public async Task A_mask_without_file_trashed_is_refused_naming_it_and_nothing_is_requested()
    {
        await using var server = await FakeSyncServer.StartAsync(SyncDialects.GoogleDrive);
        server.Upsert("f1", "one.txt");
        using var http = new HttpClient();
        var store = new InMemorySyncStore<DriveFile>();
        const string mask = "nextPageToken,newStartPageToken,changes(fileId,changeType,removed,file(id,name))";

        var error = Assert.Throws<SyncFieldsMaskException>(() => new DriveMirror(http, FieldsMaskEndpoints.WithQuery(server, "fields=" + mask), store, FieldsMaskEndpoints.FastRetries))!;

        Assert.That(error.Message, Does.Contain("'file.trashed' of each 'changes' entry"));
        Assert.That(error.Message, Does.Contain(mask));
        Assert.That(error.MissingFields, Is.EqualTo(new[] { "changes/file/trashed" }));
        Assert.That(error.Mask, Is.EqualTo(mask));
        Assert.That(error.ParamName, Is.EqualTo("endpoint"));
        Assert.That(server.Requests, Is.Empty);
        Assert.That(store.SyncToken, Is.Null);
    }

    // Whatever the dialect reads, named in the mask's own syntax; a member inside a missing one is named once, by its
    // innermost path (adding changes/file/trashed adds changes/file too).
    [TestCase("nextPageToken,newStartPageToken,changes(fileId,changeType,file(trashed))", "changes/removed")]
    [TestCase("nextPageToken,newStartPageToken,changes(changeType,removed,file(trashed))", "changes/fileId")]
    [TestCase("nextPageToken,newStartPageToken,changes(fileId,removed,file(trashed))", "changes/changeType")]
    [TestCase("nextPageToken,changes", "newStartPageToken")]
    [TestCase("newStartPageToken,changes", "nextPageToken")]
    [TestCase("nextPageToken,newStartPageToken,changes(fileId,changeType,removed)", "changes/file/trashed")]
    [TestCase("nextPageToken,newStartPageToken", "changes/fileId,changes/changeType,changes/removed,changes/file/trashed")]
    [TestCase("changes/file/trashed", "nextPageToken,newStartPageToken,changes/fileId,changes/changeType,changes/removed")]
    [TestCase("kind,changes(*/trashed)", "nextPageToken,newStartPageToken")]
    public async Task A_mask_missing_any_member_the_dialect_reads_is_refused_naming_each(string mask, string missing)
    {
        await using var server = await FakeSyncServer.StartAsync(SyncDialects.GoogleDrive);
        using var http = new HttpClient();

        var error = Assert.Throws<SyncFieldsMaskException>(() => new DriveMirror(http, FieldsMaskEndpoints.WithQuery(server, "fields=" + mask), new InMemorySyncStore<DriveFile>(), FieldsMaskEndpoints.FastRetries))!;

        Assert.That(error.MissingFields, Is.EqualTo(missing.Split(',')));
        Assert.That(server.Requests, Is.Empty);
    }

    [TestCase("changes(fileId", "expected ')' at the end of the mask")]
    [TestCase("nextPageToken,,changes", "expected a member name or '*' at position 15, found ','")]
    [TestCase("changes)", "expected a comma or the end of the mask at position 8, found ')'")]
    [TestCase("changes/", "expected a member name or '*' at the end of the mask")]
    public async Task A_mask_that_is_not_in_the_fields_syntax_is_refused_saying_where(string mask, string detail)
    {
        await using var server = await FakeSyncServer.StartAsync(SyncDialects.GoogleDrive);
        using var http = new HttpClient();

        var error = Assert.Throws<SyncFieldsMaskException>(() => new DriveMirror(http, FieldsMaskEndpoints.WithQuery(server, "fields=" + mask), new InMemorySyncStore<DriveFile>(), FieldsMaskEndpoints.FastRetries))!;

        Assert.That(error.Message, Does.Contain(detail));
        Assert.That(error.MissingFields, Is.Empty);
        Assert.That(server.Requests, Is.Empty);
    }

    [Test]
    public async Task A_drive_endpoint_without_fields_is_not_checked_and_a_trashed_file_leaves_the_mirror()
    {
        await using var server = await FakeSyncServer.StartAsync(SyncDialects.GoogleDrive);
        server.Upsert("f1", "one.txt");
        server.Upsert("f2", "two.txt");
        using var http = new HttpClient();
        var store = new InMemorySyncStore<DriveFile>();
        var mirror = new DriveMirror(http, FieldsMaskEndpoints.WithQuery(server, "fields="), store, FieldsMaskEndpoints.FastRetries);

        await mirror.SyncAsync();
        server.Trash("f2");
        await mirror.SyncAsync();

        Assert.That(store.Items.Keys, Is.EquivalentTo(new[] { "f1" }));
    }

    // The check belongs to the dialect's FieldsParameter: a dialect without it (Graph's $select is another syntax) never
    // reads the endpoint's fields.
    [Test]
    public void A_dialect_without_a_fields_parameter_leaves_any_fields_alone()
    {
        using var http = new HttpClient();
        var dialect = SyncDialects.GoogleDrive with { FieldsParameter = null };

        var source = new SyncHttpPageSource<DriveFile>(http, dialect, new Uri("http://127.0.0.1:9/drive/v3/changes?fields=changes(fileId)"));

        Assert.That(source.Endpoint.Query, Is.EqualTo("?fields=changes(fileId)"));
        Assert.That(SyncDialects.GoogleDrive.FieldsParameter, Is.EqualTo("fields"));
    }
}
