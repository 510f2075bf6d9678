using System;
using SyncGen.Infrastructure;
using System.Collections.Generic;
using System.Diagnostics;
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
/// A pass never holds a transaction while pages travel over the network, and writes nothing until it has something to
/// write. <see cref="BeginPassAsync"/> only reads: the token, and the collection's lease row with its row version
/// (<c>xmin</c>); a lease another pass holds unexpired is <see cref="SyncLeaseHeldException"/>. The pass keeps its pages in
/// memory (up to <see cref="PostgreSqlSyncStoreOptions.MaxBufferedChanges"/>) and its commit is then one statement that
/// takes the lease, writes the items and the token and hands the lease back, only if the lease row is still the version
/// read at the start: any pass that took the lease or committed since changed that row, so this pass is refused with
/// <see cref="SyncLeaseLostException"/> and writes nothing. An incremental pass without changes that ends on the token it
/// started from commits nothing at all.
/// </para>
/// <para>
/// A larger pass takes the lease (epoch + 1) with the same condition when it first writes, then stages its pages in an
/// unlogged table, each page in a transaction that renews the lease only while it is the pass's and unexpired. Its commit
/// locks the lease row, checks the epoch, replays the staged pages onto the collection (emptied first for a full pass),
/// stores the token, drops its staged rows and releases the lease. A pass whose lease was taken over (its worker paused
/// past <see cref="PostgreSqlSyncStoreOptions.LeaseDuration"/>, partitioned, or run twice by a scheduler) gets
/// <see cref="SyncLeaseLostException"/> and writes nothing; the token row also refuses any commit whose epoch is not newer
/// than the one that wrote it, so the token never goes back.
/// </para>
/// <para>
/// Readers read committed rows only, so they see a collection before or after a pass, never half of one. Items are read
/// in ordinal key order (sorted here, not by the database's collation).
/// </para>
/// </remarks>
/// <typeparam name="TItem">The item type, stored as System.Text.Json in a <c>jsonb</c> column.</typeparam>
public sealed partial class PostgreSqlSyncStore<TItem> : ISyncStore<TItem>, ISyncQueryFingerprintStore, ISyncResumableStore<TItem>
{
    // How long the state read by ReadSyncTokenAsync may stand in for BeginPassAsync's own read. The fence never relies on
    // it (an older read only makes a pass refused more often); it saves a round trip when a call reads the token and
    // begins its pass straight after.
    private static readonly TimeSpan ReadReuseWindow = TimeSpan.FromSeconds(1);

    private readonly PostgreSqlSyncDatabase _database;
    private readonly string _collection;
    private readonly string _s;
    private CollectionState? _lastRead;

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
        var state = await ReadStateAsync(cancellationToken).ConfigureAwait(false);
        Volatile.Write(ref _lastRead, state);
        return state.Token;
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
        // A live lease in a reused read may have been released since: only a fresh read refuses the pass.
        var state = Interlocked.Exchange(ref _lastRead, null) is { LeaseIsLive: false } read && Stopwatch.GetElapsedTime(read.ReadAt) < ReadReuseWindow
            ? read
            : await ReadStateAsync(cancellationToken).ConfigureAwait(false);
        if (state.LeaseIsLive)
        {
            throw new SyncLeaseHeldException(_collection, state.Holder!, state.Epoch, state.ExpiresAt);
        }

        return new Writer(this, kind, state, resumeFrom: null);
    }

    /// <summary>Reads, in one snapshot, the committed token and the lease row with its version; writes nothing.</summary>
    private async Task<CollectionState> ReadStateAsync(CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        await _database.EnsureSchemaAsync(cancellationToken).ConfigureAwait(false);
        await using var command = _database.DataSource.CreateCommand(
            $"""
            SELECT s.sync_token, l.epoch, l.holder, l.expires_at, l.expires_at > now(), l.xmin::text, l.staged,
                   s.query_fingerprint, l.checkpoint, l.checkpoint_changes
            FROM (SELECT $1::text AS collection) AS c
            LEFT JOIN {_s}.state AS s ON s.collection = c.collection
            LEFT JOIN {_s}.leases AS l ON l.collection = c.collection;
            """);
        command.Parameters.AddWithValue(_collection);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        await reader.ReadAsync(cancellationToken).ConfigureAwait(false);
        var token = reader.IsDBNull(0) ? null : reader.GetString(0);
        var fingerprint = reader.IsDBNull(7) ? null : reader.GetString(7);
        return reader.IsDBNull(1)
            ? new CollectionState(token, 0, null, default, false, null, false, Stopwatch.GetTimestamp()) { QueryFingerprint = fingerprint }
            : new CollectionState(token, reader.GetInt64(1), reader.GetString(2), reader.GetFieldValue<DateTimeOffset>(3), reader.GetBoolean(4), reader.GetString(5), reader.GetBoolean(6), Stopwatch.GetTimestamp())
            {
                QueryFingerprint = fingerprint,
                Checkpoint = reader.IsDBNull(8) ? null : reader.GetString(8),
                CheckpointChanges = reader.IsDBNull(9) ? 0 : reader.GetInt64(9),
            };
    }

    /// <summary>A write of this store's passes makes the last read state out of date.</summary>
    private void ForgetLastRead() => Volatile.Write(ref _lastRead, null);

    /// <inheritdoc />
    /// <exception cref="SyncStoreCorruptException">A stored item no longer deserializes as <typeparamref name="TItem"/>.</exception>
    public async ValueTask<IReadOnlyList<KeyValuePair<string, TItem>>> ReadItemsAsync(CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();
        await _database.EnsureSchemaAsync(cancellationToken).ConfigureAwait(false);
        var items = new List<KeyValuePair<string, TItem>>();
        await using (var command = _database.DataSource.CreateCommand($"SELECT key, item::text FROM {_s}.items WHERE collection = $1 AND EXISTS (SELECT 1 FROM {_s}.state WHERE collection = $1);"))
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

    /// <summary>
    /// Why a pass's fenced write found the lease row changed: another live pass holds it (for a pass that never held it),
    /// or it was taken over, expired, or used by another pass's commit.
    /// </summary>
    private async Task<SyncException> RefusalAsync(long passEpoch, bool heldByPass, string operation, CancellationToken cancellationToken)
    {
        if (await RemovedByAsync(cancellationToken).ConfigureAwait(false) is { } parent)
        {
            return new SyncCollectionRemovedException(_collection, parent);
        }

        var now = await ReadStateAsync(cancellationToken).ConfigureAwait(false);
        return !heldByPass && now.LeaseIsLive
            ? new SyncLeaseHeldException(_collection, now.Holder!, now.Epoch, now.ExpiresAt)
            : new SyncLeaseLostException(_collection, passEpoch, now.Holder is null ? null : now.Epoch, operation);
    }

    /// <summary>The parent collection whose commit removed this one and did not list it again since, or null.</summary>
    private async Task<string?> RemovedByAsync(CancellationToken cancellationToken)
    {
        await using var command = _database.DataSource.CreateCommand($"SELECT removed_by FROM {_s}.removed_collections WHERE collection = $1;");
        command.Parameters.AddWithValue(_collection);
        return await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false) as string;
    }

    /// <summary>What a pass starts from: the committed token and the lease row as one snapshot read them.</summary>
    /// <param name="Token">The committed token, or null.</param>
    /// <param name="Epoch">The lease's epoch; 0 without a lease row.</param>
    /// <param name="Holder">Who took the lease last; null without a lease row.</param>
    /// <param name="ExpiresAt">When the lease expires.</param>
    /// <param name="LeaseIsLive">Whether the lease had not expired.</param>
    /// <param name="Version">The lease row's <c>xmin</c>: every write to the row changes it; null without a row.</param>
    /// <param name="Staged">Whether the pass of <paramref name="Epoch"/> may have left staged rows (it died mid-pass).</param>
    /// <param name="ReadAt">When it was read (<see cref="Stopwatch.GetTimestamp"/>).</param>
    private sealed record CollectionState(string? Token, long Epoch, string? Holder, DateTimeOffset ExpiresAt, bool LeaseIsLive, string? Version, bool Staged, long ReadAt)
    {
        /// <summary>The fingerprint committed with <see cref="Token"/>, or null.</summary>
        public string? QueryFingerprint { get; init; }

        /// <summary>The checkpoint the pass of <see cref="Epoch"/> wrote with its last staged page, or null.</summary>
        public string? Checkpoint { get; init; }

        /// <summary>The staged rows <see cref="Checkpoint"/> covers.</summary>
        public long CheckpointChanges { get; init; }
    }
}
