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
/// until a later commit changes or removes the key. That commit keeps the version it replaces in <c>syncgen_kept</c>
/// (see <see cref="WatchWritesAsync"/>) unless only rows the feed has pruned announced it, and a row reads the first
/// version of its key kept after its own sequence number, else the mirror. So a first full sync writes the feed's keys
/// only, not every item twice, and a later pass copies only what it replaces and a retained row may ask for, appended
/// rather than written back into rows spread over the whole feed.
/// </para>
/// </remarks>
public sealed partial class SqliteSyncStore<TItem> : ISyncChangeFeed<TItem>
{
    // Created with the store's other tables (see SchemaSql). syncgen_changes is a WITHOUT ROWID table: its rows are a key
    // and a kind, so the primary key is the table and a row is written once, not once more in an index (a file from an
    // earlier build keeps the rowid table it has, whose early rows may carry whole items: the same statements serve
    // both). The kept versions' tables are described with WatchWritesAsync.
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
            json TEXT NOT NULL,
            prev INTEGER NULL);
        CREATE INDEX IF NOT EXISTS syncgen_kept_seq ON syncgen_kept (collection, seq);
        CREATE TABLE IF NOT EXISTS syncgen_kept_heads (
            collection TEXT NOT NULL,
            key TEXT NOT NULL,
            kept INTEGER NOT NULL,
            PRIMARY KEY (collection, key)) WITHOUT ROWID;
        CREATE TABLE IF NOT EXISTS syncgen_feed (
            collection TEXT NOT NULL PRIMARY KEY,
            head INTEGER NOT NULL,
            pruned_through INTEGER NOT NULL,
            base_through INTEGER NOT NULL DEFAULT 0);
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
                // Each row with the mirror's JSON of its key and the newest version kept of it (whether or not the
                // mirror still holds the key); a file an earlier build laid out, opened read-only, finds its kept
                // versions by key instead.
                using var command = CreateCommand(lease.Connection, transaction, _keptByKey
                    ? """
                        SELECT c.seq, c.key, c.kind, CASE WHEN c.json IS NOT NULL OR c.kind = 'removed' THEN c.json ELSE COALESCE(
                                (SELECT k.json FROM syncgen_kept AS k WHERE k.collection = c.collection AND k.key = c.key AND k.seq > c.seq ORDER BY k.seq LIMIT 1),
                                (SELECT i.json FROM syncgen_items AS i WHERE i.collection = c.collection AND i.key = c.key)) END, NULL, NULL
                            FROM syncgen_changes AS c WHERE c.collection = $collection AND c.seq > $after ORDER BY c.seq LIMIT $limit;
                        """
                    : """
                        SELECT c.seq, c.key, c.kind, c.json, i.json, COALESCE(i.kept, h.kept)
                            FROM syncgen_changes AS c
                            LEFT JOIN syncgen_items AS i ON i.collection = c.collection AND i.key = c.key
                            LEFT JOIN syncgen_kept_heads AS h ON h.collection = c.collection AND h.key = c.key
                            WHERE c.collection = $collection AND c.seq > $after ORDER BY c.seq LIMIT $limit;
                        """);
                command.Parameters.AddWithValue("$collection", _collection);
                command.Parameters.AddWithValue("$after", after);
                command.Parameters.AddWithValue("$limit", limit);
                var rows = new List<(long Seq, string Key, string Kind, string? Json, string? Mirror, long? Kept)>();
                var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
                await using (reader.ConfigureAwait(false))
                {
                    while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
                    {
                        rows.Add((reader.GetInt64(0), reader.GetString(1), reader.GetString(2),
                            reader.IsDBNull(3) ? null : reader.GetString(3),
                            reader.IsDBNull(4) ? null : reader.GetString(4),
                            reader.IsDBNull(5) ? null : reader.GetInt64(5)));
                    }
                }

                using var versions = new KeptVersionReader(lease.Connection, transaction, _collection);
                foreach (var (seq, key, kindName, json, mirror, kept) in rows)
                {
                    var kind = SyncFeedRules.Parse(kindName)
                        ?? throw new SyncStoreCorruptException(DescribeItem(key), string.Create(CultureInfo.InvariantCulture, $"change {seq} has an unknown kind '{kindName}'."));
                    if (kind == SyncFeedChangeKind.Removed)
                    {
                        changes.Add(new SyncFeedChange<TItem>(seq, key, kind, default));
                        continue;
                    }

                    var version = json
                        ?? (kept is { } newest ? await versions.FirstAfterAsync(key, seq, newest, cancellationToken).ConfigureAwait(false) : null)
                        ?? mirror
                        ?? throw new SyncStoreCorruptException(DescribeItem(key), string.Create(CultureInfo.InvariantCulture, $"change {seq} refers to the mirror, which no longer holds the key, and no version of it was kept."));
                    changes.Add(new SyncFeedChange<TItem>(seq, key, kind, Deserialize(key, version)));
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

    /// <summary>What a commit still has to do for the feed once it has written its items (see <see cref="BeginFeedAsync"/>).</summary>
    [Flags]
    private enum FeedAfterReplay
    {
        /// <summary>Nothing.</summary>
        None = 0,

        /// <summary>Drop the triggers that watched the replay and account for the rows it inserted (<see cref="WatchWritesAsync"/>).</summary>
        EndWatch = 1,

        /// <summary>Append the net changes the triggers logged: an incremental pass.</summary>
        AppendLogged = 2,

        /// <summary>Append every item the mirror then holds, as added: a first full sync.</summary>
        AppendAllAdded = 4,

        /// <summary>Give the refilled mirror back its keys' newest kept versions (<see cref="KeepBeforeRefillAsync"/>).</summary>
        RestoreKeptHeads = 8,
    }

    /// <summary>What <see cref="BeginFeedAsync"/> set up for <see cref="EndFeedAsync"/>.</summary>
    /// <param name="Steps">What is left to do once the items are written.</param>
    /// <param name="InsertedAbove">With <see cref="FeedAfterReplay.EndWatch"/>: every mirror row with a greater rowid was inserted by the replay (see <see cref="WatchWritesAsync"/>).</param>
    /// <param name="AnnouncedThrough">
    /// What the replay writes into <c>announced_through</c> of each row it inserts or changes: a number no row of the feed
    /// that announces the row's new version is above, or <see langword="null"/> for the collection's base mark
    /// (<c>syncgen_feed.base_through</c>), which a full pass sets for every row it writes.
    /// </param>
    private readonly record struct FeedWork(FeedAfterReplay Steps, long InsertedAbove = 0, long? AnnouncedThrough = null)
    {
        public static FeedWork None => new(FeedAfterReplay.None);
    }

    /// <summary>Which versions an incremental commit keeps: those whose mark (NULL standing for <paramref name="BaseMark"/>) is above <paramref name="PrunedThrough"/>.</summary>
    private readonly record struct KeepAbove(long PrunedThrough, long BaseMark);

    /// <summary>
    /// Starts a commit's part of the feed, inside its transaction and before the pass writes its items, while the stored
    /// JSON is still the mirror the pass replaces. <paramref name="scratch"/> names the pass's temporary tables, its buffer
    /// (seq, key, json; json NULL for a delete) among them when <paramref name="buffered"/>; <paramref name="deletes"/>
    /// says whether the replay deletes rows, <paramref name="changes"/> how many changes the buffer holds (keys repeated
    /// counted each time). <see cref="EndFeedAsync"/> finishes what this starts once the items are written.
    /// </summary>
    /// <remarks>
    /// An incremental pass has triggers watch its own writes (<see cref="WatchWritesAsync"/>). A full pass empties the
    /// mirror and refills it, so it keeps what it replaces first: with the feed it compares its last change of each key
    /// with the mirror and appends at once, except over an empty mirror (a first sync), which adds every item it leaves:
    /// the mirror then holds them already collapsed to one row per key, so the feed copies them in key order afterwards.
    /// A store without the feed appends nothing but still keeps the versions an earlier feed's rows announce.
    /// <para>
    /// A pass appends at most one row per key it changes, numbered on from the head, so head plus the number of changes
    /// bounds the row that announces any version it writes; an incremental pass marks the rows it writes with that bound.
    /// A full pass writes no mark (NULL, which costs a first sync of 100,000 items no byte) and sets the collection's base
    /// mark instead: every row the mirror then holds is its own, announced by a row up to the head it leaves. An
    /// incremental commit first prunes what the feed no longer needs, then keeps a version it replaces only if its mark is
    /// above what the feed has pruned through: a version only pruned rows announced is needed by no reader (a consumer that
    /// keeps up acknowledges every row, and its next pass copies nothing). A row written without the feed gets the base
    /// mark too, which may keep what no row needs, never the reverse: no row of the feed announces what such a commit
    /// writes (a row reads the first version kept after it, and that commit kept the one before).
    /// </para>
    /// </remarks>
    private async ValueTask<FeedWork> BeginFeedAsync(SqliteConnection connection, SqliteTransaction transaction, string scratch, bool buffered, bool deletes, long changes, SyncPassKind kind, CancellationToken cancellationToken)
    {
        if (!buffered && kind == SyncPassKind.Incremental)
        {
            return FeedWork.None;
        }

        var feed = ChangeFeed is not null;
        var (head, _) = await FeedStateAsync(connection, transaction, cancellationToken).ConfigureAwait(false);
        if (!feed && head == 0)
        {
            return FeedWork.None; // no row of a feed refers to this collection's mirror: nothing to keep
        }

        if (kind == SyncPassKind.Incremental)
        {
            if (!feed)
            {
                var watched = await WatchWritesAsync(connection, transaction, scratch, head + 1, keep: null, log: false, deletes, cancellationToken).ConfigureAwait(false);
                return new FeedWork(FeedAfterReplay.EndWatch, watched);
            }

            // A key the pass changes more than once is compared at the end with the first version it replaced (see
            // AppendLoggedAsync), which must then be kept whatever announced it.
            var prunedThrough = await PruneAsync(connection, transaction, cancellationToken).ConfigureAwait(false);
            var keep = prunedThrough > 0 && !await ChangesAKeyTwiceAsync(connection, transaction, scratch, cancellationToken).ConfigureAwait(false)
                ? new KeepAbove(prunedThrough, await BaseMarkAsync(connection, transaction, cancellationToken).ConfigureAwait(false))
                : (KeepAbove?)null;
            var insertedAbove = await WatchWritesAsync(connection, transaction, scratch, head + 1, keep, log: true, deletes, cancellationToken).ConfigureAwait(false);
            return new FeedWork(FeedAfterReplay.EndWatch | FeedAfterReplay.AppendLogged, insertedAbove, head + changes);
        }

        // From here on a full pass: while no row was ever appended (head 0), no version needs keeping.
        var keeps = head > 0 ? FeedAfterReplay.RestoreKeptHeads : FeedAfterReplay.None;
        if (!feed || !buffered)
        {
            // Everything the mirror holds is replaced (a store without the feed does not compare), or removed.
            if (head > 0)
            {
                await KeepBeforeRefillAsync(connection, transaction, scratch, head, "true", cancellationToken).ConfigureAwait(false);
            }

            if (feed)
            {
                await AppendAsync(connection, transaction, "SELECT key, 'removed' FROM syncgen_items WHERE collection = $collection ORDER BY key", "", cancellationToken).ConfigureAwait(false);
            }

            return new FeedWork(keeps);
        }

        using (var any = CreateCommand(connection, transaction, "SELECT EXISTS (SELECT 1 FROM syncgen_items WHERE collection = $collection);"))
        {
            any.Parameters.AddWithValue("$collection", _collection);
            if (Convert.ToInt64(await any.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false), CultureInfo.InvariantCulture) == 0)
            {
                // Nothing to keep; the keys a feed saw removed get their kept versions back if the pass adds them again.
                return new FeedWork(FeedAfterReplay.AppendAllAdded | keeps);
            }
        }

        await AppendFullPassAsync(connection, transaction, scratch, head, cancellationToken).ConfigureAwait(false);
        await SetBaseMarkAsync(connection, transaction, cancellationToken).ConfigureAwait(false);
        return new FeedWork(keeps);
    }

    /// <summary>The collection's base mark: what <c>announced_through</c> NULL stands for (0 before any full pass with the feed).</summary>
    /// <remarks>
    /// Not part of <see cref="FeedStateAsync(SqliteConnection, SqliteTransaction?, CancellationToken)"/>: that one also
    /// serves read-only stores, which read files of layouts 1 and 2 as they are, without this column; this one runs only in
    /// a writable store's commit, after the migration.
    /// </remarks>
    private async ValueTask<long> BaseMarkAsync(SqliteConnection connection, SqliteTransaction transaction, CancellationToken cancellationToken)
    {
        using var command = CreateCommand(connection, transaction, "SELECT base_through FROM syncgen_feed WHERE collection = $collection;");
        command.Parameters.AddWithValue("$collection", _collection);
        return await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false) is long mark ? mark : 0;
    }

    /// <summary>Sets the collection's base mark to the head, once a full pass has appended its rows: every version the mirror then holds is announced at or below it.</summary>
    private async ValueTask SetBaseMarkAsync(SqliteConnection connection, SqliteTransaction transaction, CancellationToken cancellationToken)
    {
        using var command = CreateCommand(connection, transaction, "UPDATE syncgen_feed SET base_through = head WHERE collection = $collection;");
        command.Parameters.AddWithValue("$collection", _collection);
        await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Whether the pass's buffer <paramref name="scratch"/> holds some key more than once.</summary>
    private static async ValueTask<bool> ChangesAKeyTwiceAsync(SqliteConnection connection, SqliteTransaction transaction, string scratch, CancellationToken cancellationToken)
    {
        using var command = CreateCommand(connection, transaction, $"SELECT EXISTS (SELECT 1 FROM temp.{scratch} GROUP BY key HAVING COUNT(*) > 1);");
        return Convert.ToInt64(await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false), CultureInfo.InvariantCulture) == 1;
    }

    /// <summary>Finishes what <see cref="BeginFeedAsync"/> started, once the commit has written its items.</summary>
    private async ValueTask EndFeedAsync(SqliteConnection connection, SqliteTransaction transaction, FeedWork work, string scratch, CancellationToken cancellationToken)
    {
        var afterReplay = work.Steps;
        if (afterReplay.HasFlag(FeedAfterReplay.EndWatch))
        {
            await EndWatchAsync(connection, transaction, scratch, work.InsertedAbove, log: afterReplay.HasFlag(FeedAfterReplay.AppendLogged), cancellationToken).ConfigureAwait(false);
        }

        if (afterReplay.HasFlag(FeedAfterReplay.RestoreKeptHeads))
        {
            await RestoreKeptHeadsAsync(connection, transaction, scratch, cancellationToken).ConfigureAwait(false);
        }

        if (afterReplay.HasFlag(FeedAfterReplay.AppendAllAdded))
        {
            await AppendAsync(connection, transaction, "SELECT key, 'added' FROM syncgen_items WHERE collection = $collection ORDER BY key", "", cancellationToken).ConfigureAwait(false);
            await SetBaseMarkAsync(connection, transaction, cancellationToken).ConfigureAwait(false);
        }

        if (afterReplay.HasFlag(FeedAfterReplay.AppendLogged))
        {
            await AppendLoggedAsync(connection, transaction, scratch, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// Appends the net changes the triggers of <see cref="WatchWritesAsync"/> logged: a key the mirror lacked and has is
    /// added, one it had and lacks is removed, one it had and has is updated, unless it changed more than once in the pass
    /// and ended as the first version it replaced (the one it started from).
    /// </summary>
    private async ValueTask AppendLoggedAsync(SqliteConnection connection, SqliteTransaction transaction, string scratch, CancellationToken cancellationToken)
    {
        var log = LogTable(scratch);
        var changes = $"""
            SELECT l.key, CASE WHEN l.existed = 0 THEN 'added' WHEN l.present = 0 THEN 'removed' ELSE 'updated' END
                FROM temp.{log} AS l
                WHERE (l.existed = 1 OR l.present = 1)
                    AND NOT (l.existed = 1 AND l.present = 1 AND l.touches > 1
                        AND (SELECT i.json FROM syncgen_items AS i WHERE i.collection = $collection AND i.key = l.key)
                            IS (SELECT k.json FROM syncgen_kept AS k WHERE k.rowid = l.first_kept))
                ORDER BY l.key
            """;
        await AppendAsync(connection, transaction, changes, $"DROP TABLE temp.{log};", cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Appends a full pass's net changes over a mirror that holds items: the pass's last change of each key compared with
    /// the stored JSON, and every stored key the pass left out, as removed. The versions it updates or removes are kept first.
    /// </summary>
    private async ValueTask AppendFullPassAsync(SqliteConnection connection, SqliteTransaction transaction, string buffer, long head, CancellationToken cancellationToken)
    {
        // The last change of each key (its sequence number in the buffer), with the key as primary key: the "gone" check
        // looks keys up in it once per stored item. The buffer has no index on the key (it is appended to in pass order);
        // its JSON stays where it is, read by sequence number. The changes go in key order into a new rowid table, so the
        // n-th change has rowid n.
        var last = buffer + "_last";
        var changed = buffer + "_changed";
        using (var classify = CreateCommand(connection, transaction, $"""
            CREATE TEMP TABLE {last} (key TEXT NOT NULL PRIMARY KEY, seq INTEGER NOT NULL) WITHOUT ROWID;
            INSERT INTO temp.{last} (key, seq) SELECT key, seq FROM temp.{buffer} WHERE true ORDER BY seq
                ON CONFLICT (key) DO UPDATE SET seq = excluded.seq;
            CREATE TEMP TABLE {changed} (key TEXT NOT NULL, kind TEXT NOT NULL);
            INSERT INTO temp.{changed} (key, kind)
                SELECT l.key, CASE WHEN b.json IS NULL THEN 'removed' WHEN i.json IS NULL THEN 'added' ELSE 'updated' END
                    FROM temp.{last} AS l CROSS JOIN temp.{buffer} AS b ON b.seq = l.seq
                    LEFT JOIN syncgen_items AS i ON i.collection = $collection AND i.key = l.key
                    WHERE CASE WHEN b.json IS NULL THEN i.json IS NOT NULL ELSE i.json IS NOT b.json END
                UNION ALL
                SELECT i.key, 'removed' FROM syncgen_items AS i
                    WHERE i.collection = $collection AND NOT EXISTS (SELECT 1 FROM temp.{last} AS l WHERE l.key = i.key)
                ORDER BY 1;
            """))
        {
            classify.Parameters.AddWithValue("$collection", _collection);
            await classify.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }

        if (head > 0)
        {
            await KeepBeforeRefillAsync(connection, transaction, buffer, head, $"i.key IN (SELECT key FROM temp.{changed} WHERE kind <> 'added')", cancellationToken).ConfigureAwait(false);
        }

        await AppendAsync(connection, transaction, $"SELECT key, kind FROM temp.{changed} ORDER BY rowid", $"DROP TABLE temp.{last}; DROP TABLE temp.{changed};", cancellationToken).ConfigureAwait(false);
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
        await AppendRowsAsync(connection, transaction, _collection, changes, after, cancellationToken).ConfigureAwait(false);
        await PruneAsync(connection, transaction, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Prunes the rows every consumer has acknowledged and those beyond the cap, with the versions kept only for them,
    /// and returns the number the feed is pruned through.
    /// </summary>
    private async ValueTask<long> PruneAsync(SqliteConnection connection, SqliteTransaction transaction, CancellationToken cancellationToken)
    {
        var options = ChangeFeed!;
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
            // A version kept under a number the feed has pruned through served only pruned rows; a removed key's pointer
            // to its newest kept version goes with it.
            using var prune = CreateCommand(connection, transaction, """
                DELETE FROM syncgen_changes WHERE collection = $collection AND seq <= $through;
                DELETE FROM syncgen_kept WHERE collection = $collection AND seq <= $through;
                DELETE FROM syncgen_kept_heads WHERE collection = $collection
                    AND NOT EXISTS (SELECT 1 FROM syncgen_kept AS k WHERE k.rowid = syncgen_kept_heads.kept);
                UPDATE syncgen_feed SET pruned_through = $through WHERE collection = $collection;
                """);
            prune.Parameters.AddWithValue("$collection", _collection);
            prune.Parameters.AddWithValue("$through", pruneThrough);
            await prune.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }

        return Math.Max(pruneThrough, prunedThrough);
    }

    /// <summary>Appends to <paramref name="collection"/>'s feed the rows <paramref name="changes"/> selects (see <see cref="AppendAsync"/>), then runs <paramref name="after"/>.</summary>
    private static async ValueTask AppendRowsAsync(SqliteConnection connection, SqliteTransaction transaction, string collection, string changes, string after, CancellationToken cancellationToken)
    {
        using var append = CreateCommand(connection, transaction, $"""
            INSERT INTO syncgen_feed (collection, head, pruned_through) VALUES ($collection, 0, 0) ON CONFLICT (collection) DO NOTHING;
            CREATE TEMP TABLE {NumberedTable} (n INTEGER PRIMARY KEY, key TEXT NOT NULL, kind TEXT NOT NULL);
            INSERT INTO temp.{NumberedTable} (key, kind) {changes};
            INSERT INTO syncgen_changes (collection, seq, key, kind, json)
                SELECT $collection, (SELECT head FROM syncgen_feed WHERE collection = $collection) + n, key, kind, NULL FROM temp.{NumberedTable} ORDER BY n;
            UPDATE syncgen_feed SET head = head + COALESCE((SELECT MAX(n) FROM temp.{NumberedTable}), 0) WHERE collection = $collection;
            DROP TABLE temp.{NumberedTable};
            {after}
            """);
        append.Parameters.AddWithValue("$collection", collection);
        await append.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>The temporary table <see cref="AppendAsync"/> numbers a commit's changes in (one commit at a time per connection).</summary>
    private const string NumberedTable = "syncgen_feed_numbered";
}
