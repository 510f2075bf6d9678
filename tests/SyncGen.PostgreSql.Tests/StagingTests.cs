using System;
using System.Linq;
using System.Text.Json;
using System.Threading;
using System.Threading.Tasks;
using NUnit.Framework;
using SyncGen.Testing.Stores;

namespace SyncGen.PostgreSql.Tests;

/// <summary>
/// Where a big pass's pages go: a collection's first full pass straight into items (invisible until its token is
/// committed), any other pass into staging, whose rows are dead once it commits and which no later pass reads (no sweep
/// over the collection's old epochs); buffer counts from EXPLAIN, not timings, are the evidence.
/// </summary>
[TestFixture]
[CancelAfter(120_000)]
public sealed class StagingTests
{
    [Test]
    public async Task After_a_big_staged_pass_commits_the_next_pass_reads_none_of_its_dead_rows(CancellationToken cancellationToken)
    {
        // A schema of its own, so that the staging table holds this test's rows only.
        var schema = $"staging_{Guid.NewGuid():N}";
        await using var database = PostgreSqlSyncDatabase.Create(PostgreSqlCluster.ConnectionString, new PostgreSqlSyncStoreOptions { Schema = schema, MaxBufferedChanges = 0 });
        var store = database.OpenStore<TestItem>("big");

        // The first full pass of a collection goes straight into items: staging is never written.
        await PassAsync(store, SyncPassKind.Full, "token-1", cancellationToken);
        Assert.That(await ScalarAsync(database, $"SELECT pg_relation_size('{schema}.staging');", cancellationToken), Is.Zero, "the first full pass staged nothing");

        // A big incremental pass is staged, then committed.
        await PassAsync(store, SyncPassKind.Incremental, "token-2", cancellationToken);
        var epoch = (await database.ReadLeaseAsync("big", cancellationToken))!.Epoch;
        using (Assert.EnterMultipleScope())
        {
            Assert.That(await ScalarAsync(database, $"SELECT staged FROM {schema}.leases WHERE collection = 'big';", cancellationToken), Is.False,
                "the commit dropped its rows, so the next pass takes the lease without a sweep");
            Assert.That(await ScalarAsync(database, $"SELECT count(*) FROM {schema}.staging;", cancellationToken), Is.Zero);
        }

        // What the next pass runs over staging: the sweep only after a pass that died (not here), and its commit's read of
        // its own epoch. Neither may walk the 20,000 dead rows: a sweep of every older epoch (as before) read them all.
        var nextPass = await BuffersAsync(database, $"SELECT count(*) FROM {schema}.staging WHERE collection = $1 AND epoch = $2", epoch + 1, cancellationToken);
        var oldSweep = await BuffersAsync(database, $"DELETE FROM {schema}.staging WHERE collection = $1 AND epoch < $2", epoch + 1, cancellationToken);
        using (Assert.EnterMultipleScope())
        {
            Assert.That(nextPass, Is.LessThanOrEqualTo(4), "the next pass's commit reads only its own epoch's index range");
            Assert.That(oldSweep, Is.GreaterThan(100), "the dead rows are there: a sweep over older epochs walks them");
            Assert.That((await store.ReadItemsAsync(cancellationToken)).Count, Is.EqualTo(20_000));
        }

        await using var drop = database.DataSource.CreateCommand($"DROP SCHEMA {schema} CASCADE;");
        await drop.ExecuteNonQueryAsync(cancellationToken);
    }

    [Test]
    public async Task A_first_full_pass_that_died_is_never_read_and_the_next_pass_removes_its_rows(CancellationToken cancellationToken)
    {
        var collection = PostgreSqlCluster.NewCollection("first");
        await using var reader = PostgreSqlSyncDatabase.Create(PostgreSqlCluster.ConnectionString, new PostgreSqlSyncStoreOptions { Holder = "reader", MaxBufferedChanges = 0 });
        var store = reader.OpenStore<TestItem>(collection);

        // A first full pass writes its pages straight into items; one is discarded, then one dies mid-pass.
        await using (var discarded = await store.BeginPassAsync(SyncPassKind.Full, cancellationToken))
        {
            await discarded.ApplyAsync([SyncChange<TestItem>.Upsert("x", new TestItem("x", "X"))], cancellationToken);
        }

        var rowsAfterDiscard = await ScalarAsync(reader, $"SELECT count(*) FROM syncgen.items WHERE collection = '{collection}';", cancellationToken);
        var dying = PostgreSqlSyncDatabase.Create(PostgreSqlCluster.ConnectionString, new PostgreSqlSyncStoreOptions { Holder = "dying", LeaseDuration = TimeSpan.FromMilliseconds(500), MaxBufferedChanges = 0 });
        var orphan = await dying.OpenStore<TestItem>(collection).BeginPassAsync(SyncPassKind.Full, cancellationToken);
        await orphan.ApplyAsync([SyncChange<TestItem>.Upsert("a", new TestItem("a", "A")), SyncChange<TestItem>.Upsert("b", new TestItem("b", "B"))], cancellationToken);
        await dying.DisposeAsync();

        using (Assert.EnterMultipleScope())
        {
            Assert.That(rowsAfterDiscard, Is.Zero, "a discarded first pass takes its rows with it");
            Assert.That(await store.ReadItemsAsync(cancellationToken), Is.Empty, "readers see a collection's items only once it has a token");
            Assert.That(await store.ReadSyncTokenAsync(cancellationToken), Is.Null);
        }

        while ((await reader.ReadLeaseAsync(collection, cancellationToken))!.IsLive)
        {
            await Task.Delay(50, cancellationToken);
        }

        await using (var next = await store.BeginPassAsync(SyncPassKind.Full, cancellationToken))
        {
            await next.ApplyAsync([SyncChange<TestItem>.Upsert("c", new TestItem("c", "C"))], cancellationToken);
            await next.CommitAsync("token-1", cancellationToken);
        }

        using (Assert.EnterMultipleScope())
        {
            Assert.That((await store.ReadItemsAsync(cancellationToken)).Select(pair => pair.Key), Is.EqualTo(new[] { "c" }));
            Assert.That(await ScalarAsync(reader, $"SELECT count(*) FROM syncgen.items WHERE collection = '{collection}';", cancellationToken), Is.EqualTo(1), "the dead pass's rows are gone");
        }
    }

    /// <summary>A pass of 20,000 upserts in pages of 1,000.</summary>
    private static async Task PassAsync(PostgreSqlSyncStore<TestItem> store, SyncPassKind kind, string token, CancellationToken cancellationToken)
    {
        await using var pass = await store.BeginPassAsync(kind, cancellationToken);
        for (var page = 0; page < 20; page++)
        {
            await pass.ApplyAsync(Enumerable.Range(page * 1_000, 1_000).Select(i => SyncChange<TestItem>.Upsert($"k{i:D6}", new TestItem($"k{i:D6}", $"{token} {new string('x', 200)}"))).ToArray(), cancellationToken);
        }

        await pass.CommitAsync(token, cancellationToken);
    }

    private static async Task<object?> ScalarAsync(PostgreSqlSyncDatabase database, string sql, CancellationToken cancellationToken)
    {
        await using var command = database.DataSource.CreateCommand(sql);
        return await command.ExecuteScalarAsync(cancellationToken);
    }

    /// <summary>Shared buffers (hit + read) a statement touches, from EXPLAIN (ANALYZE, BUFFERS) in a rolled-back transaction.</summary>
    private static async Task<long> BuffersAsync(PostgreSqlSyncDatabase database, string sql, long epoch, CancellationToken cancellationToken)
    {
        await using var connection = await database.DataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        await using var explain = new Npgsql.NpgsqlCommand($"EXPLAIN (ANALYZE, BUFFERS, FORMAT JSON) {sql}", connection, transaction);
        explain.Parameters.AddWithValue("big");
        explain.Parameters.AddWithValue(epoch);
        var plan = JsonDocument.Parse((string)(await explain.ExecuteScalarAsync(cancellationToken))!).RootElement[0].GetProperty("Plan");
        return plan.GetProperty("Shared Hit Blocks").GetInt64() + plan.GetProperty("Shared Read Blocks").GetInt64();
    }
}
