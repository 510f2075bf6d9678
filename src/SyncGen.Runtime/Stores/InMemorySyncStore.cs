using System;
using System.Collections.Generic;
using System.Collections.Immutable;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using SyncGen.Infrastructure;

namespace SyncGen;

/// <summary>A sync store in process memory: for tests, caches and short-lived mirrors.</summary>
/// <remarks>
/// Each commit publishes a new immutable snapshot, so readers see either the whole previous pass or the whole new one.
/// </remarks>
/// <typeparam name="TItem">The item type.</typeparam>
public sealed partial class InMemorySyncStore<TItem> : ISyncStore<TItem>, ISyncQueryFingerprintStore, ISyncResumableStore<TItem>
{
    private Snapshot _committed = new(ImmutableDictionary.Create<string, TItem>(StringComparer.Ordinal), null, null, FeedLog<TItem>.Empty);

    // What the last pass that ended uncommitted staged, with its last checkpoint; null once another pass wrote or committed.
    private DeadPass? _dead;

    /// <summary>The committed sync token.</summary>
    public string? SyncToken => Volatile.Read(ref _committed).SyncToken;

    /// <summary>The committed items by key.</summary>
    public IReadOnlyDictionary<string, TItem> Items => Volatile.Read(ref _committed).Items;

    /// <inheritdoc />
    public ValueTask<string?> ReadSyncTokenAsync(CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();
        return new ValueTask<string?>(SyncToken);
    }

    /// <inheritdoc />
    public ValueTask<ISyncPassWriter<TItem>> BeginPassAsync(SyncPassKind kind, CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();
        var start = kind == SyncPassKind.Full ? ImmutableDictionary.Create<string, TItem>(StringComparer.Ordinal) : Volatile.Read(ref _committed).Items;
        return new ValueTask<ISyncPassWriter<TItem>>(new Writer(this, start.ToBuilder(), kind == SyncPassKind.Incremental && ChangeFeed is not null ? new HashSet<string>(StringComparer.Ordinal) : null));
    }

    /// <inheritdoc />
    public ValueTask<string?> ReadQueryFingerprintAsync(CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();
        return new ValueTask<string?>(Volatile.Read(ref _committed).QueryFingerprint);
    }

    /// <inheritdoc />
    /// <remarks>Process memory: a pass that failed or was cancelled in this process can be continued, one whose process died cannot.</remarks>
    public ValueTask<SyncPassCheckpoint?> ReadCheckpointAsync(CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();
        return new ValueTask<SyncPassCheckpoint?>(Volatile.Read(ref _dead)?.Checkpoint);
    }

    /// <inheritdoc />
    public ValueTask<ISyncPassWriter<TItem>?> ResumePassAsync(SyncPassCheckpoint checkpoint, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(checkpoint);
        cancellationToken.ThrowIfCancellationRequested();
        var dead = Volatile.Read(ref _dead);
        if (dead is null || dead.Checkpoint != checkpoint || Interlocked.CompareExchange(ref _dead, null, dead) != dead)
        {
            return new ValueTask<ISyncPassWriter<TItem>?>((ISyncPassWriter<TItem>?)null);
        }

        return new ValueTask<ISyncPassWriter<TItem>?>(new Writer(this, dead.Staged.ToBuilder(), null, dead.Checkpoint));
    }

    /// <inheritdoc />
    public ValueTask<IReadOnlyList<KeyValuePair<string, TItem>>> ReadItemsAsync(CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();
        IReadOnlyList<KeyValuePair<string, TItem>> items = Items.OrderBy(pair => pair.Key, StringComparer.Ordinal).ToList();
        return new ValueTask<IReadOnlyList<KeyValuePair<string, TItem>>>(items);
    }

    private sealed record Snapshot(ImmutableDictionary<string, TItem> Items, string? SyncToken, string? QueryFingerprint, FeedLog<TItem> Feed);

    private sealed record DeadPass(ImmutableDictionary<string, TItem> Staged, SyncPassCheckpoint Checkpoint);

    // touched: the keys an incremental pass changed, for the feed; null compares every key (a full pass, or a resumed one,
    // whose dead predecessor's keys are not known).
    private sealed class Writer(InMemorySyncStore<TItem> store, ImmutableDictionary<string, TItem>.Builder staged, HashSet<string>? touched, SyncPassCheckpoint? checkpoint = null)
        : ISyncPassWriter<TItem>, ISyncQueryFingerprintWriter, ISyncCheckpointWriter<TItem>
    {
        private bool _done;
        private string? _fingerprint;

        // The checkpoint of the last page staged, kept with what was staged if the pass ends uncommitted.
        private SyncPassCheckpoint? _checkpoint = checkpoint;

        public void SetQueryFingerprint(string? fingerprint) => _fingerprint = fingerprint;

        public ValueTask ApplyAsync(IReadOnlyList<SyncChange<TItem>> changes, SyncPassCheckpoint checkpoint, CancellationToken cancellationToken = default)
        {
            ArgumentNullException.ThrowIfNull(checkpoint);
            var applied = ApplyAsync(changes, cancellationToken);
            _checkpoint = checkpoint; // only reached when the page was staged: a refused page keeps the checkpoint before it
            return applied;
        }

        public ValueTask ApplyAsync(IReadOnlyList<SyncChange<TItem>> changes, CancellationToken cancellationToken = default)
        {
            ArgumentNullException.ThrowIfNull(changes);
            ThrowIfDone();
            cancellationToken.ThrowIfCancellationRequested();

            // The whole page first, as the persistent stores do: a bad page stages nothing and the pass goes on.
            SyncChangeValidation.Validate(changes, nameof(changes));

            // A pass that writes ends any dead pass's chance to be continued, as a database store's does; a page without
            // a checkpoint (the last) leaves this pass none, as PostgreSQL's does.
            Volatile.Write(ref store._dead, null);
            _checkpoint = null;
            foreach (var change in changes)
            {
                touched?.Add(change.Key);
                if (change.IsDelete)
                {
                    staged.Remove(change.Key);
                }
                else
                {
                    staged[change.Key] = change.Item!;
                }
            }

            return default;
        }

        public ValueTask CommitAsync(string syncToken, CancellationToken cancellationToken = default)
        {
            if (string.IsNullOrEmpty(syncToken))
            {
                throw new ArgumentException("A pass commits with the server's next sync token; it was empty.", nameof(syncToken));
            }

            ThrowIfDone();
            cancellationToken.ThrowIfCancellationRequested();
            store.Publish(staged.ToImmutable(), syncToken, _fingerprint, touched);
            Volatile.Write(ref store._dead, null);
            _done = true;
            return default;
        }

        public ValueTask DisposeAsync()
        {
            if (!_done && _checkpoint is { } last)
            {
                Volatile.Write(ref store._dead, new DeadPass(staged.ToImmutable(), last));
            }

            _done = true;
            return default;
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
