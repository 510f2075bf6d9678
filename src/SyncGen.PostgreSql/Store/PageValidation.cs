using System;
using System.Collections.Generic;

namespace SyncGen.PostgreSql;

/// <summary>Rejects a page that no engine produces, before anything of it is staged (the same rules as SyncGen's own stores).</summary>
internal static class PageValidation
{
    public static void Validate<TItem>(IReadOnlyList<SyncChange<TItem>> changes, string parameterName)
    {
        for (var i = 0; i < changes.Count; i++)
        {
            var change = changes[i];
            if (change.Key is null)
            {
                // A default SyncChange bypasses the factory methods: storing it would put an item under a null key.
                throw new ArgumentException($"Change #{i} of the page has no key: it is a default SyncChange, not one made by SyncChange.Upsert or SyncChange.Delete.", parameterName);
            }

            if (!change.IsDelete && change.Item is null)
            {
                throw new ArgumentException($"Change #{i} of the page (key '{change.Key}') is an upsert without an item.", parameterName);
            }
        }
    }
}
