using System.Collections.Generic;
using System.Threading;
using System.Threading.Tasks;

namespace SyncGen;

/// <summary>The changes a store committed, in commit order, for an application that acts on what changed.</summary>
/// <remarks>
/// <para>
/// A store that keeps a feed appends, in the same commit that writes a pass's items and token, the pass's net change
/// of each key (<see cref="SyncFeedChangeKind.Added"/>, <see cref="SyncFeedChangeKind.Updated"/> or
/// <see cref="SyncFeedChangeKind.Removed"/>, with the item as committed) under strictly increasing sequence numbers. A
/// pass that fails or is discarded appends nothing. A full pass (the first one, or a resync after the token expired)
/// appends only what differs from the mirror it replaces: an item whose stored JSON did not change is not announced.
/// So replaying the feed from 0 onto an empty mirror gives the committed mirror, as long as nothing was pruned.
/// </para>
/// <para>
/// A reader pages through <see cref="ReadChangesAsync"/>. A named consumer keeps its cursor in the store with
/// <see cref="AcknowledgeAsync"/>: reading from <see cref="ReadCursorAsync"/> and acknowledging what it acted on, it gets
/// every change once, and, when it records its own effects in the same database as its acknowledgement, exactly once.
/// Changes that every consumer acknowledged are pruned at the next commit, and the feed never keeps more than
/// <see cref="SyncChangeFeedOptions.MaxRetainedChanges"/> changes, acknowledged or not.
/// </para>
/// </remarks>
/// <typeparam name="TItem">The item type.</typeparam>
public interface ISyncChangeFeed<TItem>
{
    /// <summary>Reads up to <paramref name="limit"/> changes with a sequence number above <paramref name="after"/>, oldest first.</summary>
    /// <param name="after">The last sequence number already seen; 0 reads from the start.</param>
    /// <param name="limit">The most changes to return; at least 1.</param>
    /// <param name="cancellationToken">Cancels the read.</param>
    /// <returns>The changes, the position to read after next time, and the newest sequence number.</returns>
    /// <exception cref="System.ArgumentOutOfRangeException"><paramref name="after"/> is negative or beyond the newest sequence number, or <paramref name="limit"/> is below 1.</exception>
    /// <exception cref="SyncFeedPrunedException">Changes after <paramref name="after"/> were pruned: read the mirror again, then the feed from <see cref="SyncFeedPrunedException.PrunedThrough"/>.</exception>
    /// <exception cref="System.InvalidOperationException">The store was created without a change feed.</exception>
    ValueTask<SyncFeedPage<TItem>> ReadChangesAsync(long after, int limit, CancellationToken cancellationToken = default);

    /// <summary>Reads the last sequence number <paramref name="consumer"/> acknowledged, or <see langword="null"/> for a consumer the store does not know.</summary>
    /// <param name="consumer">The consumer's name.</param>
    /// <param name="cancellationToken">Cancels the read.</param>
    /// <returns>The consumer's cursor, or null.</returns>
    /// <exception cref="System.ArgumentException"><paramref name="consumer"/> is blank or longer than 200 characters.</exception>
    ValueTask<long?> ReadCursorAsync(string consumer, CancellationToken cancellationToken = default);

    /// <summary>Records that <paramref name="consumer"/> acted on every change up to <paramref name="sequence"/>; a new name starts a consumer there.</summary>
    /// <param name="consumer">The consumer's name.</param>
    /// <param name="sequence">The last sequence number acted on; acknowledging the current cursor again changes nothing.</param>
    /// <param name="cancellationToken">Cancels the acknowledgement.</param>
    /// <returns>A task that completes when the cursor is stored.</returns>
    /// <exception cref="System.ArgumentException"><paramref name="consumer"/> is blank or longer than 200 characters.</exception>
    /// <exception cref="System.ArgumentOutOfRangeException"><paramref name="sequence"/> is negative, beyond the newest sequence number, or below the consumer's cursor (a cursor never goes back).</exception>
    /// <exception cref="System.InvalidOperationException">The store was created without a change feed.</exception>
    ValueTask AcknowledgeAsync(string consumer, long sequence, CancellationToken cancellationToken = default);
}

/// <summary>What a commit did to one key.</summary>
public enum SyncFeedChangeKind
{
    /// <summary>The key was not in the mirror and now is.</summary>
    Added,

    /// <summary>The key was in the mirror and its item changed.</summary>
    Updated,

    /// <summary>The key was in the mirror and no longer is.</summary>
    Removed,
}

/// <summary>One change of the feed: a key's net change in one committed pass.</summary>
/// <param name="Sequence">The change's sequence number, strictly increasing across commits.</param>
/// <param name="Key">The item's key.</param>
/// <param name="Kind">What happened to the key.</param>
/// <param name="Item">The item as committed; <see langword="default"/> for <see cref="SyncFeedChangeKind.Removed"/>.</param>
/// <typeparam name="TItem">The item type.</typeparam>
public readonly record struct SyncFeedChange<TItem>(long Sequence, string Key, SyncFeedChangeKind Kind, TItem? Item);

/// <summary>One read of the feed.</summary>
/// <param name="Changes">The changes read, oldest first.</param>
/// <param name="Last">The sequence number to read after next time: the last change's, or the position read after when there was none.</param>
/// <param name="Head">The newest sequence number in the store (0 before the first change).</param>
/// <typeparam name="TItem">The item type.</typeparam>
public sealed record SyncFeedPage<TItem>(IReadOnlyList<SyncFeedChange<TItem>> Changes, long Last, long Head);
