using System.Collections.Generic;
using System.Linq;
using System.Text;
using System.Text.Json.Nodes;
using SyncGen.Testing.FakeServer;

namespace SyncGen.Testing.Dialects;

/// <summary>
/// Writes pages and entries from a <see cref="SyncDialect"/>'s own paths (items, key, deletion marker, item value, next
/// page and sync token), the mirror image of <see cref="SyncDialect.ReadPage"/>: what the server writes is what the
/// client reads, from one description.
/// </summary>
internal static class DialectRenderer
{
    /// <summary>Renders a change-feed page (or, with <paramref name="listing"/>, a <see cref="SyncFullListing"/> page).</summary>
    /// <param name="served">The dialect.</param>
    /// <param name="page">The page: its entries, and whether each is written twice (a replay fault).</param>
    /// <param name="nextPage">The next page's token or link, as the dialect hands it out (from <see cref="ServedPage{TEntry}.NextPageToken"/>).</param>
    /// <param name="nextSync">The next sync token or link, as the dialect hands it out (from <see cref="ServedPage{TEntry}.NextSyncToken"/>).</param>
    /// <param name="listing">Whether this is a page of the dialect's full listing.</param>
    /// <param name="preamble">Members written first (Graph's <c>@odata.context</c>), or null.</param>
    /// <returns>The page's UTF-8 JSON.</returns>
    public static byte[] Page(FakeDialect served, ServedPage<FeedVersion> page, string? nextPage, string? nextSync, bool listing,
        IReadOnlyList<KeyValuePair<string, string>>? preamble)
    {
        var dialect = served.Dialect;
        var body = new JsonObject();
        foreach (var pair in preamble ?? [])
        {
            body[pair.Key] = pair.Value;
        }

        if (nextPage is not null)
        {
            Set(body, dialect.NextPageToken, nextPage);
        }

        if (nextSync is not null && !listing)
        {
            Set(body, dialect.NextSyncToken, nextSync);
        }

        var array = new JsonArray();
        foreach (var version in page.Entries)
        {
            array.Add(Entry(served, version, listing));
            if (page.DuplicateEntries)
            {
                array.Add(Entry(served, version, listing));
            }
        }

        Set(body, listing ? dialect.FullListing!.Items : dialect.Items, array);
        return Encoding.UTF8.GetBytes(body.ToJsonString(FakeDialects.Json.Options));
    }

    /// <summary>The name of the property that holds a page's items array (where a malformed-JSON fault cuts).</summary>
    public static string ItemsProperty(FakeDialect served, bool listing)
    {
        var path = listing ? served.Dialect.FullListing!.Items : served.Dialect.Items;
        return path.Segments[^1];
    }

    /// <summary>Sets the value at a path, creating the objects on the way.</summary>
    public static void Set(JsonObject target, SyncJsonPath path, JsonNode? value)
    {
        for (var i = 0; i < path.Segments.Count - 1; i++)
        {
            if (target[path.Segments[i]] is not JsonObject next)
            {
                next = new JsonObject();
                target[path.Segments[i]] = next;
            }

            target = next;
        }

        target[path.Segments[^1]] = value;
    }

    /// <summary>
    /// One entry: a live item is its key plus its fields (inside <see cref="SyncDialect.ItemValue"/> when the entry wraps
    /// it, keyed there by the full listing's key); a deletion is the key plus the dialect's deletion marker, nothing else.
    /// </summary>
    private static JsonObject Entry(FakeDialect served, FeedVersion version, bool listing)
    {
        var dialect = served.Dialect;
        if (listing)
        {
            return Item(version, dialect.FullListing!.Key);
        }

        if (version.Deleted)
        {
            var tombstone = new JsonObject();
            Set(tombstone, dialect.Key, version.Id);
            dialect.Deletion.Mark(tombstone);
            return tombstone;
        }

        if (dialect.ItemValue is { } wrapped)
        {
            var entry = new JsonObject();
            Set(entry, dialect.Key, version.Id);
            Set(entry, wrapped, Item(version, dialect.FullListing?.Key ?? dialect.Key));
            return entry;
        }

        return Item(version, dialect.Key);
    }

    private static JsonObject Item(FeedVersion version, SyncJsonPath key)
    {
        var item = new JsonObject();
        Set(item, key, version.Id);
        if (JsonNode.Parse(version.FieldsJson!) is JsonObject fields)
        {
            foreach (var pair in fields.ToArray())
            {
                fields.Remove(pair.Key);
                item[pair.Key] = pair.Value;
            }
        }

        return item;
    }
}
