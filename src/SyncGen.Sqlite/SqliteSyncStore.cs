using System;
using System.Collections.Generic;
using System.Data;
using System.IO;
using System.Text.Json;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.Data.Sqlite;
using SyncGen.Infrastructure;

namespace SyncGen;

/// <summary>
/// A sync store in a SQLite database. Many collections (one per repository) may share one database file, and several
/// processes may use it at once.
/// </summary>
/// <remarks>
/// <para>
/// Tables, created on first use: <c>syncgen_items(collection, key, json)</c> holds the committed mirrors,
/// <c>syncgen_state(collection, sync_token)</c> their tokens, and <c>syncgen_staging(pass_id, seq, key, json)</c> with
/// <c>syncgen_passes(pass_id, collection, kind, started_utc, touched_utc)</c> the passes being staged. The database is
/// switched to WAL mode so that readers never wait for writers and always read one committed state.
/// </para>
/// <para>
/// A pass never holds a write transaction while the caller fetches pages from the network, which would lock every
/// other collection in the file for as long as the slowest server takes. Instead each
/// <see cref="ISyncPassWriter{TItem}.ApplyAsync"/> appends the page to <c>syncgen_staging</c> under the pass's own id
/// in one short transaction, and <see cref="ISyncPassWriter{TItem}.CommitAsync"/> replays the staged changes onto the
/// collection (emptied first for a full pass), stores the token and drops the staged rows in one transaction. An
/// incremental pass therefore applies its changes to the mirror committed at the time of its commit.
/// </para>
/// <para>
/// A writer disposed without commit deletes its staged rows. A process that dies mid-pass leaves its rows behind under a
/// pass id nobody will use again, so they are harmless; every commit also deletes the rows of passes of any collection
/// that have been idle for longer than <see cref="AbandonedPassRetention"/>. A live pass idle for that long loses its
/// staged rows, and its next apply or its commit then fails with <see cref="InvalidOperationException"/> instead of
/// committing a partial pass.
/// </para>
/// </remarks>
/// <typeparam name="TItem">The item type, stored as System.Text.Json text.</typeparam>
public sealed class SqliteSyncStore<TItem> : ISyncStore<TItem>
{
    // SQLite's own busy handler waits this long for a lock before a statement reports SQLITE_BUSY.
    private const int BusyTimeoutMilliseconds = 30_000;

    // On top of the busy handler: BEGIN IMMEDIATE is retried this many times in total, with a short backoff, so that
    // contention between many writers on one file does not surface as "database is locked".
    private const int MaxBeginAttempts = 8;

    private const int SqliteBusy = 5;
    private const int SqliteLocked = 6;

    private const string SchemaSql = """
        PRAGMA journal_mode = WAL;
        CREATE TABLE IF NOT EXISTS syncgen_items (
            collection TEXT NOT NULL,
            key TEXT NOT NULL,
            json TEXT NOT NULL,
            PRIMARY KEY (collection, key));
        CREATE TABLE IF NOT EXISTS syncgen_state (
            collection TEXT NOT NULL PRIMARY KEY,
            sync_token TEXT);
        CREATE TABLE IF NOT EXISTS syncgen_passes (
            pass_id TEXT NOT NULL PRIMARY KEY,
            collection TEXT NOT NULL,
            kind TEXT NOT NULL,
            started_utc INTEGER NOT NULL,
            touched_utc INTEGER NOT NULL);
        CREATE TABLE IF NOT EXISTS syncgen_staging (
            pass_id TEXT NOT NULL,
            seq INTEGER NOT NULL,
            key TEXT NOT NULL,
            json TEXT NULL,
            PRIMARY KEY (pass_id, seq));
        CREATE INDEX IF NOT EXISTS syncgen_staging_by_key ON syncgen_staging (pass_id, key, seq);
        CREATE INDEX IF NOT EXISTS syncgen_passes_by_touched ON syncgen_passes (touched_utc);
        """;

    // The last staged change of each key decides its fate: replaying a pass in seq order and keeping only the last
    // change per key give the same result, and the set-based form is one statement instead of one per change.
    private const string LastChangePerKey = """
        SELECT s.key AS key, s.json AS json FROM syncgen_staging AS s
        WHERE s.pass_id = $pass
          AND s.seq = (SELECT MAX(t.seq) FROM syncgen_staging AS t WHERE t.pass_id = $pass AND t.key = s.key)
        """;

    private readonly string _connectionString;
    private readonly string _dataSource;
    private readonly string _collection;
    private readonly JsonSerializerOptions _serializerOptions;
    private readonly SemaphoreSlim _schemaLock = new(1, 1);
    private readonly TimeSpan _abandonedPassRetention = TimeSpan.FromDays(1);
    private volatile bool _schemaReady;

    // Read-only stores only: the file held no SyncGen tables, so reads answer "never synced" instead of failing.
    private volatile bool _noStoreYet;

    /// <summary>Creates a store for <paramref name="collection"/> in the database named by a connection string.</summary>
    /// <param name="connectionString">A Microsoft.Data.Sqlite connection string naming a database file.</param>
    /// <param name="collection">The collection (typically the repository name) this store reads and writes.</param>
    /// <param name="serializerOptions">How items are serialized; <see cref="JsonSerializerDefaults.Web"/> when omitted.</param>
    /// <exception cref="ArgumentException">
    /// The connection string is blank, malformed, or names an in-memory or temporary database (the store opens a
    /// connection per operation, so such a database would vanish between calls); or the collection is blank.
    /// </exception>
    public SqliteSyncStore(string connectionString, string collection, JsonSerializerOptions? serializerOptions = null)
    {
        if (string.IsNullOrWhiteSpace(connectionString))
        {
            throw new ArgumentException("The SQLite sync store needs a connection string; it was null or blank.", nameof(connectionString));
        }

        if (string.IsNullOrWhiteSpace(collection))
        {
            throw new ArgumentException("The SQLite sync store needs a collection name; it was null or blank.", nameof(collection));
        }

        SqliteConnectionStringBuilder builder;
        try
        {
            builder = new SqliteConnectionStringBuilder(connectionString);
        }
        catch (Exception ex) when (ex is ArgumentException or FormatException or InvalidOperationException)
        {
            throw new ArgumentException($"The SQLite connection string is not valid: {ex.Message}", nameof(connectionString), ex);
        }

        if (string.IsNullOrWhiteSpace(builder.DataSource) || builder.DataSource == ":memory:" || builder.Mode == SqliteOpenMode.Memory)
        {
            throw new ArgumentException("The SQLite sync store needs a database file: it opens a connection per operation, so an in-memory or temporary database would be lost between calls.", nameof(connectionString));
        }

        _connectionString = builder.ToString();
        _dataSource = builder.DataSource;
        IsReadOnly = builder.Mode == SqliteOpenMode.ReadOnly;
        _collection = collection;
        _serializerOptions = serializerOptions ?? new JsonSerializerOptions(JsonSerializerDefaults.Web);
    }

    /// <summary>Creates a store for <paramref name="collection"/> in the database file at <paramref name="path"/>.</summary>
    /// <param name="path">The database file; it and its directory are created if missing.</param>
    /// <param name="collection">The collection (typically the repository name) this store reads and writes.</param>
    /// <param name="serializerOptions">How items are serialized; <see cref="JsonSerializerDefaults.Web"/> when omitted.</param>
    /// <param name="allowOtherTables">
    /// Share the file with another program's tables. Off by default: a database that holds other tables is refused
    /// with <see cref="SyncStoreUnusableException"/> rather than altered.
    /// </param>
    /// <remarks>A new file is created owner-only (mode 0600) on Unix; an existing file keeps its mode.</remarks>
    /// <exception cref="ArgumentException"><paramref name="path"/> or <paramref name="collection"/> is blank, or the path is invalid.</exception>
    public static SqliteSyncStore<TItem> OpenFile(string path, string collection, JsonSerializerOptions? serializerOptions = null, bool allowOtherTables = false)
    {
        var fullPath = FullPath(path);

        // SQLite creates the file but not its directory.
        var directory = Path.GetDirectoryName(fullPath);
        if (!string.IsNullOrEmpty(directory) && !File.Exists(directory))
        {
            Directory.CreateDirectory(directory);
        }

        SqliteStoreFile.CreateOwnerOnlyIfMissing(fullPath);
        var builder = new SqliteConnectionStringBuilder { DataSource = fullPath, Mode = SqliteOpenMode.ReadWriteCreate, Pooling = true };
        return new SqliteSyncStore<TItem>(builder.ToString(), collection, serializerOptions) { AllowOtherTables = allowOtherTables };
    }

    /// <summary>
    /// Opens the store at <paramref name="path"/> for reading only: nothing in the file changes (no table, no journal
    /// mode, no mark), and a file the user may not write can be read. A file without SyncGen's tables reads as a store
    /// that never synced; one of another program is refused with <see cref="SyncStoreUnusableException"/>.
    /// </summary>
    /// <param name="path">The database file; it must exist.</param>
    /// <param name="collection">The collection to read.</param>
    /// <param name="serializerOptions">How items are serialized; <see cref="JsonSerializerDefaults.Web"/> when omitted.</param>
    /// <exception cref="SyncStoreUnusableException">The file does not exist, or is a directory.</exception>
    public static SqliteSyncStore<TItem> OpenFileReadOnly(string path, string collection, JsonSerializerOptions? serializerOptions = null)
    {
        var fullPath = FullPath(path);
        if (Directory.Exists(fullPath))
        {
            throw new SyncStoreUnusableException(fullPath, "it is a directory; give --store a file path.");
        }

        if (!File.Exists(fullPath))
        {
            throw new SyncStoreUnusableException(fullPath, "the file does not exist; run a sync first, or check the path.");
        }

        var builder = new SqliteConnectionStringBuilder { DataSource = fullPath, Mode = SqliteOpenMode.ReadOnly, Pooling = true };
        return new SqliteSyncStore<TItem>(builder.ToString(), collection, serializerOptions) { AllowOtherTables = true };
    }

    /// <summary>Whether the store was opened read-only (<see cref="SqliteOpenMode.ReadOnly"/>): passes cannot begin.</summary>
    public bool IsReadOnly { get; }

    /// <summary>
    /// Whether the database may hold other programs' tables. When false (the default for <see cref="OpenFile"/>), a
    /// database with other tables is refused with <see cref="SyncStoreUnusableException"/> instead of having SyncGen's
    /// tables added to it.
    /// </summary>
    public bool AllowOtherTables { get; init; }

    private static string FullPath(string path)
    {
        if (string.IsNullOrWhiteSpace(path))
        {
            throw new ArgumentException("The SQLite sync store needs a database file path; it was null or blank.", nameof(path));
        }

        try
        {
            return Path.GetFullPath(path);
        }
        catch (Exception ex) when (ex is NotSupportedException or PathTooLongException or ArgumentException)
        {
            throw new ArgumentException($"'{path}' is not a usable file path: {ex.Message}", nameof(path), ex);
        }
    }

    /// <summary>The collection this store reads and writes.</summary>
    public string Collection => _collection;

    /// <summary>
    /// How long a pass may stay idle (no apply) before a commit of any collection in the same database deletes its staged
    /// rows as abandoned by a crashed process. One day by default: far longer than any live pass waits between two pages.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">The value is not positive.</exception>
    public TimeSpan AbandonedPassRetention
    {
        get => _abandonedPassRetention;
        init => _abandonedPassRetention = value > TimeSpan.Zero ? value : throw new ArgumentOutOfRangeException(nameof(value), value, "The retention of abandoned passes must be positive.");
    }

    /// <inheritdoc />
    public async ValueTask<string?> ReadSyncTokenAsync(CancellationToken cancellationToken = default)
    {
        var connection = await OpenAsync(cancellationToken).ConfigureAwait(false);
        await using (connection.ConfigureAwait(false))
        {
            if (_noStoreYet)
            {
                return null;
            }

            using var command = connection.CreateCommand();
            command.CommandText = "SELECT sync_token FROM syncgen_state WHERE collection = $collection;";
            command.Parameters.AddWithValue("$collection", _collection);
            var token = await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false);
            return token as string;
        }
    }

    /// <inheritdoc />
    public async ValueTask<ISyncPassWriter<TItem>> BeginPassAsync(SyncPassKind kind, CancellationToken cancellationToken = default)
    {
        if (kind is not (SyncPassKind.Full or SyncPassKind.Incremental))
        {
            throw new ArgumentException($"Unknown pass kind {kind}.", nameof(kind));
        }

        if (IsReadOnly)
        {
            throw new InvalidOperationException($"The sync store '{_dataSource}' was opened read-only; open it with OpenFile to sync into it.");
        }

        // Nothing is written yet (the pass is registered with its first page), but opening a connection here surfaces a
        // bad path, a missing native library or an unreadable database before any page is fetched.
        var connection = await OpenAsync(cancellationToken).ConfigureAwait(false);
        await connection.DisposeAsync().ConfigureAwait(false);
        return new Writer(this, kind);
    }

    /// <inheritdoc />
    /// <exception cref="SyncStoreCorruptException">A stored item no longer deserializes as <typeparamref name="TItem"/>.</exception>
    public async ValueTask<IReadOnlyList<KeyValuePair<string, TItem>>> ReadItemsAsync(CancellationToken cancellationToken = default)
    {
        var items = new List<KeyValuePair<string, TItem>>();
        var connection = await OpenAsync(cancellationToken).ConfigureAwait(false);
        await using (connection.ConfigureAwait(false))
        {
            if (_noStoreYet)
            {
                return items;
            }

            // One statement reads one WAL snapshot, so a commit running meanwhile is seen entirely or not at all.
            using var command = connection.CreateCommand();
            command.CommandText = "SELECT key, json FROM syncgen_items WHERE collection = $collection ORDER BY key COLLATE BINARY;";
            command.Parameters.AddWithValue("$collection", _collection);
            var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            await using (reader.ConfigureAwait(false))
            {
                while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
                {
                    var key = reader.GetString(0);
                    items.Add(new KeyValuePair<string, TItem>(key, Deserialize(key, reader.GetString(1))));
                }
            }
        }

        // SQLite's BINARY collation compares UTF-8 bytes, i.e. code points, while the contract promises .NET ordinal
        // (UTF-16) order; they differ only for keys mixing supplementary characters with U+E000..U+FFFF. Re-sort then.
        if (!IsOrdinallySorted(items))
        {
            items.Sort((left, right) => string.CompareOrdinal(left.Key, right.Key));
        }

        return items;
    }

    private TItem Deserialize(string key, string json)
    {
        TItem? item;
        try
        {
            item = JsonSerializer.Deserialize<TItem>(json, _serializerOptions);
        }
        catch (Exception ex) when (ex is JsonException or NotSupportedException or InvalidOperationException)
        {
            throw new SyncStoreCorruptException(DescribeItem(key), $"the stored item cannot be read as {typeof(TItem).Name} ({ex.Message}).", ex);
        }

        return item ?? throw new SyncStoreCorruptException(DescribeItem(key), "the stored item is JSON null.");
    }

    private string DescribeItem(string key) => $"{_dataSource} (collection '{_collection}', key '{key}')";

    private static bool IsOrdinallySorted(List<KeyValuePair<string, TItem>> items)
    {
        for (var i = 1; i < items.Count; i++)
        {
            if (string.CompareOrdinal(items[i - 1].Key, items[i].Key) > 0)
            {
                return false;
            }
        }

        return true;
    }

    private async ValueTask<SqliteConnection> OpenAsync(CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        var connection = new SqliteConnection(_connectionString);
        try
        {
            await connection.OpenAsync(cancellationToken).ConfigureAwait(false);

            // busy_timeout is per connection, and pooled connections may have been opened elsewhere: set it every time.
            using (var pragma = connection.CreateCommand())
            {
                pragma.CommandText = $"PRAGMA busy_timeout = {BusyTimeoutMilliseconds};";
                await pragma.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
            }

            if (!_schemaReady)
            {
                await EnsureSchemaAsync(connection, cancellationToken).ConfigureAwait(false);
            }

            return connection;
        }
        catch (SqliteException ex) when (SqliteStoreFile.Explain(ex, _dataSource, IsReadOnly) is { } unusable)
        {
            await connection.DisposeAsync().ConfigureAwait(false);
            throw unusable;
        }
        catch
        {
            await connection.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    private async ValueTask EnsureSchemaAsync(SqliteConnection connection, CancellationToken cancellationToken)
    {
        await _schemaLock.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (_schemaReady)
            {
                return;
            }

            // A file of another program, or of a newer SyncGen, is refused before anything is written to it; a read-only
            // store writes nothing at all.
            var (contents, stamped) = await SqliteStoreFile.InspectAsync(connection, _dataSource, AllowOtherTables, cancellationToken).ConfigureAwait(false);
            if (IsReadOnly)
            {
                _noStoreYet = contents == SqliteStoreFile.Contents.NoStore;
                _schemaReady = true;
                return;
            }

            // Every statement is idempotent, so stores in other processes racing to create the schema are harmless;
            // the retry covers the moment one of them holds the lock while switching the file to WAL.
            await RetryWhileBusyAsync(
                async () =>
                {
                    using var command = connection.CreateCommand();
                    command.CommandText = SchemaSql;
                    await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
                    if (!stamped)
                    {
                        await SqliteStoreFile.StampAsync(connection, cancellationToken).ConfigureAwait(false);
                    }

                    return true;
                },
                cancellationToken).ConfigureAwait(false);
            _schemaReady = true;
        }
        finally
        {
            _schemaLock.Release();
        }
    }

    private static ValueTask<SqliteTransaction> BeginImmediateAsync(SqliteConnection connection, CancellationToken cancellationToken) =>
        // Taking the write lock up front (BEGIN IMMEDIATE, which is what Serializable means to Microsoft.Data.Sqlite) is
        // what makes the busy handler effective: a deferred transaction that reads first and then tries to write
        // would fail with SQLITE_BUSY at once instead of waiting, since waiting could deadlock.
        RetryWhileBusyAsync(
            async () => (SqliteTransaction)await connection.BeginTransactionAsync(IsolationLevel.Serializable, cancellationToken).ConfigureAwait(false),
            cancellationToken);

    private static async ValueTask<T> RetryWhileBusyAsync<T>(Func<Task<T>> action, CancellationToken cancellationToken)
    {
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                return await action().ConfigureAwait(false);
            }
            catch (SqliteException ex) when (ex.SqliteErrorCode is SqliteBusy or SqliteLocked && attempt < MaxBeginAttempts)
            {
                // Exponential backoff with jitter so that writers that collided do not collide again in lockstep.
                var delay = TimeSpan.FromMilliseconds((25 << Math.Min(attempt, 6)) + Random.Shared.Next(0, 50));
                await Task.Delay(delay, cancellationToken).ConfigureAwait(false);
            }
        }
    }

    private static long NowUnixMilliseconds() => DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();

    private static SqliteCommand CreateCommand(SqliteConnection connection, SqliteTransaction transaction, string sql)
    {
        var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = sql;
        return command;
    }

    // Not thread-safe: one pass is driven by one caller, page after page.
    private sealed class Writer(SqliteSyncStore<TItem> store, SyncPassKind kind) : ISyncPassWriter<TItem>
    {
        private readonly string _passId = Guid.NewGuid().ToString("N");
        private long _staged; // changes staged so far; also the next seq
        private bool _registered; // the syncgen_passes row exists (written with the first non-empty page)
        private bool _done;

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

            // Serialize before taking the write lock: it keeps the transaction short, and a serialization error leaves
            // the pass as it was.
            var rows = new (string Key, string? Json)[changes.Count];
            for (var i = 0; i < changes.Count; i++)
            {
                var change = changes[i];
                rows[i] = (change.Key, change.IsDelete ? null : JsonSerializer.Serialize(change.Item, store._serializerOptions));
            }

            var connection = await store.OpenAsync(cancellationToken).ConfigureAwait(false);
            await using (connection.ConfigureAwait(false))
            {
                var transaction = await BeginImmediateAsync(connection, cancellationToken).ConfigureAwait(false);
                await using (transaction.ConfigureAwait(false))
                {
                    var now = NowUnixMilliseconds();
                    if (_registered)
                    {
                        using var touch = CreateCommand(connection, transaction, "UPDATE syncgen_passes SET touched_utc = $now WHERE pass_id = $pass;");
                        touch.Parameters.AddWithValue("$now", now);
                        touch.Parameters.AddWithValue("$pass", _passId);
                        if (await touch.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false) == 0)
                        {
                            throw Abandoned();
                        }
                    }
                    else
                    {
                        using var register = CreateCommand(connection, transaction, "INSERT INTO syncgen_passes (pass_id, collection, kind, started_utc, touched_utc) VALUES ($pass, $collection, $kind, $now, $now);");
                        register.Parameters.AddWithValue("$pass", _passId);
                        register.Parameters.AddWithValue("$collection", store._collection);
                        register.Parameters.AddWithValue("$kind", kind.ToString());
                        register.Parameters.AddWithValue("$now", now);
                        await register.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
                    }

                    using var insert = CreateCommand(connection, transaction, "INSERT INTO syncgen_staging (pass_id, seq, key, json) VALUES ($pass, $seq, $key, $json);");
                    insert.Parameters.AddWithValue("$pass", _passId);
                    var seq = insert.Parameters.Add("$seq", SqliteType.Integer);
                    var key = insert.Parameters.Add("$key", SqliteType.Text);
                    var json = insert.Parameters.Add("$json", SqliteType.Text);
                    for (var i = 0; i < rows.Length; i++)
                    {
                        seq.Value = _staged + i;
                        key.Value = rows[i].Key;
                        json.Value = (object?)rows[i].Json ?? DBNull.Value;
                        await insert.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
                    }

                    await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
                }
            }

            // Advanced only once the page is durably staged: a failed or cancelled apply left nothing behind.
            _registered = true;
            _staged += rows.Length;
        }

        public async ValueTask CommitAsync(string syncToken, CancellationToken cancellationToken = default)
        {
            if (string.IsNullOrEmpty(syncToken))
            {
                throw new ArgumentException("A pass commits with the server's next sync token; it was empty.", nameof(syncToken));
            }

            ThrowIfDone();
            cancellationToken.ThrowIfCancellationRequested();
            var connection = await store.OpenAsync(cancellationToken).ConfigureAwait(false);
            await using (connection.ConfigureAwait(false))
            {
                var transaction = await BeginImmediateAsync(connection, cancellationToken).ConfigureAwait(false);
                await using (transaction.ConfigureAwait(false))
                {
                    if (_registered)
                    {
                        // If a cleanup took our rows as abandoned, committing what is left would silently lose changes.
                        using var count = CreateCommand(connection, transaction, "SELECT COUNT(*) FROM syncgen_staging WHERE pass_id = $pass;");
                        count.Parameters.AddWithValue("$pass", _passId);
                        if (Convert.ToInt64(await count.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false), System.Globalization.CultureInfo.InvariantCulture) != _staged)
                        {
                            throw Abandoned();
                        }
                    }

                    var sql = (kind == SyncPassKind.Full ? "DELETE FROM syncgen_items WHERE collection = $collection;\n" : "") + $"""
                        DELETE FROM syncgen_items WHERE collection = $collection AND key IN (
                            SELECT key FROM ({LastChangePerKey}) WHERE json IS NULL);
                        INSERT OR REPLACE INTO syncgen_items (collection, key, json)
                            SELECT $collection, key, json FROM ({LastChangePerKey}) WHERE json IS NOT NULL;
                        INSERT INTO syncgen_state (collection, sync_token) VALUES ($collection, $token)
                            ON CONFLICT (collection) DO UPDATE SET sync_token = excluded.sync_token;
                        DELETE FROM syncgen_staging WHERE pass_id = $pass;
                        DELETE FROM syncgen_passes WHERE pass_id = $pass;
                        DELETE FROM syncgen_staging WHERE pass_id IN (SELECT pass_id FROM syncgen_passes WHERE touched_utc < $cutoff);
                        DELETE FROM syncgen_passes WHERE touched_utc < $cutoff;
                        """;
                    using var apply = CreateCommand(connection, transaction, sql);
                    apply.Parameters.AddWithValue("$collection", store._collection);
                    apply.Parameters.AddWithValue("$pass", _passId);
                    apply.Parameters.AddWithValue("$token", syncToken);
                    apply.Parameters.AddWithValue("$cutoff", NowUnixMilliseconds() - (long)store.AbandonedPassRetention.TotalMilliseconds);
                    await apply.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);

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
            if (!_registered)
            {
                return;
            }

            try
            {
                var connection = await store.OpenAsync(CancellationToken.None).ConfigureAwait(false);
                await using (connection.ConfigureAwait(false))
                {
                    using var discard = connection.CreateCommand();
                    discard.CommandText = "DELETE FROM syncgen_staging WHERE pass_id = $pass; DELETE FROM syncgen_passes WHERE pass_id = $pass;";
                    discard.Parameters.AddWithValue("$pass", _passId);
                    await discard.ExecuteNonQueryAsync().ConfigureAwait(false);
                }
            }
            catch (SqliteException)
            {
                // Best effort: staged rows are invisible to every reader and to every other pass (they are keyed by this
                // pass's id), and the abandoned-pass cleanup removes them later. Dispose must not throw over that.
            }
        }

        private void ThrowIfDone()
        {
            if (_done)
            {
                throw new InvalidOperationException("This pass writer was already committed or disposed.");
            }
        }

        private InvalidOperationException Abandoned() => new(
            $"The staged changes of this {kind} pass of collection '{store._collection}' in {store._dataSource} were removed as abandoned " +
            $"(idle longer than {store.AbandonedPassRetention}); nothing was committed. Run the pass again.");
    }
}
