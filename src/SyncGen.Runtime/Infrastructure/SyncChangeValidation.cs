using System;
using System.Collections.Generic;
using System.ComponentModel;

namespace SyncGen.Infrastructure;

/// <summary>Input checks shared by the persistent stores' pass writers, including those of the store packages.</summary>
[EditorBrowsable(EditorBrowsableState.Never)]
public static class SyncChangeValidation
{
    /// <summary>
    /// Rejects a page holding a <c>default</c> <see cref="SyncChange{TItem}"/>: it bypasses the factory methods, so it has
    /// no key, and storing it would either crash half-way through the page or store an item under a null key.
    /// </summary>
    /// <summary>Throws <see cref="ArgumentException"/> naming <paramref name="parameterName"/> for a change without key or item.</summary>
    /// <typeparam name="TItem">The item type.</typeparam>
    /// <param name="changes">The page's changes.</param>
    /// <param name="parameterName">The parameter the changes came in.</param>
    public static void Validate<TItem>(IReadOnlyList<SyncChange<TItem>> changes, string parameterName)
    {
        for (var i = 0; i < changes.Count; i++)
        {
            var change = changes[i];
            if (change.Key is null)
            {
                throw new ArgumentException($"Change #{i} of the page has no key: it is a default SyncChange, not one made by SyncChange.Upsert or SyncChange.Delete.", parameterName);
            }

            if (!change.IsDelete && change.Item is null)
            {
                throw new ArgumentException($"Change #{i} of the page (key '{change.Key}') is an upsert without an item.", parameterName);
            }
        }
    }
}
