using System;
using SyncGen.Infrastructure;
using System.Collections.Generic;
using System.Linq;
using System.Text.Json;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.Data.Sqlite;

namespace SyncGen;

public sealed partial class SqliteSyncStore<TItem>
{
    /// <summary>
    /// One pass: one connection from its first use to the end of the pass, its changes buffered in a temp table of that
    /// connection (see the class remarks), one transaction on the database at commit. Not thread-safe: one pass is driven
    /// by one caller, page after page.
    /// </summary>
    /// <remarks>
    /// The connection is taken when <see cref="BeginPassAsync"/> is the store's first, and otherwise when the pass first
    /// needs it (a page with changes, a commit that writes): a pass that finds nothing new and ends on the token read at
    /// the start of the call (most calls of a store that is polled) takes no connection at all.
    /// </remarks>
    private sealed class PassWriter : ISyncPassWriter<TItem>, ISyncCollectionRemover, ISyncQueryFingerprintWriter
    {
        private string? _fingerprint;

        private readonly SqliteSyncStore<TItem> _store;
        private readonly SyncPassKind _kind;
        // Null until the pass first needs the database (see the remarks); _connection is the lease's, set with it.
        private Lease? _lease;
        private SqliteConnection _connection = null!;

        // A name no other pass will use, even one that later gets this pooled connection.
        private readonly string _buffer = "syncgen_pass_" + Guid.NewGuid().ToString("N");

        // The buffer's insert, prepared once for the whole pass (null until the first non-empty page creates the buffer).
        // It runs through SQLite's C API: per row, Microsoft.Data.Sqlite's ExecuteNonQuery builds a data reader and
        // re-infers each parameter's type, which cost as much as SQLite's own work for the row.
        private SQLitePCL.sqlite3_stmt? _insert;

        // Each item is serialized into this one buffer, bound from it and overwritten by the next: no array per item.
        private System.Buffers.ArrayBufferWriter<byte>? _itemJson;
        private Utf8JsonWriter? _itemWriter;

        // Each key's UTF-8 bytes, bound with their length (see BindKey); grown to the longest key so far.
        private byte[] _keyUtf8 = [];
        private long _buffered; // changes buffered so far (keys repeated across pages counted each time)

        // The buffer as runs of consecutive changes of one kind (upserts or deletes), in pass order, by sequence number.
        // The commit replays them run by run, so a later change of a key wins without any per-key work; a pass of
        // upserts only (every full listing, most incremental ones) is a single run and a single statement.
        private readonly List<Run> _runs = new();
        private bool _done;
        private bool _feedStarted; // a commit began the feed's part: its temporary objects may outlive a commit that failed

        // Other collections of the file the commit removes (a parent's deleted children, see ISyncCollectionRemover).
        private string[] _removals = [];

        public PassWriter(SqliteSyncStore<TItem> store, SyncPassKind kind, Lease? lease)
        {
            _store = store;
            _kind = kind;
            if (lease is not null)
            {
                Take(lease);
            }
        }

        public void SetQueryFingerprint(string? fingerprint) => _fingerprint = fingerprint;

        public async ValueTask ApplyAsync(IReadOnlyList<SyncChange<TItem>> changes, CancellationToken cancellationToken = default)
        {
            try
            {
                await ApplyCoreAsync(changes, cancellationToken).ConfigureAwait(false);
            }
            catch (SqliteException ex) when (_store.Unusable(ex) is { } unusable)
            {
                throw unusable;
            }
        }

        public void RemoveOnCommit(IReadOnlyCollection<string> collections)
        {
            ArgumentNullException.ThrowIfNull(collections);
            ThrowIfDone();
            _removals = collections.Where(c => !string.Equals(c, _store._collection, StringComparison.Ordinal)).Distinct(StringComparer.Ordinal).ToArray();
        }

        public async ValueTask CommitAsync(string syncToken, CancellationToken cancellationToken = default)
        {
            try
            {
                await CommitCoreAsync(syncToken, cancellationToken).ConfigureAwait(false);
            }
            catch (SqliteException ex) when (_store.Unusable(ex) is { } unusable)
            {
                throw unusable;
            }
        }

        private async ValueTask ApplyCoreAsync(IReadOnlyList<SyncChange<TItem>> changes, CancellationToken cancellationToken)
        {
            ArgumentNullException.ThrowIfNull(changes);
            ThrowIfDone();
            cancellationToken.ThrowIfCancellationRequested();
            SyncChangeValidation.Validate(changes, nameof(changes));
            if (changes.Count == 0)
            {
                return;
            }

            await EnsureConnectionAsync(cancellationToken).ConfigureAwait(false);
            var insert = _insert ?? await CreateBufferAsync(cancellationToken).ConfigureAwait(false);

            // A deferred transaction that writes only the temp database takes no lock on the database file: other
            // collections and other processes go on committing while this pass buffers. It makes the page all or nothing:
            // a row SQLite refuses, an item that does not serialize or a cancellation rolls the whole page back.
            var transaction = _connection.BeginTransaction(deferred: true);
            await using (transaction.ConfigureAwait(false))
            {
                try
                {
                    for (var i = 0; i < changes.Count; i++)
                    {
                        if ((i & 255) == 255)
                        {
                            cancellationToken.ThrowIfCancellationRequested();
                        }

                        InsertIntoBuffer(insert, changes[i], i);
                    }
                }
                finally
                {
                    SQLitePCL.raw.sqlite3_reset(insert);
                }

                await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
            }

            // Counted only once the page is buffered: a failed or cancelled apply left nothing behind.
            for (var i = 0; i < changes.Count; i++)
            {
                var seq = _buffered + i + 1;
                var isDelete = changes[i].IsDelete;
                if (_runs.Count > 0 && _runs[^1].IsDelete == isDelete)
                {
                    _runs[^1] = _runs[^1] with { Last = seq };
                }
                else
                {
                    _runs.Add(new Run(seq, seq, isDelete));
                }
            }

            _buffered += changes.Count;
        }

        private async ValueTask CommitCoreAsync(string syncToken, CancellationToken cancellationToken)
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
            if (_kind == SyncPassKind.Incremental && _buffered == 0 && _removals.Length == 0
                && (syncToken == _store._lastSeenToken || await StoredTokenAsync(cancellationToken).ConfigureAwait(false) == syncToken)
                && (_fingerprint is null || _fingerprint == await StoredFingerprintAsync(cancellationToken).ConfigureAwait(false)))
            {
                await FinishAsync().ConfigureAwait(false);
                return;
            }

            await EnsureConnectionAsync(cancellationToken).ConfigureAwait(false);
            var transaction = await BeginImmediateAsync(_connection, cancellationToken).ConfigureAwait(false);
            await using (transaction.ConfigureAwait(false))
            {
                // Before the items change: a full pass keeps and compares what it replaces, an incremental one sets
                // triggers to watch the writes below (see BeginFeedAsync).
                var feedWork = await _store.BeginFeedAsync(_connection, transaction, _buffer, _insert is not null, _runs.Exists(run => run.IsDelete), _buffered, _kind, cancellationToken).ConfigureAwait(false);
                _feedStarted |= feedWork.Steps != FeedAfterReplay.None;
                if (_kind == SyncPassKind.Full)
                {
                    // A full pass replaces the collection: empty it, then the runs refill it.
                    using var clear = CreateCommand(_connection, transaction, "DELETE FROM syncgen_items WHERE collection = $collection;");
                    clear.Parameters.AddWithValue("$collection", _store._collection);
                    await clear.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
                }

                await ReplayRunsAsync(transaction, feedWork.AnnouncedThrough, cancellationToken).ConfigureAwait(false);
                await _store.EndFeedAsync(_connection, transaction, feedWork, _buffer, cancellationToken).ConfigureAwait(false);
                foreach (var removed in _removals)
                {
                    // The removed collection's feed keeps the items its rows refer to, and announces their removal.
                    await RemoveCollectionFromFeedAsync(_connection, transaction, removed, cancellationToken).ConfigureAwait(false);
                    using var remove = CreateCommand(_connection, transaction, "DELETE FROM syncgen_items WHERE collection = $collection; DELETE FROM syncgen_state WHERE collection = $collection; DELETE FROM syncgen_queries WHERE collection = $collection;");
                    remove.Parameters.AddWithValue("$collection", removed);
                    await remove.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
                }

                using var apply = CreateCommand(_connection, transaction, StateSql());
                apply.Parameters.AddWithValue("$collection", _store._collection);
                apply.Parameters.AddWithValue("$token", syncToken);
                apply.Parameters.AddWithValue("$fingerprint", (object?)_fingerprint ?? System.DBNull.Value);
                apply.Parameters.AddWithValue("$cutoff", NowUnixMilliseconds() - (long)_store.AbandonedPassRetention.TotalMilliseconds);
                await apply.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);

                // All the work is done: cancelling now would only throw it away, so the COMMIT itself is not cancellable.
                await transaction.CommitAsync(CancellationToken.None).ConfigureAwait(false);
            }

            _store._lastSeenToken = syncToken;
            _store.SawFingerprint(_fingerprint);

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

        /// <summary>
        /// Writes the buffer into the collection run by run, in pass order: an upsert run is one
        /// <c>INSERT ... SELECT ... ON CONFLICT DO UPDATE</c> reading the buffer in sequence order, so within a run and
        /// across runs a later change of a key overwrites an earlier one as SQLite reaches it (and one that leaves the JSON
        /// as stored writes nothing, so the feed's triggers see no change); a delete run is one
        /// <c>DELETE ... WHERE key IN (...)</c>. Each buffered row is read once and written to the database file once. A row
        /// inserted or changed gets <paramref name="announcedThrough"/> (see <see cref="FeedWork.AnnouncedThrough"/>).
        /// </summary>
        private async ValueTask ReplayRunsAsync(SqliteTransaction transaction, long? announcedThrough, CancellationToken cancellationToken)
        {
            if (_runs.Count == 0)
            {
                return;
            }

            // The runs number the changes as SQLite numbered the rows; if that ever differed, replaying would apply the
            // wrong rows, so refuse to commit rather than store a wrong mirror.
            using (var count = CreateCommand(_connection, transaction, $"SELECT COALESCE(MAX(seq), 0) FROM temp.{_buffer};"))
            {
                var last = Convert.ToInt64(await count.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false), System.Globalization.CultureInfo.InvariantCulture);
                if (last != _buffered)
                {
                    throw new InvalidOperationException($"The pass buffer holds {last} changes where {_buffered} were applied; the pass was not committed.");
                }
            }

            // The WHERE clause is required by SQLite's grammar between a SELECT and ON CONFLICT, and it bounds the run.
            using var upsert = CreateCommand(_connection, transaction,
                $"INSERT INTO syncgen_items (collection, key, json, announced_through) SELECT $collection, key, json, $announced FROM temp.{_buffer} WHERE seq BETWEEN $first AND $last ORDER BY seq " +
                "ON CONFLICT (collection, key) DO UPDATE SET json = excluded.json, announced_through = excluded.announced_through WHERE json IS NOT excluded.json;");
            upsert.Parameters.AddWithValue("$announced", (object?)announcedThrough ?? System.DBNull.Value);
            using var delete = CreateCommand(_connection, transaction,
                $"DELETE FROM syncgen_items WHERE collection = $collection AND key IN (SELECT key FROM temp.{_buffer} WHERE seq BETWEEN $first AND $last);");
            foreach (var command in new[] { upsert, delete })
            {
                command.Parameters.AddWithValue("$collection", _store._collection);
                command.Parameters.Add("$first", SqliteType.Integer);
                command.Parameters.Add("$last", SqliteType.Integer);
            }

            foreach (var run in _runs)
            {
                var command = run.IsDelete ? delete : upsert;
                command.Parameters["$first"].Value = run.First;
                command.Parameters["$last"].Value = run.Last;
                await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
            }
        }

        private string StateSql()
        {
            var sql = new System.Text.StringBuilder("""
                INSERT INTO syncgen_state (collection, sync_token) VALUES ($collection, $token)
                    ON CONFLICT (collection) DO UPDATE SET sync_token = excluded.sync_token;

                """);
            sql.Append(SaveFingerprintSql);
            if (_store._hasLegacyStaging)
            {
                sql.Append("""
                    DELETE FROM syncgen_staging WHERE pass_id IN (SELECT pass_id FROM syncgen_passes WHERE touched_utc < $cutoff);
                    DELETE FROM syncgen_passes WHERE touched_utc < $cutoff;
                    """);
            }

            return sql.ToString();
        }

        /// <summary>
        /// Appends change #<paramref name="index"/> of its page to the buffer: its key, and its item as UTF-8 JSON text
        /// (NULL for a delete). An item that serializes to JSON null is refused here, inside the page's transaction, so
        /// that its page rolls back.
        /// </summary>
        private void InsertIntoBuffer(SQLitePCL.sqlite3_stmt insert, SyncChange<TItem> change, int index)
        {
            var rc = BindKey(insert, change.Key);
            if (rc == SQLitePCL.raw.SQLITE_OK)
            {
                if (change.IsDelete)
                {
                    rc = SQLitePCL.raw.sqlite3_bind_null(insert, 2);
                }
                else
                {
                    var json = _itemJson!;
                    var writer = _itemWriter!;
                    json.ResetWrittenCount();
                    writer.Reset(json);
                    JsonSerializer.Serialize(writer, change.Item, _store._serializerOptions);
                    writer.Flush();
                    SyncChangeValidation.ValidateSerializedItem(json.WrittenSpan, index, change.Key, "changes");
                    rc = SQLitePCL.raw.sqlite3_bind_text(insert, 2, json.WrittenSpan);
                }
            }

            if (rc == SQLitePCL.raw.SQLITE_OK)
            {
                rc = SQLitePCL.raw.sqlite3_step(insert);
            }

            if (rc != SQLitePCL.raw.SQLITE_DONE)
            {
                SqliteException.ThrowExceptionForRC(rc, _connection.Handle);
            }

            SQLitePCL.raw.sqlite3_reset(insert);
        }

        /// <summary>
        /// Binds a key as UTF-8 text of explicit length. SQLitePCL's string overload hands a long string to SQLite
        /// NUL-terminated, which cuts the key at its first U+0000: two keys differing only after it would become one
        /// row, and a delete of one would remove the other.
        /// </summary>
        private int BindKey(SQLitePCL.sqlite3_stmt insert, string key)
        {
            var length = System.Text.Encoding.UTF8.GetByteCount(key);
            if (_keyUtf8.Length < length)
            {
                _keyUtf8 = new byte[Math.Max(length, 2 * _keyUtf8.Length)];
            }

            var written = System.Text.Encoding.UTF8.GetBytes(key, _keyUtf8);
            return SQLitePCL.raw.sqlite3_bind_text(insert, 1, _keyUtf8.AsSpan(0, written));
        }

        private async ValueTask<SQLitePCL.sqlite3_stmt> CreateBufferAsync(CancellationToken cancellationToken)
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
                    CREATE TEMP TABLE {_buffer} (seq INTEGER PRIMARY KEY, key TEXT NOT NULL, json TEXT NULL);
                    """;
                await create.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
            }

            // An append in pass order: no index to maintain, no per-key lookup while pages arrive. seq is the rowid, which
            // SQLite sets to one more than the largest in the table: 1, 2, 3... in pass order, as the runs count them (a
            // failed page rolls its rows back, so it leaves no gap). The JSON is bound as UTF-8 text, SQLite's own encoding.
            var rc = SQLitePCL.raw.sqlite3_prepare_v2(_connection.Handle, $"INSERT INTO temp.{_buffer} (key, json) VALUES (?1, ?2);", out var insert);
            if (rc != SQLitePCL.raw.SQLITE_OK)
            {
                insert?.Dispose();
                SqliteException.ThrowExceptionForRC(rc, _connection.Handle);
            }

            // The writer takes the encoder, indentation and depth of the store's options, as SerializeToUtf8Bytes would
            // (net8.0's writer has no IndentCharacter, IndentSize or NewLine: with WriteIndented, whitespace may differ).
            var options = _store._serializerOptions;
            _itemJson = new System.Buffers.ArrayBufferWriter<byte>(1024);
            _itemWriter = new Utf8JsonWriter(_itemJson, new JsonWriterOptions
            {
                Encoder = options.Encoder,
                Indented = options.WriteIndented,
                MaxDepth = options.MaxDepth,
            });
            _insert = insert!;
            return insert!;
        }

        private async ValueTask<string?> StoredTokenAsync(CancellationToken cancellationToken)
        {
            await EnsureConnectionAsync(cancellationToken).ConfigureAwait(false);
            return _lease!.ReadToken(_store._collection);
        }

        /// <summary>The stored fingerprint as this store instance last saw it, read on the pass's connection if it never did.</summary>
        private async ValueTask<string?> StoredFingerprintAsync(CancellationToken cancellationToken)
        {
            if (_store._fingerprintSeen)
            {
                return _store._lastSeenFingerprint;
            }

            await EnsureConnectionAsync(cancellationToken).ConfigureAwait(false);
            return _store.ReadFingerprint(_lease!);
        }

        /// <summary>Takes the pass's connection from the store if it has none yet (see the remarks).</summary>
        private async ValueTask EnsureConnectionAsync(CancellationToken cancellationToken)
        {
            if (_lease is null)
            {
                Take(await _store.RentWritableAsync(cancellationToken).ConfigureAwait(false));
            }
        }

        private void Take(Lease lease)
        {
            _lease = lease;
            _connection = lease.Connection;
        }

        /// <summary>Ends the writer: drops the buffer and gives the connection back to the store.</summary>
        private async ValueTask FinishAsync()
        {
            _done = true;
            if (_lease is null)
            {
                return;
            }

            var reusable = true;
            if (_insert is not null)
            {
                // Finalized before the DROP, which SQLite refuses while a statement on the table is still prepared.
                _insert.Dispose();
                _itemWriter?.Dispose();
                try
                {
                    using var drop = _connection.CreateCommand();
                    // With the buffer, whatever a commit that failed half-way may have left of the feed's temporary
                    // triggers and tables (its rollback normally takes them away).
                    drop.CommandText = $"DROP TABLE IF EXISTS temp.{_buffer};" + (_feedStarted ? DropFeedObjectsSql(_buffer) : "");
                    await drop.ExecuteNonQueryAsync().ConfigureAwait(false);
                }
                catch (SqliteException)
                {
                    // A buffer that cannot be dropped must not go back to the pool with the connection: clearing the
                    // pool closes this connection on dispose, and the temp database (file and all) goes with it.
                    SqliteConnection.ClearPool(_connection);
                    reusable = false;
                }
            }

            if (reusable)
            {
                _store.Return(_lease);
            }
            else
            {
                _lease.Dispose();
            }
        }

        private void ThrowIfDone()
        {
            if (_done)
            {
                throw new InvalidOperationException("This pass writer was already committed or disposed.");
            }
        }

        /// <summary>Buffered changes <see cref="First"/> to <see cref="Last"/> (sequence numbers), all upserts or all deletes.</summary>
        private readonly record struct Run(long First, long Last, bool IsDelete);
    }
}
