using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Text.Json;
using System.Text.Json.Nodes;
using SyncGen.Testing.FakeServer;

namespace SyncGen.Testing.Dialects;

/// <summary>
/// Writes pages and entries from a <see cref="SyncDialect"/>'s own paths (items, key, deletion marker, item value, next
/// page and sync token), the mirror image of the runtime's page reading: what the server writes is what the
/// client reads, from one description.
/// </summary>
internal static class DialectRenderer
{
    // The encoder of FakeDialects.Json.Options and of Google's pages: quotes and non-ASCII text as they are.
    private static readonly JsonWriterOptions WriterOptions = GoogleErrors.WriterOptions;

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
        using var stream = new MemoryStream();
        using (var writer = new Utf8JsonWriter(stream, WriterOptions))
        {
            WritePage(writer, served, nextPage, nextSync, listing, (served, page, listing, preamble),
                static (writer, state) =>
                {
                    foreach (var pair in state.preamble ?? [])
                    {
                        writer.WriteString(pair.Key, pair.Value);
                    }
                },
                static (writer, state) =>
                {
                    foreach (var version in state.page.Entries)
                    {
                        var entry = Entry(state.served, version, state.listing);
                        entry.WriteTo(writer);
                        if (state.page.DuplicateEntries)
                        {
                            entry.WriteTo(writer);
                        }
                    }
                });
        }

        return stream.ToArray();
    }

    /// <summary>
    /// The one page writer of the kit, for every dialect (Calendar's events.list included): the preamble's members, then
    /// the next page token, the next sync token (not on a full-listing page) and the items array, each at the dialect's
    /// own path (members sharing a path prefix share its object), in that order.
    /// </summary>
    /// <typeparam name="TState">What the callbacks read.</typeparam>
    /// <param name="writer">The writer; the page is one JSON object.</param>
    /// <param name="served">The dialect whose paths are written.</param>
    /// <param name="nextPage">The next page's token or link, or null.</param>
    /// <param name="nextSync">The next sync token or link, or null.</param>
    /// <param name="listing">Whether this is a page of the dialect's full listing.</param>
    /// <param name="state">Passed to the callbacks.</param>
    /// <param name="writePreamble">Writes the page's first top-level members (Calendar's <c>kind</c>, <c>etag</c>...), or null.</param>
    /// <param name="writeEntries">Writes the elements of the items array.</param>
    public static void WritePage<TState>(Utf8JsonWriter writer, FakeDialect served, string? nextPage, string? nextSync, bool listing, TState state,
        Action<Utf8JsonWriter, TState>? writePreamble, Action<Utf8JsonWriter, TState> writeEntries)
    {
        var dialect = served.Dialect;
        var members = new List<(SyncJsonPath Path, object? Value)>(4);
        if (nextPage is not null)
        {
            members.Add((dialect.NextPageToken, nextPage));
        }

        // One cursor member for both tokens (Dropbox): it holds the page token while there is more, else the sync token.
        if (nextSync is not null && !listing && !(nextPage is not null && dialect.NextSyncToken.Equals(dialect.NextPageToken)))
        {
            members.Add((dialect.NextSyncToken, nextSync));
        }

        if (dialect.HasMore is { } hasMore && !listing)
        {
            members.Add((hasMore, nextPage is not null));
        }

        // The items array is the member without a value.
        members.Add((listing ? dialect.FullListing!.Items : dialect.Items, null));
        writer.WriteStartObject();
        writePreamble?.Invoke(writer, state);
        WriteMembers(writer, members, 0, state, writeEntries);
        writer.WriteEndObject();
    }

    /// <summary>The name of the property that holds a page's items array (where a malformed-JSON fault cuts).</summary>
    public static string ItemsProperty(FakeDialect served, bool listing)
    {
        var path = listing ? served.Dialect.FullListing!.Items : served.Dialect.Items;
        return path.Segments[^1];
    }

    /// <summary>
    /// Writes members at <paramref name="depth"/> of their paths, in order; members whose paths continue under the same
    /// property are written together inside one object there, where that property first appears (as a JSON object built
    /// by <see cref="Set"/> would hold them).
    /// </summary>
    private static void WriteMembers<TState>(Utf8JsonWriter writer, List<(SyncJsonPath Path, object? Value)> members, int depth, TState state,
        Action<Utf8JsonWriter, TState> writeEntries)
    {
        var written = new bool[members.Count];
        for (var i = 0; i < members.Count; i++)
        {
            if (written[i])
            {
                continue;
            }

            var (path, value) = members[i];
            var name = path.Segments[depth];
            if (path.Segments.Count == depth + 1)
            {
                written[i] = true;
                if (value is string text)
                {
                    writer.WriteString(name, text);
                }
                else if (value is bool flag)
                {
                    writer.WriteBoolean(name, flag);
                }
                else
                {
                    writer.WriteStartArray(name);
                    writeEntries(writer, state);
                    writer.WriteEndArray();
                }

                continue;
            }

            var nested = new List<(SyncJsonPath Path, object? Value)>();
            for (var j = i; j < members.Count; j++)
            {
                if (!written[j] && members[j].Path.Segments.Count > depth + 1 && members[j].Path.Segments[depth] == name)
                {
                    written[j] = true;
                    nested.Add(members[j]);
                }
            }

            writer.WriteStartObject(name);
            WriteMembers(writer, nested, depth + 1, state, writeEntries);
            writer.WriteEndObject();
        }
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

        if (dialect.EntryChanges.Count > 0)
        {
            return Record(served, version);
        }

        if (version.Deleted)
        {
            var tombstone = new JsonObject();
            Set(tombstone, dialect.DeletionKey ?? dialect.Key, version.Id);
            dialect.Deletion.Mark(tombstone);
            return tombstone;
        }

        if (dialect.ItemValue is { } wrapped)
        {
            var entry = new JsonObject();
            Set(entry, dialect.Key, version.Id);
            AddChangeMembers(served, entry);
            Set(entry, wrapped, Item(version, dialect.FullListing?.Key ?? dialect.Key));
            return entry;
        }

        var item = Item(version, dialect.Key);
        AddChangeMembers(served, item);
        return item;
    }

    /// <summary>
    /// A change record of a dialect whose records hold arrays of changes (Gmail history): the record's position as its
    /// <c>id</c>, and the one change in the first array of its kind: a deletion in the first array whose elements are all
    /// deletions (<c>messagesDeleted</c>), a live item in the first other array (<c>messagesAdded</c>).
    /// </summary>
    private static JsonObject Record(FakeDialect served, FeedVersion version)
    {
        var dialect = served.Dialect;
        var changes = dialect.EntryChanges.FirstOrDefault(c => ReferenceEquals(c.Deletion, SyncDeletionMarker.Always) == version.Deleted)
            ?? throw new InvalidOperationException($"The {dialect.Name} dialect's records have no array of {(version.Deleted ? "deletions" : "changes")} to serve this change in.");
        var key = changes.Key ?? dialect.Key;
        var element = new JsonObject();
        if (version.Deleted)
        {
            Set(element, key, version.Id);
            (changes.Deletion ?? dialect.Deletion).Mark(element);
        }
        else if ((changes.ItemValue ?? dialect.ItemValue) is { } wrapped)
        {
            // The item's own key is the key path below the wrapper (Gmail: message.id inside message).
            var inner = key.Segments.Count > wrapped.Segments.Count && key.Segments.Take(wrapped.Segments.Count).SequenceEqual(wrapped.Segments)
                ? SyncJsonPath.Nested(key.Segments.Skip(wrapped.Segments.Count).ToArray())
                : dialect.FullListing?.Key ?? key;
            Set(element, wrapped, Item(version, inner));
            Set(element, key, version.Id);
        }
        else
        {
            element = Item(version, key);
        }

        var record = new JsonObject { ["id"] = version.Position.ToString(System.Globalization.CultureInfo.InvariantCulture) };
        Set(record, changes.Elements, new JsonArray(element));
        return record;
    }

    private static void AddChangeMembers(FakeDialect served, JsonObject entry)
    {
        if (served.ChangeMembers?.Invoke() is not { } members)
        {
            return;
        }

        foreach (var pair in members.ToArray())
        {
            members.Remove(pair.Key);
            entry[pair.Key] = pair.Value;
        }
    }

    private static JsonObject Item(FeedVersion version, SyncJsonPath key) =>
        JsonNode.Parse(version.FieldsJson!) is JsonObject fields ? Item(version.Id, fields, key) : Item(version.Id, new JsonObject(), key);

    /// <summary>An item as a page holds it: its key, then its fields, which win over the key where they name it.</summary>
    private static JsonObject Item(string id, JsonObject fields, SyncJsonPath key)
    {
        var item = new JsonObject();
        Set(item, key, id);
        foreach (var pair in fields.ToArray())
        {
            fields.Remove(pair.Key);
            item[pair.Key] = pair.Value;
        }

        return item;
    }

    /// <summary>
    /// Where an item's fields would make its pages name another key than <paramref name="id"/>: the key path, and what
    /// a client reads there (another id, or nothing when the fields replace the key's object). Null when every key path
    /// the item is rendered at (the feed's, or the full listing's for a wrapped or listed item) reads back <paramref name="id"/>.
    /// </summary>
    public static (SyncJsonPath Key, string Rendered)? KeyConflict(FakeDialect served, string id, JsonObject fields)
    {
        var dialect = served.Dialect;
        var keys = new List<SyncJsonPath> { dialect.ItemValue is not null ? dialect.FullListing?.Key ?? dialect.Key : dialect.Key };
        if (dialect.FullListing is { } listing && !keys.Contains(listing.Key))
        {
            keys.Add(listing.Key);
        }

        foreach (var key in keys)
        {
            // Rendered from a copy, exactly as a page renders it, and read back as the client reads it.
            using var rendered = JsonDocument.Parse(Item(id, (JsonObject)fields.DeepClone(), key).ToJsonString());
            string? read;
            try
            {
                read = key.ReadString(rendered.RootElement);
            }
            catch (JsonException)
            {
                read = null;
            }

            if (!string.Equals(read, id, StringComparison.Ordinal))
            {
                return (key, key.TryGet(rendered.RootElement, out var value) ? value.GetRawText() : "no key at all");
            }
        }

        return null;
    }
}
