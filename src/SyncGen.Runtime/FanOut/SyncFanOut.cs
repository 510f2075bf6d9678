using System;
using System.Collections.Generic;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.Extensions.Logging;

namespace SyncGen;

/// <summary>
/// Collections of collections: a parent collection (a calendar list) whose items each name a child collection (that
/// calendar's events), every collection with its own mirror and token in one database.
/// </summary>
/// <remarks>
/// <para>One call syncs the parent, then every child it lists, in key order:</para>
/// <list type="bullet">
/// <item>A child that appears has no token yet: its first sync is a full pass.</item>
/// <item>A child the parent deletes (a tombstone, or an entry a full pass of the parent no longer lists) loses its mirror
/// and token in the parent's own commit (<see cref="ISyncCollectionRemover"/>), so no crash can leave one without the other.</item>
/// <item>An expired parent token is recovered by a full pass of the parent that keeps every still-listed child's mirror and
/// token; an expired child token resyncs that child alone.</item>
/// <item>A child that fails (403, 404, retries spent: any <see cref="SyncException"/>) is reported by id in
/// <see cref="SyncFanOutResult.Failures"/> and the others go on. A failing parent, or a store that fails, ends the call.</item>
/// <item>A listed id that cannot name a child (<see cref="ChildIdProblem"/>) fails the parent's pass with
/// <see cref="SyncChildIdException"/> before anything is written.</item>
/// </list>
/// </remarks>
/// <typeparam name="TParent">The parent's item type (a calendar list entry).</typeparam>
/// <typeparam name="TChild">The children's item type (an event).</typeparam>
public sealed class SyncFanOut<TParent, TChild>
{
    private readonly ISyncStore<TParent> _parentStore;
    private readonly Func<string, ISyncStore<TChild>> _childStore;
    private readonly Func<ISyncStore<TParent>, CancellationToken, Task<SyncResult>> _syncParent;
    private readonly Func<string, ISyncStore<TChild>, CancellationToken, Task<SyncResult>> _syncChild;
    private readonly ILogger? _logger;

    /// <summary>Creates the fan-out.</summary>
    /// <param name="parentStore">The parent's store; its pass writers must implement <see cref="ISyncCollectionRemover"/> (SQLite, PostgreSQL).</param>
    /// <param name="childStore">The store of a child collection, by collection name (<see cref="ChildCollection"/>), in the parent's database.</param>
    /// <param name="syncParent">Runs one sync call of the parent into the store it is given (a wrapper of <paramref name="parentStore"/>).</param>
    /// <param name="syncChild">Runs one sync call of the child with this id into its store.</param>
    /// <param name="logger">Logs each child's outcome; null for none.</param>
    public SyncFanOut(
        ISyncStore<TParent> parentStore,
        Func<string, ISyncStore<TChild>> childStore,
        Func<ISyncStore<TParent>, CancellationToken, Task<SyncResult>> syncParent,
        Func<string, ISyncStore<TChild>, CancellationToken, Task<SyncResult>> syncChild,
        ILogger? logger = null)
    {
        _parentStore = parentStore ?? throw new ArgumentNullException(nameof(parentStore));
        _childStore = childStore ?? throw new ArgumentNullException(nameof(childStore));
        _syncParent = syncParent ?? throw new ArgumentNullException(nameof(syncParent));
        _syncChild = syncChild ?? throw new ArgumentNullException(nameof(syncChild));
        _logger = logger;
    }

    /// <summary>The name messages give the parent, e.g. <c>calendarList</c>.</summary>
    public string Name { get; init; } = "parent collection";

    /// <summary>The collection name of a child, from its id in the parent. Default: the id itself.</summary>
    /// <remarks>Must differ from the parent's own collection name and be one-to-one: it is what the parent's commit removes.</remarks>
    public Func<string, string> ChildCollection { get; init; } = static id => id;

    /// <summary>Why a listed id cannot name a child, or null when it can. Default <see cref="SyncPathSegment.Problem"/>: child ids go into request paths.</summary>
    public Func<string, string?> ChildIdProblem { get; init; } = SyncPathSegment.Problem;

    /// <summary>Syncs the parent, then each child it lists.</summary>
    /// <param name="cancellationToken">Cancels the call; the collection being synced is left as it was, those done stay done.</param>
    /// <returns>The parent's result, each child's result or failure, and the children the parent removed.</returns>
    /// <exception cref="SyncException">The parent's sync failed (including <see cref="SyncChildIdException"/>); no child was synced.</exception>
    public async Task<SyncFanOutResult> SyncAsync(CancellationToken cancellationToken = default)
    {
        var parent = await SyncParentAsync(cancellationToken).ConfigureAwait(false);
        var children = new List<SyncChildResult>(parent.Listed.Count);
        var failures = new List<SyncChildFailure>();
        foreach (var id in parent.Listed)
        {
            cancellationToken.ThrowIfCancellationRequested();
            try
            {
                var result = await _syncChild(id, _childStore(ChildCollection(id)), cancellationToken).ConfigureAwait(false);
                children.Add(new SyncChildResult(id, result));
            }
            catch (SyncException exception)
            {
                // One calendar the user lost access to must not stop the others; its mirror and token are as they were.
                _logger?.LogWarning(exception, "{Parent}: child {ChildId} failed to sync; the others go on", Name, id);
                failures.Add(new SyncChildFailure(id, exception));
            }
        }

        return new SyncFanOutResult
        {
            Parent = parent.Parent,
            Children = children,
            Failures = failures,
            RemovedChildren = parent.RemovedChildren,
        };
    }

    /// <summary>Syncs the parent alone, removing the children it deletes in its commit, and returns the ids it lists after it.</summary>
    /// <remarks>For a scheduler that syncs each child as a job of its own (SyncGen.Hosting's parent collections).</remarks>
    /// <param name="cancellationToken">Cancels the call; the parent is left as it was.</param>
    /// <returns>The parent's result, the child ids it lists now and the children its commit removed.</returns>
    /// <exception cref="SyncException">The parent's sync failed (including <see cref="SyncChildIdException"/>); nothing was removed.</exception>
    public async Task<SyncFanOutParentResult> SyncParentAsync(CancellationToken cancellationToken = default)
    {
        var tracking = new ParentStore(this);
        var parent = await _syncParent(tracking, cancellationToken).ConfigureAwait(false);
        var listed = await _parentStore.ReadItemsAsync(cancellationToken).ConfigureAwait(false);
        return new SyncFanOutParentResult
        {
            Parent = parent,
            Listed = listed.Select(p => p.Key).ToList(),
            RemovedChildren = tracking.Removed,
        };
    }

    /// <summary>The parent's store as the parent's sync sees it: every pass checks the ids it lists and removes the children it deletes.</summary>
    private sealed class ParentStore(SyncFanOut<TParent, TChild> owner) : ISyncStore<TParent>
    {
        public IReadOnlyList<string> Removed { get; set; } = Array.Empty<string>();

        public ValueTask<string?> ReadSyncTokenAsync(CancellationToken cancellationToken = default) => owner._parentStore.ReadSyncTokenAsync(cancellationToken);

        public ValueTask<IReadOnlyList<KeyValuePair<string, TParent>>> ReadItemsAsync(CancellationToken cancellationToken = default) =>
            owner._parentStore.ReadItemsAsync(cancellationToken);

        public async ValueTask<ISyncPassWriter<TParent>> BeginPassAsync(SyncPassKind kind, CancellationToken cancellationToken = default)
        {
            // A full pass replaces the mirror: what it does not list again is gone, so the children listed now are remembered.
            var before = kind == SyncPassKind.Full
                ? (await owner._parentStore.ReadItemsAsync(cancellationToken).ConfigureAwait(false)).Select(p => p.Key).ToList()
                : new List<string>();
            var inner = await owner._parentStore.BeginPassAsync(kind, cancellationToken).ConfigureAwait(false);
            if (inner is not ISyncCollectionRemover remover)
            {
                await inner.DisposeAsync().ConfigureAwait(false);
                throw new InvalidOperationException(
                    $"{owner.Name}: the store {owner._parentStore.GetType().Name} cannot remove child collections in its commit (ISyncCollectionRemover); use the SQLite or PostgreSQL store.");
            }

            return new Writer(owner, this, inner, remover, kind, before);
        }
    }

    private sealed class Writer(SyncFanOut<TParent, TChild> owner, ParentStore store, ISyncPassWriter<TParent> inner, ISyncCollectionRemover remover, SyncPassKind kind, List<string> before)
        : ISyncPassWriter<TParent>
    {
        // The last change of each key in this pass: true when it was a deletion.
        private readonly Dictionary<string, bool> _last = new(StringComparer.Ordinal);

        public async ValueTask ApplyAsync(IReadOnlyList<SyncChange<TParent>> changes, CancellationToken cancellationToken = default)
        {
            ArgumentNullException.ThrowIfNull(changes);
            foreach (var change in changes)
            {
                if (!change.IsDelete && owner.ChildIdProblem(change.Key) is { } problem)
                {
                    throw new SyncChildIdException(owner.Name, change.Key, problem);
                }
            }

            await inner.ApplyAsync(changes, cancellationToken).ConfigureAwait(false);
            foreach (var change in changes)
            {
                _last[change.Key] = change.IsDelete;
            }
        }

        public async ValueTask CommitAsync(string syncToken, CancellationToken cancellationToken = default)
        {
            var removed = kind == SyncPassKind.Full
                ? before.Where(key => !_last.TryGetValue(key, out var deleted) || deleted).ToList()
                : _last.Where(p => p.Value).Select(p => p.Key).ToList();
            removed.Sort(StringComparer.Ordinal);
            if (removed.Count > 0)
            {
                remover.RemoveOnCommit(removed.Select(owner.ChildCollection).ToList());
            }

            // The children this pass lists (a full pass lists only what it applied; an incremental one keeps the others
            // as they were): a removal mark an earlier commit left on one of them goes, so its passes may commit again.
            var listed = _last.Where(p => !p.Value).Select(p => p.Key).ToList();
            if (listed.Count > 0)
            {
                listed.Sort(StringComparer.Ordinal);
                remover.KeepOnCommit(listed.Select(owner.ChildCollection).ToList());
            }

            await inner.CommitAsync(syncToken, cancellationToken).ConfigureAwait(false);
            store.Removed = removed;
        }

        public ValueTask DisposeAsync() => inner.DisposeAsync();
    }
}

/// <summary>What one <see cref="SyncFanOut{TParent, TChild}.SyncAsync"/> call did.</summary>
public sealed record SyncFanOutResult
{
    /// <summary>The parent's sync.</summary>
    public required SyncResult Parent { get; init; }

    /// <summary>Each child synced, in key order.</summary>
    public required IReadOnlyList<SyncChildResult> Children { get; init; }

    /// <summary>Each child that failed, in key order; its mirror and token are as they were.</summary>
    public required IReadOnlyList<SyncChildFailure> Failures { get; init; }

    /// <summary>The children whose mirror and token the parent's commit removed, ordered.</summary>
    public required IReadOnlyList<string> RemovedChildren { get; init; }
}

/// <summary>What one <see cref="SyncFanOut{TParent, TChild}.SyncParentAsync"/> call did.</summary>
public sealed record SyncFanOutParentResult
{
    /// <summary>The parent's sync.</summary>
    public required SyncResult Parent { get; init; }

    /// <summary>The child ids the parent lists after its commit, in key order.</summary>
    public required IReadOnlyList<string> Listed { get; init; }

    /// <summary>The children whose mirror and token the parent's commit removed, ordered.</summary>
    public required IReadOnlyList<string> RemovedChildren { get; init; }
}

/// <summary>One child's sync.</summary>
/// <param name="Id">The child's id in the parent.</param>
/// <param name="Result">Its result.</param>
public sealed record SyncChildResult(string Id, SyncResult Result);

/// <summary>One child that failed.</summary>
/// <param name="Id">The child's id in the parent.</param>
/// <param name="Error">Why.</param>
public sealed record SyncChildFailure(string Id, SyncException Error);
