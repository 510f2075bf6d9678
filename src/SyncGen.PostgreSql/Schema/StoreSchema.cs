using System.Collections.Generic;
using System.Threading;
using System.Threading.Tasks;
using Npgsql;

namespace SyncGen.PostgreSql;

/// <summary>
/// Creates and upgrades the store's tables. Each version is one migration applied in the same transaction that records
/// it, under an advisory lock, so that workers starting together neither race nor apply a step twice.
/// </summary>
internal static class StoreSchema
{
    /// <summary>Migrations in order; migration i takes the schema from version i to i + 1. {s} is the schema name.</summary>
    private static readonly IReadOnlyList<string> Migrations =
    [
        // Version 1.
        // items: the committed mirrors, one row per item, the item as jsonb.
        // state: the committed token per collection and the lease epoch of the pass that committed it.
        // leases: one row per collection; epoch only grows (fencing token).
        // staging: the pages of passes in flight, keyed by (collection, epoch): a pass is identified by its lease. It is
        // UNLOGGED (not written to the WAL, emptied by a database crash): staged pages are disposable, and a pass whose
        // pages vanished is refused at commit by its page count, never committed partially.
        """
        CREATE TABLE {s}.items (
            collection text NOT NULL,
            key text NOT NULL,
            item jsonb NOT NULL,
            PRIMARY KEY (collection, key));
        CREATE TABLE {s}.state (
            collection text PRIMARY KEY,
            sync_token text NOT NULL,
            committed_epoch bigint NOT NULL,
            commits bigint NOT NULL,
            committed_at timestamptz NOT NULL);
        CREATE TABLE {s}.leases (
            collection text PRIMARY KEY,
            epoch bigint NOT NULL,
            holder text NOT NULL,
            acquired_at timestamptz NOT NULL,
            expires_at timestamptz NOT NULL);
        CREATE UNLOGGED TABLE {s}.staging (
            collection text NOT NULL,
            epoch bigint NOT NULL,
            seq bigint NOT NULL,
            key text NOT NULL,
            item jsonb,
            PRIMARY KEY (collection, epoch, seq));
        """,

        // Version 2.
        // leases.staged: whether the pass of this epoch may have left rows in staging. A pass sets it when it takes the
        // lease to stage pages and clears it when its commit or discard drops them, so the next pass sweeps staging only
        // after a pass that died, and then only that pass's epoch: it never scans the dead rows that committed passes
        // left behind. Rows of older epochs can never commit: they are dropped here once, so the flag's rule holds from now on.
        """
        ALTER TABLE {s}.leases ADD COLUMN staged boolean NOT NULL DEFAULT true;
        DELETE FROM {s}.staging AS st USING {s}.leases AS l WHERE st.collection = l.collection AND st.epoch < l.epoch;
        """,

        // Change feed (issue 23): feed_changes holds each commit's net changes per key under a sequence number that only
        // grows per collection; feed_heads the newest and the newest pruned sequence numbers; feed_consumers the named
        // consumers' cursors. Written only by stores whose ChangeFeed is set.
        """
        CREATE TABLE {s}.feed_changes (
            collection text NOT NULL,
            seq bigint NOT NULL,
            key text NOT NULL,
            kind text NOT NULL,
            item jsonb,
            PRIMARY KEY (collection, seq));
        CREATE TABLE {s}.feed_heads (
            collection text PRIMARY KEY,
            head bigint NOT NULL,
            pruned_through bigint NOT NULL);
        CREATE TABLE {s}.feed_consumers (
            collection text NOT NULL,
            consumer text NOT NULL,
            acked bigint NOT NULL,
            PRIMARY KEY (collection, consumer));
        """,
    ];

    /// <summary>The version this code creates and understands.</summary>
    public static int CurrentVersion => Migrations.Count;

    public static async Task EnsureAsync(NpgsqlDataSource dataSource, string schema, CancellationToken cancellationToken)
    {
        var connection = await dataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using (connection.ConfigureAwait(false))
        {
            var transaction = await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
            await using (transaction.ConfigureAwait(false))
            {
                // One lock per schema name, held until the transaction ends.
                await using (var command = new NpgsqlCommand("SELECT pg_advisory_xact_lock(hashtext('syncgen.schema:' || $1));", connection, transaction))
                {
                    command.Parameters.AddWithValue(schema);
                    await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
                }

                await using (var command = new NpgsqlCommand(
                    $"""
                    CREATE SCHEMA IF NOT EXISTS {schema};
                    CREATE TABLE IF NOT EXISTS {schema}.schema_version (
                        only_row boolean PRIMARY KEY DEFAULT true CHECK (only_row),
                        version integer NOT NULL);
                    """,
                    connection,
                    transaction))
                {
                    await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
                }

                int version;
                await using (var command = new NpgsqlCommand($"SELECT version FROM {schema}.schema_version;", connection, transaction))
                {
                    version = await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false) is int found ? found : 0;
                }

                if (version > CurrentVersion)
                {
                    throw new SyncStoreSchemaException(schema, version, CurrentVersion);
                }

                if (version == CurrentVersion)
                {
                    return; // the transaction is rolled back on dispose: it only read
                }

                for (var step = version; step < CurrentVersion; step++)
                {
                    await using var migrate = new NpgsqlCommand(Migrations[step].Replace("{s}", schema, System.StringComparison.Ordinal), connection, transaction);
                    await migrate.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
                }

                await using (var record = new NpgsqlCommand(
                    $"INSERT INTO {schema}.schema_version (version) VALUES ($1) ON CONFLICT (only_row) DO UPDATE SET version = excluded.version;",
                    connection,
                    transaction))
                {
                    record.Parameters.AddWithValue(CurrentVersion);
                    await record.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
                }

                await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
            }
        }
    }
}
