using System;
using System.Collections.Generic;
using System.Linq;
using System.Text.Json;
using System.Threading;
using System.Threading.Tasks;
using Npgsql;
using NpgsqlTypes;
using SyncGen.Infrastructure;

namespace SyncGen.PostgreSql;

public sealed partial class PostgreSqlSyncStore<TItem>
{
    // Past this much buffered JSON (UTF-16 characters) a pass writes even below MaxBufferedChanges: about 8 MB.
    private const long MaxBufferedChars = 4 * 1024 * 1024;

    /// <summary>The sweep of a dead pass's staged rows: exactly its epoch's key range, never the dead rows of committed passes.</summary>
    private static string SweepSql(string schema) => $"DELETE FROM {schema}.staging WHERE collection = $1 AND epoch = $2;";

    // Not thread-safe: one pass is driven by one caller, page after page.
    private sealed class Writer(PostgreSqlSyncStore<TItem> store, SyncPassKind kind, CollectionState start, CollectionState? resumeFrom)
        : ISyncPassWriter<TItem>, ISyncCollectionRemover, ISyncQueryFingerprintWriter, ISyncCheckpointWriter<TItem>
    {
        private readonly string _s = store._s;

        private string? _fingerprint;
        private string? _pageCheckpoint; // the checkpoint of the page being applied, written if the page is staged
        private bool _checkpointed; // the lease row holds a checkpoint of this pass's last staged page

        // The pass's changes not yet in the database, in order (a null item is a delete).
        private readonly List<string> _keys = new();
        private readonly List<string?> _items = new();
        private long _bufferedChars;

        // Every key of the pass, to tell whether the last-change-per-key work is needed at commit.
        private readonly HashSet<string> _passKeys = new(StringComparer.Ordinal);
        // A resumed pass does not know the keys its dead part staged: it takes them as repeated (and deleting), so that
        // the last change of each key decides and no COPY runs into a key already there.
        private bool _repeatedKeys = resumeFrom is not null;

        // A full pass of a collection that never committed writes its pages straight into items: readers see a
        // collection's items only once it has a token, and the pass that commits that first token removes whatever a
        // dead pass left there when it takes the lease. Every other pass stages its pages.
        private readonly bool _direct = kind == SyncPassKind.Full && start.Token is null;
        private bool _deletes = resumeFrom is not null; // a delete was buffered or written (a direct page with one cannot be a plain COPY)

        private long? _epoch; // the lease epoch, once the pass took the lease to stage pages
        private long _staged = resumeFrom is { } dead && !(kind == SyncPassKind.Full && start.Token is null) ? dead.CheckpointChanges : 0; // changes staged so far; also the next seq
        private bool _done;

        // Other collections the commit removes, items and token (a parent's deleted children, see ISyncCollectionRemover).
        private string[] _removals = [];

        public void RemoveOnCommit(IReadOnlyCollection<string> collections)
        {
            ArgumentNullException.ThrowIfNull(collections);
            ThrowIfDone();
            _removals = collections.Where(c => !string.Equals(c, store._collection, StringComparison.Ordinal)).Distinct(StringComparer.Ordinal).ToArray();
        }

        // Collections the commit's parent lists: their removal marks go in the commit (a removal of the same commit wins).
        private string[] _kept = [];

        public void KeepOnCommit(IReadOnlyCollection<string> collections)
        {
            ArgumentNullException.ThrowIfNull(collections);
            ThrowIfDone();
            _kept = collections.Distinct(StringComparer.Ordinal).ToArray();
        }

        private string[] Kept => _kept.Except(_removals, StringComparer.Ordinal).ToArray();

        public void SetQueryFingerprint(string? fingerprint) => _fingerprint = fingerprint;

        public async ValueTask ApplyAsync(IReadOnlyList<SyncChange<TItem>> changes, SyncPassCheckpoint checkpoint, CancellationToken cancellationToken = default)
        {
            ArgumentNullException.ThrowIfNull(checkpoint);
            _pageCheckpoint = checkpoint.ToJson();
            try
            {
                await ApplyAsync(changes, cancellationToken).ConfigureAwait(false);
            }
            finally
            {
                _pageCheckpoint = null;
            }
        }

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
            long chars = 0;
            for (var i = 0; i < changes.Count; i++)
            {
                keys[i] = changes[i].Key;
                if (!changes[i].IsDelete)
                {
                    var json = JsonSerializer.Serialize(changes[i].Item, store._database.SerializerOptions);
                    SyncChangeValidation.ValidateSerializedItem(json, i, changes[i].Key, nameof(changes));
                    items[i] = json;
                    chars += json.Length;
                }
            }

            var fits = _keys.Count + keys.Length <= store._database.Options.MaxBufferedChanges && _bufferedChars + chars <= MaxBufferedChars;
            // A resumed pass writes at once: its commit must replay the dead pass's staged rows, which only a staged pass does.
            if (_epoch is null && resumeFrom is null && (fits || keys.Length == 0))
            {
                Buffer(keys, items, chars);
                return;
            }

            // Written from now on: the buffer and this page go to the database together, and the pass holds the lease.
            var plain = !_repeatedKeys && !_deletes && Array.IndexOf(items, null) < 0 && AllNew(keys);
            await StageAsync(keys, items, plain, cancellationToken).ConfigureAwait(false);
            RememberKeys(keys);
            _deletes |= Array.IndexOf(items, null) >= 0;
            _staged += _direct ? 0 : _keys.Count + keys.Length;
            _keys.Clear();
            _items.Clear();
            _bufferedChars = 0;
        }

        private bool AllNew(string[] keys)
        {
            var page = new HashSet<string>(keys.Length, StringComparer.Ordinal);
            foreach (var key in keys)
            {
                if (_passKeys.Contains(key) || !page.Add(key))
                {
                    return false;
                }
            }

            return true;
        }

        private void Buffer(string[] keys, string?[] items, long chars)
        {
            RememberKeys(keys);
            _deletes |= Array.IndexOf(items, null) >= 0;
            _keys.AddRange(keys);
            _items.AddRange(items);
            _bufferedChars += chars;
        }

        private void RememberKeys(IEnumerable<string> keys)
        {
            foreach (var key in keys)
            {
                _repeatedKeys |= !_passKeys.Add(key);
            }
        }

        /// <summary>
        /// One transaction: take the lease (first time) or renew it, then write the buffer and the page: a binary COPY
        /// into staging, or, for a direct pass, into items (an upsert instead when a key repeats or a change is a delete).
        /// The lease row stays locked until the end, so a pass taking it over waits and then finds it changed.
        /// </summary>
        private async Task StageAsync(string[] keys, string?[] items, bool plain, CancellationToken cancellationToken)
        {
            var connection = await store._database.DataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
            await using (connection.ConfigureAwait(false))
            {
                var transaction = await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
                await using (transaction.ConfigureAwait(false))
                {
                    long epoch;
                    if (_epoch is { } held)
                    {
                        await using var renew = new NpgsqlCommand(
                            $"UPDATE {_s}.leases SET expires_at = now() + $3 WHERE collection = $1 AND epoch = $2 AND expires_at > now() RETURNING epoch;",
                            connection,
                            transaction);
                        renew.Parameters.AddWithValue(store._collection);
                        renew.Parameters.AddWithValue(held);
                        renew.Parameters.AddWithValue(store._database.Options.LeaseDuration);
                        if (await renew.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false) is null)
                        {
                            throw await store.RefusalAsync(held, heldByPass: true, "apply", cancellationToken).ConfigureAwait(false);
                        }

                        epoch = held;
                    }
                    else
                    {
                        await using var take = TakeLease(connection, transaction, store._database.Options.LeaseDuration, staged: true);
                        if (await take.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false) is not long taken)
                        {
                            throw await store.RefusalAsync(start.Epoch, heldByPass: false, "apply", cancellationToken).ConfigureAwait(false);
                        }

                        epoch = taken;
                        if (resumeFrom is { } dead)
                        {
                            // The dead pass's pages become this pass's: a direct pass's are in items already.
                            if (!_direct)
                            {
                                await using var adopt = new NpgsqlCommand($"UPDATE {_s}.staging SET epoch = $3 WHERE collection = $1 AND epoch = $2;", connection, transaction);
                                adopt.Parameters.AddWithValue(store._collection);
                                adopt.Parameters.AddWithValue(dead.Epoch);
                                adopt.Parameters.AddWithValue(taken);
                                await adopt.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
                            }
                        }
                        else if (_direct)
                        {
                            // The collection has no token, so no reader sees its items: any there were left by a dead pass.
                            await using var clear = new NpgsqlCommand($"DELETE FROM {_s}.items WHERE collection = $1;", connection, transaction);
                            clear.Parameters.AddWithValue(store._collection);
                            await clear.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
                        }
                        else if (start.Staged)
                        {
                            // The pass before died with staged rows: they can never commit.
                            await using var sweep = new NpgsqlCommand(SweepSql(_s), connection, transaction);
                            sweep.Parameters.AddWithValue(store._collection);
                            sweep.Parameters.AddWithValue(start.Epoch);
                            await sweep.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
                        }
                    }

                    if (_direct && !plain)
                    {
                        await UpsertDirectAsync(connection, transaction, keys, items, cancellationToken).ConfigureAwait(false);
                    }
                    else if (_direct)
                    {
                        var importer = await connection.BeginBinaryImportAsync(
                            $"COPY {_s}.items (collection, key, item) FROM STDIN (FORMAT BINARY);", cancellationToken).ConfigureAwait(false);
                        await using (importer.ConfigureAwait(false))
                        {
                            foreach (var (key, item) in Pending(keys, items))
                            {
                                await importer.StartRowAsync(cancellationToken).ConfigureAwait(false);
                                await importer.WriteAsync(store._collection, NpgsqlDbType.Text, cancellationToken).ConfigureAwait(false);
                                await importer.WriteAsync(key, NpgsqlDbType.Text, cancellationToken).ConfigureAwait(false);
                                await importer.WriteAsync(item!, NpgsqlDbType.Jsonb, cancellationToken).ConfigureAwait(false);
                            }

                            await importer.CompleteAsync(cancellationToken).ConfigureAwait(false);
                        }
                    }
                    else if (_keys.Count + keys.Length > 0)
                    {
                        var importer = await connection.BeginBinaryImportAsync(
                            $"COPY {_s}.staging (collection, epoch, seq, key, item) FROM STDIN (FORMAT BINARY);", cancellationToken).ConfigureAwait(false);
                        await using (importer.ConfigureAwait(false))
                        {
                            var seq = _staged;
                            for (var i = 0; i < _keys.Count; i++)
                            {
                                await WriteRowAsync(importer, epoch, seq++, _keys[i], _items[i], cancellationToken).ConfigureAwait(false);
                            }

                            for (var i = 0; i < keys.Length; i++)
                            {
                                await WriteRowAsync(importer, epoch, seq++, keys[i], items[i], cancellationToken).ConfigureAwait(false);
                            }

                            await importer.CompleteAsync(cancellationToken).ConfigureAwait(false);
                        }
                    }

                    // The page's checkpoint (none for a page without a next page token) in the page's own transaction;
                    // a pass that records none (resuming off) costs no statement: taking the lease cleared the column.
                    if (_pageCheckpoint is not null || _checkpointed)
                    {
                        await using var mark = new NpgsqlCommand(
                            $"UPDATE {_s}.leases SET checkpoint = $3, checkpoint_changes = $4 WHERE collection = $1 AND epoch = $2;", connection, transaction);
                        mark.Parameters.AddWithValue(store._collection);
                        mark.Parameters.AddWithValue(epoch);
                        mark.Parameters.Add(new NpgsqlParameter { Value = (object?)_pageCheckpoint ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.Text });
                        mark.Parameters.AddWithValue(_staged + (_direct ? 0 : _keys.Count + keys.Length));
                        await mark.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
                    }

                    await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
                    _epoch = epoch;
                    _checkpointed = _pageCheckpoint is not null;
                    store.ForgetLastRead();
                }
            }
        }

        /// <summary>The buffered changes, then the page's.</summary>
        private IEnumerable<(string Key, string? Item)> Pending(string[] keys, string?[] items)
        {
            for (var i = 0; i < _keys.Count; i++)
            {
                yield return (_keys[i], _items[i]);
            }

            for (var i = 0; i < keys.Length; i++)
            {
                yield return (keys[i], items[i]);
            }
        }

        /// <summary>A direct pass's page whose keys repeat or that deletes: the last change of each key, as an upsert or a delete.</summary>
        private async Task UpsertDirectAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, string[] keys, string?[] items, CancellationToken cancellationToken)
        {
            var (upsertKeys, upsertItems, deleteKeys) = LastChangePerKey(Pending(keys, items).ToList());
            await using var batch = Batch(connection, transaction, [
                $"DELETE FROM {_s}.items WHERE collection = $1 AND key = ANY($2::text[]);",
                $"""
                INSERT INTO {_s}.items AS i (collection, key, item) SELECT $1, u.key, u.item FROM unnest($2::text[], $3::jsonb[]) AS u(key, item)
                ON CONFLICT (collection, key) DO UPDATE SET item = excluded.item;
                """,
            ], epoch: null);
            batch.BatchCommands[0].Parameters.Add(new NpgsqlParameter { Value = deleteKeys, NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Text });
            batch.BatchCommands[1].Parameters.Add(new NpgsqlParameter { Value = upsertKeys, NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Text });
            batch.BatchCommands[1].Parameters.Add(new NpgsqlParameter { Value = upsertItems, NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Jsonb });
            await batch.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }

        private async Task WriteRowAsync(NpgsqlBinaryImporter importer, long epoch, long seq, string key, string? item, CancellationToken cancellationToken)
        {
            await importer.StartRowAsync(cancellationToken).ConfigureAwait(false);
            await importer.WriteAsync(store._collection, NpgsqlDbType.Text, cancellationToken).ConfigureAwait(false);
            await importer.WriteAsync(epoch, NpgsqlDbType.Bigint, cancellationToken).ConfigureAwait(false);
            await importer.WriteAsync(seq, NpgsqlDbType.Bigint, cancellationToken).ConfigureAwait(false);
            await importer.WriteAsync(key, NpgsqlDbType.Text, cancellationToken).ConfigureAwait(false);
            if (item is null)
            {
                await importer.WriteNullAsync(cancellationToken).ConfigureAwait(false);
            }
            else
            {
                await importer.WriteAsync(item, NpgsqlDbType.Jsonb, cancellationToken).ConfigureAwait(false);
            }
        }

        /// <summary>
        /// Takes the lease (epoch + 1) only if it is expired and its row is still the version read at the start of the
        /// pass; returns the new epoch, or nothing when refused. With a zero duration it is taken and released at once.
        /// </summary>
        private NpgsqlCommand TakeLease(NpgsqlConnection? connection, NpgsqlTransaction? transaction, TimeSpan duration, bool staged)
        {
            var command = new NpgsqlCommand(TakeLeaseSql, connection, transaction);
            AddTakeLeaseParameters(command.Parameters, duration, staged);
            return command;
        }

        // A removed collection's lease gets a new epoch and ends now: a pass of it still running (another worker syncing a
        // calendar the list just dropped) is refused when it next renews or commits, so it cannot bring back what the
        // removal deleted. Its staged rows are deleted with the rest, and so is its checkpoint: nothing is left to resume.
        private string FenceRemovedSql(string collections) =>
            $"UPDATE {_s}.leases SET epoch = epoch + 1, expires_at = now(), staged = false, checkpoint = NULL, checkpoint_changes = NULL WHERE collection = ANY({collections}::text[])";

        // The removal mark of each removed collection, naming this collection (parameter `parent`) as the one that removed
        // it; a pass of a marked collection may not commit. `gate` is the condition the commit was accepted on.
        private string MarkRemovedSql(string collections, string parent, string gate) =>
            $"INSERT INTO {_s}.removed_collections (collection, removed_by) SELECT c, {parent} FROM unnest({collections}::text[]) AS c WHERE {gate} " +
            "ON CONFLICT (collection) DO UPDATE SET removed_by = excluded.removed_by, removed_at = now()";

        // $1 collection, $2 holder, $3 duration, $4 staged, $5 the row version read at the start (null: there was no row).
        // A collection its parent removed (a removal mark) is refused: a pass that started after the removal must not write.
        private string TakeLeaseSql =>
            $"""
            INSERT INTO {_s}.leases AS l (collection, epoch, holder, acquired_at, expires_at, staged)
            SELECT $1, 1, $2, now(), now() + $3, $4 WHERE NOT EXISTS (SELECT 1 FROM {_s}.removed_collections WHERE collection = $1)
            ON CONFLICT (collection) DO UPDATE
                SET epoch = l.epoch + 1, holder = excluded.holder, acquired_at = excluded.acquired_at,
                    expires_at = excluded.expires_at, staged = excluded.staged, checkpoint = NULL, checkpoint_changes = NULL
                WHERE l.xmin::text = $5 AND l.expires_at <= now()
            RETURNING epoch
            """;

        private void AddTakeLeaseParameters(NpgsqlParameterCollection parameters, TimeSpan duration, bool staged)
        {
            parameters.AddWithValue(store._collection);
            parameters.AddWithValue(store._database.Options.Holder);
            parameters.AddWithValue(duration);
            parameters.AddWithValue(staged);
            parameters.Add(new NpgsqlParameter { Value = (object?)start.Version ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.Text });
        }

        public async ValueTask CommitAsync(string syncToken, CancellationToken cancellationToken = default)
        {
            if (string.IsNullOrEmpty(syncToken))
            {
                throw new ArgumentException("A pass commits with the server's next sync token; it was empty.", nameof(syncToken));
            }

            ThrowIfDone();
            cancellationToken.ThrowIfCancellationRequested();
            if (_epoch is not null)
            {
                await CommitStagedAsync(_epoch.Value, syncToken, cancellationToken).ConfigureAwait(false);
            }
            else if (kind == SyncPassKind.Incremental && _keys.Count == 0 && _removals.Length == 0 && _kept.Length == 0 && string.Equals(syncToken, start.Token, StringComparison.Ordinal)
                && (_fingerprint is null || string.Equals(_fingerprint, start.QueryFingerprint, StringComparison.Ordinal)))
            {
                // Nothing changed and the token did not move: the committed state already is this pass's result. If
                // another pass committed meanwhile, its state is newer and stays; either way there is nothing to write.
            }
            else
            {
                await CommitBufferedAsync(syncToken, cancellationToken).ConfigureAwait(false);
            }

            // Only a successful commit ends the writer: after a failed or cancelled one the staged rows are intact and
            // the commit may be retried.
            _done = true;
        }

        /// <summary>
        /// The whole pass in one statement, so one implicit transaction: take the lease and hand it back, write the items
        /// and the token. Every write hangs on the token row's upsert, which hangs on the lease being taken: when the
        /// fence refuses, nothing is written.
        /// </summary>
        private async Task CommitBufferedAsync(string syncToken, CancellationToken cancellationToken)
        {
            var (upsertKeys, upsertItems, deleteKeys) = LastChangePerKey(_keys.Select((key, i) => (key, _items[i])).ToList());
            var items = kind == SyncPassKind.Full
                ? $"""
                  gone AS (
                      DELETE FROM {_s}.items AS i WHERE i.collection = $1 AND EXISTS (SELECT 1 FROM st)
                      AND NOT EXISTS (SELECT 1 FROM unnest($7::text[]) AS k(key) WHERE k.key = i.key)),
                  """
                : $"""
                  gone AS (
                      DELETE FROM {_s}.items AS i WHERE i.collection = $1 AND i.key = ANY($9::text[]) AND EXISTS (SELECT 1 FROM st)),
                  """;
            var sweep = start.Staged
                ? $"swept AS (DELETE FROM {_s}.staging WHERE collection = $1 AND epoch = $10 AND EXISTS (SELECT 1 FROM take)),"
                : "";
            await using var command = store._database.DataSource.CreateCommand(
                $"""
                WITH take AS ({TakeLeaseSql}),
                st AS (
                    INSERT INTO {_s}.state AS st (collection, sync_token, committed_epoch, commits, committed_at, query_fingerprint)
                    SELECT $1, $6, epoch, 1, now(), $12 FROM take
                    ON CONFLICT (collection) DO UPDATE
                        SET sync_token = excluded.sync_token, committed_epoch = excluded.committed_epoch, query_fingerprint = excluded.query_fingerprint,
                            commits = st.commits + 1, committed_at = excluded.committed_at
                        WHERE st.committed_epoch < excluded.committed_epoch
                    RETURNING committed_epoch),
                {store.FeedCtes(BufferedLast, kind, _direct, "EXISTS (SELECT 1 FROM st)", "$13")}
                {sweep}
                {items}
                {AnnounceRemovedCtes("$11", "EXISTS (SELECT 1 FROM st)")}
                removed_items AS (DELETE FROM {_s}.items WHERE collection = ANY($11::text[]) AND EXISTS (SELECT 1 FROM st)),
                removed_state AS (DELETE FROM {_s}.state WHERE collection = ANY($11::text[]) AND EXISTS (SELECT 1 FROM st)),
                removed_staging AS (DELETE FROM {_s}.staging WHERE collection = ANY($11::text[]) AND EXISTS (SELECT 1 FROM st)),
                removed_leases AS ({FenceRemovedSql("$11")} AND EXISTS (SELECT 1 FROM st)),
                removed_marks AS ({MarkRemovedSql("$11", "$1", "EXISTS (SELECT 1 FROM st)")}),
                kept_marks AS (DELETE FROM {_s}.removed_collections WHERE collection = ANY($14::text[]) AND EXISTS (SELECT 1 FROM st)),
                put AS (
                    INSERT INTO {_s}.items AS i (collection, key, item)
                    SELECT $1, u.key, u.item FROM st, unnest($7::text[], $8::jsonb[]) AS u(key, item)
                    ON CONFLICT (collection, key) DO UPDATE SET item = excluded.item WHERE i.item IS DISTINCT FROM excluded.item)
                SELECT committed_epoch FROM st;
                """);
            AddTakeLeaseParameters(command.Parameters, TimeSpan.Zero, staged: false);
            command.Parameters.AddWithValue(syncToken);
            command.Parameters.Add(new NpgsqlParameter { Value = upsertKeys, NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Text });
            command.Parameters.Add(new NpgsqlParameter { Value = upsertItems, NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Jsonb });
            command.Parameters.Add(new NpgsqlParameter { Value = deleteKeys, NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Text });
            command.Parameters.AddWithValue(start.Epoch);
            command.Parameters.Add(new NpgsqlParameter { Value = _removals, NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Text });
            command.Parameters.Add(new NpgsqlParameter { Value = (object?)_fingerprint ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.Text });
            command.Parameters.Add(new NpgsqlParameter { Value = store.ChangeFeed?.MaxRetainedChanges ?? 0, NpgsqlDbType = NpgsqlDbType.Integer });
            command.Parameters.Add(new NpgsqlParameter { Value = Kept, NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Text });

            // All the work is in this statement: cancelling it now would only throw it away.
            var committed = await command.ExecuteScalarAsync(CancellationToken.None).ConfigureAwait(false);
            store.ForgetLastRead();
            if (committed is not long)
            {
                throw await store.RefusalAsync(start.Epoch, heldByPass: false, "commit", cancellationToken).ConfigureAwait(false);
            }
        }

        // The pass's last change per key, for the feed: from the buffered commit's arrays (already reduced, disjoint), or
        // from the staged rows.
        private const string BufferedLast = "SELECT key, item FROM unnest($7::text[], $8::jsonb[]) AS u(key, item) UNION ALL SELECT key, NULL::jsonb FROM unnest($9::text[]) AS d(key)";

        private string StagedLast => $"SELECT DISTINCT ON (key) key, item FROM {_s}.staging WHERE collection = $1 AND epoch = $2 ORDER BY key, seq DESC";

        /// <summary>Changes reduced to the last change of each key: the upserts and the deletes, disjoint.</summary>
        private static (string[] UpsertKeys, string[] UpsertItems, string[] DeleteKeys) LastChangePerKey(List<(string Key, string? Item)> changes)
        {
            var upsertKeys = new List<string>(changes.Count);
            var upsertItems = new List<string>(changes.Count);
            var deleteKeys = new List<string>();
            var decided = new HashSet<string>(changes.Count, StringComparer.Ordinal);
            for (var i = changes.Count - 1; i >= 0; i--)
            {
                var (key, item) = changes[i];
                if (!decided.Add(key))
                {
                    continue; // a later change of this key decided it
                }

                if (item is not null)
                {
                    upsertKeys.Add(key);
                    upsertItems.Add(item);
                }
                else
                {
                    deleteKeys.Add(key);
                }
            }

            return (upsertKeys.ToArray(), upsertItems.ToArray(), deleteKeys.ToArray());
        }

        private async Task CommitStagedAsync(long epoch, string syncToken, CancellationToken cancellationToken)
        {
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
                    string? removedBy;
                    await using (var check = new NpgsqlCommand(
                        $"""
                        SELECT (SELECT epoch FROM {_s}.leases WHERE collection = $1 FOR UPDATE),
                               (SELECT count(*) FROM {_s}.staging WHERE collection = $1 AND epoch = $2),
                               (SELECT removed_by FROM {_s}.removed_collections WHERE collection = $1);
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
                        removedBy = reader.IsDBNull(2) ? null : reader.GetString(2);
                    }

                    if (removedBy is not null)
                    {
                        // The parent removed the collection after this pass took its lease: committing would bring it back.
                        throw new SyncCollectionRemovedException(store._collection, removedBy);
                    }

                    if (current != epoch)
                    {
                        throw new SyncLeaseLostException(store._collection, epoch, current, "commit");
                    }

                    if (!_direct && staged != _staged)
                    {
                        // The staging table is unlogged: a database crash empties it. Committing what is left would
                        // silently lose changes.
                        throw new InvalidOperationException(
                            $"{store._collection}: {_staged} changes of this {kind} pass were staged but {staged} are left (the database restarted and dropped its unlogged staging rows); nothing was committed. Run the pass again.");
                    }

                    // The token first: it refuses an epoch that is not newer than the one that wrote it. With the fence
                    // above this never fires, but it keeps the token from going back even if a lease row were reset by hand.
                    var statements = new List<string>(6)
                    {
                        $"""
                        INSERT INTO {_s}.state AS st (collection, sync_token, committed_epoch, commits, committed_at, query_fingerprint)
                        VALUES ($1, $3, $2, 1, now(), $4)
                        ON CONFLICT (collection) DO UPDATE
                            SET sync_token = excluded.sync_token, committed_epoch = excluded.committed_epoch, query_fingerprint = excluded.query_fingerprint,
                                commits = st.commits + 1, committed_at = excluded.committed_at
                            WHERE st.committed_epoch < excluded.committed_epoch
                        RETURNING 1;
                        """,
                    };
                    var feedCtes = store.FeedCtes(_direct ? $"SELECT key, item FROM {_s}.items WHERE collection = $1" : StagedLast, kind, _direct, gate: null, "$3");
                    if (feedCtes.Length > 0)
                    {
                        // Before the replay: the changes are what the replay is about to do to the committed items.
                        statements.Add($"WITH {feedCtes.TrimEnd().TrimEnd(',')} SELECT 1;");
                    }

                    if (!_direct)
                    {
                        // A direct pass's pages are in items already; the others are replayed from staging.
                        AddReplay(statements);
                    }

                    statements.Add($"DELETE FROM {_s}.staging WHERE collection = $1 AND epoch = $2;");
                    statements.Add($"UPDATE {_s}.leases SET expires_at = now(), staged = false, checkpoint = NULL, checkpoint_changes = NULL WHERE collection = $1 AND epoch = $2;");
                    await using (var apply = Batch(connection, transaction, statements, epoch))
                    {
                        apply.BatchCommands[0].Parameters.AddWithValue(syncToken);
                        apply.BatchCommands[0].Parameters.Add(new NpgsqlParameter { Value = (object?)_fingerprint ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.Text });
                        if (feedCtes.Length > 0)
                        {
                            apply.BatchCommands[1].Parameters.AddWithValue(store.ChangeFeed!.MaxRetainedChanges);
                        }

                        await using var reader = await apply.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
                        if (!await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
                        {
                            throw new SyncLeaseLostException(store._collection, epoch, current, "commit (a pass of an equal or newer epoch already committed)");
                        }

                        while (await reader.NextResultAsync(cancellationToken).ConfigureAwait(false))
                        {
                        }
                    }

                    string[] removals = _removals.Length > 0
                        ? [$"WITH {AnnounceRemovedCtes("$1", null)} announced AS (SELECT 1) SELECT 1 FROM announced", $"DELETE FROM {_s}.items WHERE collection = ANY($1::text[])", $"DELETE FROM {_s}.state WHERE collection = ANY($1::text[])",
                           $"DELETE FROM {_s}.staging WHERE collection = ANY($1::text[])", FenceRemovedSql("$1")]
                        : [];
                    foreach (var sql in removals)
                    {
                        await using var remove = new NpgsqlCommand(sql + ";", connection, transaction);
                        remove.Parameters.Add(new NpgsqlParameter { Value = _removals, NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Text });
                        await remove.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
                    }

                    if (_removals.Length > 0)
                    {
                        await using var mark = new NpgsqlCommand(MarkRemovedSql("$1", "$2", "true") + ";", connection, transaction);
                        mark.Parameters.Add(new NpgsqlParameter { Value = _removals, NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Text });
                        mark.Parameters.AddWithValue(store._collection);
                        await mark.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
                    }

                    if (Kept is { Length: > 0 } kept)
                    {
                        await using var keep = new NpgsqlCommand($"DELETE FROM {_s}.removed_collections WHERE collection = ANY($1::text[]);", connection, transaction);
                        keep.Parameters.Add(new NpgsqlParameter { Value = kept, NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Text });
                        await keep.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
                    }

                    // All the work is done: cancelling now would only throw it away, so the COMMIT itself is not cancellable.
                    await transaction.CommitAsync(CancellationToken.None).ConfigureAwait(false);
                    store.ForgetLastRead();
                }
            }
        }

        /// <summary>
        /// Common table expressions (each ending in a comma) that, before the removed collections' items are deleted in the
        /// same statement or transaction, append to the feed of each one whose feed ever appended a change the removal of
        /// each of its keys, numbered on from its head in key order: replaying that feed still gives its (now empty)
        /// mirror. Its own store's next commit prunes it, knowing the feed's options. <paramref name="gate"/>, when given,
        /// is the condition the commit itself was accepted on.
        /// </summary>
        private string AnnounceRemovedCtes(string collections, string? gate) => $"""
            removed_gone AS (
                SELECT i.collection, i.key, row_number() OVER (PARTITION BY i.collection ORDER BY i.key COLLATE "C") AS n
                FROM {_s}.items AS i JOIN {_s}.feed_heads AS f ON f.collection = i.collection AND f.head > 0
                WHERE i.collection = ANY({collections}::text[]){(gate is null ? "" : $" AND {gate}")}),
            removed_counted AS (SELECT collection, count(*) AS added FROM removed_gone GROUP BY collection),
            removed_moved AS (
                UPDATE {_s}.feed_heads AS f SET head = f.head + c.added FROM removed_counted AS c WHERE f.collection = c.collection
                RETURNING f.collection, f.head - c.added AS base),
            removed_announced AS (
                INSERT INTO {_s}.feed_changes (collection, seq, key, kind, item)
                SELECT g.collection, m.base + g.n, g.key, 'removed', NULL FROM removed_gone AS g JOIN removed_moved AS m ON m.collection = g.collection),

            """;

        /// <summary>The statements that replay the staged changes onto the collection (emptied first for a full pass).</summary>
        private void AddReplay(List<string> statements)
        {
            if (kind == SyncPassKind.Full)
            {
                statements.Add($"DELETE FROM {_s}.items WHERE collection = $1;");
            }

            if (_repeatedKeys)
            {
                // The last staged change of each key decides its fate: replaying the pass in order and keeping
                // only the last change per key give the same result, and the set-based form is one statement.
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
            }
            else
            {
                // Every key once: no sort, the staged rows go over as they are.
                if (kind == SyncPassKind.Incremental)
                {
                    statements.Add(
                        $"""
                        DELETE FROM {_s}.items AS i USING {_s}.staging AS s
                        WHERE s.collection = $1 AND s.epoch = $2 AND s.item IS NULL AND i.collection = $1 AND i.key = s.key;
                        """);
                }

                statements.Add(
                    $"""
                    INSERT INTO {_s}.items AS i (collection, key, item)
                    SELECT $1, key, item FROM {_s}.staging WHERE collection = $1 AND epoch = $2 AND item IS NOT NULL
                    ON CONFLICT (collection, key) DO UPDATE SET item = excluded.item WHERE i.item IS DISTINCT FROM excluded.item;
                    """);
            }
        }

        public async ValueTask DisposeAsync()
        {
            if (_done)
            {
                return;
            }

            _done = true;
            if (_epoch is not { } epoch)
            {
                return; // nothing of the pass reached the database
            }

            if (_checkpointed)
            {
                // The pass may be continued from its checkpoint: keep its pages, and hand the lease back at once so that
                // the next call may continue it without waiting for the lease to expire.
                try
                {
                    var connection = await store._database.DataSource.OpenConnectionAsync(CancellationToken.None).ConfigureAwait(false);
                    await using (connection.ConfigureAwait(false))
                    {
                        await using var release = Batch(connection, null, [$"UPDATE {_s}.leases SET expires_at = now() WHERE collection = $1 AND epoch = $2;"], epoch);
                        await release.ExecuteNonQueryAsync(CancellationToken.None).ConfigureAwait(false);
                        store.ForgetLastRead();
                    }
                }
                catch (NpgsqlException)
                {
                    // Best effort: the lease expires by itself, and the pages wait for it.
                }

                return;
            }

            try
            {
                // Drop the staged pages and hand the lease back at once, if it is still ours.
                var connection = await store._database.DataSource.OpenConnectionAsync(CancellationToken.None).ConfigureAwait(false);
                await using (connection.ConfigureAwait(false))
                {
                    // A direct pass's rows go too, while the lease is still this pass's (locked, so a pass taking it
                    // over waits): after a takeover the items are the newer pass's.
                    var statements = new List<string> { $"DELETE FROM {_s}.staging WHERE collection = $1 AND epoch = $2;" };
                    if (_direct)
                    {
                        statements.Add(
                            $"""
                            WITH mine AS (SELECT 1 FROM {_s}.leases WHERE collection = $1 AND epoch = $2 FOR UPDATE)
                            DELETE FROM {_s}.items WHERE collection = $1 AND EXISTS (SELECT 1 FROM mine)
                            AND NOT EXISTS (SELECT 1 FROM {_s}.state WHERE collection = $1);
                            """);
                    }

                    statements.Add($"UPDATE {_s}.leases SET expires_at = now(), staged = false, checkpoint = NULL, checkpoint_changes = NULL WHERE collection = $1 AND epoch = $2;");
                    await using var discard = Batch(connection, null, statements, epoch);
                    await discard.ExecuteNonQueryAsync(CancellationToken.None).ConfigureAwait(false);
                    store.ForgetLastRead();
                }
            }
            catch (NpgsqlException)
            {
                // Best effort: staged rows are invisible to readers and to other passes, and the next pass of this
                // collection drops them when it takes the lease (which expires by itself). Dispose must not throw over that.
            }
        }

        // Statements with positional parameters cannot share one command; a batch still sends them in one round trip,
        // and without a transaction runs them as one. Every statement gets the collection as $1 and the epoch (if any) as $2.
        private NpgsqlBatch Batch(NpgsqlConnection connection, NpgsqlTransaction? transaction, IReadOnlyList<string> statements, long? epoch)
        {
            var batch = new NpgsqlBatch(connection, transaction);
            foreach (var sql in statements)
            {
                var command = new NpgsqlBatchCommand(sql);
                command.Parameters.AddWithValue(store._collection);
                if (epoch is { } value)
                {
                    command.Parameters.AddWithValue(value);
                }

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
}
