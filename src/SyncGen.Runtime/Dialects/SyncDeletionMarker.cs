using System;
using System.Collections.Generic;
using System.Linq;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace SyncGen;

/// <summary>
/// How an API marks a deleted item (a tombstone) in a list response. Read from the item's JSON, so the item type need
/// not model the marker: a Graph user's <c>User</c> class has no <c>@removed</c> property.
/// </summary>
public abstract class SyncDeletionMarker
{
    private protected SyncDeletionMarker()
    {
    }

    /// <summary>Deleted when the string at <paramref name="path"/> equals <paramref name="value"/> (Calendar: <c>status</c> is <c>cancelled</c>).</summary>
    public static SyncDeletionMarker StatusEquals(SyncJsonPath path, string value) => new Status(path, value);

    /// <summary>Deleted when the value at <paramref name="path"/> is <see langword="true"/> (People: <c>metadata.deleted</c>; Drive: <c>removed</c>).</summary>
    public static SyncDeletionMarker Flag(SyncJsonPath path) => new BoolFlag(path);

    /// <summary>Deleted when <paramref name="path"/> is present and not null, whatever it holds (Graph: an <c>@removed</c> object with any reason).</summary>
    public static SyncDeletionMarker Present(SyncJsonPath path) => new Presence(path);

    /// <summary>
    /// Every entry is a deletion: for an array that lists only deletions (Gmail history's <c>messagesDeleted</c>, see
    /// <see cref="SyncEntryChanges.Deletion"/>). <see cref="Mark"/> writes nothing: where the entry sits says it all.
    /// </summary>
    public static SyncDeletionMarker Always { get; } = new Constant(true);

    /// <summary>No entry is a deletion: for an array that lists only additions (Gmail history's <c>messagesAdded</c>).</summary>
    /// <remarks><see cref="Mark"/> throws <see cref="InvalidOperationException"/>: nothing written into an entry makes it a deletion.</remarks>
    public static SyncDeletionMarker Never { get; } = new Constant(false);

    /// <summary>
    /// Deleted when any of <paramref name="markers"/> says so, e.g. Drive: <c>removed</c> is true, or the change's
    /// <c>file.trashed</c> is true (a trashed file comes as a change with <c>removed</c> false). <see cref="Mark"/> writes
    /// the first marker only: that is the tombstone an API writes for a deletion (Drive: <c>removed: true</c>).
    /// </summary>
    /// <param name="markers">At least one marker; none null.</param>
    /// <exception cref="ArgumentException">No marker is given, or one of them is null.</exception>
    public static SyncDeletionMarker AnyOf(params SyncDeletionMarker[] markers)
    {
        if (markers is null || markers.Length == 0)
        {
            throw new ArgumentException("AnyOf needs at least one deletion marker.", nameof(markers));
        }

        var copy = (SyncDeletionMarker[])markers.Clone();
        var missing = Array.IndexOf(copy, null);
        if (missing >= 0)
        {
            throw new ArgumentException($"Deletion marker {missing} of AnyOf is null.", nameof(markers));
        }

        return new Any(copy);
    }

    /// <summary>Whether <paramref name="item"/> (the list entry, before any <see cref="SyncDialect.ItemValue"/>) is a deletion.</summary>
    public abstract bool IsDeleted(JsonElement item);

    /// <summary>
    /// Writes the marker into <paramref name="entry"/>, as the API does to a deleted item: the other half of
    /// <see cref="IsDeleted"/>, so a test server (SyncGen.Testing) renders deletions from the same description the client
    /// reads them with. Missing objects on the path are created.
    /// </summary>
    /// <param name="entry">The list entry being rendered.</param>
    public abstract void Mark(JsonObject entry);

    /// <summary>The members of an entry this marker reads, so that a partial-response mask can be checked to keep them.</summary>
    internal abstract IEnumerable<SyncJsonPath> Paths { get; }

    private static void Set(SyncJsonPath path, JsonObject entry, JsonNode value)
    {
        if (entry is null)
        {
            throw new ArgumentNullException(nameof(entry));
        }

        var target = entry;
        for (var i = 0; i < path.Segments.Count - 1; i++)
        {
            if (target[path.Segments[i]] is not JsonObject next)
            {
                next = new JsonObject();
                target[path.Segments[i]] = next;
            }

            target = next;
        }

        target[path.Segments[path.Segments.Count - 1]] = value;
    }

    private sealed class Status(SyncJsonPath path, string value) : SyncDeletionMarker
    {
        private readonly SyncJsonPath _path = path ?? throw new ArgumentNullException(nameof(path));
        private readonly string _value = value ?? throw new ArgumentNullException(nameof(value));

        public override bool IsDeleted(JsonElement item) =>
            _path.TryGet(item, out var status) && status.ValueKind == JsonValueKind.String && string.Equals(status.GetString(), _value, StringComparison.Ordinal);

        public override void Mark(JsonObject entry) => Set(_path, entry, JsonValue.Create(_value));

        internal override IEnumerable<SyncJsonPath> Paths => new[] { _path };

        public override string ToString() => $"{_path} == \"{_value}\"";
    }

    private sealed class BoolFlag(SyncJsonPath path) : SyncDeletionMarker
    {
        private readonly SyncJsonPath _path = path ?? throw new ArgumentNullException(nameof(path));

        public override bool IsDeleted(JsonElement item)
        {
            if (!_path.TryGet(item, out var flag))
            {
                return false;
            }

            return flag.ValueKind switch
            {
                JsonValueKind.True => true,
                JsonValueKind.False or JsonValueKind.Null => false,
                _ => throw new JsonException($"the deletion flag '{_path}' is a JSON {flag.ValueKind}, not true or false"),
            };
        }

        public override void Mark(JsonObject entry) => Set(_path, entry, JsonValue.Create(true));

        internal override IEnumerable<SyncJsonPath> Paths => new[] { _path };

        public override string ToString() => $"{_path} == true";
    }

    private sealed class Presence(SyncJsonPath path) : SyncDeletionMarker
    {
        private readonly SyncJsonPath _path = path ?? throw new ArgumentNullException(nameof(path));

        public override bool IsDeleted(JsonElement item) => _path.TryGet(item, out var marker) && marker.ValueKind != JsonValueKind.Null;

        // Any non-null value marks a deletion; an object naming the reason is what Graph writes (@removed).
        public override void Mark(JsonObject entry) => Set(_path, entry, new JsonObject { ["reason"] = "deleted" });

        internal override IEnumerable<SyncJsonPath> Paths => new[] { _path };

        public override string ToString() => $"{_path} present";
    }

    private sealed class Constant(bool deleted) : SyncDeletionMarker
    {
        public override bool IsDeleted(JsonElement item) => deleted;

        public override void Mark(JsonObject entry)
        {
            if (!deleted)
            {
                throw new InvalidOperationException("SyncDeletionMarker.Never cannot mark an entry as deleted: in this dialect deletions come in another array.");
            }
        }

        internal override IEnumerable<SyncJsonPath> Paths => Array.Empty<SyncJsonPath>();

        public override string ToString() => deleted ? "always" : "never";
    }

    private sealed class Any(SyncDeletionMarker[] markers) : SyncDeletionMarker
    {
        public override bool IsDeleted(JsonElement item) => Array.Exists(markers, m => m.IsDeleted(item));

        public override void Mark(JsonObject entry) => markers[0].Mark(entry);

        internal override IEnumerable<SyncJsonPath> Paths => markers.SelectMany(m => m.Paths);

        public override string ToString() => string.Join(" or ", Array.ConvertAll(markers, m => m.ToString()));
    }
}
