using System;
using System.Collections.Generic;
using System.Globalization;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.Data.Sqlite;
using SyncGen.Infrastructure;

namespace SyncGen;

/// <remarks>
/// The feed is three tables beside the mirror, written in the commit's own transaction: <c>syncgen_changes(collection,
/// seq, key, kind, json)</c>, <c>syncgen_feed(collection, head, pruned_through)</c> and
/// <c>syncgen_consumers(collection, consumer, acked)</c>. An item whose stored JSON text a pass leaves as it was is not
/// announced: an incremental commit learns what its writes changed from temporary triggers on the mirror, a full one
/// compares its last change of each key with the stored JSON before it writes the items.
/// <para>
/// An added or updated row does not copy the item (its <c>json</c> is NULL): it announces the version the mirror holds
/// until a later commit changes or removes the key. That commit keeps the mirror's JSON in
/// <c>syncgen_kept(collection, key, seq, json)</c> under its first sequence number, in its own transaction, as the mirror
/// row changes; a row reads the first kept version of its key after its own sequence number, else the mirror.
/// So a first full sync writes the feed's keys only, not every item twice, and a later pass copies only what it
/// replaces, appended rather than written back into rows spread over the whole feed.
/// </para>
/// </remarks>
public sealed partial class SqliteSyncStore<TItem> : ISyncChangeFeed<TItem>
{
    // Created with the store's other tables (see SchemaSql): additive, so the file layout version stays the same and
    // an earlier SyncGen opens a file that has them (one from before syncgen_kept cannot read the rows that refer to the
    // mirror, though; one from before the unique index drops the older, plain one). syncgen_changes is a WITHOUT ROWID
    // table: its rows are a key and a kind, so the primary key is the table and a row is written once, not once more in
    // an index (a file from before keeps the rowid table it has, whose early rows may carry whole items: the same
    // statements serve both). syncgen_kept is a rowid table, so a commit appends its versions at the end of the table and
    // only its small index takes them in key order.
    private const string FeedSchemaSql = """
        CREATE TABLE IF NOT EXISTS syncgen_changes (
            collection TEXT NOT NULL,
            seq INTEGER NOT NULL,
            key TEXT NOT NULL,
            kind TEXT NOT NULL,
            json TEXT NULL,
            PRIMARY KEY (collection, seq)) WITHOUT ROWID;
        CREATE TABLE IF NOT EXISTS syncgen_kept (
            collection TEXT NOT NULL,
            key TEXT NOT NULL,
            seq INTEGER NOT NULL,
            json TEXT NOT NULL);
        DROP INDEX IF EXISTS syncgen_kept_key;
        CREATE UNIQUE INDEX IF NOT EXISTS syncgen_kept_version ON syncgen_kept (collection, key, seq);
        CREATE TABLE IF NOT EXISTS syncgen_feed (
            collection TEXT NOT NULL PRIMARY KEY,
            head INTEGER NOT NULL,
            pruned_through INTEGER NOT NULL);
        CREATE TABLE IF NOT EXISTS syncgen_consumers (
            collection TEXT NOT NULL,
            consumer TEXT NOT NULL,
            acked INTEGER NOT NULL,
            PRIMARY KEY (collection, consumer));
        """;

    /// <summary>The change feed's options, or <see langword="null"/> (the default) for a store whose commits append no changes.</summary>
    /// <remarks>
    /// Reading the feed and acknowledging work whatever this is (a read-only store reads the feed other processes wrote);
    /// only a store with a feed appends its passes' changes.
    /// </remarks>
    public SyncChangeFeedOptions? ChangeFeed { get; set; }

    /// <inheritdoc />
    public async ValueTask<SyncFeedPage<TItem>> ReadChangesAsync(long after, int limit, CancellationToken cancellationToken = default)
    {
        return await ReadFeedAsync(static (store, lease, arguments, token) => store.ReadChangesAsync(lease, arguments.After, arguments.Limit, token), (After: after, Limit: limit), cancellationToken).ConfigureAwait(false);
    }

    /// <inheritdoc />
    public async ValueTask<long?> ReadCursorAsync(string consumer, CancellationToken cancellationToken = default)
    {
        SyncFeedRules.CheckConsumer(consumer);
        return await ReadFeedAsync(static (store, lease, name, token) => store.ReadCursorAsync(lease, name, token), consumer, cancellationToken).ConfigureAwait(false);
    }

    /// <inheritdoc />
    public async ValueTask AcknowledgeAsync(string consumer, long sequence, CancellationToken cancellationToken = default)
    {
        SyncFeedRules.CheckConsumer(consumer);
        if (IsReadOnly)
        {
            throw new InvalidOperationException($"The sync store '{_dataSource}' was opened read-only; open it with OpenFile to acknowledge changes.");
        }

        var lease = await RentWritableAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            var transaction = await BeginImmediateAsync(lease.Connection, cancellationToken).ConfigureAwait(false);
            await using (transaction.ConfigureAwait(false))
            {
                var (head, _) = await FeedStateAsync(lease.Connection, transaction, cancellationToken).ConfigureAwait(false);
                var current = await CursorAsync(lease.Connection, transaction, consumer, cancellationToken).ConfigureAwait(false);
                SyncFeedRules.CheckAcknowledge(consumer, sequence, head, current);
                if (current == sequence)
                {
                    return; // the same acknowledgement again: nothing to write
                }

                using var upsert = CreateCommand(lease.Connection, transaction, """
                    INSERT INTO syncgen_consumers (collection, consumer, acked) VALUES ($collection, $consumer, $acked)
                        ON CONFLICT (collection, consumer) DO UPDATE SET acked = excluded.acked;
                    """);
                upsert.Parameters.AddWithValue("$collection", _collection);
                upsert.Parameters.AddWithValue("$consumer", consumer);
                upsert.Parameters.AddWithValue("$acked", sequence);
                await upsert.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
                await transaction.CommitAsync(CancellationToken.None).ConfigureAwait(false);
            }
        }
        catch (SqliteException ex) when (Unusable(ex) is { } unusable)
        {
            throw unusable;
        }
        finally
        {
            Return(lease);
        }
    }

    private async ValueTask<T> ReadFeedAsync<TArgument, T>(Func<SqliteSyncStore<TItem>, Lease, TArgument, CancellationToken, ValueTask<T>> read, TArgument argument, CancellationToken cancellationToken)
    {
        if (_quietPath is not null)
        {
            return await ReadQuietlyAsync((store, lease, token) => read(store, lease, argument, token), cancellationToken).ConfigureAwait(false);
        }

        var lease = await RentAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            return await read(this, lease, argument, cancellationToken).ConfigureAwait(false);
        }
        catch (SqliteException ex) when (Unusable(ex) is { } unusable)
        {
            throw unusable;
        }
        finally
        {
            Return(lease);
        }
    }

    private async ValueTask<SyncFeedPage<TItem>> ReadChangesAsync(Lease lease, long after, int limit, CancellationToken cancellationToken)
    {
        // One read transaction: the head and the rows come from the same commit.
        var transaction = lease.Connection.BeginTransaction(deferred: true);
        await using (transaction.ConfigureAwait(false))
        {
            var (head, prunedThrough) = _noStoreYet || !await HasFeedTablesAsync(lease.Connection, transaction, cancellationToken).ConfigureAwait(false)
                ? (0L, 0L)
                : await FeedStateAsync(lease.Connection, transaction, cancellationToken).ConfigureAwait(false);
            SyncFeedRules.CheckRead(after, limit, head, prunedThrough);
            var changes = new List<SyncFeedChange<TItem>>(Math.Min(limit, 1024));
            if (head > after)
            {
                using var command = CreateCommand(lease.Connection, transaction, """
                    SELECT c.seq, c.key, c.kind, CASE WHEN c.json IS NOT NULL OR c.kind = 'removed' THEN c.json ELSE COALESCE(
                            (SELECT k.json FROM syncgen_kept AS k WHERE k.collection = c.collection AND k.key = c.key AND k.seq > c.seq ORDER BY k.seq LIMIT 1),
                            (SELECT i.json FROM syncgen_items AS i WHERE i.collection = c.collection AND i.key = c.key)) END
                        FROM syncgen_changes AS c WHERE c.collection = $collection AND c.seq > $after ORDER BY c.seq LIMIT $limit;
                    """);
                command.Parameters.AddWithValue("$collection", _collection);
                command.Parameters.AddWithValue("$after", after);
                command.Parameters.AddWithValue("$limit", limit);
                var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
                await using (reader.ConfigureAwait(false))
                {
                    while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
                    {
                        var seq = reader.GetInt64(0);
                        var key = reader.GetString(1);
                        var kind = SyncFeedRules.Parse(reader.GetString(2))
                            ?? throw new SyncStoreCorruptException(DescribeItem(key), string.Create(CultureInfo.InvariantCulture, $"change {seq} has an unknown kind '{reader.GetString(2)}'."));
                        if (kind != SyncFeedChangeKind.Removed && reader.IsDBNull(3))
                        {
                            throw new SyncStoreCorruptException(DescribeItem(key), string.Create(CultureInfo.InvariantCulture, $"change {seq} refers to the mirror, which no longer holds the key, and no version of it was kept."));
                        }

                        var item = kind == SyncFeedChangeKind.Removed ? default : Deserialize(key, reader.GetString(3));
                        changes.Add(new SyncFeedChange<TItem>(seq, key, kind, item));
                    }
                }
            }

            return new SyncFeedPage<TItem>(changes, changes.Count > 0 ? changes[^1].Sequence : after, head);
        }
    }

    private async ValueTask<long?> ReadCursorAsync(Lease lease, string consumer, CancellationToken cancellationToken)
    {
        if (_noStoreYet || !await HasFeedTablesAsync(lease.Connection, null, cancellationToken).ConfigureAwait(false))
        {
            return null;
        }

        return await CursorAsync(lease.Connection, null, consumer, cancellationToken).ConfigureAwait(false);
    }

    // A file written by a SyncGen before the feed, opened read-only, has no feed tables: it has no changes either.
    private static async ValueTask<bool> HasFeedTablesAsync(SqliteConnection connection, SqliteTransaction? transaction, CancellationToken cancellationToken)
    {
        using var command = CreateCommand(connection, transaction, "SELECT COUNT(*) FROM sqlite_schema WHERE type = 'table' AND name = 'syncgen_feed';");
        return Convert.ToInt64(await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false), CultureInfo.InvariantCulture) == 1;
    }

    private ValueTask<(long Head, long PrunedThrough)> FeedStateAsync(SqliteConnection connection, SqliteTransaction? transaction, CancellationToken cancellationToken) =>
        FeedStateAsync(connection, transaction, _collection, cancellationToken);

    private static async ValueTask<(long Head, long PrunedThrough)> FeedStateAsync(SqliteConnection connection, SqliteTransaction? transaction, string collection, CancellationToken cancellationToken)
    {
        using var command = CreateCommand(connection, transaction, "SELECT head, pruned_through FROM syncgen_feed WHERE collection = $collection;");
        command.Parameters.AddWithValue("$collection", collection);
        var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        await using (reader.ConfigureAwait(false))
        {
            return await reader.ReadAsync(cancellationToken).ConfigureAwait(false) ? (reader.GetInt64(0), reader.GetInt64(1)) : (0, 0);
        }
    }

    private async ValueTask<long?> CursorAsync(SqliteConnection connection, SqliteTransaction? transaction, string consumer, CancellationToken cancellationToken)
    {
        using var command = CreateCommand(connection, transaction, "SELECT acked FROM syncgen_consumers WHERE collection = $collection AND consumer = $consumer;");
        command.Parameters.AddWithValue("$collection", _collection);
        command.Parameters.AddWithValue("$consumer", consumer);
        return await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false) is long acked ? acked : null;
    }

    /// <summary>What the feed still has to append once a commit has written its items (see <see cref="BeginFeedAsync"/>).</summary>
    private enum FeedAfterReplay
    {
        /// <summary>Nothing: the changes are appended already, or the store keeps no feed.</summary>
        None,

        /// <summary>A first full sync: every item the mirror then holds, as added.</summary>
        AllAdded,

        /// <summary>An incremental pass: the keys the replay's triggers logged.</summary>
        Logged,
    }

    /// <summary>
    /// Starts a commit's part of the feed, inside its transaction and before the pass writes its items, while the stored
    /// JSON is still the mirror the pass replaces. <paramref name="buffer"/> is the pass's temp table (seq, key, json;
    /// json NULL for a delete), or null when the pass buffered nothing. <see cref="EndFeedAsync"/> finishes it once the
    /// items are written.
    /// </summary>
    /// <remarks>
    /// A full pass compares its last change of each key with the mirror here and appends at once, except over an empty
    /// mirror (a first sync): it adds every item it leaves, which the mirror then holds already collapsed to one row per
    /// key, so the feed copies them in key order afterwards. An incremental pass has triggers watch its own writes
    /// instead (<see cref="LogReplayAsync"/>).
    /// </remarks>
    private async ValueTask<FeedAfterReplay> BeginFeedAsync(SqliteConnection connection, SqliteTransaction transaction, string? buffer, SyncPassKind kind, CancellationToken cancellationToken)
    {
        if (buffer is null && kind == SyncPassKind.Incremental)
        {
            return FeedAfterReplay.None;
        }

        if (ChangeFeed is null)
        {
            // A store without a feed still keeps the rows an earlier feed wrote readable before it changes the mirror.
            await KeepAllAsync(connection, transaction, _collection, cancellationToken).ConfigureAwait(false);
            return FeedAfterReplay.None;
        }

        if (kind == SyncPassKind.Incremental)
        {
            await LogReplayAsync(connection, transaction, buffer!, cancellationToken).ConfigureAwait(false);
            return FeedAfterReplay.Logged;
        }

        if (buffer is null)
        {
            await KeepAllAsync(connection, transaction, _collection, cancellationToken).ConfigureAwait(false);
            await AppendAsync(connection, transaction, "SELECT key, 'removed' FROM syncgen_items WHERE collection = $collection ORDER BY key", "", cancellationToken).ConfigureAwait(false);
            return FeedAfterReplay.None;
        }

        using (var any = CreateCommand(connection, transaction, "SELECT EXISTS (SELECT 1 FROM syncgen_items WHERE collection = $collection);"))
        {
            any.Parameters.AddWithValue("$collection", _collection);
            if (Convert.ToInt64(await any.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false), CultureInfo.InvariantCulture) == 0)
            {
                return FeedAfterReplay.AllAdded; // and no row refers to an empty mirror: nothing to keep
            }
        }

        await AppendFullPassAsync(connection, transaction, buffer, cancellationToken).ConfigureAwait(false);
        return FeedAfterReplay.None;
    }

    /// <summary>Finishes what <see cref="BeginFeedAsync"/> started, once the commit has written its items.</summary>
    private async ValueTask EndFeedAsync(SqliteConnection connection, SqliteTransaction transaction, FeedAfterReplay afterReplay, string buffer, CancellationToken cancellationToken)
    {
        switch (afterReplay)
        {
            case FeedAfterReplay.AllAdded:
                await AppendAsync(connection, transaction, "SELECT key, 'added' FROM syncgen_items WHERE collection = $collection ORDER BY key", "", cancellationToken).ConfigureAwait(false);
                break;
            case FeedAfterReplay.Logged:
                await AppendLoggedAsync(connection, transaction, buffer, cancellationToken).ConfigureAwait(false);
                break;
        }
    }

    /// <summary>
    /// Has temporary triggers log, while the replay writes an incremental pass's items, each key of the collection it
    /// inserts, changes or deletes, and keep the JSON each update or delete replaces.
    /// </summary>
    /// <remarks>
    /// The replay looks every key up in the mirror anyway: the triggers learn what changed from that one lookup, where
    /// comparing the pass with the mirror beforehand looked every key up a second time, and keeping the old versions a
    /// third. An upsert that leaves the JSON as it was fires nothing. The log holds, per key, whether the mirror had it
    /// before the pass, whether it has it now, and how often it changed; the first version replaced is the one kept, the
    /// version the feed's earlier rows of the key announce (<c>ON CONFLICT DO NOTHING</c>: inside a trigger an
    /// <c>INSERT OR IGNORE</c> takes the conflict policy of the statement that fired it, and fails). The triggers are
    /// temporary objects of the pass's connection created in the commit's transaction: a commit that fails rolls them back
    /// with everything else, and the writer drops them with its buffer in any case.
    /// </remarks>
    private async ValueTask LogReplayAsync(SqliteConnection connection, SqliteTransaction transaction, string buffer, CancellationToken cancellationToken)
    {
        var (head, _) = await FeedStateAsync(connection, transaction, cancellationToken).ConfigureAwait(false);
        var log = buffer + "_log";

        // A trigger takes no parameters: the collection goes in as a quoted literal, the sequence number as a number.
        var collection = "'" + _collection.Replace("'", "''", StringComparison.Ordinal) + "'";
        var seq = (head + 1).ToString(CultureInfo.InvariantCulture);
        using var create = CreateCommand(connection, transaction, $"""
            CREATE TEMP TABLE {log} (key TEXT NOT NULL PRIMARY KEY, existed INTEGER NOT NULL, present INTEGER NOT NULL, touches INTEGER NOT NULL) WITHOUT ROWID;
            CREATE TEMP TRIGGER {log}_insert AFTER INSERT ON main.syncgen_items WHEN new.collection = {collection} BEGIN
                INSERT INTO {log} (key, existed, present, touches) VALUES (new.key, 0, 1, 1)
                    ON CONFLICT (key) DO UPDATE SET present = 1, touches = touches + 1;
            END;
            CREATE TEMP TRIGGER {log}_update AFTER UPDATE OF json ON main.syncgen_items WHEN new.collection = {collection} AND old.json IS NOT new.json BEGIN
                INSERT INTO {log} (key, existed, present, touches) VALUES (new.key, 1, 1, 1)
                    ON CONFLICT (key) DO UPDATE SET present = 1, touches = touches + 1;
                INSERT INTO syncgen_kept (collection, key, seq, json) VALUES (old.collection, old.key, {seq}, old.json)
                    ON CONFLICT DO NOTHING;
            END;
            CREATE TEMP TRIGGER {log}_delete AFTER DELETE ON main.syncgen_items WHEN old.collection = {collection} BEGIN
                INSERT INTO {log} (key, existed, present, touches) VALUES (old.key, 1, 0, 1)
                    ON CONFLICT (key) DO UPDATE SET present = 0, touches = touches + 1;
                INSERT INTO syncgen_kept (collection, key, seq, json) VALUES (old.collection, old.key, {seq}, old.json)
                    ON CONFLICT DO NOTHING;
            END;
            """);
        await create.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Drops the triggers of <see cref="LogReplayAsync"/> and appends the logged keys' net changes: a key the mirror
    /// lacked and has is added, one it had and lacks is removed, one it had and has is updated, unless it changed more
    /// than once in the pass and ended as the version kept (the one it started from).
    /// </summary>
    private async ValueTask AppendLoggedAsync(SqliteConnection connection, SqliteTransaction transaction, string buffer, CancellationToken cancellationToken)
    {
        var log = buffer + "_log";
        using (var drop = CreateCommand(connection, transaction, DropTriggersSql(buffer)))
        {
            await drop.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }

        var diff = $"""
            SELECT l.key, CASE WHEN l.existed = 0 THEN 'added' WHEN l.present = 0 THEN 'removed' ELSE 'updated' END
                FROM temp.{log} AS l
                WHERE (l.existed = 1 OR l.present = 1)
                    AND NOT (l.existed = 1 AND l.present = 1 AND l.touches > 1
                        AND (SELECT i.json FROM syncgen_items AS i WHERE i.collection = $collection AND i.key = l.key)
                            IS (SELECT k.json FROM syncgen_kept AS k WHERE k.collection = $collection AND k.key = l.key
                                AND k.seq = (SELECT head FROM syncgen_feed WHERE collection = $collection) + 1))
                ORDER BY l.key
            """;
        await AppendAsync(connection, transaction, diff, $"DROP TABLE temp.{log};", cancellationToken).ConfigureAwait(false);
    }

    private static string DropTriggersSql(string buffer) =>
        $"DROP TRIGGER IF EXISTS temp.{buffer}_log_insert; DROP TRIGGER IF EXISTS temp.{buffer}_log_update; DROP TRIGGER IF EXISTS temp.{buffer}_log_delete;";

    /// <summary>Drops every temporary object the feed may create for the pass buffered in <paramref name="buffer"/>.</summary>
    private static string DropFeedObjectsSql(string buffer) =>
        DropTriggersSql(buffer) + $" DROP TABLE IF EXISTS temp.{buffer}_log; DROP TABLE IF EXISTS temp.{buffer}_last; DROP TABLE IF EXISTS temp.{buffer}_changed; DROP TABLE IF EXISTS temp.{NumberedTable};";

    /// <summary>The temporary table <see cref="AppendAsync"/> numbers a commit's changes in (one commit at a time per connection).</summary>
    private const string NumberedTable = "syncgen_feed_numbered";

    /// <summary>
    /// Appends a full pass's net changes over a mirror that holds items: the pass's last change of each key compared with
    /// the stored JSON, and every stored key the pass left out, as removed. The versions it updates or removes are kept first.
    /// </summary>
    private async ValueTask AppendFullPassAsync(SqliteConnection connection, SqliteTransaction transaction, string buffer, CancellationToken cancellationToken)
    {
        // The last change of each key (its sequence number in the buffer), with the key as primary key: the "gone" check
        // looks keys up in it once per stored item. The buffer has no index on the key (it is appended to in pass order);
        // its JSON stays where it is, read by sequence number. The changes go in key order into a new rowid table, so the
        // n-th change has rowid n; an updated or removed one takes the mirror's JSON along, so keeping it reads this table
        // instead of looking each key up in the mirror again.
        var last = buffer + "_last";
        var changed = buffer + "_changed";
        using (var classify = CreateCommand(connection, transaction, $"""
            CREATE TEMP TABLE {last} (key TEXT NOT NULL PRIMARY KEY, seq INTEGER NOT NULL) WITHOUT ROWID;
            INSERT INTO temp.{last} (key, seq) SELECT key, seq FROM temp.{buffer} WHERE true ORDER BY seq
                ON CONFLICT (key) DO UPDATE SET seq = excluded.seq;
            CREATE TEMP TABLE {changed} (key TEXT NOT NULL, kind TEXT NOT NULL, json TEXT NULL);
            INSERT INTO temp.{changed} (key, kind, json)
                SELECT l.key, CASE WHEN b.json IS NULL THEN 'removed' WHEN i.json IS NULL THEN 'added' ELSE 'updated' END, i.json
                    FROM temp.{last} AS l CROSS JOIN temp.{buffer} AS b ON b.seq = l.seq
                    LEFT JOIN syncgen_items AS i ON i.collection = $collection AND i.key = l.key
                    WHERE CASE WHEN b.json IS NULL THEN i.json IS NOT NULL ELSE i.json IS NOT b.json END
                UNION ALL
                SELECT i.key, 'removed', i.json FROM syncgen_items AS i
                    WHERE i.collection = $collection AND NOT EXISTS (SELECT 1 FROM temp.{last} AS l WHERE l.key = i.key)
                ORDER BY 1;
            """))
        {
            classify.Parameters.AddWithValue("$collection", _collection);
            await classify.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }

        var (head, _) = await FeedStateAsync(connection, transaction, cancellationToken).ConfigureAwait(false);
        if (head > 0)
        {
            using var keep = CreateCommand(connection, transaction, $"INSERT OR IGNORE INTO syncgen_kept (collection, key, seq, json) SELECT $collection, key, $seq, json FROM temp.{changed} WHERE json IS NOT NULL;");
            keep.Parameters.AddWithValue("$collection", _collection);
            keep.Parameters.AddWithValue("$seq", head + 1);
            await keep.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }

        await AppendAsync(connection, transaction, $"SELECT key, kind FROM temp.{changed} ORDER BY rowid", $"DROP TABLE temp.{last}; DROP TABLE temp.{changed};", cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Keeps, in <c>syncgen_kept</c>, the mirror's JSON of every item of <paramref name="collection"/> under the feed's
    /// next sequence number, before a commit empties or rewrites its mirror: the versions the feed's rows announce.
    /// Nothing for a collection whose feed never appended a change.
    /// </summary>
    /// <remarks>
    /// A commit without the feed does not move the head, so a later commit may keep a key under the same number again:
    /// the unique index ignores that copy, and the first (the version the feed's rows announced) stays.
    /// </remarks>
    private static async ValueTask KeepAllAsync(SqliteConnection connection, SqliteTransaction transaction, string collection, CancellationToken cancellationToken)
    {
        var (head, _) = await FeedStateAsync(connection, transaction, collection, cancellationToken).ConfigureAwait(false);
        if (head > 0)
        {
            using var command = CreateCommand(connection, transaction, "INSERT OR IGNORE INTO syncgen_kept (collection, key, seq, json) SELECT collection, key, $seq, json FROM syncgen_items WHERE collection = $collection;");
            command.Parameters.AddWithValue("$collection", collection);
            command.Parameters.AddWithValue("$seq", head + 1);
            await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// Appends the rows <paramref name="changes"/> selects (key, kind; its <c>ORDER BY</c> is the order they take), numbered
    /// on from the head, runs <paramref name="after"/>, then prunes.
    /// </summary>
    /// <remarks>
    /// Every row is written without JSON: an added or updated one refers to the item this commit leaves in the mirror. The
    /// rows are numbered by a temporary table's rowid, in the order they are inserted: <c>ROW_NUMBER()</c> buffered every
    /// row of the window first, which took more than half of a first full sync's feed.
    /// </remarks>
    private async ValueTask AppendAsync(SqliteConnection connection, SqliteTransaction transaction, string changes, string after, CancellationToken cancellationToken)
    {
        var options = ChangeFeed!;
        using (var append = CreateCommand(connection, transaction, $"""
            INSERT INTO syncgen_feed (collection, head, pruned_through) VALUES ($collection, 0, 0) ON CONFLICT (collection) DO NOTHING;
            CREATE TEMP TABLE {NumberedTable} (n INTEGER PRIMARY KEY, key TEXT NOT NULL, kind TEXT NOT NULL);
            INSERT INTO temp.{NumberedTable} (key, kind) {changes};
            INSERT INTO syncgen_changes (collection, seq, key, kind, json)
                SELECT $collection, (SELECT head FROM syncgen_feed WHERE collection = $collection) + n, key, kind, NULL FROM temp.{NumberedTable} ORDER BY n;
            UPDATE syncgen_feed SET head = head + COALESCE((SELECT MAX(n) FROM temp.{NumberedTable}), 0) WHERE collection = $collection;
            DROP TABLE temp.{NumberedTable};
            {after}
            """))
        {
            append.Parameters.AddWithValue("$collection", _collection);
            await append.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }

        var (head, prunedThrough) = await FeedStateAsync(connection, transaction, cancellationToken).ConfigureAwait(false);
        var cursors = new List<long>();
        using (var read = CreateCommand(connection, transaction, "SELECT acked FROM syncgen_consumers WHERE collection = $collection;"))
        {
            read.Parameters.AddWithValue("$collection", _collection);
            var reader = await read.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            await using (reader.ConfigureAwait(false))
            {
                while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
                {
                    cursors.Add(reader.GetInt64(0));
                }
            }
        }

        var pruneThrough = SyncFeedRules.PruneThrough(head, prunedThrough, cursors, options);
        if (pruneThrough > prunedThrough)
        {
            using var prune = CreateCommand(connection, transaction, """
                DELETE FROM syncgen_changes WHERE collection = $collection AND seq <= $through;
                DELETE FROM syncgen_kept WHERE collection = $collection AND seq <= $through;
                UPDATE syncgen_feed SET pruned_through = $through WHERE collection = $collection;
                """);
            prune.Parameters.AddWithValue("$collection", _collection);
            prune.Parameters.AddWithValue("$through", pruneThrough);
            await prune.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }
    }
}

