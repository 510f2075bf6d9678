using System;

namespace SyncGen.Runtime.Tests.Dialects;

/// <summary>The item every dialect test mirrors: only a name, since the dialect reads key and deletion from the JSON.</summary>
public sealed record Named(string? Name);

/// <summary>
/// One API's conversation, in its own wire format, written from its public documentation: a full pass of two pages
/// (Ann, Bob; then Cy), an incremental pass that deletes Bob and adds Di, and the API's way of saying the token expired.
/// </summary>
public abstract class DialectScript
{
    public abstract SyncDialect Dialect { get; }

    public abstract string EndpointPath { get; }

    /// <summary>The request target of the full pass's first page (a fault is injected there).</summary>
    public abstract string FirstFullTarget { get; }

    public abstract void FullPass(ScriptedApiHandle api);

    /// <summary>The token stored after the full pass.</summary>
    public abstract string FullToken(Uri baseUri);

    /// <summary>Routes the incremental pass that starts from <see cref="FullToken"/>; returns the token it ends with.</summary>
    public abstract string Incremental(ScriptedApiHandle api);

    /// <summary>Makes the incremental request from <paramref name="token"/> answer that the token expired.</summary>
    public abstract void Expire(ScriptedApiHandle api, string token);

    public override string ToString() => Dialect.Name;

    protected static string Google(int code, string status, string reason, string message) =>
        $$$"""{"error":{"code":{{{code}}},"message":"{{{message}}}","errors":[{"domain":"global","reason":"{{{reason}}}","message":"{{{message}}}"}],"status":"{{{status}}}"}}""";
}

/// <summary>A test's handle on its server: routes plus the base address the links point at.</summary>
public sealed class ScriptedApiHandle
{
    internal ScriptedApiHandle(ScriptedApi api) => Api = api;

    internal ScriptedApi Api { get; }

    public Uri BaseUri => Api.BaseUri;

    public void Json(string target, string body) => Api.Json(target, body);

    public void Error(string target, int status, string contentType, string body) => Api.Error(target, status, contentType, body);
}

/// <summary>Calendar events.list; the endpoint sets timeMin, which only a full pass may send.</summary>
public sealed class CalendarScript : DialectScript
{
    private const string Path = "/calendar/v3/calendars/primary/events";

    public override SyncDialect Dialect => SyncDialects.GoogleCalendar;

    public override string EndpointPath => Path + "?timeMin=2026-01-01T00:00:00Z&singleEvents=true";

    public override string FirstFullTarget => EndpointPath;

    public override void FullPass(ScriptedApiHandle api)
    {
        api.Json(EndpointPath, """{"kind":"calendar#events","items":[{"id":"a","status":"confirmed","name":"Ann"},{"id":"b","status":"tentative","name":"Bob"}],"nextPageToken":"p2"}""");
        api.Json(EndpointPath + "&pageToken=p2", """{"kind":"calendar#events","items":[{"id":"c","status":"confirmed","name":"Cy"}],"nextSyncToken":"s1"}""");
    }

    public override string FullToken(Uri baseUri) => "s1";

    public override string Incremental(ScriptedApiHandle api)
    {
        // timeMin is gone: the token carries the filter, and Calendar answers 400 to both together.
        api.Json(Path + "?singleEvents=true&syncToken=s1", """{"items":[{"id":"b","status":"cancelled"},{"id":"d","status":"confirmed","name":"Di"}],"nextSyncToken":"s2"}""");
        return "s2";
    }

    public override void Expire(ScriptedApiHandle api, string token) =>
        api.Error(Path + "?singleEvents=true&syncToken=" + token, 410, "application/json", Google(410, "GONE", "fullSyncRequired", "Sync token is no longer valid, a full sync is required."));
}

/// <summary>People connections.list: requestSyncToken on the full pass, metadata.deleted, EXPIRED_SYNC_TOKEN in details.</summary>
public sealed class PeopleScript : DialectScript
{
    private const string Path = "/v1/people/me/connections?personFields=names";

    public override SyncDialect Dialect => SyncDialects.GooglePeople;

    public override string EndpointPath => Path;

    public override string FirstFullTarget => Path + "&requestSyncToken=true";

    public override void FullPass(ScriptedApiHandle api)
    {
        api.Json(FirstFullTarget, """{"connections":[{"resourceName":"people/a","etag":"e1","name":"Ann","metadata":{"sources":[]}},{"resourceName":"people/b","name":"Bob"}],"nextPageToken":"p2","totalItems":3}""");
        api.Json(FirstFullTarget + "&pageToken=p2", """{"connections":[{"resourceName":"people/c","name":"Cy"}],"nextSyncToken":"s1","totalItems":3}""");
    }

    public override string FullToken(Uri baseUri) => "s1";

    public override string Incremental(ScriptedApiHandle api)
    {
        api.Json(Path + "&syncToken=s1", """{"connections":[{"resourceName":"people/b","metadata":{"deleted":true}},{"resourceName":"people/d","name":"Di","metadata":{"deleted":false}}],"nextSyncToken":"s2"}""");
        return "s2";
    }

    public override void Expire(ScriptedApiHandle api, string token) =>
        api.Error(Path + "&syncToken=" + token, 400, "application/json",
            """{"error":{"code":400,"message":"Sync token is expired. Clear local cache and retry call without the sync token.","status":"FAILED_PRECONDITION","details":[{"@type":"type.googleapis.com/google.rpc.ErrorInfo","reason":"EXPIRED_SYNC_TOKEN","domain":"people.googleapis.com"}]}}""");
}

/// <summary>Graph users/delta: links followed verbatim, @removed, resyncRequired on a 400.</summary>
public sealed class GraphScript : DialectScript
{
    private const string Path = "/v1.0/users/delta";

    public override SyncDialect Dialect => SyncDialects.MicrosoftGraph;

    public override string EndpointPath => Path + "?$select=displayName";

    public override string FirstFullTarget => EndpointPath;

    public override void FullPass(ScriptedApiHandle api)
    {
        var b = api.BaseUri.ToString().TrimEnd('/');
        api.Json(EndpointPath, $$"""{"@odata.context":"{{b}}/v1.0/$metadata#users(displayName)","value":[{"id":"a","name":"Ann"},{"id":"b","name":"Bob"}],"@odata.nextLink":"{{b}}{{Path}}?$skiptoken=page2"}""");
        api.Json(Path + "?$skiptoken=page2", $$"""{"value":[{"id":"c","name":"Cy"}],"@odata.deltaLink":"{{b}}{{Path}}?$deltatoken=d1"}""");
    }

    public override string FullToken(Uri baseUri) => baseUri.ToString().TrimEnd('/') + Path + "?$deltatoken=d1";

    public override string Incremental(ScriptedApiHandle api)
    {
        var b = api.BaseUri.ToString().TrimEnd('/');
        api.Json(Path + "?$deltatoken=d1", $$$"""{"value":[{"id":"b","@removed":{"reason":"changed"}},{"id":"d","name":"Di"}],"@odata.deltaLink":"{{{b}}}{{{Path}}}?$deltatoken=d2"}""");
        return b + Path + "?$deltatoken=d2";
    }

    public override void Expire(ScriptedApiHandle api, string token) =>
        api.Error(new Uri(token).PathAndQuery, 400, "application/json", """{"error":{"code":"resyncRequired","message":"Resync required. Replace any local cached data with a full delta sync."}}""");
}

/// <summary>Drive changes: start token taken before listing files; changes keyed by fileId, removals by removed.</summary>
public sealed class DriveScript : DialectScript
{
    public override SyncDialect Dialect => SyncDialects.GoogleDrive;

    public override string EndpointPath => "/drive/v3/changes";

    // files.list lists trashed files too unless asked not to (Drive v3 reference), and the mirror must not hold them.
    public override string FirstFullTarget => "/drive/v3/files?q=trashed = false";

    public override void FullPass(ScriptedApiHandle api)
    {
        api.Json("/drive/v3/changes/startPageToken", """{"kind":"drive#startPageToken","startPageToken":"100"}""");
        api.Json("/drive/v3/files?q=trashed = false", """{"kind":"drive#fileList","files":[{"kind":"drive#file","id":"a","name":"Ann"},{"id":"b","name":"Bob"}],"nextPageToken":"f2"}""");
        api.Json("/drive/v3/files?q=trashed = false&pageToken=f2", """{"kind":"drive#fileList","files":[{"id":"c","name":"Cy"}]}""");
    }

    public override string FullToken(Uri baseUri) => "100";

    public override string Incremental(ScriptedApiHandle api)
    {
        // The page token replaces the stored token in the one pageToken parameter.
        api.Json("/drive/v3/changes?pageToken=100", """{"kind":"drive#changeList","changes":[{"kind":"drive#change","changeType":"file","removed":true,"fileId":"b"}],"nextPageToken":"101"}""");
        api.Json("/drive/v3/changes?pageToken=101", """{"changes":[{"changeType":"file","removed":false,"fileId":"d","file":{"id":"d","name":"Di"}},{"changeType":"drive","removed":false,"driveId":"x"}],"newStartPageToken":"102"}""");
        return "102";
    }

    public override void Expire(ScriptedApiHandle api, string token) =>
        api.Error("/drive/v3/changes?pageToken=" + token, 410, "application/json", Google(410, "GONE", "fullSyncRequired", "The page token is no longer valid."));
}
