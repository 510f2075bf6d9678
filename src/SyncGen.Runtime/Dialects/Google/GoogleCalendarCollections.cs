using System;
using System.Collections.Generic;
using System.Linq;

namespace SyncGen;

/// <summary>Calendar v3's four sync-token collections by name: their dialects and endpoints.</summary>
/// <remarks>
/// The names are the last segment of each endpoint: <c>events</c> and <c>acl</c> belong to one calendar
/// (<c>calendars/{calendarId}/...</c>), <c>calendarList</c> and <c>settings</c> to the user (<c>users/me/...</c>).
/// </remarks>
public static class GoogleCalendarCollections
{
    /// <summary><c>calendars/{calendarId}/events</c>.</summary>
    public const string Events = "events";

    /// <summary><c>users/me/calendarList</c>.</summary>
    public const string CalendarList = "calendarList";

    /// <summary><c>calendars/{calendarId}/acl</c>.</summary>
    public const string Acl = "acl";

    /// <summary><c>users/me/settings</c>.</summary>
    public const string Settings = "settings";

    private static readonly (string Name, SyncDialect Dialect, bool PerCalendar)[] Known =
    {
        (Events, SyncDialects.GoogleCalendar, true),
        (CalendarList, SyncDialects.GoogleCalendarList, false),
        (Acl, SyncDialects.GoogleCalendarAcl, true),
        (Settings, SyncDialects.GoogleCalendarSettings, false),
    };

    /// <summary>The dialect of a collection.</summary>
    /// <param name="collection">One of <see cref="Events"/>, <see cref="CalendarList"/>, <see cref="Acl"/>, <see cref="Settings"/>.</param>
    /// <exception cref="ArgumentException">The collection is not one of them.</exception>
    public static SyncDialect Dialect(string collection) => Find(collection).Dialect;

    /// <summary>Whether a collection belongs to one calendar (<see cref="Events"/>, <see cref="Acl"/>) rather than to the user.</summary>
    /// <param name="collection">A collection name.</param>
    /// <exception cref="ArgumentException">The collection is not one of Calendar's.</exception>
    public static bool IsPerCalendar(string collection) => Find(collection).PerCalendar;

    /// <summary>The list endpoint of a collection under an API root, the calendar id escaped as one path segment.</summary>
    /// <param name="apiRoot">The API root, e.g. <c>https://www.googleapis.com/calendar/v3/</c>.</param>
    /// <param name="collection">A collection name.</param>
    /// <param name="calendarId">The calendar, for <see cref="Events"/> and <see cref="Acl"/>; null for the others.</param>
    /// <exception cref="ArgumentException">
    /// The collection is unknown, a per-calendar collection has no calendar id (or a user one has one), or the id cannot
    /// be one path segment (<see cref="SyncPathSegment.Problem"/>).
    /// </exception>
    public static Uri Endpoint(Uri apiRoot, string collection, string? calendarId = null)
    {
        ArgumentNullException.ThrowIfNull(apiRoot);
        var (name, _, perCalendar) = Find(collection);
        if (!perCalendar)
        {
            return calendarId is null
                ? new Uri(Root(apiRoot), "users/me/" + name)
                : throw new ArgumentException($"The Calendar collection '{name}' belongs to the user, not to a calendar; pass no calendar id.", nameof(calendarId));
        }

        if (calendarId is null)
        {
            throw new ArgumentException($"The Calendar collection '{name}' belongs to one calendar; pass its id.", nameof(calendarId));
        }

        return new Uri(Root(apiRoot), "calendars/" + SyncPathSegment.Escape(calendarId) + "/" + name);
    }

    private static Uri Root(Uri apiRoot) => apiRoot.AbsoluteUri.EndsWith('/') ? apiRoot : new Uri(apiRoot.AbsoluteUri + "/");

    private static (string Name, SyncDialect Dialect, bool PerCalendar) Find(string collection)
    {
        foreach (var known in Known)
        {
            if (string.Equals(known.Name, collection, StringComparison.Ordinal))
            {
                return known;
            }
        }

        throw new ArgumentException(
            $"'{collection}' is not a Google Calendar sync collection; use one of {string.Join(", ", Known.Select(k => k.Name))}.", nameof(collection));
    }
}
