using System;
using System.Linq;
using System.Text.Json;
using System.Threading;
using System.Threading.Tasks;
using NUnit.Framework;
using SyncGen.Testing.Stores;

namespace SyncGen.PostgreSql.Tests;

/// <summary>
/// The staging table after a big pass: the pass's rows are dead once it commits, and no later pass reads them (no sweep
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
        await using (var full = await store.BeginPassAsync(SyncPassKind.Full, cancellationToken))
        {
            for (var page = 0; page < 20; page++)
            {
                await full.ApplyAsync(Enumerable.Range(page * 1_000, 1_000).Select(i => SyncChange<TestItem>.Upsert($"k{i:D6}", new TestItem($"k{i:D6}", new string('x', 200)))).ToArray(), cancellationToken);
            }

            await full.CommitAsync("token-1", cancellationToken);
        }

        var epoch = (await database.ReadLeaseAsync("big", cancellationToken))!.Epoch;
        await using (var staged = database.DataSource.CreateCommand($"SELECT staged FROM {schema}.leases WHERE collection = 'big';"))
        {
            Assert.That(await staged.ExecuteScalarAsync(cancellationToken), Is.False, "the commit dropped its rows, so the next pass takes the lease without a sweep");
        }

        // What the next pass runs over staging: the sweep only after a pass that died (not here), and its commit's read of
        // its own epoch. Neither may walk the 20,000 dead rows: a sweep of every older epoch (as before) read them all.
        var nextPass = await BuffersAsync(database, $"SELECT count(*) FROM {schema}.staging WHERE collection = $1 AND epoch = $2", epoch + 1, cancellationToken);
        var oldSweep = await BuffersAsync(database, $"DELETE FROM {schema}.staging WHERE collection = $1 AND epoch < $2", epoch + 1, cancellationToken);
        using (Assert.EnterMultipleScope())
        {
            Assert.That(nextPass, Is.LessThanOrEqualTo(4), "the next pass's commit reads only its own epoch's index range");
            Assert.That(oldSweep, Is.GreaterThan(100), "the dead rows are there: a sweep over older epochs walks them");
        }

        await using var drop = database.DataSource.CreateCommand($"DROP SCHEMA {schema} CASCADE;");
        await drop.ExecuteNonQueryAsync(cancellationToken);
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
