using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace SyncGen.Testing.FakeServer;

/// <summary>
/// One of Calendar's sync-token collections other than events, as the fake server keeps it: the calendar list, a
/// calendar's ACL or the user's settings. Every change appends to a log, so tokens, snapshot paging and expiry work as
/// for events. Thread-safe.
/// </summary>
public sealed class FakeCalendarCollection
{
    private readonly object _gate = new();
    private readonly ChangeLog<FeedVersion> _log = new(static v => v.Id);
    private readonly CollectionRules _rules;
    private int _epoch;

    internal FakeCalendarCollection(string feedId, CollectionRules rules)
    {
        FeedId = feedId;
        _rules = rules;
    }

    /// <summary>The id written into this collection's sync tokens (a token of another collection is refused with 410).</summary>
    internal string FeedId { get; }

    /// <summary>The live entries' ids, ordered.</summary>
    public IReadOnlyList<string> Ids
    {
        get
        {
            lock (_gate)
            {
                return _log.Latest.Where(v => !v.Deleted).Select(v => v.Id).OrderBy(id => id, StringComparer.Ordinal).ToArray();
            }
        }
    }

    /// <summary>Adds or replaces an entry with these members (its <c>id</c> is written by the server).</summary>
    /// <param name="id">The entry id.</param>
    /// <param name="fields">The other members, e.g. <c>{"summary": "Work", "hidden": true}</c>.</param>
    public void Put(string id, JsonObject fields)
    {
        ArgumentException.ThrowIfNullOrEmpty(id);
        ArgumentNullException.ThrowIfNull(fields);
        var json = fields.ToJsonString();
        lock (_gate)
        {
            _log.Append(new FeedVersion(id, json, _log.Count + 1L));
        }
    }

    /// <summary>Deletes an entry: later incremental passes (and full ones that ask for deleted entries) list its tombstone.</summary>
    /// <param name="id">The entry id.</param>
    /// <returns>False when there was no live entry with that id.</returns>
    /// <exception cref="InvalidOperationException">The collection has no deletions (settings).</exception>
    public bool Delete(string id)
    {
        if (_rules.Tombstone is null)
        {
            throw new InvalidOperationException("Calendar settings are never deleted; change a setting's value with Put.");
        }

        lock (_gate)
        {
            if (!_log.TryGetLatest(id, out var current) || current.Deleted)
            {
                return false;
            }

            _log.Append(new FeedVersion(id, null, _log.Count + 1L));
            return true;
        }
    }

    /// <summary>Makes every sync token issued so far answer 410, as Google does when a token is too old.</summary>
    public void ExpireSyncTokens()
    {
        lock (_gate)
        {
            _epoch++;
        }
    }

    /// <summary>Answers one list request: a page, or Google's error for a parameter a token refuses, a bad token or a bad page size.</summary>
    internal (int Status, byte[] Body) List(FakeCalendarRequest request)
    {
        var syncToken = request.SyncToken;
        if (syncToken is not null && _rules.RefusedWithToken(request) is { } refused)
        {
            return (400, GoogleErrors.Body(400, "global", "invalid", $"The parameter {refused} cannot be used with a sync token.", "parameter", refused.Split('=')[0]));
        }

        var pageSize = _rules.DefaultPageSize;
        if (request.GetQueryValue("maxResults") is { } maxResults)
        {
            if (!int.TryParse(maxResults, NumberStyles.None, CultureInfo.InvariantCulture, out pageSize) || pageSize < 1)
            {
                return (400, GoogleErrors.Body(400, "global", "invalid", "Invalid value for maxResults.", "parameter", "maxResults"));
            }

            pageSize = Math.Min(pageSize, _rules.MaxPageSize);
        }

        long snapshot;
        long since;
        int offset;
        int pageNumber;
        int epoch;
        var queryHash = FakeTokens.Hash(FeedId + "?" + string.Join("&", request.Query.Where(p => p.Key != "pageToken").Select(p => p.Key + "=" + p.Value)));
        lock (_gate)
        {
            epoch = _epoch;
            if (request.PageToken is { } pageToken)
            {
                if (FakeTokens.DecodePageToken(pageToken) is not { } page || page.QueryHash != queryHash)
                {
                    return (400, GoogleErrors.Body(400, "global", "invalid", "Invalid page token value.", "parameter", "pageToken"));
                }

                (snapshot, since, offset, pageNumber) = (page.Snapshot, page.Since, page.Offset, page.PageNumber);
            }
            else
            {
                (snapshot, since, offset, pageNumber) = (_log.Count, -1, 0, 1);
                if (syncToken is not null)
                {
                    if (FakeTokens.DecodeSyncToken(syncToken) is not { } token || token.CalendarId != FeedId || token.Epoch != _epoch || token.Position > _log.Count)
                    {
                        return (410, GoogleErrors.FullSyncRequired());
                    }

                    since = token.Position;
                }
            }
        }

        var entries = Listing(snapshot, since, request);
        var window = PageWindow.Of(entries.Count, offset, pageSize);
        using var stream = new MemoryStream();
        using (var writer = new Utf8JsonWriter(stream, GoogleErrors.WriterOptions))
        {
            writer.WriteStartObject();
            writer.WriteString("kind", _rules.ListKind);
            writer.WriteString("etag", $"\"{snapshot}\"");
            if (window.IsLast)
            {
                writer.WriteString("nextSyncToken", FakeTokens.EncodeSyncToken(FeedId, snapshot, epoch));
            }
            else
            {
                writer.WriteString("nextPageToken", FakeTokens.EncodePageToken(new PageTokenData(snapshot, since, window.NextOffset, pageNumber + 1, queryHash)));
            }

            writer.WriteStartArray("items");
            foreach (var version in entries.Skip(window.Offset).Take(window.Count))
            {
                var entry = version.Deleted ? _rules.Tombstone!(version.Id) : (JsonObject)JsonNode.Parse(version.FieldsJson!)!;
                entry["kind"] = _rules.ItemKind;
                entry["id"] = version.Id;
                entry.WriteTo(writer);
            }

            writer.WriteEndArray();
            writer.WriteEndObject();
        }

        return (200, stream.ToArray());
    }

    /// <summary>A full pass lists live entries (and tombstones or hidden ones only when asked); an incremental pass lists every change.</summary>
    private List<FeedVersion> Listing(long snapshot, long since, FakeCalendarRequest request)
    {
        List<FeedVersion> entries;
        lock (_gate)
        {
            entries = _log.Changes(snapshot, since);
        }

        if (since < 0)
        {
            entries.RemoveAll(v => !_rules.ListedByFullPass(v, request));
            entries.Sort(static (a, b) => string.CompareOrdinal(a.Id, b.Id));
        }

        return entries;
    }
}

/// <summary>What differs between Calendar's collections: kinds, page sizes, tombstones, what a full pass lists and what a token refuses.</summary>
internal sealed record CollectionRules(string ListKind, string ItemKind, Func<string, JsonObject>? Tombstone, int DefaultPageSize, int MaxPageSize)
{
    /// <summary>Parameter values Google answers 400 to beside a sync token, e.g. <c>showHidden=false</c> (a name alone: any value).</summary>
    public IReadOnlyList<string> RefusedWithSyncToken { get; init; } = Array.Empty<string>();

    /// <summary>Whether a full pass with this request lists a version.</summary>
    public Func<FeedVersion, FakeCalendarRequest, bool> ListedByFullPass { get; init; } = static (v, _) => !v.Deleted;

    /// <summary>The first refused parameter of the request (as <c>name</c> or <c>name=value</c>), or null.</summary>
    public string? RefusedWithToken(FakeCalendarRequest request) =>
        RefusedWithSyncToken.FirstOrDefault(rule => rule.Split('=') is var parts && request.GetQueryValue(parts[0]) is { } value && (parts.Length == 1 || value == parts[1]));

    private static bool Asked(FakeCalendarRequest request, string parameter) => request.GetQueryValue(parameter) == "true";

    public static CollectionRules CalendarList { get; } = new("calendar#calendarList", "calendar#calendarListEntry", id => new JsonObject { ["deleted"] = true }, 100, 250)
    {
        RefusedWithSyncToken = new[] { "minAccessRole", "showDeleted=false", "showHidden=false" },
        ListedByFullPass = static (v, r) => v.Deleted
            ? Asked(r, "showDeleted")
            : Asked(r, "showHidden") || JsonNode.Parse(v.FieldsJson!)?["hidden"]?.GetValueKind() != JsonValueKind.True,
    };

    public static CollectionRules Acl { get; } = new("calendar#acl", "calendar#aclRule", id => new JsonObject { ["role"] = "none" }, 100, 250)
    {
        RefusedWithSyncToken = new[] { "showDeleted=false" },
        ListedByFullPass = static (v, r) => !v.Deleted || Asked(r, "showDeleted"),
    };

    public static CollectionRules Settings { get; } = new("calendar#settings", "calendar#setting", null, 100, 250);
}
