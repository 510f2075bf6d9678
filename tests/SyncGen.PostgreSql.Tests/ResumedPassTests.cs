using System;
using System.Linq;
using System.Net.Http;
using System.Text.Json.Serialization;
using System.Threading;
using System.Threading.Tasks;
using NUnit.Framework;
using SyncGen.Testing.FakeServer;
using SyncGen.Testing.Stores;

namespace SyncGen.PostgreSql.Tests;

/// <summary>
/// Query fingerprints and resumed passes on PostgreSQL, over real HTTP against the embedded Calendar server: a dead
/// pass's staged pages are continued once its lease is gone, a refused page token starts afresh, a changed query
/// replaces the mirror, and a checkpoint of a newer SyncGen fails the call in one line without changing anything.
/// </summary>
[TestFixture]
[CancelAfter(120_000)]
public sealed class ResumedPassTests
{
    private const int Events = 40; // ten pages of four

    private FakeCalendarServer _server = null!;
    private HttpClient _http = null!;
    private PostgreSqlSyncDatabase _database = null!;
    private string _collection = null!;

    [SetUp]
    public async Task StartAsync()
    {
        _server = await FakeCalendarServer.StartAsync();
        _server.Primary.AddMany(Events);
        _http = new HttpClient();
        _database = PostgreSqlSyncDatabase.Create(PostgreSqlCluster.ConnectionString, new PostgreSqlSyncStoreOptions { MaxBufferedChanges = 0, LeaseDuration = TimeSpan.FromSeconds(1) });
        _collection = PostgreSqlCluster.NewCollection("resume");
    }

    [TearDown]
    public async Task StopAsync()
    {
        await _database.DisposeAsync();
        _http.Dispose();
        await _server.DisposeAsync();
    }

    private PostgreSqlSyncStore<Event> Store() => _database.OpenStore<Event>(_collection);

    private static SyncOptions Options => new()
    {
        Retry = new SyncRetryOptions { MaxRetries = 1, BaseDelay = TimeSpan.FromMilliseconds(1), MaxDelay = TimeSpan.FromMilliseconds(5) },
    };

    private SyncHttpPageSource<Event> Source(string query = "") => new(_http, SyncDialects.GoogleCalendar, new Uri(_server.EventsUri() + "?maxResults=4" + query));

    private async Task AssertMirrorsServerAsync(CancellationToken cancellationToken)
    {
        var items = await Store().ReadItemsAsync(cancellationToken);
        Assert.That(items.ToDictionary(p => p.Key, p => p.Value.Summary), Is.EquivalentTo(_server.Primary.LiveEvents.ToDictionary(e => e.Id, e => e.Summary)));
    }

    [TestCase("")]
    [TestCase("&timeMin=2026-01-01T00:00:00Z")]
    public async Task A_pass_that_failed_at_page_8_is_continued_at_page_8_by_the_next_call_with_nothing_doubled(string query, CancellationToken cancellationToken)
    {
        // The second case first commits a pass, so the failed one stages (the first of a collection writes into items).
        if (query.Length > 0)
        {
            await Source().SyncAsync(Store(), Options, cancellationToken: cancellationToken);
            _server.Primary.ExpireSyncTokens();
        }

        _server.Faults.Enqueue(new FaultRule(Fault.BackendError()) { Page = 8, WithSyncToken = false, Times = 2 });
        Assert.ThrowsAsync<SyncRequestFailedException>(() => Source(query).SyncAsync(Store(), Options, cancellationToken: cancellationToken));
        _server.Primary.Upsert(_server.Primary.Find("evt-000001")!.Event with { Summary = "changed after the listing began" });
        _server.ClearRequests();

        var result = await Source(query).SyncAsync(Store(), Options, cancellationToken: cancellationToken);
        var next = await Source(query).SyncAsync(Store(), Options, cancellationToken: cancellationToken);

        Assert.That(result.ResumedAtPage, Is.EqualTo(8));
        Assert.That(_server.Requests.Count(r => r.SyncToken is null), Is.EqualTo(3), "pages 8 to 10 only");
        Assert.That(next.Kind, Is.EqualTo(SyncPassKind.Incremental), "the resumed pass's token picks up what changed since its listing began");
        await AssertMirrorsServerAsync(cancellationToken);
        Assert.That(await ScalarAsync($"SELECT count(*) FROM {_database.Schema}.staging WHERE collection = '{_collection}';", cancellationToken), Is.Zero);
    }

    [Test]
    public async Task A_dead_worker_pass_is_continued_only_once_its_lease_expired(CancellationToken cancellationToken)
    {
        await Source().SyncAsync(Store(), Options, cancellationToken: cancellationToken);
        var token = await Store().ReadSyncTokenAsync(cancellationToken);

        // A worker that staged two pages of a full pass and then stopped answering: its writer is never disposed.
        var checkpoint = new SyncPassCheckpoint { Kind = SyncPassKind.Full, QueryFingerprint = "fp", NextPageToken = "page-3", PagesStaged = 2 };
        var dead = await Store().BeginPassAsync(SyncPassKind.Full, cancellationToken);
        var checkpoints = (ISyncCheckpointWriter<Event>)dead;
        await checkpoints.ApplyAsync([SyncChange<Event>.Upsert("x", new Event("x", "X", null))], checkpoint with { NextPageToken = "page-2", PagesStaged = 1 }, cancellationToken);
        await checkpoints.ApplyAsync([SyncChange<Event>.Upsert("y", new Event("y", "Y", null))], checkpoint, cancellationToken);

        Assert.That(await Store().ReadCheckpointAsync(cancellationToken), Is.Null, "its lease is live: it may only be slow");
        var lease = await _database.ReadLeaseAsync(_collection, cancellationToken);
        while (lease!.ExpiresAt > DateTimeOffset.UtcNow)
        {
            await Task.Delay(50, cancellationToken);
            lease = await _database.ReadLeaseAsync(_collection, cancellationToken);
        }

        var found = await Store().ReadCheckpointAsync(cancellationToken);
        var resumed = await Store().ResumePassAsync(found!, cancellationToken);
        await using (resumed!)
        {
            await resumed!.ApplyAsync([SyncChange<Event>.Upsert("z", new Event("z", "Z", null))], cancellationToken);
            await resumed.CommitAsync("t-resumed", cancellationToken);
        }

        Assert.That(found, Is.EqualTo(checkpoint));
        Assert.That((await Store().ReadItemsAsync(cancellationToken)).Select(p => p.Key), Is.EqualTo(new[] { "x", "y", "z" }));
        Assert.That(await Store().ReadSyncTokenAsync(cancellationToken), Is.Not.EqualTo(token).And.EqualTo("t-resumed"));
        Assert.That(await Store().ReadCheckpointAsync(cancellationToken), Is.Null);
        Assert.ThrowsAsync<SyncLeaseLostException>(async () => await dead.CommitAsync("t-dead", cancellationToken), "the dead worker's pass can no longer commit");
    }

    [Test]
    public async Task A_refused_page_token_falls_back_to_a_fresh_pass_with_nothing_lost_or_doubled(CancellationToken cancellationToken)
    {
        _server.Faults.Enqueue(new FaultRule(Fault.BackendError()) { Page = 8, WithSyncToken = false, Times = 2 });
        Assert.ThrowsAsync<SyncRequestFailedException>(() => Source().SyncAsync(Store(), Options, cancellationToken: cancellationToken));
        _server.Primary.Delete("evt-000003");
        _server.Faults.Enqueue(new FaultRule(Fault.TokenExpired()) { WithPageToken = true, Page = 8 });

        var result = await Source().SyncAsync(Store(), Options, cancellationToken: cancellationToken);

        Assert.That(result.ResumedAtPage, Is.Null);
        Assert.That(result.Upserts, Is.EqualTo(Events - 1));
        await AssertMirrorsServerAsync(cancellationToken);
    }

    [Test]
    public async Task A_changed_timeMin_replaces_the_mirror_with_a_full_pass(CancellationToken cancellationToken)
    {
        await Source("&timeMin=2026-02-01T00:00:00Z").SyncAsync(Store(), Options, cancellationToken: cancellationToken);

        var result = await Source("&timeMin=2026-02-02T20:00:00Z").SyncAsync(Store(), Options, cancellationToken: cancellationToken);

        Assert.That(result.Kind, Is.EqualTo(SyncPassKind.Full));
        Assert.That((await Store().ReadItemsAsync(cancellationToken)).Select(p => p.Key), Is.EqualTo(new[] { "evt-000035", "evt-000036", "evt-000037", "evt-000038", "evt-000039", "evt-000040" }));
    }

    [Test]
    public async Task A_checkpoint_of_a_newer_SyncGen_fails_the_call_in_one_line_and_changes_nothing(CancellationToken cancellationToken)
    {
        await Source().SyncAsync(Store(), Options, cancellationToken: cancellationToken);
        await ScalarAsync(
            $"UPDATE {_database.Schema}.leases SET staged = true, expires_at = now() - interval '1 second', checkpoint = '{{\"version\":9,\"kind\":\"incremental\"}}' WHERE collection = '{_collection}' RETURNING epoch;",
            cancellationToken);
        var before = (await _database.ReadLeaseAsync(_collection, cancellationToken))!.Epoch;
        var token = await Store().ReadSyncTokenAsync(cancellationToken);
        _server.ClearRequests();

        var error = Assert.ThrowsAsync<SyncCheckpointException>(() => Source().SyncAsync(Store(), Options with { SendFirstRequestEarly = false }, cancellationToken: cancellationToken));

        Assert.That(error!.Message, Does.Contain("newer SyncGen").And.Contain("version 9").And.Not.Contain('\n'));
        Assert.That(_server.Requests, Is.Empty, "no request was sent");
        Assert.That((await _database.ReadLeaseAsync(_collection, cancellationToken))!.Epoch, Is.EqualTo(before));
        Assert.That(await Store().ReadSyncTokenAsync(cancellationToken), Is.EqualTo(token));
        await AssertMirrorsServerAsync(cancellationToken);
    }

    private async Task<object?> ScalarAsync(string sql, CancellationToken cancellationToken)
    {
        await using var command = _database.DataSource.CreateCommand(sql);
        return await command.ExecuteScalarAsync(cancellationToken);
    }

    public sealed record Event(
        [property: JsonPropertyName("id")] string? Id,
        [property: JsonPropertyName("summary")] string? Summary,
        [property: JsonPropertyName("status")] string? Status);
}
