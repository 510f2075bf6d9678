using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Text;
using System.Text.Json;
using SyncGen.Testing.Dialects;

namespace SyncGen.Testing.FakeServer;

/// <summary>The outcome of an events.list request: a page (with the request's <c>fields</c> mask, null for the whole page), or an error status with its body.</summary>
internal readonly record struct EventsListResult(ServedPage<FakeEventVersion>? Page, FieldMask? Fields, int StatusCode, byte[]? ErrorBody);

/// <summary>events.list: parameter validation, the sync-token and page-token rules, filtering, paging and rendering.</summary>
internal static class EventsList
{
    public const int DefaultMaxResults = 250;
    public const int MaxMaxResults = 2500;

    // The parameters Google refuses next to a syncToken (docs/protocol.md); showDeleted=false is checked separately.
    private static readonly IReadOnlyList<string> RestrictedWithSyncToken = SyncDialects.GoogleCalendar.FullPassOnlyParameters;

    // System parameters that do not change what a pass lists; clients may vary them between pages (e.g. a refreshed
    // access_token) without breaking the pass.
    private static readonly HashSet<string> IgnoredForPassIdentity = new(StringComparer.Ordinal)
    {
        "pageToken", "access_token", "key", "quotaUser", "prettyPrint", "fields", "alt", "userIp", "oauth_token",
    };

    public static EventsListResult Execute(FakeCalendar calendar, FakeRequest request, int? pageSizeOverride)
    {
        var pageSize = DefaultMaxResults;
        if (request.GetQueryValue("maxResults") is { } maxResultsText)
        {
            if (!int.TryParse(maxResultsText, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var maxResults) || maxResults < 1)
            {
                return Invalid($"Invalid value '{maxResultsText}'. Values must be within the range: [1, {MaxMaxResults}]", "maxResults");
            }

            // Google silently clamps larger values rather than refusing them.
            pageSize = Math.Min(maxResults, MaxMaxResults);
        }

        FieldMask? fields = null;
        if (request.GetQueryValue("fields") is { } fieldsText && !FieldMask.TryParse(fieldsText, out fields, out var fieldsError))
        {
            return Invalid(fieldsError!, "fields");
        }

        if (!TryParseBool(request, "showDeleted", out var showDeleted, out var error)
            || !TryParseBool(request, "singleEvents", out var singleEvents, out error))
        {
            return error;
        }

        var syncToken = request.SyncToken;
        if (syncToken is not null)
        {
            foreach (var name in RestrictedWithSyncToken)
            {
                if (request.HasQueryParameter(name))
                {
                    return Restricted();
                }
            }

            if (showDeleted == false)
            {
                return Restricted();
            }
        }

        if (!TryParseTime(request, "timeMin", out var timeMin, out error)
            || !TryParseTime(request, "timeMax", out var timeMax, out error)
            || !TryParseTime(request, "updatedMin", out var updatedMin, out error))
        {
            return error;
        }

        if (timeMin is not null && timeMax is not null && timeMax <= timeMin)
        {
            return Error(400, "global", "timeRangeEmpty", "The specified time range is empty.", "parameter", "timeMax");
        }

        var orderBy = request.GetQueryValue("orderBy");
        switch (orderBy)
        {
            case null or "updated":
                break;
            case "startTime" when singleEvents != true:
                return Error(400, "global", "badRequest", "The requested ordering is not available for the particular query.");
            case "startTime":
                break;
            default:
                return Invalid($"Invalid value '{orderBy}'. Values must be one of: startTime, updated", "orderBy");
        }

        var (position, epoch) = calendar.State;
        long since = -1;
        if (syncToken is not null)
        {
            // A page token is a client bug, not an expiry: answered 400 (as WireMock's unscripted request and the real
            // APIs do), or a client sending it as the sync token would recover with a full sync and pass here only.
            if (FakeTokens.IsPageTokenAsSyncToken(syncToken))
            {
                return Invalid(FakeTokens.PageTokenAsSyncTokenMessage("syncToken", "pageToken"), "syncToken");
            }

            // Unreadable tokens, tokens of another calendar, of an older epoch or from the future all get Google's 410:
            // Google answers garbage tokens so, and a client must treat every one of them as "run a full sync".
            var token = FakeTokens.DecodeSyncToken(syncToken);
            if (token is null || token.Value.CalendarId != calendar.Id || token.Value.Epoch != epoch || token.Value.Position > position)
            {
                return new EventsListResult(null, null, 410, GoogleErrors.FullSyncRequired());
            }

            since = token.Value.Position;
        }

        var queryHash = PassIdentity(calendar.Id, request);
        var snapshot = position;
        var offset = 0;
        var pageNumber = 1;
        if (request.PageToken is { } pageTokenText)
        {
            var pageToken = FakeTokens.DecodePageToken(pageTokenText);
            if (pageToken is null || pageToken.Value.Snapshot > position || pageToken.Value.Offset < 0 || pageToken.Value.PageNumber < 1)
            {
                return Invalid("Invalid page token value.", "pageToken");
            }

            if (pageToken.Value.QueryHash != queryHash || pageToken.Value.Since != since)
            {
                return Invalid("The page token does not match the request: every page of a pass must repeat the same query.", "pageToken");
            }

            snapshot = pageToken.Value.Snapshot;
            offset = pageToken.Value.Offset;
            pageNumber = pageToken.Value.PageNumber;
        }

        var filter = new Filter(since >= 0, showDeleted, singleEvents, timeMin, timeMax, updatedMin, request.GetQueryValue("q"),
            request.GetQueryValue("iCalUID"), request.HasQueryParameter("privateExtendedProperty") || request.HasQueryParameter("sharedExtendedProperty"), orderBy);
        var listing = calendar.GetListing(snapshot, since, queryHash.ToString("x16", CultureInfo.InvariantCulture), filter.Apply);

        var window = PageWindow.Of(listing.Length, offset, pageSizeOverride ?? pageSize);
        var page = new ServedPage<FakeEventVersion>(
            new ArraySegment<FakeEventVersion>(listing, window.Offset, window.Count),
            snapshot,
            since,
            FakeTokens.EncodePageToken(new PageTokenData(snapshot, since, 0, 1, queryHash)));

        // Only the last page of a pass carries nextSyncToken; every other page carries nextPageToken only.
        if (!window.IsLast)
        {
            page.NextPageToken = FakeTokens.EncodePageToken(new PageTokenData(snapshot, since, window.NextOffset, pageNumber + 1, queryHash));
        }
        else
        {
            page.NextSyncToken = FakeTokens.EncodeSyncToken(calendar.Id, snapshot, epoch);
        }

        return new EventsListResult(page, fields, 200, null);
    }

    /// <summary>Renders a page of a calendar as Google does (member names, order and formats), trimmed to the request's mask.</summary>
    public static byte[] Render(FakeCalendar calendar, ServedPage<FakeEventVersion> page, FieldMask? fields)
    {
        using var stream = new MemoryStream(Math.Max(1024, page.Entries.Count * 400));
        using (var writer = new Utf8JsonWriter(stream, GoogleErrors.WriterOptions))
        {
            WritePage(writer, calendar.Id, page.Snapshot, calendar.UpdatedAt(page.Snapshot), page.NextPageToken, page.NextSyncToken, (calendar.Id, page),
                static (writer, state) =>
                {
                    foreach (var version in state.page.Entries)
                    {
                        WriteItem(writer, state.Id, version);
                        if (state.page.DuplicateEntries)
                        {
                            WriteItem(writer, state.Id, version);
                        }
                    }
                });
        }

        // The mask is applied to the rendered page, as Google trims its full response.
        return fields is null ? stream.ToArray() : fields.Apply(stream.ToArray());
    }

    /// <summary>
    /// Writes an events.list page as Google does (members, order, formats) through the one page writer
    /// (<see cref="DialectRenderer.WritePage"/>, at the Calendar dialect's paths); <paramref name="writeItems"/> writes the
    /// elements of <c>items</c>. Shared with the scenario model, so WireMock replays the same page shape.
    /// </summary>
    public static void WritePage<TState>(Utf8JsonWriter writer, string calendarId, long snapshot, DateTimeOffset updated, string? nextPageToken,
        string? nextSyncToken, TState state, Action<Utf8JsonWriter, TState> writeItems)
    {
        DialectRenderer.WritePage(writer, FakeDialects.GoogleCalendar, nextPageToken, nextSyncToken, listing: false, (calendarId, snapshot, updated, state, writeItems),
            static (writer, page) =>
            {
                // The calendar's own members, which no dialect path describes, come first as Google writes them.
                writer.WriteString("kind", "calendar#events");
                writer.WriteString("etag", "\"p" + page.snapshot.ToString(CultureInfo.InvariantCulture) + "\"");
                writer.WriteString("summary", page.calendarId);
                writer.WriteString("description", string.Empty);
                writer.WriteString("updated", FormatUpdated(page.updated));
                writer.WriteString("timeZone", "UTC");
                writer.WriteString("accessRole", "owner");
                writer.WriteStartArray("defaultReminders");
                writer.WriteEndArray();
            },
            static (writer, page) => page.writeItems(writer, page.state));
    }

    /// <summary>RFC 3339 with milliseconds and Z, as Google writes <c>updated</c>.</summary>
    public static string FormatUpdated(DateTimeOffset value) =>
        value.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture);

    /// <summary>RFC 3339 without fractions, Z for UTC, as Google writes <c>start.dateTime</c>.</summary>
    public static string FormatDateTime(DateTimeOffset value) => value.Offset == TimeSpan.Zero
        ? value.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture)
        : value.ToString("yyyy-MM-dd'T'HH:mm:sszzz", CultureInfo.InvariantCulture);

    private static void WriteItem(Utf8JsonWriter writer, string calendarId, FakeEventVersion version)
    {
        var e = version.Event;
        writer.WriteStartObject();
        writer.WriteString("kind", "calendar#event");
        writer.WriteString("etag", version.ETag);
        writer.WriteString("id", e.Id);
        writer.WriteString("status", e.IsCancelled ? "cancelled" : "confirmed");
        if (e.IsCancelled)
        {
            // Google sends a deleted event as a bare tombstone: nothing a client could mistake for content.
            WriteExceptionFields(writer, e);
            writer.WriteEndObject();
            return;
        }

        writer.WriteString("created", FormatUpdated(version.Created));
        writer.WriteString("updated", FormatUpdated(version.Updated));
        writer.WriteString("summary", e.Summary);
        if (e.Description is not null)
        {
            writer.WriteString("description", e.Description);
        }

        writer.WriteStartObject("creator");
        writer.WriteString("email", calendarId);
        writer.WriteBoolean("self", true);
        writer.WriteEndObject();
        WriteTime(writer, "start", e.Start);
        WriteTime(writer, "end", e.EffectiveEnd);
        if (e.Recurrence is { Count: > 0 })
        {
            writer.WriteStartArray("recurrence");
            foreach (var line in e.Recurrence)
            {
                writer.WriteStringValue(line);
            }

            writer.WriteEndArray();
        }

        WriteExceptionFields(writer, e);
        writer.WriteString("iCalUID", (e.RecurringEventId ?? e.Id) + "@google.com");
        writer.WriteNumber("sequence", 0);
        writer.WriteString("eventType", "default");
        writer.WriteEndObject();
    }

    private static void WriteExceptionFields(Utf8JsonWriter writer, FakeEvent e)
    {
        if (e.RecurringEventId is not null)
        {
            writer.WriteString("recurringEventId", e.RecurringEventId);
        }

        if (e.OriginalStartTime is { } originalStart)
        {
            WriteTime(writer, "originalStartTime", originalStart);
        }
    }

    private static void WriteTime(Utf8JsonWriter writer, string name, DateTimeOffset value)
    {
        writer.WriteStartObject(name);
        writer.WriteString("dateTime", FormatDateTime(value));
        writer.WriteString("timeZone", "UTC");
        writer.WriteEndObject();
    }

    /// <summary>
    /// The identity of a pass: the calendar and every parameter but the page token (and system parameters), order-insensitive.
    /// A page token carries it, so a client that changes its query between pages is caught.
    /// </summary>
    private static ulong PassIdentity(string calendarId, FakeRequest request)
    {
        var pairs = request.Query
            .Where(pair => !IgnoredForPassIdentity.Contains(pair.Key))
            .Select(pair => pair.Key + "=" + pair.Value)
            .OrderBy(text => text, StringComparer.Ordinal);
        var builder = new StringBuilder(calendarId);
        foreach (var pair in pairs)
        {
            builder.Append('\n').Append(pair);
        }

        return FakeTokens.Hash(builder.ToString());
    }

    private static bool TryParseBool(FakeRequest request, string name, out bool? value, out EventsListResult error)
    {
        value = null;
        error = default;
        var text = request.GetQueryValue(name);
        if (text is null)
        {
            return true;
        }

        if (bool.TryParse(text, out var parsed))
        {
            value = parsed;
            return true;
        }

        error = Invalid($"Invalid boolean value: '{text}'.", name);
        return false;
    }

    private static bool TryParseTime(FakeRequest request, string name, out DateTimeOffset? value, out EventsListResult error)
    {
        value = null;
        error = default;
        var text = request.GetQueryValue(name);
        if (text is null)
        {
            return true;
        }

        // Google requires RFC 3339 with an explicit offset; a bare local time is refused.
        var hasOffset = text.EndsWith('Z') || text.EndsWith('z') || (text.Length > 6 && text[^6] is '+' or '-' && text[^3] == ':');
        if (hasOffset && DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.None, out var parsed) && text.Contains('T', StringComparison.OrdinalIgnoreCase))
        {
            value = parsed;
            return true;
        }

        error = Error(400, "global", "badRequest", "Bad Request", "parameter", name);
        return false;
    }

    private static EventsListResult Restricted() =>
        Error(400, "global", "syncTokenWithRequestRestrictions", GoogleErrors.RestrictionsMessage);

    private static EventsListResult Invalid(string message, string parameter) =>
        Error(400, "global", "invalid", message, "parameter", parameter);

    private static EventsListResult Error(int status, string domain, string reason, string message, string? locationType = null, string? location = null) =>
        new(null, null, status, GoogleErrors.Body(status, domain, reason, message, locationType, location));

    /// <summary>What a pass lists of its candidates, and in which order.</summary>
    private sealed record Filter(
        bool Incremental,
        bool? ShowDeleted,
        bool? SingleEvents,
        DateTimeOffset? TimeMin,
        DateTimeOffset? TimeMax,
        DateTimeOffset? UpdatedMin,
        string? Text,
        string? ICalUid,
        bool ExtendedProperty,
        string? OrderBy)
    {
        public FakeEventVersion[] Apply(List<FakeEventVersion> candidates)
        {
            if (Incremental)
            {
                // An incremental pass reports every change, deletions included, in change order.
                return candidates.ToArray();
            }

            var kept = new List<FakeEventVersion>(candidates.Count);
            foreach (var version in candidates)
            {
                if (Keep(version))
                {
                    kept.Add(version);
                }
            }

            Comparison<FakeEventVersion> order = OrderBy switch
            {
                "updated" => static (a, b) => a.Position.CompareTo(b.Position),
                "startTime" => static (a, b) =>
                {
                    var byStart = a.Event.Start.CompareTo(b.Event.Start);
                    return byStart != 0 ? byStart : string.CompareOrdinal(a.Event.Id, b.Event.Id);
                },
                _ => static (a, b) => string.CompareOrdinal(a.Event.Id, b.Event.Id),
            };
            kept.Sort(order);
            return kept.ToArray();
        }

        private bool Keep(FakeEventVersion version)
        {
            var e = version.Event;
            if (e.IsCancelled)
            {
                // Google's documented rule: cancelled events only with showDeleted (or updatedMin), except cancelled
                // occurrences of recurring events, which appear when showDeleted and singleEvents are both false.
                var cancelledException = e.RecurringEventId is not null && ShowDeleted != true && SingleEvents != true;
                if (ShowDeleted != true && UpdatedMin is null && !cancelledException)
                {
                    return false;
                }
            }

            if (ExtendedProperty)
            {
                // Fake events carry no extended properties, so such a filter matches nothing.
                return false;
            }

            // Google's time window: events overlapping [timeMin, timeMax), i.e. ending after timeMin and starting before timeMax.
            if (TimeMin is { } min && e.EffectiveEnd <= min)
            {
                return false;
            }

            if (TimeMax is { } max && e.Start >= max)
            {
                return false;
            }

            if (UpdatedMin is { } updatedMin && version.Updated < updatedMin)
            {
                return false;
            }

            if (ICalUid is not null && !string.Equals((e.RecurringEventId ?? e.Id) + "@google.com", ICalUid, StringComparison.Ordinal))
            {
                return false;
            }

            return Text is null
                || e.Summary.Contains(Text, StringComparison.OrdinalIgnoreCase)
                || (e.Description?.Contains(Text, StringComparison.OrdinalIgnoreCase) ?? false);
        }
    }
}
