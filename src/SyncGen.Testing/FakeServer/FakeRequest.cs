using System;
using System.Collections.Generic;

namespace SyncGen.Testing.FakeServer;

/// <summary>
/// A request an embedded server received, as fault predicates and the journal see it, in any dialect: its feed, its
/// sync and page tokens (wherever the dialect carries them) and its page number.
/// </summary>
public class FakeRequest
{
    internal FakeRequest(long sequence, string method, string path, string? feedId, IReadOnlyList<KeyValuePair<string, string>> query)
    {
        Sequence = sequence;
        Method = method;
        Path = path;
        FeedId = feedId;
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
    internal FakeRequest(long sequence, string method, string path, string? feedId, IReadOnlyList<KeyValuePair<string, string>> query,
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
    internal FakeRequest(bool incremental, int pageNumber)
        : this(0, "GET", string.Empty, "primary", Array.Empty<KeyValuePair<string, string>>())
    {
        _incremental = incremental;
        PageNumber = pageNumber;
    }

    internal FakeRequest(FakeRequest other)
        : this(other.Sequence, other.Method, other.Path, other.FeedId, other.Query)
    {
        SyncToken = other.SyncToken;
        PageToken = other.PageToken;
        PageNumber = other.PageNumber;
        _incremental = other._incremental;
        JournalQuery = other.JournalQuery;
        BodyTokens = other.BodyTokens;
    }

    private readonly bool? _incremental;

    /// <summary>
    /// The query in dialect-neutral terms for the kit's journal checks: the sync token as <c>syncToken</c> (Graph: the
    /// whole deltaLink requested), the page token as <c>pageToken</c> (Graph: the whole nextLink); null for Calendar,
    /// whose query already is.
    /// </summary>
    internal IReadOnlyList<KeyValuePair<string, string>>? JournalQuery { get; }

    /// <summary>The token members of a body-style request's body (<c>cursor=...</c>), for the journal; null without any.</summary>
    internal string? BodyTokens { get; init; }

    /// <summary>Whether the dialect server answered this request with its expired-token answer.</summary>
    internal bool ServedExpiry { get; init; }

    /// <summary>The 1-based order in which the server received the request.</summary>
    public long Sequence { get; }

    /// <summary>The HTTP method.</summary>
    public string Method { get; }

    /// <summary>The request path, e.g. <c>/calendar/v3/calendars/primary/events</c>.</summary>
    public string Path { get; }

    /// <summary>
    /// Which feed the request reads: the calendar id of an events.list request on <see cref="FakeCalendarServer"/>,
    /// <c>feed</c> for a request of the dialect a <see cref="FakeSyncServer"/> serves; null for a path the server does not serve.
    /// </summary>
    public string? FeedId { get; }

    /// <summary>The calendar id of an events.list request: <see cref="FeedId"/>, under the name Calendar tests know.</summary>
    public string? CalendarId => FeedId;

    /// <summary>The query parameters, decoded, in the order the client sent them (repeated names included).</summary>
    public IReadOnlyList<KeyValuePair<string, string>> Query { get; }

    /// <summary>The sync token the request carries (Calendar's <c>syncToken</c>, People's <c>syncToken</c>, Drive's stored <c>pageToken</c>, Graph's <c>$deltatoken</c>), if any.</summary>
    public string? SyncToken { get; }

    /// <summary>The page token the request carries (<c>pageToken</c>, Graph's <c>$skiptoken</c>), if any.</summary>
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

/// <summary>
/// A request of <see cref="FakeCalendarServer"/>: a <see cref="FakeRequest"/> whose feed is a calendar. The Calendar
/// server's requests keep this type so that code written against it still compiles.
/// </summary>
public sealed class FakeCalendarRequest : FakeRequest
{
    internal FakeCalendarRequest(long sequence, string method, string path, string? calendarId, IReadOnlyList<KeyValuePair<string, string>> query)
        : base(sequence, method, path, calendarId, query)
    {
    }
}

/// <summary>A journal entry of an embedded server's <c>Requests</c>: the request and how it was answered.</summary>
public sealed class RecordedRequest : FakeRequest
{
    internal RecordedRequest(FakeRequest request, DateTimeOffset time, int statusCode, Fault? fault)
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
