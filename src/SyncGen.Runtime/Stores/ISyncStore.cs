using System;
using System.Collections.Generic;
using System.Threading;
using System.Threading.Tasks;

namespace SyncGen;

/// <summary>Keeps the local mirror of a remote collection and the sync token that describes it.</summary>
/// <remarks>
/// Items and token change together or not at all: a pass is staged in an <see cref="ISyncPassWriter{TItem}"/> and
/// becomes visible only when <see cref="ISyncPassWriter{TItem}.CommitAsync"/> stores the new token.
/// </remarks>
/// <typeparam name="TItem">The item type.</typeparam>
public interface ISyncStore<TItem>
{
    /// <summary>Reads the committed sync token, or <see langword="null"/> when no full sync has completed yet.</summary>
    ValueTask<string?> ReadSyncTokenAsync(CancellationToken cancellationToken = default);

    /// <summary>
    /// Starts staging one pass. A <see cref="SyncPassKind.Full"/> pass starts from an empty collection and replaces
    /// the mirror on commit (items not re-listed disappear); an <see cref="SyncPassKind.Incremental"/> pass starts
    /// from the committed mirror. Disposing the writer without committing discards everything it staged.
    /// </summary>
    ValueTask<ISyncPassWriter<TItem>> BeginPassAsync(SyncPassKind kind, CancellationToken cancellationToken = default);

    /// <summary>Reads the committed items, ordered by key (ordinal).</summary>
    ValueTask<IReadOnlyList<KeyValuePair<string, TItem>>> ReadItemsAsync(CancellationToken cancellationToken = default);
}

/// <summary>Stages the changes of one pass; see <see cref="ISyncStore{TItem}.BeginPassAsync"/>.</summary>
/// <typeparam name="TItem">The item type.</typeparam>
public interface ISyncPassWriter<TItem> : IAsyncDisposable
{
    /// <summary>Stages the changes of one page, in order: a later change of the same key wins.</summary>
    /// <param name="changes">The page's changes. The list is valid only until the returned task completes: the engine
    /// reuses its storage for the next page, so copy what you keep (reading it later throws InvalidOperationException).</param>
    /// <param name="cancellationToken">Cancels the apply; the pass is then discarded.</param>
    /// <returns>A task that completes when the changes are staged.</returns>
    /// <exception cref="ArgumentException">
    /// The page holds a change without key (a <c>default</c> <see cref="SyncChange{TItem}"/>), an upsert without item, a key
    /// that is not valid UTF-16 (a lone surrogate), or, in a store that serializes items as JSON, an upsert whose item
    /// serializes to JSON <c>null</c>. The whole page is refused: nothing of it is staged, and the pass may go on.
    /// </exception>
    ValueTask ApplyAsync(IReadOnlyList<SyncChange<TItem>> changes, CancellationToken cancellationToken = default);

    /// <summary>Makes the staged pass visible and stores <paramref name="syncToken"/>, atomically.</summary>
    ValueTask CommitAsync(string syncToken, CancellationToken cancellationToken = default);
}

/// <summary>One change of a page: an upsert carrying the item, or a deletion carrying only the key.</summary>
/// <typeparam name="TItem">The item type.</typeparam>
public readonly record struct SyncChange<TItem>
{
    private SyncChange(string key, TItem? item, bool isDelete)
    {
        Key = key ?? throw new ArgumentNullException(nameof(key));
        Item = item;
        IsDelete = isDelete;
    }

    /// <summary>The item's key.</summary>
    public string Key { get; }

    /// <summary>The item for an upsert; <see langword="default"/> for a delete.</summary>
    public TItem? Item { get; }

    /// <summary><see langword="true"/> for a deletion. Deleting a key the store never held changes nothing.</summary>
    public bool IsDelete { get; }

    /// <summary>Creates an insert-or-update.</summary>
    public static SyncChange<TItem> Upsert(string key, TItem item) => new(key, item ?? throw new ArgumentNullException(nameof(item)), false);

    /// <summary>Creates a deletion.</summary>
    public static SyncChange<TItem> Delete(string key) => new(key, default, true);
}
