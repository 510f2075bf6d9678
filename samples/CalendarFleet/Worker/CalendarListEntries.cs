using System;
using System.Collections.Generic;
using System.Net.Http;
using System.Net.Http.Json;
using System.Text.Json.Serialization;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.Extensions.Logging;
using SyncGen;

namespace CalendarFleet.Worker;

/// <summary>The part of a calendarList entry the fleet mirrors: the calendar's id names its events collection.</summary>
public sealed record FleetCalendarListEntry(
    [property: JsonPropertyName("id")] string Id,
    [property: JsonPropertyName("summary")] string? Summary,
    [property: JsonPropertyName("deleted")] bool? Deleted);

/// <summary>One calendarList.list page.</summary>
public sealed record FleetCalendarListPage(
    [property: JsonPropertyName("items")] List<FleetCalendarListEntry>? Items,
    [property: JsonPropertyName("nextPageToken")] string? NextPageToken,
    [property: JsonPropertyName("nextSyncToken")] string? NextSyncToken);

/// <summary>
/// The user's calendar list, mirrored by a SyncGen-generated loop; a calendar removed from the list comes back with
/// <c>deleted: true</c>. Full passes ask for hidden calendars too, as incremental ones always report them.
/// </summary>
[IncrementalSync(DeletedMember = nameof(FleetCalendarListEntry.Deleted))]
public sealed partial class FleetCalendarListRepository(HttpClient http, Uri calendarListUri, ISyncStore<FleetCalendarListEntry> store)
{
    private readonly ISyncStore<FleetCalendarListEntry> _store = store;

    /// <summary>Retry and expiry settings of the loop.</summary>
    public SyncOptions? Options { get; init; }

    /// <summary>Where the loop logs.</summary>
    public ILogger? Logger { get; init; }

    private async Task<FleetCalendarListPage> FetchPageAsync(SyncCursor cursor, CancellationToken cancellationToken)
    {
        var query = "?maxResults=250&showHidden=true";
        if (cursor.SyncToken is not null)
        {
            query += "&syncToken=" + Uri.EscapeDataString(cursor.SyncToken);
        }

        if (cursor.PageToken is not null)
        {
            query += "&pageToken=" + Uri.EscapeDataString(cursor.PageToken);
        }

        using var response = await http.GetAsync(new Uri(calendarListUri + query), cancellationToken).ConfigureAwait(false);
        await SyncHttpException.ThrowIfUnsuccessfulAsync(response, cancellationToken).ConfigureAwait(false);
        return await response.Content.ReadFromJsonAsync<FleetCalendarListPage>(cancellationToken).ConfigureAwait(false)
            ?? throw new InvalidOperationException("calendarList.list answered JSON null");
    }
}
