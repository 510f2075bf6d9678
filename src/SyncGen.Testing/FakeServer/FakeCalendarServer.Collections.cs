using System;
using System.Collections.Concurrent;
using System.Text.Json.Nodes;
using System.Threading.Tasks;
using Microsoft.AspNetCore.Http;

namespace SyncGen.Testing.FakeServer;

// The calendar list, ACL and settings beside events.list: GET {root}/users/me/calendarList, {root}/users/me/settings and
// {root}/calendars/{calendarId}/acl, each with its own tokens and Google's 400 for a parameter a sync token refuses.
public sealed partial class FakeCalendarServer
{
    private const string CalendarListPath = RootPath + "/users/me/calendarList";
    private const string SettingsPath = RootPath + "/users/me/settings";
    private const string AclSuffix = "/acl";

    private readonly ConcurrentDictionary<string, FakeCalendarCollection> _acls = new(StringComparer.Ordinal);
    private readonly FakeCalendarCollection _calendarList = new("users/me/calendarList", CollectionRules.CalendarList);
    private readonly FakeCalendarCollection _settings = new("users/me/settings", CollectionRules.Settings);

    /// <summary>The user's calendar list (<c>users/me/calendarList</c>); add an entry with <see cref="AddToCalendarList"/>.</summary>
    public FakeCalendarCollection CalendarList => _calendarList;

    /// <summary>The user's settings (<c>users/me/settings</c>): entries with a <c>value</c>, never deleted.</summary>
    public FakeCalendarCollection Settings => _settings;

    /// <summary>The ACL of a calendar (<c>calendars/{calendarId}/acl</c>), created empty when new.</summary>
    /// <param name="calendarId">The calendar id.</param>
    public FakeCalendarCollection Acl(string calendarId)
    {
        ArgumentException.ThrowIfNullOrEmpty(calendarId);
        return _acls.GetOrAdd(calendarId, id => new FakeCalendarCollection("calendars/" + id + "/acl", CollectionRules.Acl));
    }

    /// <summary>Lists a calendar in the calendar list (or changes its entry) and returns its events.</summary>
    /// <param name="calendarId">The calendar id, e.g. <c>en.usa#holiday@group.v.calendar.google.com</c>.</param>
    /// <param name="summary">Its title.</param>
    /// <param name="hidden">Whether the user hid it: a full pass lists it only with <c>showHidden=true</c>.</param>
    /// <param name="accessRole">The user's role on it.</param>
    public FakeCalendar AddToCalendarList(string calendarId, string summary, bool hidden = false, string accessRole = "owner")
    {
        var entry = new JsonObject { ["summary"] = summary, ["accessRole"] = accessRole };
        if (hidden)
        {
            entry["hidden"] = true;
        }

        CalendarList.Put(calendarId, entry);
        return GetCalendar(calendarId);
    }

    /// <summary>The calendar list URI, e.g. <c>http://127.0.0.1:54321/calendar/v3/users/me/calendarList</c>.</summary>
    public Uri CalendarListUri => new(BaseUri, "users/me/calendarList");

    /// <summary>Serves the collections of this file; null when the path is none of them.</summary>
    private async Task<int?> TryServeCollectionAsync(HttpContext context, FakeCalendarRequest request)
    {
        FakeCalendarCollection? collection = request.Path switch
        {
            CalendarListPath => CalendarList,
            SettingsPath => Settings,
            _ when request.Path.StartsWith(CalendarsPrefix, StringComparison.Ordinal) && request.Path.EndsWith(AclSuffix, StringComparison.Ordinal)
                && request.Path[CalendarsPrefix.Length..^AclSuffix.Length] is { Length: > 0 } id && !id.Contains('/', StringComparison.Ordinal) => Acl(id),
            _ => null,
        };
        if (collection is null)
        {
            return null;
        }

        if (!HttpMethods.IsGet(request.Method))
        {
            return await WriteAsync(context, new ServedAnswer(405, GoogleErrors.Body(405, "global", "httpMethodNotAllowed", "Method Not Allowed"))).ConfigureAwait(false);
        }

        var (status, body) = collection.List(request);
        return await WriteAsync(context, new ServedAnswer(status, body)).ConfigureAwait(false);
    }
}
