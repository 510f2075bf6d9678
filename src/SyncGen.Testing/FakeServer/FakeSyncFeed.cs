using System;
using System.Collections.Generic;
using System.Text.Json.Nodes;

namespace SyncGen.Testing.FakeServer;

/// <summary>
/// An item of a <see cref="FakeSyncServer"/>: its key and the fields rendered beside it. How the fields look is up to the
/// caller or the dialect (<see cref="Dialects.FakeDialect.NameFields"/>): a Graph user is <c>{"displayName": ...}</c>.
/// </summary>
/// <param name="Id">The key, written at the dialect's <see cref="SyncDialect.Key"/>.</param>
/// <param name="Fields">The other members of the item, written as given (the server keeps a copy).</param>
public sealed record FakeItem(string Id, JsonObject Fields);

/// <summary>One stored version of an item in the feed's change log.</summary>
/// <param name="Id">The key.</param>
/// <param name="FieldsJson">The item's fields as JSON text (immutable, so pages render concurrently); null for a deletion.</param>
/// <param name="Position">The 1-based position of this change in the log.</param>
internal sealed record FeedVersion(string Id, string? FieldsJson, long Position)
{
    public bool Deleted => FieldsJson is null;

    /// <summary>Whether the deletion is implied by a subtree deletion: it takes the item out of the listing but is never listed itself.</summary>
    public bool Implied { get; init; }
}

/// <summary>
/// The change log behind a <see cref="FakeSyncServer"/>: every upsert or deletion appends a version; tokens name log
/// positions, so a full pass is a snapshot and an incremental pass is every change after a position. The same model as
/// <see cref="FakeCalendar"/>, without Calendar's event fields and filters. Thread-safe.
/// </summary>
internal sealed class FakeSyncFeed
{
    private readonly object _gate = new();
    private readonly ChangeLog<FeedVersion> _log = new(static v => v.Id);
    private int _epoch;

    public FakeSyncFeed(string id) => Id = id;

    /// <summary>The feed id written into its sync tokens.</summary>
    public string Id { get; }

    public (long Position, int Epoch) State
    {
        get
        {
            lock (_gate)
            {
                return (_log.Count, _epoch);
            }
        }
    }

    public IReadOnlyList<FeedVersion> Live
    {
        get
        {
            var live = new List<FeedVersion>();
            lock (_gate)
            {
                foreach (var version in _log.Latest)
                {
                    if (!version.Deleted)
                    {
                        live.Add(version);
                    }
                }
            }

            live.Sort(static (a, b) => string.CompareOrdinal(a.Id, b.Id));
            return live;
        }
    }

    public FeedVersion Upsert(string id, JsonObject fields)
    {
        ArgumentException.ThrowIfNullOrEmpty(id);
        ArgumentNullException.ThrowIfNull(fields);
        var json = fields.ToJsonString(Dialects.FakeDialects.Json.Options);
        lock (_gate)
        {
            return AppendLocked(id, json);
        }
    }

    public bool Delete(string id)
    {
        ArgumentNullException.ThrowIfNull(id);
        lock (_gate)
        {
            if (!_log.TryGetLatest(id, out var current) || current.Deleted)
            {
                return false;
            }

            AppendLocked(id, null);
            return true;
        }
    }

    /// <summary>
    /// Deletes an item and every live item keyed below it (<paramref name="id"/> + <paramref name="separator"/> + ...): the
    /// ones below get deletions that are never listed, then the item its one listed deletion.
    /// </summary>
    public bool DeleteSubtree(string id, string separator)
    {
        ArgumentNullException.ThrowIfNull(id);
        lock (_gate)
        {
            if (!_log.TryGetLatest(id, out var current) || current.Deleted)
            {
                return false;
            }

            var prefix = id + separator;
            var below = new List<string>();
            foreach (var version in _log.Latest)
            {
                if (!version.Deleted && version.Id.StartsWith(prefix, StringComparison.Ordinal))
                {
                    below.Add(version.Id);
                }
            }

            below.Sort(StringComparer.Ordinal);
            foreach (var child in below)
            {
                _log.Append(new FeedVersion(child, null, _log.Count + 1L) { Implied = true });
            }

            AppendLocked(id, null);
            return true;
        }
    }

    /// <summary>
    /// Appends a new version of a live item whose fields <paramref name="edit"/> changes in place, read and appended under
    /// one lock so no other change slips between them. False when there is no live item with that key or
    /// <paramref name="edit"/> returns false (it changed nothing); then nothing is appended.
    /// </summary>
    public bool Edit(string id, Func<JsonObject, bool> edit)
    {
        ArgumentNullException.ThrowIfNull(id);
        ArgumentNullException.ThrowIfNull(edit);
        lock (_gate)
        {
            if (!_log.TryGetLatest(id, out var current) || current.Deleted || JsonNode.Parse(current.FieldsJson!) is not JsonObject fields || !edit(fields))
            {
                return false;
            }

            AppendLocked(id, fields.ToJsonString(Dialects.FakeDialects.Json.Options));
            return true;
        }
    }

    public void ExpireSyncTokens()
    {
        lock (_gate)
        {
            _epoch++;
        }
    }

    /// <summary>
    /// The entries of a pass as of <paramref name="snapshot"/>: a full pass (<paramref name="since"/> &lt; 0) lists every live
    /// item by key; an incremental pass lists the latest version of every key changed after <paramref name="since"/>, in
    /// change order, deletions included.
    /// </summary>
    public List<FeedVersion> Listing(long snapshot, long since)
    {
        List<FeedVersion> result;
        lock (_gate)
        {
            result = _log.Changes(snapshot, since);
        }

        // Deletions implied by a subtree's are never listed: the subtree root's deletion stands for them.
        result.RemoveAll(static v => v.Implied);
        if (since < 0)
        {
            result.RemoveAll(static v => v.Deleted);
            result.Sort(static (a, b) => string.CompareOrdinal(a.Id, b.Id));
        }

        return result;
    }

    private FeedVersion AppendLocked(string id, string? json)
    {
        var version = new FeedVersion(id, json, _log.Count + 1L);
        _log.Append(version);
        return version;
    }
}
