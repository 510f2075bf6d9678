using System;
using System.Net.Http;
using System.Threading.Tasks;
using NUnit.Framework;
using SyncGen;
using SyncGen.Testing.FakeServer;

namespace SyncGen.Dialects.Tests;

/// <summary>
/// A <c>fields</c> mask on a People connections.list endpoint, through a real <c>[IncrementalSync]</c> repository on the
/// fake server: the standard partial-response parameter applies to the whole answer, so a mask without
/// <c>connections(metadata(deleted))</c> would turn a deleted contact into a live one. Such a mask is refused when the
/// repository is built, before any request. <c>personFields</c> is People's own list of person fields and is not checked.
/// </summary>
[TestFixture]
public sealed class PeopleFieldsMaskTests
{
    [TestCase("nextPageToken,nextSyncToken,connections(resourceName,names,metadata/deleted)")]
    [TestCase("nextPageToken,nextSyncToken,connections(resourceName,names,metadata(deleted,sources))")]
    [TestCase("nextPageToken,nextSyncToken,connections")]
    [TestCase("*")]
    [TestCase("nextPageToken,+nextSyncToken,connections(resourceName,names,metadata%2Fdeleted)")]
    public async Task A_mask_that_keeps_what_the_dialect_reads_syncs_and_a_deleted_contact_leaves_the_mirror(string mask)
    {
        await using var server = await FakeSyncServer.StartAsync(SyncDialects.GooglePeople);
        server.Upsert("people/c1", "Ada");
        server.Upsert("people/c2", "Grace");
        using var http = new HttpClient();
        var store = new InMemorySyncStore<Person>();
        var mirror = new Contacts(http, FieldsMaskEndpoints.WithQuery(server, "personFields=names&fields=" + mask), store, FieldsMaskEndpoints.FastRetries);

        await mirror.SyncAsync();
        server.Delete("people/c2");
        var incremental = await mirror.SyncAsync();

        Assert.That(incremental.WasFullSync, Is.False);
        Assert.That(incremental.Deletes, Is.EqualTo(1));
        Assert.That(store.Items.Keys, Is.EquivalentTo(new[] { "people/c1" }));
        Assert.That(store.Items["people/c1"].DisplayName, Is.EqualTo("Ada"));
    }

    [Test]
    public async Task A_mask_without_metadata_deleted_is_refused_naming_it_and_nothing_is_requested()
    {
        await using var server = await FakeSyncServer.StartAsync(SyncDialects.GooglePeople);
        server.Upsert("people/c1", "Ada");
        using var http = new HttpClient();
        var store = new InMemorySyncStore<Person>();
        const string mask = "nextPageToken,nextSyncToken,connections(resourceName,names)";

        var error = Assert.Throws<SyncFieldsMaskException>(() => new Contacts(http, FieldsMaskEndpoints.WithQuery(server, "personFields=names&fields=" + mask), store, FieldsMaskEndpoints.FastRetries))!;

        Assert.That(error.Message, Does.Contain("'metadata.deleted' of each 'connections' entry"));
        Assert.That(error.Message, Does.Contain("Google People"));
        Assert.That(error.MissingFields, Is.EqualTo(new[] { "connections/metadata/deleted" }));
        Assert.That(error.ParamName, Is.EqualTo("endpoint"));
        Assert.That(server.Requests, Is.Empty);
        Assert.That(store.SyncToken, Is.Null);
    }

    [TestCase("nextPageToken,nextSyncToken,connections(metadata/deleted)", "connections/resourceName")]
    [TestCase("nextPageToken,connections(resourceName,metadata/deleted)", "nextSyncToken")]
    [TestCase("nextSyncToken,connections(resourceName,metadata/deleted)", "nextPageToken")]
    [TestCase("nextPageToken,nextSyncToken,connections(resourceName,metadata(sources))", "connections/metadata/deleted")]
    [TestCase("nextPageToken,nextSyncToken", "connections/resourceName,connections/metadata/deleted")]
    public async Task A_mask_missing_any_member_the_dialect_reads_is_refused_naming_each(string mask, string missing)
    {
        await using var server = await FakeSyncServer.StartAsync(SyncDialects.GooglePeople);
        using var http = new HttpClient();

        var error = Assert.Throws<SyncFieldsMaskException>(() => new Contacts(http, FieldsMaskEndpoints.WithQuery(server, "personFields=names&fields=" + mask), new InMemorySyncStore<Person>(), FieldsMaskEndpoints.FastRetries))!;

        Assert.That(error.MissingFields, Is.EqualTo(missing.Split(',')));
        Assert.That(server.Requests, Is.Empty);
    }

    // personFields lists the person fields the method fills in; the reference does not tie a sync request's
    // metadata.deleted to it naming metadata, and resourceName is no person field, so a list without metadata is not
    // refused: the sync runs and a deleted contact still leaves the mirror.
    [Test]
    public async Task Person_fields_without_metadata_are_not_refused_and_a_deleted_contact_leaves_the_mirror()
    {
        await using var server = await FakeSyncServer.StartAsync(SyncDialects.GooglePeople);
        server.Upsert("people/c1", "Ada");
        server.Upsert("people/c2", "Grace");
        using var http = new HttpClient();
        var store = new InMemorySyncStore<Person>();
        var mirror = new Contacts(http, FieldsMaskEndpoints.WithQuery(server, "personFields=names,emailAddresses"), store, FieldsMaskEndpoints.FastRetries);

        await mirror.SyncAsync();
        server.Delete("people/c2");
        await mirror.SyncAsync();

        Assert.That(store.Items.Keys, Is.EquivalentTo(new[] { "people/c1" }));
        Assert.That(SyncDialects.GooglePeople.FieldsParameter, Is.EqualTo("fields"));
    }
}
