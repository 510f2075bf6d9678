using System;
using SyncGen.Infrastructure;
using System.Collections.Generic;
using System.Text.Json;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.Data.Sqlite;

namespace SyncGen;

public sealed partial class SqliteSyncStore<TItem>
{
    /// <summary>
    /// One pass: one connection from <see cref="BeginPassAsync"/> to the end of the pass, its changes buffered in a temp
    /// table of that connection (see the class remarks), one transaction on the database at commit. Not thread-safe: one
    /// pass is driven by one caller, page after page.
    /// </summary>
    private sealed class PassWriter : ISyncPassWriter<TItem>
    {
        private readonly SqliteSyncStore<TItem> _store;
        private readonly SyncPassKind _kind;
        private readonly SqliteConnection _connection;

        // A name no other pass will use, even one that later gets this pooled connection.
        private readonly string _buffer = "syncgen_pass_" + Guid.NewGuid().ToString("N");

        // The buffer's insert, prepared once for the whole pass (null until the first non-empty page creates the buffer).
        private SqliteCommand? _insert;
        private SqliteParameter? _key;
        private SqliteParameter? _json;
        private long _buffered; // changes buffered so far (keys repeated across pages counted each time)
        private bool _done;

        public PassWriter(SqliteSyncStore<TItem> store, SyncPassKind kind, SqliteConnection connection)
        {
            _store = store;
            _kind = kind;
            _connection = connection;
        }

        public async ValueTask ApplyAsync(IReadOnlyList<SyncChange<TItem>> changes, CancellationToken cancellationToken = default)
        {
            ArgumentNullException.ThrowIfNull(changes);
            ThrowIfDone();
            cancellationToken.ThrowIfCancellationRequested();
            SyncChangeValidation.Validate(changes, nameof(changes));
            if (changes.Count == 0)
            {
                return;
            }

            // Serialize first: a serialization error then leaves the pass as it was.
            var json = new string?[changes.Count];
            for (var i = 0; i < changes.Count; i++)
            {
                var change = changes[i];
                json[i] = change.IsDelete ? null : JsonSerializer.Serialize(change.Item, _store._serializerOptions);
            }

            var insert = _insert ?? await CreateBufferAsync(cancellationToken).ConfigureAwait(false);

            // A deferred transaction that writes only the temp database takes no lock on the database file: other
            // collections and other processes go on committing while this pass buffers. It makes the page all or nothing.
            var transaction = _connection.BeginTransaction(deferred: true);
            await using (transaction.ConfigureAwait(false))
            {
                insert.Transaction = transaction;
                for (var i = 0; i < changes.Count; i++)
                {
                    _key!.Value = changes[i].Key;
                    _json!.Value = (object?)json[i] ?? DBNull.Value;
                    await insert.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
                }

                await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
            }

            // Counted only once the page is buffered: a failed or cancelled apply left nothing behind.
            _buffered += changes.Count;
        }

        public async ValueTask CommitAsync(string syncToken, CancellationToken cancellationToken = default)
        {
            if (string.IsNullOrEmpty(syncToken))
            {
                throw new ArgumentException("A pass commits with the server's next sync token; it was empty.", nameof(syncToken));
            }

            ThrowIfDone();
            cancellationToken.ThrowIfCancellationRequested();

            // Nothing changed and the server handed back the token the caller started from (or the one stored now): the
            // file already holds a token with its matching mirror, so the commit takes no write lock and costs no WAL
            // frame nor fsync. The token read at the start of the call saves a query.
            if (_kind == SyncPassKind.Incremental && _buffered == 0
                && (syncToken == _store._lastSeenToken || await StoredTokenAsync(cancellationToken).ConfigureAwait(false) == syncToken))
            {
                await FinishAsync().ConfigureAwait(false);
                return;
            }

            var transaction = await BeginImmediateAsync(_connection, cancellationToken).ConfigureAwait(false);
            await using (transaction.ConfigureAwait(false))
            {
                using var apply = CreateCommand(_connection, transaction, CommitSql());
                apply.Parameters.AddWithValue("$collection", _store._collection);
                apply.Parameters.AddWithValue("$token", syncToken);
                apply.Parameters.AddWithValue("$cutoff", NowUnixMilliseconds() - (long)_store.AbandonedPassRetention.TotalMilliseconds);
                await apply.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);

                // All the work is done: cancelling now would only throw it away, so the COMMIT itself is not cancellable.
                await transaction.CommitAsync(CancellationToken.None).ConfigureAwait(false);
            }

            _store._lastSeenToken = syncToken;

            // Only a successful commit ends the writer: after a failed or cancelled one the buffer is intact and the
            // commit may be retried.
            await FinishAsync().ConfigureAwait(false);
        }

        public async ValueTask DisposeAsync()
        {
            if (_done)
            {
                return;
            }

            await FinishAsync().ConfigureAwait(false);
        }

        private string CommitSql()
        {
            var sql = new System.Text.StringBuilder();
            if (_kind == SyncPassKind.Full)
            {
                // The collection is emptied and refilled: a plain insert, no conflict is possible, and the buffer is read
                // in key order, which is the items' key order too.
                sql.Append("DELETE FROM syncgen_items WHERE collection = $collection;\n");
                if (_insert is not null)
                {
                    sql.Append($"INSERT INTO syncgen_items (collection, key, json) SELECT $collection, key, json FROM temp.{_buffer} WHERE json IS NOT NULL;\n");
                }
            }
            else if (_insert is not null)
            {
                // The buffer holds the last change of each key already: deletes, then upserts, and the order between two
                // different keys does not matter. A delete of a key never stored deletes nothing.
                sql.Append($"DELETE FROM syncgen_items WHERE collection = $collection AND key IN (SELECT key FROM temp.{_buffer} WHERE json IS NULL);\n");
                sql.Append($"INSERT INTO syncgen_items (collection, key, json) SELECT $collection, key, json FROM temp.{_buffer} WHERE json IS NOT NULL ");
                sql.Append("ON CONFLICT (collection, key) DO UPDATE SET json = excluded.json;\n");
            }

            sql.Append("""
                INSERT INTO syncgen_state (collection, sync_token) VALUES ($collection, $token)
                    ON CONFLICT (collection) DO UPDATE SET sync_token = excluded.sync_token;

                """);
            if (_store._hasLegacyStaging)
            {
                sql.Append("""
                    DELETE FROM syncgen_staging WHERE pass_id IN (SELECT pass_id FROM syncgen_passes WHERE touched_utc < $cutoff);
                    DELETE FROM syncgen_passes WHERE touched_utc < $cutoff;
                    """);
            }

            return sql.ToString();
        }

        private async ValueTask<SqliteCommand> CreateBufferAsync(CancellationToken cancellationToken)
        {
            // temp_store = FILE: a pass of a million events buffers hundreds of megabytes, which belong in a temporary
            // file (never synced, deleted on close), not in memory; a few megabytes of cache keep small passes in memory.
            // The temp database's rollback journal stays in memory: it only has to undo a failed page.
            using (var create = _connection.CreateCommand())
            {
                create.CommandText = $"""
                    PRAGMA temp_store = FILE;
                    PRAGMA temp.journal_mode = MEMORY;
                    PRAGMA temp.cache_size = -8192;
                    CREATE TEMP TABLE {_buffer} (key TEXT NOT NULL PRIMARY KEY, json TEXT NULL) WITHOUT ROWID;
                    """;
                await create.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
            }

            // INSERT OR REPLACE: a later change of a key replaces the earlier one, so the buffer keeps each key's last change.
            var insert = _connection.CreateCommand();
            insert.CommandText = $"INSERT OR REPLACE INTO temp.{_buffer} (key, json) VALUES ($key, $json);";
            _key = insert.Parameters.Add("$key", SqliteType.Text);
            _json = insert.Parameters.Add("$json", SqliteType.Text);
            _insert = insert;
            return insert;
        }

        private async ValueTask<string?> StoredTokenAsync(CancellationToken cancellationToken)
        {
            using var read = _connection.CreateCommand();
            read.CommandText = "SELECT sync_token FROM syncgen_state WHERE collection = $collection;";
            read.Parameters.AddWithValue("$collection", _store._collection);
            return await read.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false) as string;
        }

        /// <summary>Ends the writer: drops the buffer and gives the connection back.</summary>
        private async ValueTask FinishAsync()
        {
            _done = true;
            if (_insert is not null)
            {
                _insert.Dispose();
                try
                {
                    using var drop = _connection.CreateCommand();
                    drop.CommandText = $"DROP TABLE IF EXISTS temp.{_buffer};";
                    await drop.ExecuteNonQueryAsync().ConfigureAwait(false);
                }
                catch (SqliteException)
                {
                    // A buffer that cannot be dropped must not go back to the pool with the connection: clearing the
                    // pool closes this connection on dispose, and the temp database (file and all) goes with it.
                    SqliteConnection.ClearPool(_connection);
                }
            }

            await _connection.DisposeAsync().ConfigureAwait(false);
        }

        private void ThrowIfDone()
        {
            if (_done)
            {
                throw new InvalidOperationException("This pass writer was already committed or disposed.");
            }
        }
    }
}
