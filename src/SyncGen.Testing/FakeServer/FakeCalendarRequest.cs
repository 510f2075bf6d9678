using System;
using System.Collections.Generic;

namespace SyncGen.Testing.FakeServer;

/// <summary>A request the fake server received, as fault predicates see it.</summary>
public class FakeCalendarRequest
{
    internal FakeCalendarRequest(long sequence, string method, string path, string? calendarId, IReadOnlyList<KeyValuePair<string, string>> query)
    {
        Sequence = sequence;
        Method = method;
        Path = path;
        CalendarId = calendarId;
        Query = query;
        SyncToken = GetQueryValue("syncToken");
        PageToken = GetQueryValue("pageToken");
        if (PageToken is null)
        {
            PageNumber = 1;
        }
        else
        {
            PageNumber = FakeTokens.DecodePageToken(PageToken) is { } page ? page.PageNumber : 0;
        }
    }

    /// <summary>A request of a <see cref="FakeSyncServer"/>, whose tokens the dialect located (a link, a shared parameter).</summary>
    internal FakeCalendarRequest(long sequence, string method, string path, string? feedId, IReadOnlyList<KeyValuePair<string, string>> query,
        string? syncToken, string? pageToken, bool incremental, IReadOnlyList<KeyValuePair<string, string>>? journalQuery)
        : this(sequence, method, path, feedId, query)
    {
        SyncToken = syncToken;
        PageToken = pageToken;
        PageNumber = pageToken is null ? 1 : FakeTokens.DecodePageToken(pageToken) is { } page ? page.PageNumber : 0;
        _incremental = incremental;
        JournalQuery = journalQuery;
    }

    /// <summary>A request of the scenario simulator, as fault rules see it: its pass kind and page number.</summary>
    internal FakeCalendarRequest(bool incremental, int pageNumber)
        : this(0, "GET", string.Empty, "primary", Array.Empty<KeyValuePair<string, string>>())
    {
        _incremental = incremental;
        PageNumber = pageNumber;
    }

    internal FakeCalendarRequest(FakeCalendarRequest other)
        : this(other.Sequence, other.Method, other.Path, other.CalendarId, other.Query)
    {
        SyncToken = other.SyncToken;
        PageToken = other.PageToken;
        PageNumber = other.PageNumber;
        _incremental = other._incremental;
        JournalQuery = other.JournalQuery;
    }

    private readonly bool? _incremental;

    /// <summary>
    /// The query in dialect-neutral terms for the kit's journal checks: the sync token as <c>syncToken</c> (Graph: the
    /// whole deltaLink requested), the page token as <c>pageToken</c> (Graph: the whole nextLink); null for Calendar,
    /// whose query already is.
    /// </summary>
    internal IReadOnlyList<KeyValuePair<string, string>>? JournalQuery { get; }

    /// <summary>Whether the dialect server answered this request with its expired-token answer.</summary>
    internal bool ServedExpiry { get; init; }

    /// <summary>The 1-based order in which the server received the request.</summary>
    public long Sequence { get; }

    /// <summary>The HTTP method.</summary>
    public string Method { get; }

    /// <summary>The request path, e.g. <c>/calendar/v3/calendars/primary/events</c>.</summary>
    public string Path { get; }

    /// <summary>
    /// The calendar id of an events.list request; null for any other path. On a <see cref="FakeSyncServer"/>: <c>feed</c>
    /// for a request of the dialect it serves, null for any other path.
    /// </summary>
    public string? CalendarId { get; }

    /// <summary>The query parameters, decoded, in the order the client sent them (repeated names included).</summary>
    public IReadOnlyList<KeyValuePair<string, string>> Query { get; }

    /// <summary>The <c>syncToken</c> parameter, if any.</summary>
    public string? SyncToken { get; }

    /// <summary>The <c>pageToken</c> parameter, if any.</summary>
    public string? PageToken { get; }

    /// <summary>
    /// The 1-based number of the requested page within its pass: 1 without a page token, the number the page token carries
    /// otherwise, 0 when the page token is not one this server issued.
    /// </summary>
    public int PageNumber { get; }

    /// <summary>
    /// Whether the request is part of an incremental pass: it has a <c>syncToken</c>, or (dialects whose later pages carry
    /// only a page token or a link, Drive and Graph) its page token belongs to an incremental pass.
    /// </summary>
    public bool IsIncremental => _incremental ?? SyncToken is not null;

    /// <summary>The first value of a query parameter, or null.</summary>
    /// <param name="name">The parameter name (case-sensitive, as Google treats it).</param>
    public string? GetQueryValue(string name)
    {
        foreach (var pair in Query)
        {
            if (string.Equals(pair.Key, name, StringComparison.Ordinal))
            {
                return pair.Value;
            }
        }

        return null;
    }

    /// <summary>Whether a query parameter is present (even with an empty value).</summary>
    /// <param name="name">The parameter name.</param>
    public bool HasQueryParameter(string name) => GetQueryValue(name) is not null;
}

/// <summary>A journal entry of <see cref="FakeCalendarServer.Requests"/>: the request and how it was answered.</summary>
public sealed class RecordedRequest : FakeCalendarRequest
{
    internal RecordedRequest(FakeCalendarRequest request, DateTimeOffset time, int statusCode, Fault? fault)
        : base(request)
    {
        ServedExpiry = request.ServedExpiry;
        Time = time;
        StatusCode = statusCode;
        Fault = fault;
    }

    /// <summary>When the request arrived (the server's <see cref="FakeCalendarServerOptions.TimeProvider"/>, else the system clock).</summary>
    public DateTimeOffset Time { get; }

    /// <summary>The response status code; 0 when the connection was aborted or the client gave up before an answer.</summary>
    public int StatusCode { get; }

    /// <summary>The fault that fired on this request, if any.</summary>
    public Fault? Fault { get; }

    /// <summary>Whether a fault fired on this request.</summary>
    public bool FaultFired => Fault is not null;

    /// <inheritdoc />
    public override string ToString() => $"#{Sequence} {Method} {Path} -> {StatusCode}{(Fault is null ? string.Empty : " [" + Fault.Description + "]")}";
}
