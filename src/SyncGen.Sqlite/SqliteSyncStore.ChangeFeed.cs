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
/// <c>syncgen_consumers(collection, consumer, acked)</c>. The commit compares the pass's last change of each key with
/// the stored JSON text before it writes the items, so an item whose JSON did not change is not announced.
/// <para>
/// An added or updated row does not copy the item (its <c>json</c> is NULL): it announces the version the mirror holds
/// until a later commit changes or removes the key. That commit first keeps the mirror's JSON in
/// <c>syncgen_kept(collection, key, seq, json)</c> under its first sequence number, in its own transaction and before the
/// mirror row changes; a row reads the first kept version of its key after its own sequence number, else the mirror.
/// So a first full sync writes the feed's keys only, not every item twice, and a later pass copies only what it
/// replaces, appended rather than written back into rows spread over the whole feed.
/// </para>
/// </remarks>
public sealed partial class SqliteSyncStore<TItem> : ISyncChangeFeed<TItem>
{
    // Created with the store's other tables (see SchemaSql): additive, so the file layout version stays the same and
    // an earlier SyncGen opens a file that has them (one from before syncgen_kept cannot read the rows that refer to the
    // mirror, though). syncgen_changes is a rowid table: its rows may carry whole items, and a WITHOUT ROWID table stores
    // large rows poorly. syncgen_kept is a rowid table too, so a commit appends its versions at the end of the table and
    // only its small index takes them in key order.
    private const string FeedSchemaSql = """
        CREATE TABLE IF NOT EXISTS syncgen_changes (
            collection TEXT NOT NULL,
            seq INTEGER NOT NULL,
            key TEXT NOT NULL,
            kind TEXT NOT NULL,
            json TEXT NULL,
            PRIMARY KEY (collection, seq));
        CREATE TABLE IF NOT EXISTS syncgen_kept (
            collection TEXT NOT NULL,
            key TEXT NOT NULL,
            seq INTEGER NOT NULL,
            json TEXT NOT NULL);
        CREATE INDEX IF NOT EXISTS syncgen_kept_key ON syncgen_kept (collection, key, seq);
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

    private async ValueTask<(long Head, long PrunedThrough)> FeedStateAsync(SqliteConnection connection, SqliteTransaction? transaction, CancellationToken cancellationToken)
    {
        using var command = CreateCommand(connection, transaction, "SELECT head, pruned_through FROM syncgen_feed WHERE collection = $collection;");
        command.Parameters.AddWithValue("$collection", _collection);
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

    /// <summary>
    /// Appends a pass's net changes to the feed and prunes it, inside the commit's transaction and before the pass writes
    /// its items: the stored JSON is still the mirror the pass replaces. <paramref name="buffer"/> is the pass's temp
    /// table (seq, key, json; json NULL for a delete), or null when the pass buffered nothing.
    /// </summary>
    /// <returns>
    /// True when the changes are still to be appended, by <see cref="AppendAddedAfterReplayAsync"/> once the items are
    /// written: a full pass over an empty mirror (a first sync) adds every item it leaves, which the mirror then holds
    /// already collapsed to one row per key, so the feed copies them in key order instead of collapsing the buffer again.
    /// </returns>
    private async ValueTask<bool> AppendFeedAsync(SqliteConnection connection, SqliteTransaction transaction, string? buffer, SyncPassKind kind, CancellationToken cancellationToken)
    {
        if (buffer is null && kind == SyncPassKind.Incremental)
        {
            return false;
        }

        if (ChangeFeed is null)
        {
            // A store without a feed still keeps the rows an earlier feed wrote readable before it changes the mirror.
            await KeepAllAsync(connection, transaction, _collection, cancellationToken).ConfigureAwait(false);
            return false;
        }

        if (kind == SyncPassKind.Full && buffer is not null)
        {
            using var any = CreateCommand(connection, transaction, "SELECT EXISTS (SELECT 1 FROM syncgen_items WHERE collection = $collection);");
            any.Parameters.AddWithValue("$collection", _collection);
            if (Convert.ToInt64(await any.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false), CultureInfo.InvariantCulture) == 0)
            {
                return true; // and no row refers to an empty mirror: nothing to keep
            }
        }

        if (buffer is null)
        {
            await KeepAllAsync(connection, transaction, _collection, cancellationToken).ConfigureAwait(false);
            await AppendAsync(connection, transaction, "SELECT key, 'removed' AS kind FROM syncgen_items WHERE collection = $collection", "", cancellationToken).ConfigureAwait(false);
            return false;
        }

        // The last change of each key, with an index on the key: every comparison below is a lookup. The pass's buffer
        // has none (it is appended to in pass order), and a full pass's "gone" check reads it once per stored item.
        var last = buffer + "_last";
        using (var collapse = CreateCommand(connection, transaction, $"""
            CREATE TEMP TABLE {last} (key TEXT NOT NULL PRIMARY KEY, json TEXT NULL) WITHOUT ROWID;
            INSERT INTO temp.{last} (key, json) SELECT key, json FROM temp.{buffer} WHERE true ORDER BY seq
                ON CONFLICT (key) DO UPDATE SET json = excluded.json;
            """))
        {
            await collapse.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }

        // Before the mirror changes, the version of each mirror row this commit changes or removes: an incremental pass's
        // keys whose last change differs from the mirror, a full pass's keys that it does not leave as they are.
        var changing = kind == SyncPassKind.Full
            ? $"FROM syncgen_items AS i WHERE i.collection = $collection AND i.json IS NOT (SELECT l.json FROM temp.{last} AS l WHERE l.key = i.key)"
            : $"FROM temp.{last} AS l CROSS JOIN syncgen_items AS i ON i.collection = $collection AND i.key = l.key WHERE l.json IS NOT i.json";
        await KeepAsync(connection, transaction, _collection, changing, cancellationToken).ConfigureAwait(false);

        var removed = kind == SyncPassKind.Full
            ? $"SELECT i.key, 'removed' FROM syncgen_items AS i WHERE i.collection = $collection AND NOT EXISTS (SELECT 1 FROM temp.{last} AS l WHERE l.key = i.key AND l.json IS NOT NULL)"
            // EXISTS, not a join: without statistics SQLite may drive a join from the mirror and scan all of it.
            : $"SELECT l.key, 'removed' FROM temp.{last} AS l WHERE l.json IS NULL AND EXISTS (SELECT 1 FROM syncgen_items AS i WHERE i.collection = $collection AND i.key = l.key)";
        var diff = $"""
            SELECT l.key AS key, CASE WHEN i.json IS NULL THEN 'added' ELSE 'updated' END AS kind
                FROM temp.{last} AS l LEFT JOIN syncgen_items AS i ON i.collection = $collection AND i.key = l.key
                WHERE l.json IS NOT NULL AND (i.json IS NULL OR i.json <> l.json)
            UNION ALL
            {removed}
            """;
        await AppendAsync(connection, transaction, diff, $"DROP TABLE temp.{last};", cancellationToken).ConfigureAwait(false);
        return false;
    }

    /// <summary>
    /// Keeps, in <c>syncgen_kept</c>, the mirror's JSON of the items <paramref name="from"/> selects (a FROM ... WHERE
    /// clause naming the mirror <c>i</c>) under the feed's next sequence number: the version that the key's rows before
    /// it announce. Nothing for a collection whose feed never appended a change.
    /// </summary>
    /// <remarks>
    /// A commit without the feed does not move the head: a later one finds the version the first kept and keeps no
    /// other, since that is the version the feed's rows announced.
    /// </remarks>
    private static async ValueTask KeepAsync(SqliteConnection connection, SqliteTransaction transaction, string collection, string from, CancellationToken cancellationToken)
    {
        using var command = CreateCommand(connection, transaction, $"""
            INSERT INTO syncgen_kept (collection, key, seq, json)
                SELECT $collection, i.key, (SELECT head FROM syncgen_feed WHERE collection = $collection) + 1, i.json {from}
                    AND (SELECT head FROM syncgen_feed WHERE collection = $collection) > 0
                    AND NOT EXISTS (SELECT 1 FROM syncgen_kept AS k WHERE k.collection = $collection AND k.key = i.key
                        AND k.seq = (SELECT head FROM syncgen_feed WHERE collection = $collection) + 1);
            """);
        command.Parameters.AddWithValue("$collection", collection);
        await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Keeps the version of every item of <paramref name="collection"/> (see <see cref="KeepAsync"/>), before a commit empties or rewrites its mirror.</summary>
    private static ValueTask KeepAllAsync(SqliteConnection connection, SqliteTransaction transaction, string collection, CancellationToken cancellationToken) =>
        KeepAsync(connection, transaction, collection, "FROM syncgen_items AS i WHERE i.collection = $collection", cancellationToken);

    /// <summary>Appends every item of the collection as added: a first full pass's changes (see <see cref="AppendFeedAsync"/>), after its replay.</summary>
    private ValueTask AppendAddedAfterReplayAsync(SqliteConnection connection, SqliteTransaction transaction, CancellationToken cancellationToken) =>
        AppendAsync(connection, transaction, "SELECT key, 'added' AS kind FROM syncgen_items WHERE collection = $collection", "", cancellationToken);

    /// <summary>Appends the rows of <paramref name="diff"/> (key, kind) numbered on from the head, then prunes.</summary>
    /// <remarks>Every row is written without JSON: an added or updated one refers to the item this commit leaves in the mirror.</remarks>
    private async ValueTask AppendAsync(SqliteConnection connection, SqliteTransaction transaction, string diff, string after, CancellationToken cancellationToken)
    {
        var options = ChangeFeed!;
        using (var append = CreateCommand(connection, transaction, $"""
            INSERT INTO syncgen_feed (collection, head, pruned_through) VALUES ($collection, 0, 0) ON CONFLICT (collection) DO NOTHING;
            INSERT INTO syncgen_changes (collection, seq, key, kind, json)
                SELECT $collection, (SELECT head FROM syncgen_feed WHERE collection = $collection) + ROW_NUMBER() OVER (ORDER BY d.key), d.key, d.kind, NULL
                FROM ({diff}) AS d;
            UPDATE syncgen_feed SET head = MAX(head, COALESCE((SELECT MAX(seq) FROM syncgen_changes WHERE collection = $collection), 0)) WHERE collection = $collection;
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
