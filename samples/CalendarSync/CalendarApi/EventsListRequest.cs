using Google.Apis.Discovery;
using Google.Apis.Requests;
using Google.Apis.Services;
using Google.Apis.Util;

namespace CalendarSync.CalendarApi;

/// <summary><c>GET calendars/{calendarId}/events</c>: the Calendar v3 <c>events.list</c> method.</summary>
public sealed class EventsListRequest : ClientServiceRequest<Events>
{
    public EventsListRequest(IClientService service, string calendarId)
        : base(service)
    {
        CalendarId = calendarId;
        InitParameters();
    }

    [RequestParameter("calendarId", RequestParameterType.Path)]
    public string CalendarId { get; }

    /// <summary>Token of the last sync; incompatible with the filters marked "full sync only".</summary>
    [RequestParameter("syncToken", RequestParameterType.Query)]
    public string? SyncToken { get; set; }

    [RequestParameter("pageToken", RequestParameterType.Query)]
    public string? PageToken { get; set; }

    /// <summary>Page size: default 250, at most 2500.</summary>
    [RequestParameter("maxResults", RequestParameterType.Query)]
    public int? MaxResults { get; set; }

    /// <summary>Full sync only: lower bound (RFC 3339) of an event's end time.</summary>
    [RequestParameter("timeMin", RequestParameterType.Query)]
    public string? TimeMin { get; set; }

    /// <summary>Full sync only: upper bound (RFC 3339) of an event's start time.</summary>
    [RequestParameter("timeMax", RequestParameterType.Query)]
    public string? TimeMax { get; set; }

    /// <summary>Full sync only: free-text search.</summary>
    [RequestParameter("q", RequestParameterType.Query)]
    public string? Q { get; set; }

    [RequestParameter("showDeleted", RequestParameterType.Query)]
    public bool? ShowDeleted { get; set; }

    [RequestParameter("singleEvents", RequestParameterType.Query)]
    public bool? SingleEvents { get; set; }

    /// <summary>
    /// Partial-response mask, Google's standard <c>fields</c> parameter (e.g. <c>nextPageToken,nextSyncToken,items(id,status)</c>):
    /// the server sends only these members.
    /// </summary>
    [RequestParameter("fields", RequestParameterType.Query)]
    public string? Fields { get; set; }

    public override string MethodName => "list";

    public override string HttpMethod => "GET";

    public override string RestPath => "calendars/{calendarId}/events";

    protected override void InitParameters()
    {
        base.InitParameters();
        RequestParameters.Add("calendarId", new Parameter { Name = "calendarId", IsRequired = true, ParameterType = "path" });
        foreach (var name in new[] { "syncToken", "pageToken", "maxResults", "timeMin", "timeMax", "q", "showDeleted", "singleEvents", "fields" })
        {
            RequestParameters.Add(name, new Parameter { Name = name, IsRequired = false, ParameterType = "query" });
        }
    }
}
