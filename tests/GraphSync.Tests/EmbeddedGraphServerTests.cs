using System;
using System.IO;
using System.Linq;
using System.Threading.Tasks;
using GraphSync.GraphApi;
using GraphSync.Repository;
using NUnit.Framework;
using SyncGen;
using SyncGen.Testing.Dialects;
using SyncGen.Testing.FakeServer;

namespace GraphSync.Tests;

/// <summary>
/// The sample against the test kit's embedded server in the Graph dialect: a real change log rendered as Graph delta
/// pages, with its own links, removals and expiry answers, so the mirror can be compared with the server's users.
/// </summary>
public sealed class EmbeddedGraphServerTests
{
    private FakeSyncServer _server = null!;
    private DirectoryClient _graph = null!;
    private DirectoryInfo _folder = null!;

    [SetUp]
    public async Task StartAsync()
    {
        _server = await FakeSyncServer.StartAsync(FakeDialects.MicrosoftGraph, new FakeSyncServerOptions { DefaultPageSize = 7 });
        _graph = DirectoryClient.Create(new Uri(_server.BaseUri.OriginalString.TrimEnd('/')), timeout: TimeSpan.FromSeconds(30));
        _folder = Directory.CreateTempSubdirectory("graphsync-embedded-");
    }

    [TearDown]
    public async Task StopAsync()
    {
        _graph.Dispose();
        await _server.DisposeAsync();
        _folder.Delete(recursive: true);
    }

    private SqliteSyncStore<DirectoryUser> Store() => SqliteSyncStore<DirectoryUser>.OpenFile(Path.Combine(_folder.FullName, "users.db"), "users");

    private DirectoryUsersRepository Repository() => new(_graph.Graph, Store(), new SyncOptions
    {
        Retry = new SyncRetryOptions { MaxRetries = 3, BaseDelay = TimeSpan.FromMilliseconds(1), MaxDelay = TimeSpan.FromMilliseconds(5) },
    });

    private async Task AssertMirrorEqualsServerAsync()
    {
        var store = Store();
        var mirror = (await store.ReadItemsAsync()).Select(pair => $"{pair.Key}={pair.Value.DisplayName}");
        var live = _server.LiveItems.OrderBy(u => u.Id, StringComparer.Ordinal).Select(u => $"{u.Id}={u.Fields["displayName"]?.GetValue<string>()}");
        Assert.That(mirror, Is.EqualTo(live), "the mirror equals the server's users");
        Assert.That(await store.ReadSyncTokenAsync(), Is.EqualTo(_server.CurrentSyncToken), "the stored token is the server's current deltaLink");
    }

    [Test]
    public async Task Full_then_incremental_with_renames_and_removals_converges()
    {
        for (var i = 0; i < 30; i++)
        {
            _server.Upsert($"u{i:D2}", $"User {i}");
        }

        var full = await Repository().SyncAsync();
        _server.Upsert("u03", "Renamed");
        _server.Delete("u04");
        _server.Delete("u29");
        _server.Upsert("u30", "New");
        _server.ClearRequests();
        var incremental = await Repository().SyncAsync();

        Assert.That((full.WasFullSync, full.Pages, full.Upserts), Is.EqualTo((true, 5, 30)));
        Assert.That((incremental.WasFullSync, incremental.Upserts, incremental.Deletes), Is.EqualTo((false, 2, 2)));
        Assert.That(_server.Requests.First().GetQueryValue("$deltatoken"), Is.Not.Null, "the incremental pass started from the stored deltaLink");
        await AssertMirrorEqualsServerAsync();
    }

    [Test]
    public async Task Each_of_Graphs_expiry_answers_leads_to_a_full_sync_that_replaces_the_mirror()
    {
        for (var i = 0; i < 10; i++)
        {
            _server.Upsert($"u{i}", $"User {i}");
        }

        await Repository().SyncAsync();

        // The kit answers an expired deltaLink with 410 resyncRequired, 400 syncStateNotFound, 400 resyncRequired and
        // 404 syncStateNotFound in turn: each one must be read as expiry through the SDK's ODataError.
        foreach (var round in Enumerable.Range(0, 4))
        {
            _server.Delete($"u{round}");
            _server.ExpireSyncTokens();
            _server.ClearRequests();

            var result = await Repository().SyncAsync();

            Assert.That((result.WasFullSync, result.ExpiriesRecovered), Is.EqualTo((true, 1)), $"round {round}");
            Assert.That(_server.Requests.First().StatusCode, Is.EqualTo(round switch { 0 => 410, 3 => 404, _ => 400 }), $"round {round}");
            await AssertMirrorEqualsServerAsync();
        }
    }

    [Test]
    public async Task A_500_mid_pass_is_retried_and_the_pass_converges()
    {
        for (var i = 0; i < 20; i++)
        {
            _server.Upsert($"u{i:D2}", $"User {i}");
        }

        _server.Faults.Enqueue(Fault.BackendError(), r => r.PageNumber == 2);

        var result = await Repository().SyncAsync();

        Assert.That(result.Retries, Is.EqualTo(1));
        await AssertMirrorEqualsServerAsync();
    }
}
