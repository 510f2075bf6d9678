using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using SyncGen.Testing.Conformance;
using SyncGen.Testing.FakeServer;
using SyncGen.Testing.WireMock;

namespace SyncGen.Testing.Journal;

/// <summary>One events.list request of a sync call, as either server recorded it.</summary>
/// <param name="Number">The 1-based position of the request within the call.</param>
/// <param name="Path">The request path.</param>
/// <param name="Query">The decoded query parameters, in the order sent.</param>
/// <param name="StatusCode">The status served; null when no response was sent (a reset connection).</param>
/// <param name="Reason">The error reason the server meant to send, when the harness knows it.</param>
public sealed record JournalEntry(int Number, string Path, IReadOnlyList<KeyValuePair<string, string>> Query, int? StatusCode, string? Reason = null)
{
    private readonly bool? _tokenExpired;

    /// <summary>
    /// Whether the answer declared the sync token expired. Google's rule unless a server that renders another dialect
    /// says otherwise: a 410 whose reason is not <c>deleted</c>. People's 400 and Graph's 400/404 expiries are set by the
    /// dialect server.
    /// </summary>
    public bool TokenExpired
    {
        get => _tokenExpired ?? (StatusCode == 410 && Reason != "deleted");
        init => _tokenExpired = value;
    }

    /// <summary>The HTTP method of the request (<c>POST</c> for Dropbox).</summary>
    public string Method { get; init; } = "GET";

    /// <summary>
    /// The request as it went on the wire (path, query and any tokens in its body), in the dialect's own names
    /// (<c>startHistoryId</c>, <c>cursor</c>); null when <see cref="Query"/> already is (Calendar).
    /// </summary>
    public string? Wire { get; init; }

    /// <summary>The first value of a parameter, or null.</summary>
    /// <param name="name">The parameter name.</param>
    /// <returns>The value or null.</returns>
    public string? Get(string name) => Query.FirstOrDefault(p => string.Equals(p.Key, name, StringComparison.Ordinal)).Value;

    /// <summary>The <c>syncToken</c> parameter.</summary>
    public string? SyncToken => Get("syncToken");

    /// <summary>The <c>pageToken</c> parameter.</summary>
    public string? PageToken => Get("pageToken");

    /// <summary>The query without <c>pageToken</c>, sorted: what must be identical on every page of a pass.</summary>
    public string PassQuery => string.Join("&", Query.Where(p => p.Key != "pageToken").Select(p => p.Key + "=" + p.Value).OrderBy(s => s, StringComparer.Ordinal));

    /// <summary>The whole query, sorted: identical for the attempts of one request.</summary>
    public string FullQuery => string.Join("&", Query.Select(p => p.Key + "=" + p.Value).OrderBy(s => s, StringComparer.Ordinal));

    /// <summary>Creates an entry from the embedded server's journal.</summary>
    /// <param name="number">The 1-based position within the call.</param>
    /// <param name="request">The recorded request.</param>
    /// <returns>The entry.</returns>
    public static JournalEntry From(int number, RecordedRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        var entry = new JournalEntry(number, request.Path, request.JournalQuery ?? request.Query, request.StatusCode == 0 ? null : request.StatusCode, request.Fault?.Reason);
        entry = entry with { Method = request.Method };
        return request.JournalQuery is null ? entry : entry with
        {
            TokenExpired = request.ServedExpiry,
            Wire = request.Path + "?" + string.Join("&", request.Query.Select(p => p.Key + "=" + p.Value)) + (request.BodyTokens is { } body ? " body " + body : string.Empty),
        };
    }

    /// <summary>Creates an entry from WireMock's journal.</summary>
    /// <param name="number">The 1-based position within the call.</param>
    /// <param name="request">The logged request.</param>
    /// <param name="reason">
    /// The error reason of the response, which WireMock's journal does not record; <see cref="WireMockScenarioServer"/>
    /// takes it from the scenario's script. Without it a 403 counts as a permission error, not a rate limit.
    /// </param>
    /// <returns>The entry.</returns>
    public static JournalEntry From(int number, WireMockLoggedRequest request, string? reason = null)
    {
        ArgumentNullException.ThrowIfNull(request);
        // A served transport fault reached the client as a dropped connection, whatever status WireMock logs.
        var entry = request.Fault is null
            ? new JournalEntry(number, request.Path, request.QueryParameters, request.ResponseStatus, reason)
            : new JournalEntry(number, request.Path, request.QueryParameters, null);
        return entry with { Method = request.Method };
    }

    /// <inheritdoc />
    public override string ToString() =>
        $"request #{Number.ToString(CultureInfo.InvariantCulture)} {Method} {Wire ?? Path + "?" + string.Join("&", Query.Select(p => p.Key + "=" + p.Value))} -> {(StatusCode is { } s ? s.ToString(CultureInfo.InvariantCulture) : "no response")}";
}
