using System;
using System.Collections.Generic;
using System.Threading;
using System.Threading.Tasks;

namespace SyncGen.Benchmarks;

/// <summary>
/// A store that keeps nothing: its writer only counts. The memory benchmark uses it so that what it measures is the
/// engine's and the HTTP client's memory, not the mirror (which any store must hold and which grows with the collection).
/// </summary>
internal sealed class CountingSyncStore<TItem> : ISyncStore<TItem>
{
    private string? _token;
    private long _applied;

    public long Applied => Interlocked.Read(ref _applied);

    public string? SyncToken => _token;

    public ValueTask<string?> ReadSyncTokenAsync(CancellationToken cancellationToken = default) => new(_token);

    public ValueTask<ISyncPassWriter<TItem>> BeginPassAsync(SyncPassKind kind, CancellationToken cancellationToken = default) =>
        new(new Writer(this));

    public ValueTask<IReadOnlyList<KeyValuePair<string, TItem>>> ReadItemsAsync(CancellationToken cancellationToken = default) =>
        new(Array.Empty<KeyValuePair<string, TItem>>());

    private sealed class Writer(CountingSyncStore<TItem> store) : ISyncPassWriter<TItem>
    {
        public ValueTask ApplyAsync(IReadOnlyList<SyncChange<TItem>> changes, CancellationToken cancellationToken = default)
        {
            Interlocked.Add(ref store._applied, changes.Count);
            return default;
        }

        public ValueTask CommitAsync(string syncToken, CancellationToken cancellationToken = default)
        {
            store._token = syncToken;
            return default;
        }

        public ValueTask DisposeAsync() => default;
    }
}

/// <summary>
/// Wraps a store so that applying a page takes at least <c>applyDelay</c>: a stand-in for a slow database, to measure
/// how much of the store's time the engine hides behind the wire.
/// </summary>
internal sealed class DelayedSyncStore<TItem>(ISyncStore<TItem> inner, TimeSpan applyDelay) : ISyncStore<TItem>
{
    public ValueTask<string?> ReadSyncTokenAsync(CancellationToken cancellationToken = default) => inner.ReadSyncTokenAsync(cancellationToken);

    public async ValueTask<ISyncPassWriter<TItem>> BeginPassAsync(SyncPassKind kind, CancellationToken cancellationToken = default) =>
        new Writer(await inner.BeginPassAsync(kind, cancellationToken).ConfigureAwait(false), applyDelay);

    public ValueTask<IReadOnlyList<KeyValuePair<string, TItem>>> ReadItemsAsync(CancellationToken cancellationToken = default) =>
        inner.ReadItemsAsync(cancellationToken);

    private sealed class Writer(ISyncPassWriter<TItem> inner, TimeSpan applyDelay) : ISyncPassWriter<TItem>
    {
        public async ValueTask ApplyAsync(IReadOnlyList<SyncChange<TItem>> changes, CancellationToken cancellationToken = default)
        {
            await Task.Delay(applyDelay, cancellationToken).ConfigureAwait(false);
            await inner.ApplyAsync(changes, cancellationToken).ConfigureAwait(false);
        }

        public ValueTask CommitAsync(string syncToken, CancellationToken cancellationToken = default) => inner.CommitAsync(syncToken, cancellationToken);

        public ValueTask DisposeAsync() => inner.DisposeAsync();
    }
}
