using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using CalendarSync.CalendarApi;
using Microsoft.Extensions.Logging;
using SyncGen;

namespace CalendarSync.Repository;

/// <summary>
/// Mirrors the events of one calendar into a sync store. SyncGen generates <c>SyncAsync</c>: paging, the sync
/// token, recovery from an expired token, retries and the atomic commit of each pass.
/// </summary>
[IncrementalSync]
public sealed partial class CalendarEventsRepository
{
    private readonly CalendarService _service;
    private readonly string _calendarId;
    private readonly ISyncStore<Event> _store;
    private readonly ILogger<CalendarEventsRepository>? _logger;

    public CalendarEventsRepository(CalendarService service, string calendarId, ISyncStore<Event> store, ILogger<CalendarEventsRepository>? logger = null)
    {
        _service = service ?? throw new ArgumentNullException(nameof(service));
        _calendarId = string.IsNullOrWhiteSpace(calendarId) ? throw new ArgumentException("A calendar id is required.", nameof(calendarId)) : calendarId;
        _store = store ?? throw new ArgumentNullException(nameof(store));
        _logger = logger;
    }

    /// <summary>Loop settings (retries, expiry bound); null for SyncGen's defaults.</summary>
    public SyncOptions? Options { get; init; }

    /// <summary>Full syncs list only events ending after this instant; incremental syncs cannot filter.</summary>
    public DateTimeOffset? FullSyncFrom { get; init; }

    /// <summary>Events per page; the server allows at most 2500.</summary>
    public int PageSize { get; init; } = 250;

    /// <summary>
    /// A mask that keeps what <c>show</c> and the mirror use, and the tokens and <c>items</c> the sync needs; a tombstone
    /// has only <c>id</c> and <c>status</c> anyway.
    /// </summary>
    public const string MirroredFields =
        "nextPageToken,nextSyncToken,items(id,status,summary,description,updated,start,end,recurringEventId,originalStartTime,etag)";

    /// <summary>
    /// Optional partial-response mask (Google's <c>fields</c>) sent with every page of every pass, full and incremental
    /// alike, e.g. <see cref="MirroredFields"/>: incremental syncs then carry only these members of each changed event.
    /// </summary>
    /// <exception cref="ArgumentException">The mask drops <c>items</c>, <c>nextPageToken</c> or <c>nextSyncToken</c>, without
    /// which no pass can complete.</exception>
    public string? Fields
    {
        get => _fields;
        init => _fields = value is null ? null : CheckFields(value);
    }

    private readonly string? _fields;

    /// <summary>
    /// The query of one pass. SyncGen sets the sync and page tokens and reuses this request for every page, so
    /// every page repeats it exactly; filters set here only on full passes never travel with a sync token.
    /// </summary>
    private EventsListRequest CreateListRequest(SyncPass pass)
    {
        var request = _service.Events.List(_calendarId);
        request.MaxResults = PageSize;
        request.Fields = _fields;
        if (pass.IsFull && FullSyncFrom is { } from)
        {
            request.TimeMin = from.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture);
        }

        return request;
    }

    /// <summary>
    /// Refuses a mask that would break the sync, naming the member it lacks: without the tokens or <c>items</c> no pass
    /// can end, without an item's <c>id</c> it cannot be stored, and without its <c>status</c> a deleted event would
    /// come back as an empty live one.
    /// </summary>
    private static string CheckFields(string mask)
    {
        var selections = Selections(mask);
        var topLevel = selections.Select(NameOf).ToHashSet(StringComparer.Ordinal);
        foreach (var required in new[] { "items", "nextPageToken", "nextSyncToken" })
        {
            if (!topLevel.Contains(required) && !topLevel.Contains("*"))
            {
                throw new ArgumentException($"The fields mask '{mask}' leaves out '{required}', which every sync pass needs; add it to the mask.", nameof(Fields));
            }
        }

        var itemMembers = new HashSet<string>(StringComparer.Ordinal);
        foreach (var selection in selections.Where(s => NameOf(s) is "items" or "*"))
        {
            if (selection is "items" or "*")
            {
                return mask; // every member of every item
            }

            // items/id selects one member; items(id,status) several.
            var rest = selection[selection.IndexOfAny(['/', '('])..];
            itemMembers.UnionWith(rest[0] == '/'
                ? [NameOf(rest[1..])]
                : Selections(rest[1..Math.Max(1, rest.LastIndexOf(')'))]).Select(NameOf));
        }

        foreach (var required in new[] { "id", "status" })
        {
            if (!itemMembers.Contains(required) && !itemMembers.Contains("*"))
            {
                throw new ArgumentException($"The fields mask '{mask}' leaves out 'items/{required}', which the sync needs to key and to delete events; add it to the mask.", nameof(Fields));
            }
        }

        return mask;
    }

    /// <summary>The comma-separated selections outside parentheses, trimmed: "a/b, c(d,e)" gives "a/b" and "c(d,e)".</summary>
    private static List<string> Selections(string mask)
    {
        var selections = new List<string>();
        int depth = 0, start = 0;
        for (var i = 0; i <= mask.Length; i++)
        {
            var c = i < mask.Length ? mask[i] : ',';
            depth += c switch { '(' => 1, ')' => -1, _ => 0 };
            if (c == ',' && depth == 0)
            {
                selections.Add(mask[start..i].Trim());
                start = i + 1;
            }
        }

        return selections;
    }

    /// <summary>The first name of a selection: "items(id)" and "items/id" give "items".</summary>
    private static string NameOf(string selection)
    {
        var end = selection.IndexOfAny(['/', '(']);
        return (end < 0 ? selection : selection[..end]).Trim();
    }
}
