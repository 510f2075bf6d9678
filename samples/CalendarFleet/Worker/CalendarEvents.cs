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

/// <summary>The part of a Calendar v3 event the fleet mirrors.</summary>
public sealed record FleetEvent(
    [property: JsonPropertyName("id")] string Id,
    [property: JsonPropertyName("status")] string? Status,
    [property: JsonPropertyName("summary")] string? Summary);

/// <summary>One events.list page.</summary>
public sealed record FleetEventsPage(
    [property: JsonPropertyName("items")] List<FleetEvent>? Items,
    [property: JsonPropertyName("nextPageToken")] string? NextPageToken,
    [property: JsonPropertyName("nextSyncToken")] string? NextSyncToken);

/// <summary>
/// The events of one calendar, mirrored by a SyncGen-generated sync loop over plain HttpClient. Every request of one pass
/// carries the pass's tag in <c>quotaUser</c> (Google's standard parameter for attributing requests, which does not change
/// what a pass lists), so the server's request journal can tell passes apart and find two that interleave.
/// </summary>
[IncrementalSync]
public sealed partial class CalendarEventsRepository(HttpClient http, Uri eventsUri, ISyncStore<FleetEvent> store, PassTags passTags)
{
    private readonly ISyncStore<FleetEvent> _store = store;
    private string? _passTag;
    private SyncPass? _pass;

    /// <summary>The page size asked for.</summary>
    public int PageSize { get; init; } = 50;

    /// <summary>Retry and expiry settings of the loop.</summary>
    public SyncOptions? Options { get; init; }

    /// <summary>Where the loop logs.</summary>
    public ILogger? Logger { get; init; }

    private async Task<FleetEventsPage> FetchPageAsync(SyncCursor cursor, CancellationToken cancellationToken)
    {
        if (_pass != cursor.Pass)
        {
            // A new pass: a new tag for all of its pages.
            _pass = cursor.Pass;
            _passTag = passTags.Next();
        }

        var query = $"?maxResults={PageSize}&quotaUser={Uri.EscapeDataString(_passTag!)}";
        if (cursor.SyncToken is not null)
        {
            query += "&syncToken=" + Uri.EscapeDataString(cursor.SyncToken);
        }

        if (cursor.PageToken is not null)
        {
            query += "&pageToken=" + Uri.EscapeDataString(cursor.PageToken);
        }

        using var response = await http.GetAsync(new Uri(eventsUri + query), cancellationToken).ConfigureAwait(false);
        await SyncHttpException.ThrowIfUnsuccessfulAsync(response, cancellationToken).ConfigureAwait(false);
        return await response.Content.ReadFromJsonAsync<FleetEventsPage>(cancellationToken).ConfigureAwait(false)
            ?? throw new InvalidOperationException("events.list answered JSON null");
    }
}

/// <summary>Hands out pass tags unique within the fleet: the worker's name and a counter.</summary>
public sealed class PassTags(string worker)
{
    private long _count;

    public string Next() => $"{worker}.{Interlocked.Increment(ref _count)}";
}
