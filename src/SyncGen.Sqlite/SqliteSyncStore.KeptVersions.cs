using System;
using System.Globalization;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.Data.Sqlite;

namespace SyncGen;

/// <remarks>
/// The versions the mirror no longer holds but the feed's rows still announce. A commit that updates or removes a key
/// appends the version it replaces to <c>syncgen_kept(collection, key, seq, json, prev)</c>: <c>seq</c> is the feed's
/// next sequence number (the rows before it announce that version), <c>prev</c> the rowid of the key's previous kept
/// version. The key's newest kept version is found from its mirror row (<c>syncgen_items.kept</c>), or for a key the
/// mirror no longer holds, from <c>syncgen_kept_heads(collection, key, kept)</c>; a row of the feed walks that chain from
/// the newest back to the oldest version kept after it.
/// <para>
/// A chain instead of an index by key: the commit writes the mirror row anyway, so pointing it at the version it kept
/// costs no page the commit did not already write, where an index by key took one more page at a random place for every
/// change (measured: half of what the feed added to an incremental pass). Versions are appended in rowid order, so a
/// chain's rowids fall from the newest to the oldest; a pointer to a version that pruning deleted may meet a reused rowid,
/// which the walk tells by its key or its order and stops at.
/// </para>
/// </remarks>
public sealed partial class SqliteSyncStore<TItem>
{
    // Read-only stores only: the file was laid out by a build that found kept versions through an index by key (layout 1).
    private volatile bool _keptByKey;

    private static string LogTable(string scratch) => scratch + "_log";

    private static string HeadsTable(string scratch) => scratch + "_heads";

    // A trigger takes no parameters: a collection goes into its text as a quoted literal.
    private static string Literal(string text) => "'" + text.Replace("'", "''", StringComparison.Ordinal) + "'";

    private static string DropTriggersSql(string scratch) =>
        $"DROP TRIGGER IF EXISTS temp.{scratch}_on_update; DROP TRIGGER IF EXISTS temp.{scratch}_on_delete;";

    /// <summary>Drops every temporary object the feed may create for the pass whose tables <paramref name="scratch"/> names.</summary>
    private static string DropFeedObjectsSql(string scratch) =>
        DropTriggersSql(scratch) + $" DROP TABLE IF EXISTS temp.{LogTable(scratch)}; DROP TABLE IF EXISTS temp.{HeadsTable(scratch)};"
        + $" DROP TABLE IF EXISTS temp.{scratch}_last; DROP TABLE IF EXISTS temp.{scratch}_changed; DROP TABLE IF EXISTS temp.{NumberedTable};";

    /// <summary>
    /// Has temporary triggers watch the writes of an incremental pass's replay on this collection: each update or delete
    /// keeps the version it replaces under <paramref name="seq"/> and moves the key's chain head, unless the row's mark is
    /// at most what <paramref name="keep"/> says the feed is pruned through (<see langword="null"/>: keep every version); with
    /// <paramref name="log"/>, each key is logged for the feed's rows. Returns the rowid above which every mirror row is one
    /// the replay inserted (<see cref="EndWatchAsync"/> accounts for those).
    /// </summary>
    /// <remarks>
    /// The replay looks every key up in the mirror anyway: the triggers learn what changed from that one lookup, where
    /// comparing the pass with the mirror beforehand looked every key up again. An upsert that leaves the JSON as it was
    /// fires nothing. The log holds, per key, whether the mirror had it before the pass, whether it has it now, how often it
    /// changed, and the first version it replaced. The triggers are temporary objects of the pass's connection, created in
    /// the commit's transaction: a commit that fails rolls them back with everything else, and the writer drops them with
    /// its buffer in any case.
    /// <para>
    /// No trigger watches inserts: with one, SQLite copies every row an <c>INSERT ... SELECT</c> reads into a temporary table
    /// before it writes the first (the whole buffer, JSON included), which cost about 1 ms of the 7 the feed added to a
    /// 1,000-change pass. Inserted rows are told by their rowid instead: SQLite gives a new row one more than the largest
    /// rowid in the table (until rowids reach 2^63, which nothing here ever writes), so every row the replay inserts lies
    /// above the largest one before it, as long as that row stays. A replay that deletes might delete it, so for one a
    /// placeholder row (collection and key are blobs, which no text equals) takes the next rowid until the replay is over.
    /// A row inserted and then updated or deleted by the same replay is told the same way by the triggers, from its old rowid.
    /// </para>
    /// </remarks>
    private async ValueTask<long> WatchWritesAsync(SqliteConnection connection, SqliteTransaction transaction, string scratch, long seq, KeepAbove? keep, bool log, bool deletes, CancellationToken cancellationToken)
    {
        long insertedAbove;
        using (var top = CreateCommand(connection, transaction, "SELECT COALESCE(MAX(rowid), 0) FROM syncgen_items;"))
        {
            insertedAbove = Convert.ToInt64(await top.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false), CultureInfo.InvariantCulture);
        }

        var placeholder = "";
        if (deletes)
        {
            insertedAbove++;
            placeholder = $"INSERT INTO syncgen_items (rowid, collection, key, json) VALUES ({insertedAbove.ToString(CultureInfo.InvariantCulture)}, X'00', X'00', '');";
        }

        var table = LogTable(scratch);
        var collection = Literal(_collection);
        var number = seq.ToString(CultureInfo.InvariantCulture);
        var above = insertedAbove.ToString(CultureInfo.InvariantCulture);

        // A version only rows the feed has pruned announced is not kept. The log's first_kept then stays NULL, which only a
        // key changed twice in the pass would read, and such a pass keeps every version (see BeginFeedAsync). The key's
        // older versions stay reachable all the same: an update leaves the mirror row's pointer as it was, and a delete
        // moves it to the heads table. Those may still be needed although this one is not, when a commit without the
        // feed wrote this one (announced by no row, it carries the base mark).
        var keeps = keep is { } mark
            ? $"COALESCE(old.announced_through, {mark.BaseMark.ToString(CultureInfo.InvariantCulture)}) > {mark.PrunedThrough.ToString(CultureInfo.InvariantCulture)}"
            : "1";

        // A row the replay inserted has no pointer yet (EndWatchAsync gives it the key's pointer from the heads table):
        // a version kept from it links to that pointer. Inside a trigger, last_insert_rowid() is the rowid of the
        // trigger's own last insert (an insert into a WITHOUT ROWID table does not set it), and the update of the kept
        // pointer does not fire the json trigger again.
        var previous = $"CASE WHEN old.rowid > {above} AND old.kept IS NULL THEN (SELECT h.kept FROM syncgen_kept_heads AS h WHERE h.collection = old.collection AND h.key = old.key) ELSE old.kept END";
        string Log(int present) => log
            ? $"INSERT INTO {table} (key, existed, present, touches, first_kept) VALUES (old.key, old.rowid <= {above}, {present}, 1, CASE WHEN {keeps} THEN last_insert_rowid() END) ON CONFLICT (key) DO UPDATE SET present = {present}, touches = touches + 1;"
            : "";
        using var create = CreateCommand(connection, transaction, $"""
            {placeholder}
            {(log ? $"CREATE TEMP TABLE {table} (key TEXT NOT NULL PRIMARY KEY, existed INTEGER NOT NULL, present INTEGER NOT NULL, touches INTEGER NOT NULL, first_kept INTEGER NULL) WITHOUT ROWID;" : "")}
            CREATE TEMP TRIGGER {scratch}_on_update AFTER UPDATE OF json ON main.syncgen_items WHEN new.collection = {collection} AND old.json IS NOT new.json BEGIN
                INSERT INTO syncgen_kept (collection, key, seq, json, prev) SELECT old.collection, old.key, {number}, old.json, {previous} WHERE {keeps};
                UPDATE syncgen_items SET kept = last_insert_rowid() WHERE rowid = new.rowid AND {keeps};
                {Log(1)}
            END;
            CREATE TEMP TRIGGER {scratch}_on_delete AFTER DELETE ON main.syncgen_items WHEN old.collection = {collection} BEGIN
                INSERT INTO syncgen_kept (collection, key, seq, json, prev) SELECT old.collection, old.key, {number}, old.json, {previous} WHERE {keeps};
                INSERT INTO syncgen_kept_heads (collection, key, kept)
                    SELECT old.collection, old.key, CASE WHEN {keeps} THEN last_insert_rowid() ELSE old.kept END WHERE {keeps} OR old.kept IS NOT NULL
                    ON CONFLICT (collection, key) DO UPDATE SET kept = excluded.kept;
                {Log(0)}
            END;
            """);
        await create.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        return insertedAbove;
    }

    /// <summary>
    /// Ends what <see cref="WatchWritesAsync"/> started, once the replay is over: drops the triggers and the placeholder,
    /// and accounts for the rows the replay inserted (those above <paramref name="insertedAbove"/>): each takes back the
    /// chain of kept versions its key had when the mirror lost it, and with <paramref name="log"/> is logged as present,
    /// added unless the replay found the key in the mirror first.
    /// </summary>
    private async ValueTask EndWatchAsync(SqliteConnection connection, SqliteTransaction transaction, string scratch, long insertedAbove, bool log, CancellationToken cancellationToken)
    {
        // "+collection": a search by rowid range over the few rows the replay inserted, not by the collection's index over
        // all of its rows. The log's existed flag stays as the triggers first set it: a key the replay updated or deleted
        // before it inserted it again existed; one it only inserted did not.
        var logInserted = log
            ? $"""
                INSERT INTO temp.{LogTable(scratch)} (key, existed, present, touches, first_kept)
                    SELECT key, 0, 1, 1, NULL FROM syncgen_items WHERE rowid > $above AND +collection = $collection
                    ON CONFLICT (key) DO UPDATE SET present = 1, touches = touches + 1;
                """
            : "";
        using var command = CreateCommand(connection, transaction, $"""
            {DropTriggersSql(scratch)}
            DELETE FROM syncgen_items WHERE rowid = $above AND +collection = X'00';
            {logInserted}
            UPDATE syncgen_items SET kept = (SELECT h.kept FROM syncgen_kept_heads AS h WHERE h.collection = $collection AND h.key = syncgen_items.key)
                WHERE rowid > $above AND +collection = $collection AND kept IS NULL;
            DELETE FROM syncgen_kept_heads WHERE collection = $collection
                AND key IN (SELECT key FROM syncgen_items WHERE rowid > $above AND +collection = $collection);
            """);
        command.Parameters.AddWithValue("$collection", _collection);
        command.Parameters.AddWithValue("$above", insertedAbove);
        await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Before a full pass empties the mirror: keeps the versions of the items <paramref name="keep"/> selects (a condition on
    /// the mirror row <c>i</c>) under the feed's next sequence number, and remembers every key's newest kept version, which
    /// <see cref="RestoreKeptHeadsAsync"/> gives back to the refilled mirror.
    /// </summary>
    /// <remarks>
    /// A commit without the feed does not move the head, so a later commit may find a key kept under the same number
    /// already: that first copy (the version the feed's rows announced) stays, and no other is made. The pointer is checked
    /// against the kept row's key: it may be one that pruning deleted, whose rowid a version of another key now has.
    /// </remarks>
    private async ValueTask KeepBeforeRefillAsync(SqliteConnection connection, SqliteTransaction transaction, string scratch, long head, string keep, CancellationToken cancellationToken)
    {
        var heads = HeadsTable(scratch);
        using var command = CreateCommand(connection, transaction, $"""
            INSERT INTO syncgen_kept (collection, key, seq, json, prev)
                SELECT i.collection, i.key, $seq, i.json, i.kept FROM syncgen_items AS i
                    WHERE i.collection = $collection AND ({keep}) AND NOT EXISTS (SELECT 1 FROM syncgen_kept AS k WHERE k.rowid = i.kept AND k.seq = $seq AND k.collection = i.collection AND k.key = i.key)
                    ORDER BY i.key;
            CREATE TEMP TABLE {heads} (key TEXT NOT NULL PRIMARY KEY, kept INTEGER NOT NULL) WITHOUT ROWID;
            INSERT INTO temp.{heads} (key, kept) SELECT key, MAX(rowid) FROM syncgen_kept WHERE collection = $collection AND seq = $seq GROUP BY key;
            INSERT INTO temp.{heads} (key, kept) SELECT key, kept FROM syncgen_items WHERE collection = $collection AND kept IS NOT NULL
                ON CONFLICT (key) DO NOTHING;
            """);
        command.Parameters.AddWithValue("$collection", _collection);
        command.Parameters.AddWithValue("$seq", head + 1);
        await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// After a full pass refilled the mirror: points each key back at its newest kept version, remembered by
    /// <see cref="KeepBeforeRefillAsync"/> or, for a key the mirror had lost before, in <c>syncgen_kept_heads</c>; a key the
    /// pass removed keeps its pointer there.
    /// </summary>
    private async ValueTask RestoreKeptHeadsAsync(SqliteConnection connection, SqliteTransaction transaction, string scratch, CancellationToken cancellationToken)
    {
        var heads = HeadsTable(scratch);
        using var command = CreateCommand(connection, transaction, $"""
            CREATE TEMP TABLE IF NOT EXISTS {heads} (key TEXT NOT NULL PRIMARY KEY, kept INTEGER NOT NULL) WITHOUT ROWID;
            UPDATE syncgen_items SET kept = (SELECT h.kept FROM temp.{heads} AS h WHERE h.key = syncgen_items.key)
                WHERE collection = $collection AND key IN (SELECT key FROM temp.{heads});
            INSERT INTO syncgen_kept_heads (collection, key, kept)
                SELECT $collection, h.key, h.kept FROM temp.{heads} AS h
                    WHERE NOT EXISTS (SELECT 1 FROM syncgen_items AS i WHERE i.collection = $collection AND i.key = h.key)
                ON CONFLICT (collection, key) DO UPDATE SET kept = excluded.kept;
            UPDATE syncgen_items SET kept = (SELECT h.kept FROM syncgen_kept_heads AS h WHERE h.collection = $collection AND h.key = syncgen_items.key)
                WHERE collection = $collection AND kept IS NULL AND key IN (SELECT key FROM syncgen_kept_heads WHERE collection = $collection);
            DELETE FROM syncgen_kept_heads WHERE collection = $collection
                AND EXISTS (SELECT 1 FROM syncgen_items AS i WHERE i.collection = $collection AND i.key = syncgen_kept_heads.key);
            DROP TABLE temp.{heads};
            """);
        command.Parameters.AddWithValue("$collection", _collection);
        await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Before a commit deletes another collection's mirror (a parent's child that is gone): keeps every item its feed's
    /// rows may announce, with each key's pointer in <c>syncgen_kept_heads</c>, and appends a removal of each key to that
    /// feed, so that replaying it still gives the (now empty) mirror. Nothing for a collection whose feed never appended a
    /// change. The removed collection's feed is pruned by its own store's next commit, which knows its options.
    /// </summary>
    private static async ValueTask RemoveCollectionFromFeedAsync(SqliteConnection connection, SqliteTransaction transaction, string collection, CancellationToken cancellationToken)
    {
        var (head, _) = await FeedStateAsync(connection, transaction, collection, cancellationToken).ConfigureAwait(false);
        if (head == 0)
        {
            return;
        }

        using var command = CreateCommand(connection, transaction, """
            INSERT INTO syncgen_kept (collection, key, seq, json, prev)
                SELECT i.collection, i.key, $seq, i.json, i.kept FROM syncgen_items AS i
                    WHERE i.collection = $collection AND NOT EXISTS (SELECT 1 FROM syncgen_kept AS k WHERE k.rowid = i.kept AND k.seq = $seq AND k.collection = i.collection AND k.key = i.key)
                    ORDER BY i.key;
            INSERT INTO syncgen_kept_heads (collection, key, kept)
                SELECT collection, key, MAX(rowid) FROM syncgen_kept WHERE collection = $collection AND seq = $seq GROUP BY key
                ON CONFLICT (collection, key) DO UPDATE SET kept = excluded.kept;
            """);
        command.Parameters.AddWithValue("$collection", collection);
        command.Parameters.AddWithValue("$seq", head + 1);
        await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        await AppendRowsAsync(connection, transaction, collection, "SELECT key, 'removed' FROM syncgen_items WHERE collection = $collection ORDER BY key", "", cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Brings a file an earlier build laid out to the current layout, in one transaction, once. From layout 1 (kept
    /// versions found by an index on their key) to the chains: the mirror's pointer column, each kept version's link to
    /// the previous one of its key, the heads of keys the mirror lost, and the index by key dropped. From layout 2: the
    /// mirror's <c>announced_through</c> column, NULL in every row, and each collection's base mark (what NULL stands for)
    /// set to its head, so every version a row of the feed may announce is kept when replaced, as before.
    /// </summary>
    private static async ValueTask MigrateToCurrentLayoutAsync(SqliteConnection connection, CancellationToken cancellationToken)
    {
        if (await HasColumnAsync(connection, null, "syncgen_items", "kept", cancellationToken).ConfigureAwait(false)
            && await HasColumnAsync(connection, null, "syncgen_kept", "prev", cancellationToken).ConfigureAwait(false)
            && await HasColumnAsync(connection, null, "syncgen_items", "announced_through", cancellationToken).ConfigureAwait(false))
        {
            return;
        }

        var transaction = await BeginImmediateAsync(connection, cancellationToken).ConfigureAwait(false);
        await using (transaction.ConfigureAwait(false))
        {
            var sql = new System.Text.StringBuilder();
            if (!await HasColumnAsync(connection, transaction, "syncgen_items", "kept", cancellationToken).ConfigureAwait(false))
            {
                sql.Append("ALTER TABLE syncgen_items ADD COLUMN kept INTEGER NULL;");
            }

            if (!await HasColumnAsync(connection, transaction, "syncgen_kept", "prev", cancellationToken).ConfigureAwait(false))
            {
                // Layout 1 appended a key's versions in the order of their numbers: rowid order is the chain's order.
                sql.Append("""
                    ALTER TABLE syncgen_kept ADD COLUMN prev INTEGER NULL;
                    UPDATE syncgen_kept SET prev = (SELECT MAX(p.rowid) FROM syncgen_kept AS p
                        WHERE p.collection = syncgen_kept.collection AND p.key = syncgen_kept.key AND p.rowid < syncgen_kept.rowid);
                    UPDATE syncgen_items SET kept = (SELECT MAX(k.rowid) FROM syncgen_kept AS k WHERE k.collection = syncgen_items.collection AND k.key = syncgen_items.key)
                        WHERE EXISTS (SELECT 1 FROM syncgen_kept AS k WHERE k.collection = syncgen_items.collection AND k.key = syncgen_items.key);
                    INSERT INTO syncgen_kept_heads (collection, key, kept)
                        SELECT k.collection, k.key, MAX(k.rowid) FROM syncgen_kept AS k
                            WHERE NOT EXISTS (SELECT 1 FROM syncgen_items AS i WHERE i.collection = k.collection AND i.key = k.key)
                            GROUP BY k.collection, k.key
                        ON CONFLICT (collection, key) DO NOTHING;
                    """);
            }

            if (!await HasColumnAsync(connection, transaction, "syncgen_items", "announced_through", cancellationToken).ConfigureAwait(false))
            {
                // Every version the mirror holds was announced, if at all, at or below the head: that is each collection's base mark.
                sql.Append("ALTER TABLE syncgen_items ADD COLUMN announced_through INTEGER NULL;");
                if (!await HasColumnAsync(connection, transaction, "syncgen_feed", "base_through", cancellationToken).ConfigureAwait(false))
                {
                    sql.Append("ALTER TABLE syncgen_feed ADD COLUMN base_through INTEGER NOT NULL DEFAULT 0;");
                }

                sql.Append("UPDATE syncgen_feed SET base_through = head;");
            }

            sql.Append("DROP INDEX IF EXISTS syncgen_kept_key; DROP INDEX IF EXISTS syncgen_kept_version;");
            using var migrate = CreateCommand(connection, transaction, sql.ToString());
            await migrate.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
            await transaction.CommitAsync(CancellationToken.None).ConfigureAwait(false);
        }
    }

    private static async ValueTask<bool> HasColumnAsync(SqliteConnection connection, SqliteTransaction? transaction, string table, string column, CancellationToken cancellationToken)
    {
        using var command = CreateCommand(connection, transaction, "SELECT COUNT(*) FROM pragma_table_info($table) WHERE name = $column;");
        command.Parameters.AddWithValue("$table", table);
        command.Parameters.AddWithValue("$column", column);
        return Convert.ToInt64(await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false), CultureInfo.InvariantCulture) == 1;
    }

    /// <summary>Finds, for a row of the feed, the version of its key kept first after it, walking the key's chain.</summary>
    private sealed class KeptVersionReader : IDisposable
    {
        private readonly SqliteConnection _connection;
        private readonly SqliteTransaction _transaction;
        private readonly string _collection;
        private SqliteCommand? _link;
        private SqliteCommand? _json;

        public KeptVersionReader(SqliteConnection connection, SqliteTransaction transaction, string collection)
        {
            _connection = connection;
            _transaction = transaction;
            _collection = collection;
        }

        /// <summary>The JSON of the oldest version of <paramref name="key"/> kept after <paramref name="after"/>, from its newest (rowid <paramref name="newest"/>); null when none was.</summary>
        public async ValueTask<string?> FirstAfterAsync(string key, long after, long newest, CancellationToken cancellationToken)
        {
            _link ??= Prepare("SELECT collection, key, seq, prev FROM syncgen_kept WHERE rowid = $rowid;");
            long? found = null;
            long? current = newest;
            var above = long.MaxValue;
            while (current is { } rowid && rowid < above)
            {
                _link.Parameters["$rowid"].Value = rowid;
                var reader = await _link.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
                await using (reader.ConfigureAwait(false))
                {
                    // A version of another key (a reused rowid), or one kept before the row: the walk is over.
                    if (!await reader.ReadAsync(cancellationToken).ConfigureAwait(false)
                        || reader.GetString(0) != _collection || reader.GetString(1) != key || reader.GetInt64(2) <= after)
                    {
                        break;
                    }

                    found = rowid;
                    above = rowid;
                    current = reader.IsDBNull(3) ? null : reader.GetInt64(3);
                }
            }

            if (found is null)
            {
                return null;
            }

            _json ??= Prepare("SELECT json FROM syncgen_kept WHERE rowid = $rowid;");
            _json.Parameters["$rowid"].Value = found.Value;
            return (string?)await _json.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false);
        }

        public void Dispose()
        {
            _link?.Dispose();
            _json?.Dispose();
        }

        private SqliteCommand Prepare(string sql)
        {
            var command = CreateCommand(_connection, _transaction, sql);
            command.Parameters.Add("$rowid", SqliteType.Integer);
            return command;
        }
    }
}
