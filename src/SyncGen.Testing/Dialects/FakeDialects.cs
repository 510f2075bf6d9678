using System;
using System.Collections.Generic;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using SyncGen.Testing.FakeServer;
using SyncGen.Testing.Scenarios;

namespace SyncGen.Testing.Dialects;

/// <summary>
/// The built-in <see cref="FakeDialect"/>s, one per <see cref="SyncDialects"/> entry, with expiry bodies written from each
/// API's documentation (docs/protocol.md).
/// </summary>
public static class FakeDialects
{
    private const string RecurringOnlyInCalendar = "recurring events and their cancelled occurrences exist only in Google Calendar.";
    private const string NoFullPassOnlyParameter = "it has no full-pass-only filter that a sync token would refuse.";
    private const string PeopleExpiredMessage = "Sync token is expired. Clear local cache and retry call without the sync token.";

    /// <summary>
    /// Google Calendar events.list on the generic server: <c>/calendar/v3/calendars/primary/events</c>, <c>maxResults</c>,
    /// items <c>{"id", "summary"}</c>, expiry 410 <c>fullSyncRequired</c> with the exact docs/protocol.md body. (The
    /// richer <see cref="FakeCalendarServer"/> models events, filters and field masks.)
    /// </summary>
    public static FakeDialect GoogleCalendar { get; } = new()
    {
        Dialect = SyncDialects.GoogleCalendar,
        RootPath = FakeCalendarServer.RootPath,
        FeedPath = "calendars/primary/events",
        PageSizeParameter = "maxResults",
        NameFields = static name => new JsonObject { ["status"] = "confirmed", ["summary"] = name },
        ExpiredToken = static _ => new FakeErrorResponse(410, Encoding.UTF8.GetString(GoogleErrors.FullSyncRequired())),
    };

    /// <summary>
    /// Google People connections.list: <c>/v1/people/me/connections</c>, <c>pageSize</c>, items
    /// <c>{"resourceName", "names": [{"displayName"}]}</c>. Expiry is 400 <c>FAILED_PRECONDITION</c> in three documented
    /// shapes, served in turn: <c>EXPIRED_SYNC_TOKEN</c> in <c>details[].reason</c>; only the message; a legacy
    /// <c>errors[]</c> (reason <c>failedPrecondition</c>) before <c>details[]</c>. A full pass without
    /// <c>requestSyncToken=true</c> gets no <c>nextSyncToken</c>, as People does.
    /// </summary>
    public static FakeDialect GooglePeople { get; } = new()
    {
        Dialect = SyncDialects.GooglePeople,
        RootPath = "/v1",
        FeedPath = "people/me/connections",
        PageSizeParameter = "pageSize",
        NameFields = static name => new JsonObject { ["names"] = new JsonArray(new JsonObject { ["displayName"] = name }) },
        ExpiredToken = static n => new FakeErrorResponse(400, PeopleExpiry(n)),
        Unsupported = new Dictionary<ScenarioCapability, string>
        {
            [ScenarioCapability.RecurringEvents] = RecurringOnlyInCalendar,
            [ScenarioCapability.FullSyncFilter] = NoFullPassOnlyParameter,
            [ScenarioCapability.GoneIsExpiry] = "People signals an expired token with 400 FAILED_PRECONDITION; a 410 is an ordinary failure there, not an expiry.",
        },
    };

    /// <summary>
    /// Microsoft Graph delta: <c>/v1.0/users/delta</c>, <c>$top</c>, items <c>{"id", "displayName"}</c>, removals
    /// <c>{"id", "@removed": {"reason": "deleted"}}</c>, absolute <c>@odata.nextLink</c> / <c>@odata.deltaLink</c> on
    /// the server's own origin. Expiry is served in turn as 410 <c>resyncRequired</c>, 400 <c>syncStateNotFound</c>,
    /// 400 <c>resyncRequired</c> and 404 <c>syncStateNotFound</c>; other errors use Graph's
    /// <c>{"error":{"code","message","innerError"}}</c>.
    /// </summary>
    public static FakeDialect MicrosoftGraph { get; } = new()
    {
        Dialect = SyncDialects.MicrosoftGraph,
        RootPath = "/v1.0",
        FeedPath = "users/delta",
        PageSizeParameter = "$top",
        NameFields = static name => new JsonObject { ["displayName"] = name },
        ExpiredToken = static n => (n % 4) switch
        {
            0 => new FakeErrorResponse(410, GraphErrorBody(410, "resyncRequired", "Resync required. Replace any local cached data with a full delta sync.")),
            1 => new FakeErrorResponse(400, GraphErrorBody(400, "syncStateNotFound", "The sync state generation is not found. Delta tokens may be expired or invalid.")),
            2 => new FakeErrorResponse(400, GraphErrorBody(400, "resyncRequired", "Resync required.")),

            // The 404 comes last, after the three a bounded expiry loop counts: a 404 to a request without a token (a
            // full pass of "410 forever") is never an expiry, whatever its code.
            _ => new FakeErrorResponse(404, GraphErrorBody(404, "syncStateNotFound", "The sync state generation is not found.")),
        },
        ErrorBody = GraphErrorBody,
        Unsupported = new Dictionary<ScenarioCapability, string>
        {
            [ScenarioCapability.RecurringEvents] = RecurringOnlyInCalendar,
            [ScenarioCapability.FullSyncFilter] = NoFullPassOnlyParameter + " Graph carries $select and $filter inside its links.",
            [ScenarioCapability.GoneDeletedIsNotExpiry] = "Graph treats every 410 as an expired delta token, whatever its code.",
        },
    };

    /// <summary>
    /// Google Drive changes.list: <c>/drive/v3/changes</c>, <c>pageSize</c>; changes
    /// <c>{"fileId", "changeType": "file", "removed": false, "file": {"id", "name", "mimeType"}}</c> and removals
    /// <c>{"fileId", "removed": true}</c>; a trashed file (<see cref="FakeServer.FakeSyncServer.Trash"/>) is a change whose
    /// file has <c>"trashed": true</c>, as Drive reports it. The full pass is <c>changes/startPageToken</c>, then
    /// <c>files</c> pages (honouring <c>q=trashed = false</c>), then that start token. Expiry as Google: 410.
    /// </summary>
    public static FakeDialect GoogleDrive { get; } = new()
    {
        Dialect = SyncDialects.GoogleDrive,
        RootPath = "/drive/v3",
        FeedPath = "changes",
        PageSizeParameter = "pageSize",
        NameFields = static name => new JsonObject { ["name"] = name, ["mimeType"] = "text/plain" },
        ChangeMembers = static () => new JsonObject { ["changeType"] = "file", ["removed"] = false },
        Trashed = SyncJsonPath.Property("trashed"),
        ExpiredToken = static _ => new FakeErrorResponse(410, Encoding.UTF8.GetString(
            GoogleErrors.Body(410, "global", "fullSyncRequired", GoogleErrors.FullSyncRequiredMessage, "parameter", "pageToken"))),
        Unsupported = new Dictionary<ScenarioCapability, string>
        {
            [ScenarioCapability.RecurringEvents] = RecurringOnlyInCalendar,
            [ScenarioCapability.FullSyncFilter] = NoFullPassOnlyParameter,
        },
    };

    /// <summary>The built-in serving of a built-in dialect.</summary>
    /// <param name="dialect">One of <see cref="SyncDialects"/>.</param>
    /// <returns>Its <see cref="FakeDialect"/>.</returns>
    /// <exception cref="ArgumentException">The dialect is not built in: create a <see cref="FakeDialect"/> for it.</exception>
    public static FakeDialect For(SyncDialect dialect)
    {
        ArgumentNullException.ThrowIfNull(dialect);
        foreach (var known in new[] { GoogleCalendar, GooglePeople, MicrosoftGraph, GoogleDrive })
        {
            if (ReferenceEquals(known.Dialect, dialect))
            {
                return known;
            }
        }

        throw new ArgumentException(
            $"The kit has no built-in serving of the '{dialect.Name}' dialect: create a {nameof(FakeDialect)} for it (its feed path and expiry answer).",
            nameof(dialect));
    }

    /// <summary>Google's error body: <c>{"error":{"errors":[{domain, reason, message}],"code","message"}}</c>.</summary>
    /// <param name="statusCode">The status.</param>
    /// <param name="reason">The reason.</param>
    /// <param name="message">The message.</param>
    /// <returns>The body.</returns>
    public static string GoogleErrorBody(int statusCode, string reason, string message)
    {
        var defaults = GoogleErrors.DefaultsFor(statusCode, reason);
        return Encoding.UTF8.GetString(GoogleErrors.ForStatus(statusCode, defaults.Domain, reason, message));
    }

    /// <summary>Microsoft Graph's error body: <c>{"error":{"code": reason, "message", "innerError": {...}}}</c>.</summary>
    /// <param name="statusCode">The status (Graph does not repeat it in the body).</param>
    /// <param name="reason">The code, e.g. <c>syncStateNotFound</c>.</param>
    /// <param name="message">The message.</param>
    /// <returns>The body.</returns>
    public static string GraphErrorBody(int statusCode, string reason, string message) =>
        new JsonObject
        {
            ["error"] = new JsonObject
            {
                ["code"] = reason,
                ["message"] = message,
                ["innerError"] = new JsonObject
                {
                    ["date"] = "2026-01-01T00:00:00",
                    ["request-id"] = "00000000-0000-0000-0000-" + statusCode.ToString("D12", System.Globalization.CultureInfo.InvariantCulture),
                },
            },
        }.ToJsonString(Json.Options);

    private static string PeopleExpiry(int n)
    {
        var errorInfo = new JsonObject
        {
            ["@type"] = "type.googleapis.com/google.rpc.ErrorInfo",
            ["reason"] = "EXPIRED_SYNC_TOKEN",
            ["domain"] = "people.googleapis.com",
        };
        var error = (n % 3) switch
        {
            0 => new JsonObject
            {
                ["code"] = 400, ["message"] = PeopleExpiredMessage, ["status"] = "FAILED_PRECONDITION", ["details"] = new JsonArray(errorInfo),
            },
            1 => new JsonObject { ["code"] = 400, ["message"] = PeopleExpiredMessage, ["status"] = "FAILED_PRECONDITION" },
            _ => new JsonObject
            {
                ["code"] = 400,
                ["message"] = PeopleExpiredMessage,
                ["errors"] = new JsonArray(new JsonObject { ["message"] = PeopleExpiredMessage, ["domain"] = "global", ["reason"] = "failedPrecondition" }),
                ["status"] = "FAILED_PRECONDITION",
                ["details"] = new JsonArray(errorInfo),
            },
        };
        return new JsonObject { ["error"] = error }.ToJsonString(Json.Options);
    }

    /// <summary>Serializer options that write URLs and quotes as they are (Google and Graph do).</summary>
    internal static class Json
    {
        public static readonly JsonSerializerOptions Options = new() { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping };
    }
}
