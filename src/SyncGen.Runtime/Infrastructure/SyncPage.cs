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
