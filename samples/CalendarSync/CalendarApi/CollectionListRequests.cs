using Google.Apis.Discovery;
using Google.Apis.Requests;
using Google.Apis.Services;
using Google.Apis.Util;

namespace CalendarSync.CalendarApi;

/// <summary><c>GET users/me/calendarList</c>: the Calendar v3 <c>calendarList.list</c> method.</summary>
/// <remarks>
/// With a sync token Google refuses <c>minAccessRole</c>, and <c>showDeleted</c> or <c>showHidden</c> set to false (a token
/// always returns deleted and hidden entries); SyncGen clears them on incremental passes.
/// </remarks>
public sealed class CalendarListListRequest : ClientServiceRequest<CalendarList>
{
    private static readonly string[] QueryParameters = { "syncToken", "pageToken", "maxResults", "minAccessRole", "showDeleted", "showHidden", "fields" };

    public CalendarListListRequest(IClientService service)
        : base(service) => InitParameters();

    [RequestParameter("syncToken", RequestParameterType.Query)]
    public string? SyncToken { get; set; }

    [RequestParameter("pageToken", RequestParameterType.Query)]
    public string? PageToken { get; set; }

    /// <summary>Page size: default 100, at most 250.</summary>
    [RequestParameter("maxResults", RequestParameterType.Query)]
    public int? MaxResults { get; set; }

    /// <summary>Full sync only: the least role the user must have on a listed calendar.</summary>
    [RequestParameter("minAccessRole", RequestParameterType.Query)]
    public string? MinAccessRole { get; set; }

    [RequestParameter("showDeleted", RequestParameterType.Query)]
    public bool? ShowDeleted { get; set; }

    /// <summary>Whether a full pass lists hidden calendars; incremental passes always do.</summary>
    [RequestParameter("showHidden", RequestParameterType.Query)]
    public bool? ShowHidden { get; set; }

    [RequestParameter("fields", RequestParameterType.Query)]
    public string? Fields { get; set; }

    public override string MethodName => "list";

    public override string HttpMethod => "GET";

    public override string RestPath => "users/me/calendarList";

    protected override void InitParameters()
    {
        base.InitParameters();
        CollectionRequests.AddQueryParameters(RequestParameters, QueryParameters);
    }
}

/// <summary><c>GET calendars/{calendarId}/acl</c>: the Calendar v3 <c>acl.list</c> method.</summary>
/// <remarks>With a sync token Google refuses <c>showDeleted</c> set to false; SyncGen clears it on incremental passes.</remarks>
public sealed class AclListRequest : ClientServiceRequest<Acl>
{
    private static readonly string[] QueryParameters = { "syncToken", "pageToken", "maxResults", "showDeleted", "fields" };

    public AclListRequest(IClientService service, string calendarId)
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

    [RequestParameter("showDeleted", RequestParameterType.Query)]
    public bool? ShowDeleted { get; set; }

    [RequestParameter("fields", RequestParameterType.Query)]
    public string? Fields { get; set; }

    public override string MethodName => "list";

    public override string HttpMethod => "GET";

    public override string RestPath => "calendars/{calendarId}/acl";

    protected override void InitParameters()
    {
        base.InitParameters();
        RequestParameters.Add("calendarId", new Parameter { Name = "calendarId", IsRequired = true, ParameterType = "path" });
        CollectionRequests.AddQueryParameters(RequestParameters, QueryParameters);
    }
}

/// <summary><c>GET users/me/settings</c>: the Calendar v3 <c>settings.list</c> method. Settings are never deleted.</summary>
public sealed class SettingsListRequest : ClientServiceRequest<Settings>
{
    private static readonly string[] QueryParameters = { "syncToken", "pageToken", "maxResults", "fields" };

    public SettingsListRequest(IClientService service)
        : base(service) => InitParameters();

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

    public override string RestPath => "users/me/settings";

    protected override void InitParameters()
    {
        base.InitParameters();
        CollectionRequests.AddQueryParameters(RequestParameters, QueryParameters);
    }
}

/// <summary>What the list requests of this file share.</summary>
internal static class CollectionRequests
{
    public static void AddQueryParameters(System.Collections.Generic.IDictionary<string, IParameter> parameters, string[] names)
    {
        foreach (var name in names)
        {
            parameters.Add(name, new Parameter { Name = name, IsRequired = false, ParameterType = "query" });
        }
    }
}
