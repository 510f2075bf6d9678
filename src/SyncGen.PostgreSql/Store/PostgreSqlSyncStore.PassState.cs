using System;
using System.Diagnostics;
using System.Threading;
using System.Threading.Tasks;

namespace SyncGen.PostgreSql;

// The query fingerprint beside the token (state.query_fingerprint) and the checkpoint of a dead pass (leases.checkpoint),
// both read with the token and lease in ReadStateAsync's one round trip.
public sealed partial class PostgreSqlSyncStore<TItem>
{
    /// <inheritdoc />
    public async ValueTask<string?> ReadQueryFingerprintAsync(CancellationToken cancellationToken = default) =>
        (await RecentStateAsync(cancellationToken).ConfigureAwait(false)).QueryFingerprint;

    /// <inheritdoc />
    /// <remarks>
    /// Only once the dead pass's lease is no longer live: a pass that is merely slow keeps its pages. A pass that failed
    /// in this process hands its lease back at once, so the next call may continue it straight away.
    /// </remarks>
    public async ValueTask<SyncPassCheckpoint?> ReadCheckpointAsync(CancellationToken cancellationToken = default)
    {
        var state = await RecentStateAsync(cancellationToken).ConfigureAwait(false);
        return state is { Checkpoint: { } json, Staged: true, LeaseIsLive: false }
            ? SyncPassCheckpoint.Parse(json, $"{_s}.leases, collection '{_collection}', epoch {state.Epoch}")
            : null;
    }

    /// <inheritdoc />
    /// <remarks>
    /// The pass takes the lease over (a new epoch) when it stages its next page, in the same transaction moving the dead
    /// pass's staged rows to its own epoch; a dead pass whose rows are not all there (the unlogged staging table is
    /// emptied by a database crash) is not continued.
    /// </remarks>
    public async ValueTask<ISyncPassWriter<TItem>?> ResumePassAsync(SyncPassCheckpoint checkpoint, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(checkpoint);
        var state = await ReadStateAsync(cancellationToken).ConfigureAwait(false);
        if (state is not { Staged: true, LeaseIsLive: false, Checkpoint: { } json } || json != checkpoint.ToJson())
        {
            return null;
        }

        await using (var count = _database.DataSource.CreateCommand($"SELECT count(*) FROM {_s}.staging WHERE collection = $1 AND epoch = $2;"))
        {
            count.Parameters.AddWithValue(_collection);
            count.Parameters.AddWithValue(state.Epoch);
            var direct = checkpoint.Kind == SyncPassKind.Full && state.Token is null;
            if (!direct && (long)(await count.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false))! != state.CheckpointChanges)
            {
                return null;
            }
        }

        return new Writer(this, checkpoint.Kind, state, resumeFrom: state);
    }

    /// <summary>The state read by the last <see cref="ReadSyncTokenAsync"/> if it is recent, else a fresh read; it is not consumed.</summary>
    private async ValueTask<CollectionState> RecentStateAsync(CancellationToken cancellationToken) =>
        Volatile.Read(ref _lastRead) is { } read && Stopwatch.GetElapsedTime(read.ReadAt) < ReadReuseWindow
            ? read
            : await ReadStateAsync(cancellationToken).ConfigureAwait(false);
}
