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

        // Version 3 (issue 25): what an operator reads about each collection, written by the worker after each sync call.
        // collection_status: the last successful call (a no-change call commits nothing, so state.committed_at alone
        // would make a quiet collection look stale), when the token's full pass ended, the last failure and the run of
        // failures since the last success, and a push channel's expiry. failures: the recent failures of each collection,
        // trimmed to the newest few at each insert.
        """
        CREATE TABLE {s}.collection_status (
            collection text PRIMARY KEY,
            last_pass_at timestamptz,
            last_pass_kind text,
            last_pass_pages integer,
            last_pass_changes bigint,
            last_pass_seconds double precision,
            full_pass_at timestamptz,
            last_failure_at timestamptz,
            last_failure_class text,
            last_failure_message text,
            consecutive_failures integer NOT NULL DEFAULT 0,
            channel_expires_at timestamptz);
        CREATE TABLE {s}.failures (
            collection text NOT NULL,
            id bigint GENERATED ALWAYS AS IDENTITY,
            failed_at timestamptz NOT NULL,
            class text NOT NULL,
            message text NOT NULL,
            PRIMARY KEY (collection, id));
        """,

        // Version 4 (issue 26): push channels (SyncGen.AspNetCore): one row per Calendar watch channel or Graph subscription a worker created,
        // so that every worker of the fleet can check a notification against it and renew or stop it. The secret the
        // provider echoes (channel token, clientState) is kept as its SHA-256 only: the table never holds a usable token.
        // A row exists before the provider is asked to create the channel, because Google may send the channel's `sync`
        // notification before its answer arrives; resource_id and expires_at are set from that answer. control_uri is where
        // the channel is stopped (Calendar's channels/stop, the Graph subscription's own URL), so that a worker can stop the
        // channel of a collection the application no longer knows.
        """
        CREATE TABLE {s}.push_channels (
            channel_id text PRIMARY KEY,
            collection text NOT NULL,
            provider text NOT NULL,
            resource_id text,
            control_uri text NOT NULL,
            token_sha256 bytea NOT NULL,
            created_at timestamptz NOT NULL,
            expires_at timestamptz NOT NULL);
        CREATE INDEX push_channels_collection ON {s}.push_channels (collection);
        """,

        // Version 5 (issue 26): fleet-wide request budgets (PostgreSqlSyncQuota).
        // quota_buckets: one token bucket per quota key; tokens as of refilled_at (refilled by time on every take, in the
        // same UPDATE). A throttling answer empties it and moves refilled_at into the future: nothing refills until then.
        // quota_slots: the concurrency slots of keys that bound requests in flight; a slot is free once expires_at passed,
        // so a worker that died holding one frees it after the slot lease.
        """
        CREATE TABLE {s}.quota_buckets (
            key text PRIMARY KEY,
            tokens double precision NOT NULL,
            refilled_at timestamptz NOT NULL);
        CREATE TABLE {s}.quota_slots (
            key text NOT NULL,
            slot integer NOT NULL,
            holder text NOT NULL,
            expires_at timestamptz NOT NULL,
            PRIMARY KEY (key, slot));
        """,

        // Version 6 (issues 22 and 23): query fingerprints and pass checkpoints.
        // state.query_fingerprint: the fingerprint of the query whose full pass started the token; null for tokens
        // committed before (accepted once, then written).
        // leases.checkpoint: the checkpoint (JSON) written with the last page the pass of this epoch staged, and
        // checkpoint_changes the staged rows it covers; a pass after the lease expired may continue from it.
        """
        ALTER TABLE {s}.state ADD COLUMN query_fingerprint text;
        ALTER TABLE {s}.leases ADD COLUMN checkpoint text, ADD COLUMN checkpoint_changes bigint;
        """,

        // Version 7 (issue 23): the change feed. feed_changes holds each commit's net changes per key under a sequence number that only
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

        // removed_collections: a mark per child collection a parent's commit removed (ISyncCollectionRemover), written in
        // that commit and cleared by a later commit of the parent that lists the child again. A pass of a marked
        // collection may not commit: one that started after the removal would bring back its mirror and token.
        """
        CREATE TABLE {s}.removed_collections (
            collection text PRIMARY KEY,
            removed_by text NOT NULL,
            removed_at timestamptz NOT NULL DEFAULT now());
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
