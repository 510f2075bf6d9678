using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Text;
using System.Text.Json;
using SyncGen.Testing.FakeServer;

namespace SyncGen.Testing.Scenarios;

/// <summary>
/// The server side of a scenario, simulated in C#: the same append-only change log, listing order and paging as
/// <see cref="FakeCalendarServer"/>, with readable deterministic tokens: sync token <c>s7</c> = log position 7 (<c>s7e1</c>
/// after one <see cref="HistoryChangeKind.ExpireTokens"/>); full-sync page token <c>p7-2-o3</c> = snapshot 7, page 2,
/// offset 3; incremental page token <c>p4to7-2-o3</c> = the changes after position 4 up to snapshot 7, page 2, offset 3.
/// Not thread-safe; one per simulation.
/// </summary>
internal sealed class ScenarioModel
{
    private static readonly DateTimeOffset ClockStart = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);

    private readonly ChangeLog<ModelVersion> _log = new(static v => v.Id);
    private readonly ScenarioEventStarts _starts = new();

    /// <summary>What "below" means for a subtree deletion: the catalog's subtree scenario keys items as paths.</summary>
    public const string SubtreeSeparator = "/";

    public int Position => _log.Count;

    public int Epoch { get; private set; }

    public string CalendarId { get; } = "primary";

    public string SyncTokenAt(int position, int epoch) =>
        "s" + position.ToString(CultureInfo.InvariantCulture) + (epoch == 0 ? string.Empty : "e" + epoch.ToString(CultureInfo.InvariantCulture));

    /// <summary>The live events (id, summary), ordered by id: what a conforming mirror holds after a successful pass.</summary>
    public IEnumerable<ModelVersion> Live => _log.Latest.Where(v => !v.Cancelled).OrderBy(v => v.Id, StringComparer.Ordinal);

    public void Apply(HistoryChange change)
    {
        switch (change.Kind)
        {
            case HistoryChangeKind.Upsert:
            case HistoryChangeKind.UpsertSeries:
                var start = _starts.StartOf(change.Id);
                Append(new ModelVersion(change.Id, change.Summary ?? change.Id, start, false, null, null, change.Kind == HistoryChangeKind.UpsertSeries));
                break;
            case HistoryChangeKind.Delete:
                if (!_log.TryGetLatest(change.Id, out var current) || current.Cancelled)
                {
                    throw new InvalidOperationException($"History change '{change}': there is no live event '{change.Id}'.");
                }

                Append(current with { Cancelled = true });
                break;
            case HistoryChangeKind.DeleteSubtree:
                if (!_log.TryGetLatest(change.Id, out var root) || root.Cancelled)
                {
                    throw new InvalidOperationException($"History change '{change}': there is no live item '{change.Id}'.");
                }

                // As the dialect server: the items below get deletions never listed, the root its one listed deletion.
                foreach (var child in _log.Latest.Where(v => !v.Cancelled && v.Id.StartsWith(change.Id + SubtreeSeparator, StringComparison.Ordinal)).OrderBy(v => v.Id, StringComparer.Ordinal).ToArray())
                {
                    Append(child with { Cancelled = true, Implied = true });
                }

                Append(root with { Cancelled = true });
                break;
            case HistoryChangeKind.CancelOccurrence:
                if (!_log.TryGetLatest(change.Id, out var series) || series.Cancelled || !series.IsSeries)
                {
                    throw new InvalidOperationException($"History change '{change}': there is no live series '{change.Id}'.");
                }

                var originalStart = series.Start.AddDays(change.OccurrenceIndex);
                Append(new ModelVersion(OccurrenceId(change.Id, originalStart), series.Summary, originalStart, true, change.Id, originalStart, false));
                break;
            case HistoryChangeKind.ExpireTokens:
                Epoch++;
                break;
        }
    }

    /// <summary>The id Google (and the fake server) gives a cancelled occurrence.</summary>
    public static string OccurrenceId(string seriesId, DateTimeOffset originalStart) =>
        seriesId + "_" + originalStart.UtcDateTime.ToString("yyyyMMdd'T'HHmmss'Z'", CultureInfo.InvariantCulture);

    /// <summary>Answers one events.list request as the fake server does without faults.</summary>
    /// <param name="syncToken">The request's sync token.</param>
    /// <param name="pageToken">The request's page token.</param>
    /// <param name="pageSize">maxResults.</param>
    /// <param name="itemCountOverride">A short page's item count.</param>
    public ModelResult List(string? syncToken, string? pageToken, int pageSize, int? itemCountOverride)
    {
        var since = -1;
        if (syncToken is not null)
        {
            if (TryParsePageToken(syncToken, out _, out _, out _, out _))
            {
                // As the embedded servers: a page token sent as the sync token is a client bug, not an expiry.
                var message = FakeTokens.PageTokenAsSyncTokenMessage("syncToken", "pageToken");
                return ModelResult.Error(400, GoogleErrors.Body(400, "global", "invalid", message, "parameter", "syncToken"), message);
            }

            if (!TryParseSyncToken(syncToken, out var position, out var epoch) || epoch != Epoch || position > Position)
            {
                return ModelResult.Error(410, GoogleErrors.FullSyncRequired());
            }

            since = position;
        }

        var snapshot = Position;
        var offset = 0;
        var pageNumber = 1;
        if (pageToken is not null)
        {
            if (!TryParsePageToken(pageToken, out var tokenSince, out snapshot, out pageNumber, out offset) || tokenSince != since)
            {
                return ModelResult.Error(400, GoogleErrors.Body(400, "global", "invalid", "Invalid page token value.", "parameter", "pageToken"), "Invalid page token value.");
            }
        }

        var listing = Listing(snapshot, since);
        var window = PageWindow.Of(listing.Count, offset, itemCountOverride ?? pageSize);
        var page = new ServedPage<ModelVersion>(listing.GetRange(window.Offset, window.Count), snapshot, since, PageToken(since, snapshot, 1, 0));
        if (!window.IsLast)
        {
            page.NextPageToken = PageToken(since, snapshot, pageNumber + 1, window.NextOffset);
        }
        else
        {
            page.NextSyncToken = SyncTokenAt(snapshot, Epoch);
        }

        return ModelResult.Ok(page);
    }

    /// <summary>The page number a page token carries (1 without a token, 0 for a foreign token), as the fake server reads it.</summary>
    public static int PageNumberOf(string? pageToken) =>
        pageToken is null ? 1 : TryParsePageToken(pageToken, out _, out _, out var page, out _) ? page : 0;

    /// <summary>Renders a page in Google's events.list shape.</summary>
    public string Render(ServedPage<ModelVersion> page)
    {
        using var stream = new MemoryStream();
        using (var writer = new Utf8JsonWriter(stream, GoogleErrors.WriterOptions))
        {
            var updated = page.Snapshot <= 0 ? ClockStart : _log.At(page.Snapshot).Updated;
            EventsList.WritePage(writer, CalendarId, page.Snapshot, updated, page.NextPageToken, page.NextSyncToken, page,
                static (writer, page) =>
                {
                    foreach (var version in page.Entries)
                    {
                        WriteItem(writer, version);
                        if (page.DuplicateEntries)
                        {
                            WriteItem(writer, version);
                        }
                    }
                });
        }

        return Encoding.UTF8.GetString(stream.ToArray());
    }

    private static void WriteItem(Utf8JsonWriter writer, ModelVersion v)
    {
        writer.WriteStartObject();
        writer.WriteString("kind", "calendar#event");
        writer.WriteString("etag", "\"" + v.Position.ToString(CultureInfo.InvariantCulture) + "\"");
        writer.WriteString("id", v.Id);
        writer.WriteString("status", v.Cancelled ? "cancelled" : "confirmed");
        if (!v.Cancelled)
        {
            writer.WriteString("updated", EventsList.FormatUpdated(v.Updated));
            writer.WriteString("summary", v.Summary);
            WriteTime(writer, "start", v.Start);
            WriteTime(writer, "end", v.Start.AddHours(1));
            if (v.IsSeries)
            {
                writer.WriteStartArray("recurrence");
                writer.WriteStringValue("RRULE:FREQ=DAILY");
                writer.WriteEndArray();
            }

            writer.WriteString("iCalUID", v.Id + "@google.com");
        }

        if (v.RecurringEventId is not null)
        {
            writer.WriteString("recurringEventId", v.RecurringEventId);
        }

        if (v.OriginalStart is { } originalStart)
        {
            WriteTime(writer, "originalStartTime", originalStart);
        }

        writer.WriteEndObject();
    }

    private static void WriteTime(Utf8JsonWriter writer, string name, DateTimeOffset value)
    {
        writer.WriteStartObject(name);
        writer.WriteString("dateTime", EventsList.FormatDateTime(value));
        writer.WriteString("timeZone", "UTC");
        writer.WriteEndObject();
    }

    private List<ModelVersion> Listing(int snapshot, int since)
    {
        var changes = _log.Changes(snapshot, since);
        changes.RemoveAll(static v => v.Implied);
        if (since >= 0)
        {
            // Incremental: every change after the token, deletions included, in change order (as the fake server does).
            return changes;
        }

        // Full: live events by id; cancelled exceptions of series are listed too (Google's rule without showDeleted).
        return changes.Where(v => !v.Cancelled || v.RecurringEventId is not null).OrderBy(v => v.Id, StringComparer.Ordinal).ToList();
    }

    private void Append(ModelVersion version)
    {
        var positioned = version with { Position = _log.Count + 1, Updated = ClockStart.AddSeconds(_log.Count) };
        _log.Append(positioned);
    }

    private static string PageToken(int since, int snapshot, int page, int offset) =>
        string.Create(CultureInfo.InvariantCulture, $"p{(since >= 0 ? since + "to" : string.Empty)}{snapshot}-{page}-o{offset}");

    private static bool TryParseSyncToken(string token, out int position, out int epoch)
    {
        position = 0;
        epoch = 0;
        if (!token.StartsWith('s'))
        {
            return false;
        }

        var parts = token[1..].Split('e');
        return int.TryParse(parts[0], NumberStyles.None, CultureInfo.InvariantCulture, out position)
            && (parts.Length == 1 || (parts.Length == 2 && int.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out epoch)));
    }

    private static bool TryParsePageToken(string token, out int since, out int snapshot, out int page, out int offset)
    {
        since = -1;
        snapshot = page = offset = 0;
        if (!token.StartsWith('p'))
        {
            return false;
        }

        var parts = token[1..].Split('-');
        if (parts.Length != 3 || !parts[2].StartsWith('o'))
        {
            return false;
        }

        var range = parts[0].Split("to");
        if (range.Length == 2 && !int.TryParse(range[0], NumberStyles.None, CultureInfo.InvariantCulture, out since))
        {
            return false;
        }

        return int.TryParse(range[^1], NumberStyles.None, CultureInfo.InvariantCulture, out snapshot)
            && int.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out page)
            && int.TryParse(parts[2][1..], NumberStyles.None, CultureInfo.InvariantCulture, out offset);
    }
}

/// <summary>
/// The start times of a scenario's events, shared by the simulation and the embedded server so both list the same times:
/// the first new event starts 2026-02-01 09:00 UTC, each later new event one hour after the previous, in order of first
/// creation (an update keeps its event's start). Not thread-safe; one per simulation or loaded scenario.
/// </summary>
internal sealed class ScenarioEventStarts
{
    private static readonly DateTimeOffset FirstStart = new(2026, 2, 1, 9, 0, 0, TimeSpan.Zero);

    private readonly Dictionary<string, DateTimeOffset> _starts = new(StringComparer.Ordinal);

    /// <summary>The start of an event, assigned on first use.</summary>
    /// <param name="id">The event id.</param>
    /// <returns>Its start.</returns>
    public DateTimeOffset StartOf(string id)
    {
        if (!_starts.TryGetValue(id, out var start))
        {
            start = FirstStart.AddHours(_starts.Count);
            _starts[id] = start;
        }

        return start;
    }

    /// <summary>Forgets every assigned start (a new scenario).</summary>
    public void Clear() => _starts.Clear();
}

/// <summary>One version of an event in the simulated log.</summary>
internal sealed record ModelVersion(string Id, string Summary, DateTimeOffset Start, bool Cancelled, string? RecurringEventId, DateTimeOffset? OriginalStart, bool IsSeries)
{
    public int Position { get; init; }

    public DateTimeOffset Updated { get; init; }

    /// <summary>Whether the deletion is implied by a subtree deletion (never listed).</summary>
    public bool Implied { get; init; }
}

/// <summary>A simulated answer: a page or an error (Google's body, and its message for other dialects' bodies).</summary>
internal sealed record ModelResult(ServedPage<ModelVersion>? Page, int StatusCode, byte[]? ErrorBody, string? Message = null)
{
    public static ModelResult Ok(ServedPage<ModelVersion> page) => new(page, 200, null);

    public static ModelResult Error(int status, byte[] body, string? message = null) => new(null, status, body, message ?? GoogleErrors.FullSyncRequiredMessage);
}
