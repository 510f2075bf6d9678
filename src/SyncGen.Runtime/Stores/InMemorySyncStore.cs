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
public sealed partial class InMemorySyncStore<TItem> : ISyncStore<TItem>
{
    private Snapshot _committed = new(ImmutableDictionary.Create<string, TItem>(StringComparer.Ordinal), null, FeedLog<TItem>.Empty);

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
    public ValueTask<IReadOnlyList<KeyValuePair<string, TItem>>> ReadItemsAsync(CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();
        IReadOnlyList<KeyValuePair<string, TItem>> items = Items.OrderBy(pair => pair.Key, StringComparer.Ordinal).ToList();
        return new ValueTask<IReadOnlyList<KeyValuePair<string, TItem>>>(items);
    }

    private sealed record Snapshot(ImmutableDictionary<string, TItem> Items, string? SyncToken, FeedLog<TItem> Feed);

    private sealed class Writer(InMemorySyncStore<TItem> store, ImmutableDictionary<string, TItem>.Builder staged, HashSet<string>? touched) : ISyncPassWriter<TItem>
    {
        private bool _done;

        public ValueTask ApplyAsync(IReadOnlyList<SyncChange<TItem>> changes, CancellationToken cancellationToken = default)
        {
            ArgumentNullException.ThrowIfNull(changes);
            ThrowIfDone();
            cancellationToken.ThrowIfCancellationRequested();

            // The whole page first, as the persistent stores do: a bad page stages nothing and the pass goes on.
            SyncChangeValidation.Validate(changes, nameof(changes));
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
            store.Publish(staged.ToImmutable(), syncToken, touched);
            _done = true;
            return default;
        }

        public ValueTask DisposeAsync()
        {
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
