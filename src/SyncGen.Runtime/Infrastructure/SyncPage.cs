using System;
using System.Collections.Generic;
using System.ComponentModel;

namespace SyncGen.Infrastructure;

/// <summary>
/// One page of a list response reduced to what the sync loop needs. Generated code builds it from the API's own
/// page type.
/// </summary>
/// <typeparam name="TItem">The item type.</typeparam>
/// <param name="Items">The items of the page, in server order; never <see langword="null"/>.</param>
/// <param name="NextPageToken">Token of the next page, or <see langword="null"/> on the last page.</param>
/// <param name="NextSyncToken">Token for the next incremental sync; only the last page carries it.</param>
[EditorBrowsable(EditorBrowsableState.Never)]
public readonly record struct SyncPage<TItem>(IReadOnlyList<TItem> Items, string? NextPageToken, string? NextSyncToken)
{
    /// <summary>
    /// Each item's key and deletion as the page source read them from the wire, index for index with
    /// <see cref="Items"/>; <see langword="null"/> when the definition's <c>GetKey</c> and <c>IsDeleted</c> decide. A
    /// dialect page source sets it, so the item type need not model markers such as Graph's <c>@removed</c>; the item
    /// of a deletion may then be <c>default</c>.
    /// </summary>
    public IReadOnlyList<SyncItemIdentity>? Identities { get; init; }

    /// <summary>
    /// Entries of the answer the page source left out of <see cref="Items"/> because they are not about an item of the
    /// collection (<see cref="SyncDialect.EntryKind"/>); the engine logs and counts them in <see cref="SyncResult.SkippedEntries"/>.
    /// </summary>
    public int SkippedEntries { get; init; }

    /// <summary>
    /// Whether a deletion in <see cref="Identities"/> may take its subtree along (<see cref="SyncItemIdentity.DescendantPrefix"/>):
    /// the engine then keeps track of the pass's keys, which it does not otherwise.
    /// </summary>
    public bool MayDeleteSubtrees { get; init; }

    /// <summary>Builds a page, treating a missing item list as empty and empty tokens as absent.</summary>
    public static SyncPage<TItem> Create(IEnumerable<TItem>? items, string? nextPageToken, string? nextSyncToken)
    {
        IReadOnlyList<TItem> list = items switch
        {
            null => Array.Empty<TItem>(),
            IReadOnlyList<TItem> readOnly => readOnly,
            _ => new List<TItem>(items),
        };
        return new SyncPage<TItem>(list, NullIfEmpty(nextPageToken), NullIfEmpty(nextSyncToken));
    }

    private static string? NullIfEmpty(string? token) => string.IsNullOrEmpty(token) ? null : token;
}

/// <summary>An item's key and whether it is a deletion, as read from the wire; see <see cref="SyncPage{TItem}.Identities"/>.</summary>
/// <param name="Key">The key, or <see langword="null"/> when the entry had none (a protocol error).</param>
/// <param name="IsDeleted">Whether the entry is a deletion.</param>
[EditorBrowsable(EditorBrowsableState.Never)]
public readonly record struct SyncItemIdentity(string? Key, bool IsDeleted)
{
    /// <summary>
    /// For a deletion that takes its subtree along (<see cref="SyncDialect.SubtreeSeparator"/>): every key starting with
    /// this prefix is deleted too; <see langword="null"/> for a deletion of one key.
    /// </summary>
    public string? DescendantPrefix { get; init; }
}
