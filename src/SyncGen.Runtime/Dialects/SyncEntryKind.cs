using System;
using System.Collections.Generic;
using System.Linq;
using System.Text.Json;

namespace SyncGen;

/// <summary>
/// The entry member that says what a change is about, and the values that mean an item of the collection (Drive:
/// <c>changeType</c> is <c>file</c>). An entry naming another kind (Drive's <c>drive</c>: a shared drive itself changed
/// or became unreachable) is not an item: the page source skips it and counts it in <see cref="SyncResult.SkippedEntries"/>.
/// </summary>
/// <remarks>
/// An entry without the member, or with it null, is an item: an API that only added the member later keeps working. A
/// kind not listed is skipped rather than failed, so a kind the API adds later cannot stop every sync at the same page.
/// </remarks>
public sealed class SyncEntryKind
{
    /// <summary>Creates the rule.</summary>
    /// <param name="path">The member, e.g. <c>changeType</c>.</param>
    /// <param name="itemKinds">The values that mean an item of the collection, e.g. <c>file</c>; at least one.</param>
    /// <exception cref="ArgumentException">No item kind is given, or one is null or empty.</exception>
    public SyncEntryKind(SyncJsonPath path, params string[] itemKinds)
    {
        Path = path ?? throw new ArgumentNullException(nameof(path));
        if (itemKinds is null || itemKinds.Length == 0 || itemKinds.Any(string.IsNullOrEmpty))
        {
            throw new ArgumentException("A SyncEntryKind needs at least one item kind, and no null or empty one.", nameof(itemKinds));
        }

        ItemKinds = (string[])itemKinds.Clone();
    }

    /// <summary>The member that names the kind.</summary>
    public SyncJsonPath Path { get; }

    /// <summary>The kinds that are items of the collection, compared case-sensitively.</summary>
    public IReadOnlyList<string> ItemKinds { get; }

    /// <summary>Whether <paramref name="entry"/> is about an item of the collection.</summary>
    /// <param name="entry">The list entry, before any <see cref="SyncDialect.ItemValue"/>.</param>
    /// <exception cref="JsonException">The member is neither a string nor null.</exception>
    public bool IsItem(JsonElement entry)
    {
        if (!Path.TryGet(entry, out var kind) || kind.ValueKind == JsonValueKind.Null)
        {
            return true;
        }

        if (kind.ValueKind != JsonValueKind.String)
        {
            throw new JsonException($"the entry kind '{Path}' is a JSON {kind.ValueKind}, not a string");
        }

        return ItemKinds.Contains(kind.GetString()!, StringComparer.Ordinal);
    }

    /// <summary>The rule as written in messages.</summary>
    public override string ToString() => $"{Path} in ({string.Join(", ", ItemKinds)})";
}
