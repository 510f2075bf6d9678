using System;
using SyncGen.Infrastructure;
using System.Collections.Generic;
using System.Text.Json;
using System.Threading;
using System.Threading.Tasks;
using Npgsql;
using NpgsqlTypes;

namespace SyncGen.PostgreSql;

/// <summary>
/// The sync store of one collection in a <see cref="PostgreSqlSyncDatabase"/>, with a fenced lease.
/// </summary>
/// <remarks>
/// <para>
/// A pass never holds a transaction while pages travel over the network. <see cref="BeginPassAsync"/> takes the
/// collection's lease: a row whose epoch grows by one with every pass, refused with <see cref="SyncLeaseHeldException"/>
/// while another pass holds it unexpired. Each <see cref="ISyncPassWriter{TItem}.ApplyAsync"/> renews the lease and
/// appends the page to a staging table in one statement, conditional on the epoch being still the pass's.
/// <see cref="ISyncPassWriter{TItem}.CommitAsync"/> then, in one transaction, locks the lease row, checks the epoch,
/// replays the staged changes onto the collection (emptied first for a full pass), stores the token and releases the
/// lease. A pass whose lease was taken over meanwhile (its worker paused past <see cref="PostgreSqlSyncStoreOptions.LeaseDuration"/>,
/// partitioned, or run twice by a scheduler) gets <see cref="SyncLeaseLostException"/> and writes nothing; the token row
/// also refuses any commit whose epoch is not newer than the one that wrote it, so the token never goes back.
/// </para>
/// <para>
/// Readers read committed rows only, so they see a collection before or after a pass, never half of one. Items are read
/// in ordinal key order (sorted here, not by the database's collation).
/// </para>
/// </remarks>
/// <typeparam name="TItem">The item type, stored as System.Text.Json in a <c>jsonb</c> column.</typeparam>
public sealed class PostgreSqlSyncStore<TItem> : ISyncStore<TItem>
{
    private readonly PostgreSqlSyncDatabase _database;
    private readonly string _collection;
    private readonly string _s;

    internal PostgreSqlSyncStore(PostgreSqlSyncDatabase database, string collection)
    {
        if (string.IsNullOrWhiteSpace(collection))
        {
            throw new ArgumentException("The PostgreSQL sync store needs a collection name; it was null or blank.", nameof(collection));
        }

        _database = database;
        _collection = collection;
        _s = database.Schema;
    }

    /// <summary>The collection this store reads and writes.</summary>
    public string Collection => _collection;

    /// <summary>The database this store lives in.</summary>
    public PostgreSqlSyncDatabase Database => _database;

    /// <inheritdoc />
    public async ValueTask<string?> ReadSyncTokenAsync(CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();
        await _database.EnsureSchemaAsync(cancellationToken).ConfigureAwait(false);
        await using var command = _database.DataSource.CreateCommand($"SELECT sync_token FROM {_s}.state WHERE collection = $1;");
        command.Parameters.AddWithValue(_collection);
        return await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false) as string;
    }

    /// <inheritdoc />
    /// <exception cref="SyncLeaseHeldException">Another pass holds the collection's lease and it has not expired.</exception>
    public async ValueTask<ISyncPassWriter<TItem>> BeginPassAsync(SyncPassKind kind, CancellationToken cancellationToken = default)
    {
        if (kind is not (SyncPassKind.Full or SyncPassKind.Incremental))
        {
            throw new ArgumentException($"Unknown pass kind {kind}.", nameof(kind));
        }

        cancellationToken.ThrowIfCancellationRequested();
        await _database.EnsureSchemaAsync(cancellationToken).ConfigureAwait(false);
        var connection = await _database.DataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using (connection.ConfigureAwait(false))
        {
            var transaction = await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
            await using (transaction.ConfigureAwait(false))
            {
                // Take the lease if it is free or expired; the epoch grows either way, so every pass has its own.
                long epoch;
                await using (var take = new NpgsqlCommand(
                    $"""
                    INSERT INTO {_s}.leases AS l (collection, epoch, holder, acquired_at, expires_at)
                    VALUES ($1, 1, $2, now(), now() + $3)
                    ON CONFLICT (collection) DO UPDATE
                        SET epoch = l.epoch + 1, holder = excluded.holder, acquired_at = excluded.acquired_at, expires_at = excluded.expires_at
                        WHERE l.expires_at <= now()
                    RETURNING epoch;
                    """,
                    connection,
                    transaction))
                {
                    take.Parameters.AddWithValue(_collection);
                    take.Parameters.AddWithValue(_database.Options.Holder);
                    take.Parameters.AddWithValue(_database.Options.LeaseDuration);
                    var taken = await take.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false);
                    if (taken is not long newEpoch)
                    {
                        throw await LeaseHeldAsync(connection, transaction, cancellationToken).ConfigureAwait(false);
                    }

                    epoch = newEpoch;
                }

                // Pages staged by older passes of this collection can never commit (their epoch is stale): drop them.
                await using (var sweep = new NpgsqlCommand($"DELETE FROM {_s}.staging WHERE collection = $1 AND epoch < $2;", connection, transaction))
                {
                    sweep.Parameters.AddWithValue(_collection);
                    sweep.Parameters.AddWithValue(epoch);
                    await sweep.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
                }

                await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
                return new Writer(this, kind, epoch);
            }
        }
    }

    /// <inheritdoc />
    /// <exception cref="SyncStoreCorruptException">A stored item no longer deserializes as <typeparamref name="TItem"/>.</exception>
    public async ValueTask<IReadOnlyList<KeyValuePair<string, TItem>>> ReadItemsAsync(CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();
        await _database.EnsureSchemaAsync(cancellationToken).ConfigureAwait(false);
        var items = new List<KeyValuePair<string, TItem>>();
        await using (var command = _database.DataSource.CreateCommand($"SELECT key, item::text FROM {_s}.items WHERE collection = $1;"))
        {
            command.Parameters.AddWithValue(_collection);
            await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            {
                var key = reader.GetString(0);
                items.Add(KeyValuePair.Create(key, Deserialize(key, reader.GetString(1))));
            }
        }

        // Ordinal (UTF-16) order as every SyncGen store reads; the "C" collation would give code point order instead.
        items.Sort(static (x, y) => string.CompareOrdinal(x.Key, y.Key));
        return items;
    }

    private TItem Deserialize(string key, string json)
    {
        try
        {
            return JsonSerializer.Deserialize<TItem>(json, _database.SerializerOptions)
                ?? throw new SyncStoreCorruptException(Location(key), "the stored item is JSON null.");
        }
        catch (Exception ex) when (ex is JsonException or NotSupportedException or InvalidOperationException)
        {
            // As the other stores: a converter may refuse stored JSON with any of the three, and each means the same.
            throw new SyncStoreCorruptException(Location(key), $"the stored item does not deserialize as {typeof(TItem).Name}: {ex.Message}", ex);
        }
    }

    private string Location(string key) => $"{_s}.items, collection '{_collection}', key '{key}'";

    private async Task<SyncLeaseHeldException> LeaseHeldAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, CancellationToken cancellationToken)
    {
        await using var read = new NpgsqlCommand($"SELECT holder, epoch, expires_at FROM {_s}.leases WHERE collection = $1;", connection, transaction);
        read.Parameters.AddWithValue(_collection);
        await using var reader = await read.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        return await reader.ReadAsync(cancellationToken).ConfigureAwait(false)
            ? new SyncLeaseHeldException(_collection, reader.GetString(0), reader.GetInt64(1), reader.GetFieldValue<DateTimeOffset>(2))
            : new SyncLeaseHeldException(_collection, "(unknown)", 0, DateTimeOffset.UtcNow);
    }

    // Not thread-safe: one pass is driven by one caller, page after page.
    private sealed class Writer(PostgreSqlSyncStore<TItem> store, SyncPassKind kind, long epoch) : ISyncPassWriter<TItem>
    {
        private readonly string _s = store._s;
        private long _staged; // changes staged so far; also the next seq
        private bool _done;

        public async ValueTask ApplyAsync(IReadOnlyList<SyncChange<TItem>> changes, CancellationToken cancellationToken = default)
        {
            ArgumentNullException.ThrowIfNull(changes);
            ThrowIfDone();
            cancellationToken.ThrowIfCancellationRequested();
            SyncChangeValidation.Validate(changes, nameof(changes));

            // Serialize first: a serialization error, or an item that serializes to JSON null (which jsonb would store as
            // a null item, not a missing one), leaves the pass as it was.
            var keys = new string[changes.Count];
            var items = new string?[changes.Count];
            for (var i = 0; i < changes.Count; i++)
            {
                keys[i] = changes[i].Key;
                if (!changes[i].IsDelete)
                {
                    var json = JsonSerializer.Serialize(changes[i].Item, store._database.SerializerOptions);
                    SyncChangeValidation.ValidateSerializedItem(json, i, changes[i].Key, nameof(changes));
                    items[i] = json;
                }
            }

            // One statement, so one implicit transaction: the lease is renewed and the page staged only if the epoch is
            // still this pass's (a data-modifying CTE runs exactly once, even though the insert reads it only in WHERE).
            await using var command = store._database.DataSource.CreateCommand(
                $"""
                WITH lease AS (
                    UPDATE {_s}.leases SET expires_at = now() + $3 WHERE collection = $1 AND epoch = $2 RETURNING 1)
                INSERT INTO {_s}.staging (collection, epoch, seq, key, item)
                SELECT $1, $2, $4 + t.ord - 1, t.key, t.item::jsonb
                FROM unnest($5::text[], $6::text[]) WITH ORDINALITY AS t(key, item, ord)
                WHERE EXISTS (SELECT 1 FROM lease);
                """);
            if (changes.Count == 0)
            {
                command.CommandText = $"UPDATE {_s}.leases SET expires_at = now() + $3 WHERE collection = $1 AND epoch = $2;";
            }

            command.Parameters.AddWithValue(store._collection);
            command.Parameters.AddWithValue(epoch);
            command.Parameters.AddWithValue(store._database.Options.LeaseDuration);
            if (changes.Count > 0)
            {
                command.Parameters.AddWithValue(_staged);
                command.Parameters.Add(new NpgsqlParameter { Value = keys, NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Text });
                command.Parameters.Add(new NpgsqlParameter { Value = items, NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Text });
            }

            var written = await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
            if (written == 0)
            {
                throw new SyncLeaseLostException(store._collection, epoch, await store.CurrentEpochAsync(cancellationToken).ConfigureAwait(false), "apply");
            }

            // Advanced only once the page is durably staged: a failed or cancelled apply left nothing behind.
            _staged += changes.Count;
        }

        public async ValueTask CommitAsync(string syncToken, CancellationToken cancellationToken = default)
        {
            if (string.IsNullOrEmpty(syncToken))
            {
                throw new ArgumentException("A pass commits with the server's next sync token; it was empty.", nameof(syncToken));
            }

            ThrowIfDone();
            cancellationToken.ThrowIfCancellationRequested();
            var connection = await store._database.DataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
            await using (connection.ConfigureAwait(false))
            {
                var transaction = await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
                await using (transaction.ConfigureAwait(false))
                {
                    // The fence: lock the lease row (a pass taking it over now waits for this transaction) and check the
                    // epoch. A newer pass took it over: refuse, and the rollback on dispose leaves everything as it is.
                    long? current;
                    long staged;
                    await using (var check = new NpgsqlCommand(
                        $"""
                        SELECT (SELECT epoch FROM {_s}.leases WHERE collection = $1 FOR UPDATE),
                               (SELECT count(*) FROM {_s}.staging WHERE collection = $1 AND epoch = $2);
                        """,
                        connection,
                        transaction))
                    {
                        check.Parameters.AddWithValue(store._collection);
                        check.Parameters.AddWithValue(epoch);
                        await using var reader = await check.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
                        await reader.ReadAsync(cancellationToken).ConfigureAwait(false);
                        current = reader.IsDBNull(0) ? null : reader.GetInt64(0);
                        staged = reader.GetInt64(1);
                    }

                    if (current != epoch)
                    {
                        throw new SyncLeaseLostException(store._collection, epoch, current, "commit");
                    }

                    if (staged != _staged)
                    {
                        // The staging table is unlogged: a database crash empties it. Committing what is left would
                        // silently lose changes.
                        throw new InvalidOperationException(
                            $"{store._collection}: {_staged} changes of this {kind} pass were staged but {staged} are left (the database restarted and dropped its unlogged staging rows); nothing was committed. Run the pass again.");
                    }

                    var statements = new List<string>(4);
                    if (kind == SyncPassKind.Full)
                    {
                        statements.Add($"DELETE FROM {_s}.items WHERE collection = $1;");
                    }

                    // The last staged change of each key decides its fate: replaying the pass in order and keeping only the
                    // last change per key give the same result, and the set-based form is one statement.
                    statements.Add(
                        $"""
                        WITH last AS (
                            SELECT DISTINCT ON (key) key, item FROM {_s}.staging
                            WHERE collection = $1 AND epoch = $2 ORDER BY key, seq DESC),
                        gone AS (
                            DELETE FROM {_s}.items AS i USING last
                            WHERE i.collection = $1 AND i.key = last.key AND last.item IS NULL)
                        INSERT INTO {_s}.items AS i (collection, key, item)
                        SELECT $1, key, item FROM last WHERE item IS NOT NULL
                        ON CONFLICT (collection, key) DO UPDATE SET item = excluded.item WHERE i.item IS DISTINCT FROM excluded.item;
                        """);
                    statements.Add($"DELETE FROM {_s}.staging WHERE collection = $1 AND epoch = $2;");
                    statements.Add($"UPDATE {_s}.leases SET expires_at = now() WHERE collection = $1 AND epoch = $2;");
                    await using (var apply = Batch(connection, transaction, statements))
                    {
                        await apply.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
                    }

                    // The token row refuses an epoch that is not newer than the one that wrote it: with the fence above
                    // this never fires, but it keeps the token from going back even if a lease row were reset by hand.
                    await using var token = new NpgsqlCommand(
                        $"""
                        INSERT INTO {_s}.state AS st (collection, sync_token, committed_epoch, commits, committed_at)
                        VALUES ($1, $3, $2, 1, now())
                        ON CONFLICT (collection) DO UPDATE
                            SET sync_token = excluded.sync_token, committed_epoch = excluded.committed_epoch,
                                commits = st.commits + 1, committed_at = excluded.committed_at
                            WHERE st.committed_epoch < excluded.committed_epoch
                        RETURNING 1;
                        """,
                        connection,
                        transaction);
                    token.Parameters.AddWithValue(store._collection);
                    token.Parameters.AddWithValue(epoch);
                    token.Parameters.AddWithValue(syncToken);
                    if (await token.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false) is null)
                    {
                        throw new SyncLeaseLostException(store._collection, epoch, current, "commit (a pass of an equal or newer epoch already committed)");
                    }

                    // All the work is done: cancelling now would only throw it away, so the COMMIT itself is not cancellable.
                    await transaction.CommitAsync(CancellationToken.None).ConfigureAwait(false);
                }
            }

            // Only a successful commit ends the writer: after a failed or cancelled one the staged rows are intact and
            // the commit may be retried.
            _done = true;
        }

        public async ValueTask DisposeAsync()
        {
            if (_done)
            {
                return;
            }

            _done = true;
            try
            {
                // Drop the staged pages and hand the lease back at once, if it is still ours.
                var connection = await store._database.DataSource.OpenConnectionAsync(CancellationToken.None).ConfigureAwait(false);
                await using (connection.ConfigureAwait(false))
                {
                    await using var discard = Batch(connection, null, [
                        $"DELETE FROM {_s}.staging WHERE collection = $1 AND epoch = $2;",
                        $"UPDATE {_s}.leases SET expires_at = now() WHERE collection = $1 AND epoch = $2;",
                    ]);
                    await discard.ExecuteNonQueryAsync(CancellationToken.None).ConfigureAwait(false);
                }
            }
            catch (NpgsqlException)
            {
                // Best effort: staged rows are invisible to readers and to other passes, and the next pass of this
                // collection drops them when it takes the lease (which expires by itself). Dispose must not throw over that.
            }
        }

        // Statements with positional parameters cannot share one command; a batch still sends them in one round trip.
        // Every statement gets the collection as $1 and the epoch as $2.
        private NpgsqlBatch Batch(NpgsqlConnection connection, NpgsqlTransaction? transaction, IReadOnlyList<string> statements)
        {
            var batch = new NpgsqlBatch(connection, transaction);
            foreach (var sql in statements)
            {
                var command = new NpgsqlBatchCommand(sql);
                command.Parameters.AddWithValue(store._collection);
                command.Parameters.AddWithValue(epoch);
                batch.BatchCommands.Add(command);
            }

            return batch;
        }

        private void ThrowIfDone()
        {
            if (_done)
            {
                throw new InvalidOperationException("This pass writer was already committed or disposed.");
            }
        }
    }

    private async Task<long?> CurrentEpochAsync(CancellationToken cancellationToken)
    {
        await using var command = _database.DataSource.CreateCommand($"SELECT epoch FROM {_s}.leases WHERE collection = $1;");
        command.Parameters.AddWithValue(_collection);
        return await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false) as long?;
    }
}
