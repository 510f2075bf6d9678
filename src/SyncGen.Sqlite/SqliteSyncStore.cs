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

/// <summary>A sync store in a SQLite database.</summary>
/// <remarks>
/// <para>
/// Many collections (one per repository) may share one database file, and several processes may use it at once.
/// </para>
/// <para>
/// Tables, created on first use: <c>syncgen_items(collection, key, json, kept)</c> holds the committed mirrors (<c>kept</c>
/// points at a key's newest version the change feed kept, see the feed's remarks) and
/// <c>syncgen_state(collection, sync_token)</c> their tokens. The database is switched to WAL mode so that readers never
/// wait for writers and always read one committed state.
/// </para>
/// <para>
/// A pass never holds a write transaction on the database while the caller fetches pages from the network, which would
/// lock every other collection in the file for as long as the slowest server takes. Instead a pass keeps one connection
/// for its whole life and buffers its changes in a temporary table of that connection (SQLite's temp database: a file
/// of its own, never in the WAL, never synced to disk, invisible to every other connection and deleted with the
/// connection). The buffer is appended to in pass order, with no index, and the writer remembers it as runs of
/// consecutive upserts or deletes. <see cref="ISyncPassWriter{TItem}.CommitAsync"/> then, in one transaction, empties the
/// collection for a full pass, replays the runs in order (a run of upserts is one <c>INSERT ... SELECT ... ON CONFLICT
/// DO UPDATE</c>, so a later change of a key overwrites an earlier one as SQLite reaches it; a run of deletes is one
/// <c>DELETE</c>) and stores the token: each row is written to the database file once, and a pass without deletes is
/// one statement whatever its size. An incremental pass therefore applies its changes to the mirror
/// committed at the time of its commit. An incremental pass with no change that ends on the token it started from (as
/// read by <see cref="ReadSyncTokenAsync"/>) or on the stored one writes nothing at all: no write lock, no WAL frame, and
/// (after the store's first pass, which opens its connection up front to report an unusable file early) no connection.
/// </para>
/// <para>
/// A writer disposed without commit drops its buffer. A process that dies mid-pass leaves nothing in the database file:
/// its buffer dies with its connection. Versions of this store before the temp-table buffer staged passes in
/// <c>syncgen_staging</c> and <c>syncgen_passes</c>; when a file still has those tables, every commit deletes the rows
/// of their passes idle for longer than <see cref="AbandonedPassRetention"/>.
/// </para>
/// <para>
/// Each operation takes a connection from Microsoft.Data.Sqlite's pool and gives it back, unless
/// <see cref="IdleConnectionTimeout"/> asks the store to keep its last connection between calls; disposing the store
/// closes a kept connection.
/// </para>
/// </remarks>
/// <typeparam name="TItem">The item type, stored as System.Text.Json text.</typeparam>
public sealed partial class SqliteSyncStore<TItem> : ISyncStore<TItem>
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
            kept INTEGER NULL,
            announced_through INTEGER NULL,
            PRIMARY KEY (collection, key));
        CREATE TABLE IF NOT EXISTS syncgen_state (
            collection TEXT NOT NULL PRIMARY KEY,
            sync_token TEXT);
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

    // OpenFileReadOnly stores only: the file, and a connection string that opens it immutable (see ReadQuietlyAsync).
    private string? _quietPath;
    private string? _quietConnectionString;

    // Whether the file still has the staging tables of the store's earlier versions (see the remarks).
    private volatile bool _hasLegacyStaging;

    // The token this instance last read or committed. Every token that was ever stored comes with a mirror that matches
    // it, so an unchanged incremental pass that ends on this token may leave the file as it is, whatever another
    // process committed since: the file holds a consistent state either way.
    private volatile string? _lastSeenToken;

    // Whether a pass of this store has opened the file for writing (see BeginPassAsync).
    private volatile bool _writableSeen;

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
    /// <exception cref="SyncStoreUnusableException">The path names a FIFO, a device or a socket.</exception>
    public static SqliteSyncStore<TItem> OpenFile(string path, string collection, JsonSerializerOptions? serializerOptions = null, bool allowOtherTables = false)
    {
        var fullPath = FullPath(path);

        // SQLite creates the file but not its directory.
        var directory = Path.GetDirectoryName(fullPath);
        if (!string.IsNullOrEmpty(directory) && !File.Exists(directory))
        {
            Directory.CreateDirectory(directory);
        }

        SqliteStoreFile.RefuseSpecialFile(fullPath);
        SqliteStoreFile.CreateOwnerOnlyIfMissing(fullPath);
        var builder = new SqliteConnectionStringBuilder { DataSource = fullPath, Mode = SqliteOpenMode.ReadWriteCreate, Pooling = true };
        return new SqliteSyncStore<TItem>(builder.ToString(), collection, serializerOptions) { AllowOtherTables = allowOtherTables };
    }

    /// <summary>Opens the store at <paramref name="path"/> for reading only.</summary>
    /// <remarks>
    /// Nothing in the file changes (no table, no journal mode, no mark), no <c>-wal</c> or <c>-shm</c> file is created
    /// beside it when none is there, and a file the user may not write can be read. An empty database reads as a store
    /// that never synced; one of another program (its own tables and none of SyncGen's, or another application id) is
    /// refused with <see cref="SyncStoreUnusableException"/> on first use, as <see cref="OpenFile"/> refuses it, rather
    /// than reading as an empty mirror.
    /// <para>
    /// SQLite opens a WAL database read-only by creating its <c>-wal</c> and <c>-shm</c> files when they are missing,
    /// owned by the reading user, and a read-only connection cannot remove them: left beside a store the reader may not
    /// write, they make it unwritable for its owner. So while no writer is at work (no side file, no rollback journal),
    /// each read opens the file immutable, which reads the database file alone and creates nothing, and checks afterwards
    /// that the file did not change meanwhile (same size, times and inode, still no side file); if it did, the read is
    /// repeated. While a writer is at work its side files exist, and the read goes through them as usual. Off Linux, reads
    /// always go the usual way.
    /// </para>
    /// </remarks>
    /// <param name="path">The database file; it must exist.</param>
    /// <param name="collection">The collection to read.</param>
    /// <param name="serializerOptions">How items are serialized; <see cref="JsonSerializerDefaults.Web"/> when omitted.</param>
    /// <param name="allowOtherTables">Read a database that holds other programs' tables (see <see cref="AllowOtherTables"/>).</param>
    /// <exception cref="SyncStoreUnusableException">The file does not exist, or is a directory or another file that is not a regular one (a FIFO, a device).</exception>
    public static SqliteSyncStore<TItem> OpenFileReadOnly(string path, string collection, JsonSerializerOptions? serializerOptions = null, bool allowOtherTables = false)
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

        SqliteStoreFile.RefuseSpecialFile(fullPath);

        var builder = new SqliteConnectionStringBuilder { DataSource = fullPath, Mode = SqliteOpenMode.ReadOnly, Pooling = true };
        return new SqliteSyncStore<TItem>(builder.ToString(), collection, serializerOptions)
        {
            AllowOtherTables = allowOtherTables,
            _quietPath = fullPath,
            _quietConnectionString = SqliteStoreFile.ImmutableConnectionString(fullPath),
        };
    }

    /// <summary>Whether the store was opened read-only (<see cref="SqliteOpenMode.ReadOnly"/>): passes cannot begin.</summary>
    public bool IsReadOnly { get; }

    /// <summary>Whether the database may hold other programs' tables.</summary>
    /// <value>
    /// False by default (as for <see cref="OpenFile"/>): a database with other tables is refused with
    /// <see cref="SyncStoreUnusableException"/> instead of having SyncGen's tables added to it.
    /// </value>
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

    /// <summary>How long a pass staged by an earlier version of this store may stay idle before it counts as abandoned.</summary>
    /// <value>One day by default.</value>
    /// <remarks>
    /// Passes of earlier versions staged their rows in <c>syncgen_staging</c>; once idle this long, a commit of any
    /// collection in the same database deletes them as abandoned by a crashed process. Passes of this version buffer in
    /// a temp table that dies with their connection and need no such cleanup.
    /// </remarks>
    /// <exception cref="ArgumentOutOfRangeException">The value is not positive.</exception>
    public TimeSpan AbandonedPassRetention
    {
        get => _abandonedPassRetention;
        init => _abandonedPassRetention = value > TimeSpan.Zero ? value : throw new ArgumentOutOfRangeException(nameof(value), value, "The retention of abandoned passes must be positive.");
    }

    /// <inheritdoc />
    public async ValueTask<string?> ReadSyncTokenAsync(CancellationToken cancellationToken = default)
    {
        if (_quietPath is not null)
        {
            return await ReadQuietlyAsync(static (store, lease, _) => new ValueTask<string?>(store.ReadToken(lease)), cancellationToken).ConfigureAwait(false);
        }

        var lease = await RentAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            return ReadToken(lease);
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

    private string? ReadToken(Lease lease)
    {
        if (_noStoreYet)
        {
            return null;
        }

        var token = lease.ReadToken(_collection);
        _lastSeenToken = token;
        return token;
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

        cancellationToken.ThrowIfCancellationRequested();

        // The first pass of this store opens its connection here: that surfaces a bad path, a missing native library, an
        // unreadable or unwritable database before any page is fetched. Once a pass has found the file writable, later
        // passes take their connection when they first need one, so that a call with nothing to write opens none.
        // Either way the connection holds no lock between operations.
        return new PassWriter(this, kind, _writableSeen ? null : await RentWritableAsync(cancellationToken).ConfigureAwait(false));
    }

    /// <summary>A connection for a pass, refused with a typed error when this process cannot write the file.</summary>
    private async ValueTask<Lease> RentWritableAsync(CancellationToken cancellationToken)
    {
        var lease = await RentAsync(cancellationToken).ConfigureAwait(false);

        // SQLite opens a file the user may not write to read-only without a word, and would only refuse the commit,
        // after every page was fetched: say so as soon as a pass takes its connection.
        // Side files another user left (a reader with an older SyncGen, or another SQLite program) are as unwritable, and
        // SQLite would only say so at the commit.
        if (SQLitePCL.raw.sqlite3_db_readonly(lease.Connection.Handle, "main") == 1 || SqliteStoreFile.HasForeignSideFile(_dataSource))
        {
            lease.Dispose();
            throw SqliteStoreFile.ReadOnlyForThisUser(_dataSource);
        }

        _writableSeen = true;
        return lease;
    }

    /// <inheritdoc />
    /// <exception cref="SyncStoreCorruptException">A stored item no longer deserializes as <typeparamref name="TItem"/>.</exception>
    public async ValueTask<IReadOnlyList<KeyValuePair<string, TItem>>> ReadItemsAsync(CancellationToken cancellationToken = default)
    {
        if (_quietPath is not null)
        {
            return await ReadQuietlyAsync(static (store, lease, token) => store.ReadItemsAsync(lease, token), cancellationToken).ConfigureAwait(false);
        }

        var lease = await RentAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            return await ReadItemsAsync(lease, cancellationToken).ConfigureAwait(false);
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

    private async ValueTask<IReadOnlyList<KeyValuePair<string, TItem>>> ReadItemsAsync(Lease lease, CancellationToken cancellationToken)
    {
        var items = new List<KeyValuePair<string, TItem>>();
        if (_noStoreYet)
        {
            return items;
        }

        // One statement reads one WAL snapshot, so a commit running meanwhile is seen entirely or not at all.
        using (var command = lease.Connection.CreateCommand())
        {
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

    /// <summary>
    /// A read of an <see cref="OpenFileReadOnly"/> store: on an immutable connection of its own (no side file created,
    /// never pooled, since an immutable connection trusts its page cache forever) while the file is quiet, checked
    /// unchanged afterwards; the usual way once a writer is at work or after three reads that met a change.
    /// </summary>
    private async ValueTask<T> ReadQuietlyAsync<T>(Func<SqliteSyncStore<TItem>, Lease, CancellationToken, ValueTask<T>> read, CancellationToken cancellationToken)
    {
        for (var attempt = 0; attempt < 3 && SqliteStoreFile.QuietState.Take(_quietPath!) is { } before; attempt++)
        {
            Lease? lease = null;
            try
            {
                lease = new Lease(await OpenAsync(_quietConnectionString!, cancellationToken).ConfigureAwait(false));
                var result = await read(this, lease, cancellationToken).ConfigureAwait(false);
                if (before.Unchanged())
                {
                    return result;
                }
            }
            catch (Exception ex) when (ex is SqliteException or SyncStoreCorruptException or SyncStoreUnusableException && !before.Unchanged())
            {
                // A writer changed the file under the immutable read: what was read means nothing; read again.
            }
            catch (SqliteException ex) when (Unusable(ex) is { } unusable)
            {
                throw unusable;
            }
            finally
            {
                lease?.Dispose();
            }
        }

        var usual = await RentAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            return await read(this, usual, cancellationToken).ConfigureAwait(false);
        }
        catch (SqliteException ex) when (Unusable(ex) is { } unusable)
        {
            throw unusable;
        }
        finally
        {
            Return(usual);
        }
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

    /// <summary>
    /// The typed error for a failure that says the file itself is unusable. The file's layout is checked once, when the
    /// store first opens it, and pooled or kept connections open without reading it: a file overwritten, truncated or
    /// made unwritable after that is first met by an operation's own statement, which must report it as the open would.
    /// </summary>
    private SyncStoreUnusableException? Unusable(SqliteException exception) => SqliteStoreFile.Explain(exception, _dataSource, IsReadOnly);

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

    private ValueTask<SqliteConnection> OpenAsync(CancellationToken cancellationToken) => OpenAsync(_connectionString, cancellationToken);

    private async ValueTask<SqliteConnection> OpenAsync(string connectionString, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();

        // SQLite opens a file this user may not write read-only without a word, creating its -wal and -shm as this user
        // on the way; left there, they make the store unwritable for its owner. Refused before SQLite opens it.
        if (!IsReadOnly && !_schemaReady && UnixFileStatus.IsWritable(_dataSource) == false && File.Exists(_dataSource))
        {
            throw SqliteStoreFile.ReadOnlyForThisUser(_dataSource);
        }

        var connection = new SqliteConnection(connectionString);
        try
        {
            await connection.OpenAsync(cancellationToken).ConfigureAwait(false);

            // busy_timeout is per connection, and pooled connections may have been opened elsewhere: set it every time,
            // through the C API (a function call, where a PRAGMA statement would be prepared and run on every open).
            SQLitePCL.raw.sqlite3_busy_timeout(connection.Handle, BusyTimeoutMilliseconds);

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
                _keptByKey = !_noStoreYet && !await HasColumnAsync(connection, null, "syncgen_items", "kept", cancellationToken).ConfigureAwait(false);
                _schemaReady = true;
                return;
            }

            // Every statement is idempotent, so stores in other processes racing to create the schema are harmless;
            // the retry covers the moment one of them holds the lock while switching the file to WAL.
            await RetryWhileBusyAsync(
                async () =>
                {
                    using var command = connection.CreateCommand();
                    command.CommandText = SchemaSql + QueriesTableSql + FeedSchemaSql;
                    await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
                    await MigrateToCurrentLayoutAsync(connection, cancellationToken).ConfigureAwait(false);
                    if (!stamped)
                    {
                        await SqliteStoreFile.StampAsync(connection, cancellationToken).ConfigureAwait(false);
                    }

                    return true;
                },
                cancellationToken).ConfigureAwait(false);
            using (var legacy = connection.CreateCommand())
            {
                legacy.CommandText = "SELECT COUNT(*) FROM sqlite_schema WHERE type = 'table' AND name IN ('syncgen_staging', 'syncgen_passes');";
                _hasLegacyStaging = Convert.ToInt64(await legacy.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false), System.Globalization.CultureInfo.InvariantCulture) == 2;
            }

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

    private static SqliteCommand CreateCommand(SqliteConnection connection, SqliteTransaction? transaction, string sql)
    {
        var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = sql;
        return command;
    }
}
