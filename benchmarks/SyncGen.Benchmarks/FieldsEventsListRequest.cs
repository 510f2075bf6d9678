using Google.Apis.Discovery;
using Google.Apis.Requests;
using Google.Apis.Services;
using Google.Apis.Util;
using CalendarSync.CalendarApi;

namespace SyncGen.Benchmarks;

/// <summary>
/// The sample's events.list plus the standard <c>fields</c> parameter (a partial-response mask), which the generated
/// Google.Apis.Calendar.v3 requests inherit from their base class and the sample's sealed request lacks.
/// </summary>
internal sealed class FieldsEventsListRequest : ClientServiceRequest<Events>
{
    public FieldsEventsListRequest(IClientService service, string calendarId)
        : base(service)
    {
        CalendarId = calendarId;
        InitParameters();
    }

    [RequestParameter("calendarId", RequestParameterType.Path)]
    public string CalendarId { get; }

    [RequestParameter("syncToken", RequestParameterType.Query)]
    public string? SyncToken { get; set; }

    [RequestParameter("pageToken", RequestParameterType.Query)]
    public string? PageToken { get; set; }

    [RequestParameter("maxResults", RequestParameterType.Query)]
    public int? MaxResults { get; set; }

    [RequestParameter("fields", RequestParameterType.Query)]
    public string? Fields { get; set; }

    public override string MethodName => "list";

    public override string HttpMethod => "GET";

    public override string RestPath => "calendars/{calendarId}/events";

    protected override void InitParameters()
    {
        base.InitParameters();
        RequestParameters.Add("calendarId", new Parameter { Name = "calendarId", IsRequired = true, ParameterType = "path" });
        foreach (var name in new[] { "syncToken", "pageToken", "maxResults", "fields" })
        {
            RequestParameters.Add(name, new Parameter { Name = name, IsRequired = false, ParameterType = "query" });
        }
    }
}
