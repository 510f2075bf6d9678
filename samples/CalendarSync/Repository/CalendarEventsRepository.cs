using System;
using System.Globalization;
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
    /// The query of one pass. SyncGen sets the sync and page tokens and reuses this request for every page, so
    /// every page repeats it exactly; filters set here only on full passes never travel with a sync token.
    /// </summary>
    private EventsListRequest CreateListRequest(SyncPass pass)
    {
        var request = _service.Events.List(_calendarId);
        request.MaxResults = PageSize;
        if (pass.IsFull && FullSyncFrom is { } from)
        {
            request.TimeMin = from.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture);
        }

        return request;
    }
}
