using System;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using NUnit.Framework;
using SyncGen.Testing.Stores;

namespace SyncGen.PostgreSql.Tests;

/// <summary>What the store keeps about each collection for an operator, read back through <see cref="PostgreSqlSyncDatabase.ReadStatusAsync"/>.</summary>
[TestFixture]
[CancelAfter(60_000)]
public sealed class CollectionStatusTests
{
    private static PostgreSqlSyncDatabase NewDatabase(string holder = "node-a") => PostgreSqlSyncDatabase.Create(
        PostgreSqlCluster.ConnectionString,
        new PostgreSqlSyncStoreOptions { Schema = "st_" + Guid.NewGuid().ToString("N")[..16], Holder = holder, MaxBufferedChanges = 0 });

    private static SyncResult Result(SyncPassKind kind, int pages, int upserts, int deletes) => new()
    {
        Kind = kind, StartedAs = kind, Pages = pages, Upserts = upserts, Deletes = deletes,
        ExpiriesRecovered = 0, Retries = 0, Duration = TimeSpan.FromMilliseconds(1500), SyncToken = "t",
    };

    private static async Task CommitAsync(PostgreSqlSyncDatabase database, string collection, SyncPassKind kind, string token, CancellationToken cancellationToken)
    {
        await using var writer = await database.OpenStore<TestItem>(collection).BeginPassAsync(kind, cancellationToken);
        await writer.ApplyAsync([SyncChange<TestItem>.Upsert("a", new TestItem("a", token))], cancellationToken);
        await writer.CommitAsync(token, cancellationToken);
    }

    [Test]
    public async Task A_committed_full_pass_shows_its_time_kind_pages_changes_and_starts_the_token_age(CancellationToken cancellationToken)
    {
        await using var database = NewDatabase();
        await CommitAsync(database, "cal", SyncPassKind.Full, "t1", cancellationToken);
        await database.RecordPassSucceededAsync("cal", Result(SyncPassKind.Full, pages: 3, upserts: 40, deletes: 2), cancellationToken);

        var fleet = await database.ReadStatusAsync(cancellationToken);
        var status = fleet.Collections.Single();
        using (Assert.EnterMultipleScope())
        {
            Assert.That(status.Collection, Is.EqualTo("cal"));
            Assert.That(status.LastCommittedAt, Is.Not.Null.And.LessThanOrEqualTo(fleet.ReadAt));
            Assert.That(status.Commits, Is.EqualTo(1));
            Assert.That(status.LastPassAt, Is.GreaterThanOrEqualTo(status.LastCommittedAt!.Value));
            Assert.That(status.LastPassKind, Is.EqualTo(SyncPassKind.Full));
            Assert.That(status.LastPassPages, Is.EqualTo(3));
            Assert.That(status.LastPassChanges, Is.EqualTo(42));
            Assert.That(status.LastPassDuration, Is.EqualTo(TimeSpan.FromMilliseconds(1500)));
            Assert.That(status.FullPassAt, Is.EqualTo(status.LastPassAt));
            Assert.That(status.TokenAge, Is.EqualTo(fleet.ReadAt - status.FullPassAt));
            Assert.That(status.Freshness, Is.EqualTo(fleet.ReadAt - status.LastPassAt));
            Assert.That(status.ConsecutiveFailures, Is.Zero);
            Assert.That(status.IsFailing, Is.False);
            Assert.That(status.LeaseHolder, Is.EqualTo("node-a"));
            Assert.That(status.LeaseIsLive, Is.False, "a committed pass hands its lease back");
            Assert.That(status.ChannelExpiresAt, Is.Null);
        }
    }

    [Test]
    public async Task Failures_count_up_until_a_success_which_keeps_the_history_and_an_incremental_pass_keeps_the_token_age(CancellationToken cancellationToken)
    {
        await using var database = NewDatabase();
        await CommitAsync(database, "cal", SyncPassKind.Full, "t1", cancellationToken);
        await database.RecordPassSucceededAsync("cal", Result(SyncPassKind.Full, 1, 1, 0), cancellationToken);
        var fullPassAt = (await database.ReadStatusAsync(cancellationToken)).Collections.Single().FullPassAt;

        await database.RecordPassFailedAsync("cal", new InvalidOperationException("first"), cancellationToken);
        await database.RecordPassFailedAsync("cal", new TimeoutException("the server did not answer\nwithin 30 s"), cancellationToken);
        var failing = (await database.ReadStatusAsync(cancellationToken)).Collections.Single();
        var history = await database.ReadFailuresAsync("cal", cancellationToken);

        // A no-change incremental call: it commits nothing, but the collection is up to date again.
        await database.RecordPassSucceededAsync("cal", Result(SyncPassKind.Incremental, 1, 0, 0), cancellationToken);
        var recovered = (await database.ReadStatusAsync(cancellationToken)).Collections.Single();
        using (Assert.EnterMultipleScope())
        {
            Assert.That(failing.ConsecutiveFailures, Is.EqualTo(2));
            Assert.That(failing.IsFailing, Is.True);
            Assert.That(failing.LastFailureClass, Is.EqualTo(nameof(TimeoutException)));
            Assert.That(failing.LastFailureMessage, Is.EqualTo("the server did not answer within 30 s"), "one line");
            Assert.That(failing.LastFailureAt, Is.GreaterThanOrEqualTo(failing.LastPassAt!.Value));
            Assert.That(history.Select(f => f.Class), Is.EqualTo(new[] { nameof(TimeoutException), nameof(InvalidOperationException) }), "newest first");
            Assert.That(history[1].Message, Is.EqualTo("first"));

            Assert.That(recovered.ConsecutiveFailures, Is.Zero);
            Assert.That(recovered.LastPassKind, Is.EqualTo(SyncPassKind.Incremental));
            Assert.That(recovered.LastPassAt, Is.GreaterThan(recovered.LastCommittedAt!.Value), "a no-change call freshens the collection without a commit");
            Assert.That(recovered.FullPassAt, Is.EqualTo(fullPassAt), "an incremental pass continues the full pass's token chain");
            Assert.That(recovered.LastFailureMessage, Is.EqualTo(failing.LastFailureMessage), "the last error stays readable after recovery");
            Assert.That(await database.ReadFailuresAsync("cal", cancellationToken), Has.Count.EqualTo(2));
        }
    }

    [Test]
    public async Task The_failure_history_keeps_the_newest_failures_only(CancellationToken cancellationToken)
    {
        await using var database = NewDatabase();
        for (var i = 1; i <= PostgreSqlSyncDatabase.FailuresKept + 5; i++)
        {
            await database.RecordPassFailedAsync("cal", new InvalidOperationException($"failure {i}"), cancellationToken);
        }

        var history = await database.ReadFailuresAsync("cal", cancellationToken);
        var status = (await database.ReadStatusAsync(cancellationToken)).Collections.Single();
        using (Assert.EnterMultipleScope())
        {
            Assert.That(history, Has.Count.EqualTo(PostgreSqlSyncDatabase.FailuresKept));
            Assert.That(history[0].Message, Is.EqualTo($"failure {PostgreSqlSyncDatabase.FailuresKept + 5}"));
            Assert.That(history[^1].Message, Is.EqualTo("failure 6"));
            Assert.That(status.ConsecutiveFailures, Is.EqualTo(PostgreSqlSyncDatabase.FailuresKept + 5), "the count is not capped by the history");
            Assert.That(status.LastCommittedAt, Is.Null, "never committed");
            Assert.That(status.Freshness, Is.Null, "never up to date");
        }
    }

    [Test]
    public async Task A_running_pass_shows_its_live_lease_holder_and_a_channel_expiry_can_be_set_and_cleared(CancellationToken cancellationToken)
    {
        await using var database = NewDatabase(holder: "node-b");
        var expiry = new DateTimeOffset(2030, 1, 2, 3, 4, 5, TimeSpan.Zero);
        await database.SetChannelExpiryAsync("pushed", expiry, cancellationToken);
        await using var writer = await database.OpenStore<TestItem>("running").BeginPassAsync(SyncPassKind.Full, cancellationToken);
        await writer.ApplyAsync([SyncChange<TestItem>.Upsert("a", new TestItem("a", "A"))], cancellationToken); // written at once: the lease is taken

        var fleet = await database.ReadStatusAsync(cancellationToken);
        await database.SetChannelExpiryAsync("pushed", null, cancellationToken);
        var cleared = (await database.ReadStatusAsync(cancellationToken)).Collections.Single(c => c.Collection == "pushed");
        using (Assert.EnterMultipleScope())
        {
            Assert.That(fleet.Collections.Select(c => c.Collection), Is.EqualTo(new[] { "pushed", "running" }));
            Assert.That(fleet.Collections[1].LeaseHolder, Is.EqualTo("node-b"));
            Assert.That(fleet.Collections[1].LeaseIsLive, Is.True);
            Assert.That(fleet.Collections[1].LastCommittedAt, Is.Null);
            Assert.That(fleet.Collections[0].ChannelExpiresAt, Is.EqualTo(expiry));
            Assert.That(cleared.ChannelExpiresAt, Is.Null);
        }
    }

    [Test]
    public async Task A_collection_with_push_channels_shows_the_latest_channel_expiry(CancellationToken cancellationToken)
    {
        var schema = "st_" + Guid.NewGuid().ToString("N")[..16];
        await using var database = PostgreSqlSyncDatabase.Create(PostgreSqlCluster.ConnectionString, new PostgreSqlSyncStoreOptions { Schema = schema, MaxBufferedChanges = 0 });
        await CommitAsync(database, "watched", SyncPassKind.Full, "t1", cancellationToken);
        var old = new DateTimeOffset(2030, 1, 1, 0, 0, 0, TimeSpan.Zero);
        var renewed = old.AddDays(7);

        // Two channels during a renewal, as the webhook package writes them: the status shows the one that lives longer.
        await using (var dataSource = Npgsql.NpgsqlDataSource.Create(PostgreSqlCluster.ConnectionString))
        {
            foreach (var (id, expires) in new[] { ("old", old), ("new", renewed) })
            {
                await using var insert = dataSource.CreateCommand(
                    $"INSERT INTO {schema}.push_channels (channel_id, collection, provider, control_uri, token_sha256, created_at, expires_at) VALUES ($1, 'watched', 'google', 'http://127.0.0.1/stop', '\\x00', now(), $2);");
                insert.Parameters.AddWithValue(id);
                insert.Parameters.AddWithValue(expires);
                await insert.ExecuteNonQueryAsync(cancellationToken);
            }
        }

        var watched = (await database.ReadStatusAsync(cancellationToken)).Collections.Single(c => c.Collection == "watched");
        Assert.That(watched.ChannelExpiresAt, Is.EqualTo(renewed));
    }
}
