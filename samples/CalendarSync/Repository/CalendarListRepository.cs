using System;
using CalendarSync.CalendarApi;
using Microsoft.Extensions.Logging;
using SyncGen;

namespace CalendarSync.Repository;

/// <summary>
/// Mirrors the user's calendar list. SyncGen generates <c>SyncAsync</c>; a calendar removed from the list comes back with
/// <c>deleted: true</c> and leaves the mirror.
/// </summary>
/// <remarks>
/// Every full pass asks for hidden calendars (<c>showHidden=true</c>), as incremental passes always report them: the
/// mirror is then the same whichever kind of pass built it. A hidden calendar's entry says so in <c>hidden</c>.
/// </remarks>
[IncrementalSync(DeletedMember = nameof(CalendarListEntry.Deleted))]
public sealed partial class CalendarListRepository
{
    private readonly CalendarService _service;
    private readonly ISyncStore<CalendarListEntry> _store;
    private readonly ILogger<CalendarListRepository>? _logger;

    public CalendarListRepository(CalendarService service, ISyncStore<CalendarListEntry> store, ILogger<CalendarListRepository>? logger = null)
    {
        _service = service ?? throw new ArgumentNullException(nameof(service));
        _store = store ?? throw new ArgumentNullException(nameof(store));
        _logger = logger;
    }

    /// <summary>Loop settings (retries, expiry bound); null for SyncGen's defaults.</summary>
    public SyncOptions? Options { get; init; }

    private CalendarListListRequest CreateListRequest(SyncPass pass)
    {
        var request = _service.CalendarList.List();
        request.MaxResults = 250;
        request.ShowHidden = true;
        return request;
    }
}
