using System.Collections.Generic;
using Google.Apis.Requests;
using Newtonsoft.Json;

namespace CalendarSync.CalendarApi;

/// <summary>One page of <c>events.list</c>. Only the last page of a pass carries <see cref="NextSyncToken"/>.</summary>
public sealed class Events : IDirectResponseSchema
{
    [JsonProperty("kind")]
    public string? Kind { get; set; }

    [JsonProperty("summary")]
    public string? Summary { get; set; }

    [JsonProperty("items")]
    public IList<Event>? Items { get; set; }

    [JsonProperty("nextPageToken")]
    public string? NextPageToken { get; set; }

    [JsonProperty("nextSyncToken")]
    public string? NextSyncToken { get; set; }

    [JsonProperty("etag")]
    public string? ETag { get; set; }
}

/// <summary>
/// A calendar event. A deleted event arrives with <see cref="Status"/> <c>cancelled</c> and possibly nothing but its
/// <see cref="Id"/>; a cancelled exception of a recurring series also carries <see cref="RecurringEventId"/>.
/// </summary>
public sealed class Event
{
    [JsonProperty("id")]
    public string? Id { get; set; }

    [JsonProperty("status")]
    public string? Status { get; set; }

    [JsonProperty("summary")]
    public string? Summary { get; set; }

    [JsonProperty("description")]
    public string? Description { get; set; }

    /// <summary>Last modification time, kept as the RFC 3339 text the server sent.</summary>
    [JsonProperty("updated")]
    public string? Updated { get; set; }

    [JsonProperty("start")]
    public EventDateTime? Start { get; set; }

    [JsonProperty("end")]
    public EventDateTime? End { get; set; }

    [JsonProperty("recurringEventId")]
    public string? RecurringEventId { get; set; }

    [JsonProperty("originalStartTime")]
    public EventDateTime? OriginalStartTime { get; set; }

    [JsonProperty("etag")]
    public string? ETag { get; set; }
}

/// <summary>A start or end: <see cref="DateTime"/> for timed events, <see cref="Date"/> for all-day ones.</summary>
public sealed class EventDateTime
{
    [JsonProperty("dateTime")]
    public string? DateTime { get; set; }

    [JsonProperty("date")]
    public string? Date { get; set; }

    [JsonProperty("timeZone")]
    public string? TimeZone { get; set; }
}
