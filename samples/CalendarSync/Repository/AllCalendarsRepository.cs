using System;
using System.Collections.Generic;
using System.Threading;
using System.Threading.Tasks;
using CalendarSync.CalendarApi;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using SyncGen;

namespace CalendarSync.Repository;

/// <summary>
/// Mirrors the calendar list and the events of every listed calendar into one SQLite file: the list in the collection
/// <see cref="CalendarListCollection"/>, each calendar's events in a collection named by its id (the one the single-calendar
/// <c>sync --calendar ID</c> writes), each with its own sync token.
/// </summary>
/// <remarks>
/// A calendar that appears is synced in full; one removed from the list loses its events and token in the list's own
/// commit; a calendar that fails (403, 404, retries spent) is reported and the others go on (<see cref="SyncFanOut{TParent, TChild}"/>).
/// </remarks>
public sealed class AllCalendarsRepository : IAsyncDisposable
{
    /// <summary>The collection of the calendar list; a calendar id never contains a slash, so no calendar collides with it.</summary>
    public const string CalendarListCollection = "users/me/calendarList";

    private readonly SqliteSyncStore<CalendarListEntry> _listStore;
    private readonly SyncFanOut<CalendarListEntry, Event> _fanOut;

    /// <summary>Opens the store file (created when missing) for the list and every calendar.</summary>
    /// <param name="service">The Calendar client.</param>
    /// <param name="storeFile">The SQLite file.</param>
    /// <param name="options">Loop settings of every sync; null for SyncGen's defaults.</param>
    /// <param name="eventFields">A <c>fields</c> mask for the events requests (<see cref="CalendarEventsRepository.MirroredFields"/>), or null.</param>
    /// <param name="loggerFactory">Loggers; null for none.</param>
    public AllCalendarsRepository(CalendarService service, string storeFile, SyncOptions? options = null, string? eventFields = null, ILoggerFactory? loggerFactory = null)
    {
        ArgumentNullException.ThrowIfNull(service);
        loggerFactory ??= NullLoggerFactory.Instance;
        _listStore = SqliteSyncStore<CalendarListEntry>.OpenFile(storeFile, CalendarListCollection);
        _fanOut = new SyncFanOut<CalendarListEntry, Event>(
            _listStore,
            calendarId => SqliteSyncStore<Event>.OpenFile(storeFile, calendarId),
            (store, ct) => new CalendarListRepository(service, store, loggerFactory.CreateLogger<CalendarListRepository>()) { Options = options }.SyncAsync(ct),
            (calendarId, store, ct) => new CalendarEventsRepository(service, calendarId, store, loggerFactory.CreateLogger<CalendarEventsRepository>())
            {
                Options = options,
                Fields = eventFields,
            }.SyncAsync(ct),
            loggerFactory.CreateLogger<AllCalendarsRepository>())
        {
            Name = "calendar list",
            ChildIdProblem = id => id == CalendarListCollection ? "it is the calendar list's own collection name" : SyncPathSegment.Problem(id),
        };
    }

    /// <summary>Syncs the list, then every listed calendar.</summary>
    /// <param name="cancellationToken">Cancels the call; the collection being synced is left as it was.</param>
    public Task<SyncFanOutResult> SyncAsync(CancellationToken cancellationToken = default) => _fanOut.SyncAsync(cancellationToken);

    /// <summary>The calendar list's store (for reading the mirror back).</summary>
    public ISyncStore<CalendarListEntry> CalendarList => _listStore;

    /// <inheritdoc />
    public ValueTask DisposeAsync() => _listStore.DisposeAsync();
}
