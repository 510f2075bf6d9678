using System;
using System.Collections.Generic;

namespace SyncGen.Testing.WireMock;

/// <summary>One request recorded in WireMock's request journal.</summary>
public sealed class WireMockLoggedRequest
{
    /// <summary>Creates a journal entry.</summary>
    /// <param name="id">WireMock's id of the entry.</param>
    /// <param name="method">The HTTP method.</param>
    /// <param name="url">The path and query as sent (e.g. <c>/calendar/v3/calendars/primary/events?syncToken=a</c>).</param>
    /// <param name="responseStatus">The status served, or null when none was (e.g. a fault).</param>
    /// <param name="loggedDate">When WireMock received the request.</param>
    /// <param name="wasMatched">Whether a stub mapping matched.</param>
    /// <param name="headers">The request headers (first value of each).</param>
    public WireMockLoggedRequest(
        string id,
        string method,
        string url,
        int? responseStatus,
        DateTimeOffset loggedDate,
        bool wasMatched,
        IReadOnlyDictionary<string, string> headers)
    {
        Id = id ?? throw new ArgumentNullException(nameof(id));
        Method = method ?? throw new ArgumentNullException(nameof(method));
        Url = url ?? throw new ArgumentNullException(nameof(url));
        ResponseStatus = responseStatus;
        LoggedDate = loggedDate;
        WasMatched = wasMatched;
        Headers = headers ?? throw new ArgumentNullException(nameof(headers));
        int queryStart = url.IndexOf('?', StringComparison.Ordinal);
        Path = queryStart < 0 ? url : url.Substring(0, queryStart);
        QueryParameters = ParseQuery(queryStart < 0 ? string.Empty : url.Substring(queryStart + 1));
    }

    /// <summary>WireMock's id of the entry.</summary>
    public string Id { get; }

    /// <summary>The HTTP method.</summary>
    public string Method { get; }

    /// <summary>The path and query as sent.</summary>
    public string Url { get; }

    /// <summary>The path, without the query.</summary>
    public string Path { get; }

    /// <summary>The query parameters parsed from <see cref="Url"/> (decoded), in the order sent.</summary>
    public IReadOnlyList<KeyValuePair<string, string>> QueryParameters { get; }

    /// <summary>The status served, or null when none was (e.g. a fault was served).</summary>
    public int? ResponseStatus { get; }

    /// <summary>When WireMock received the request (millisecond precision).</summary>
    public DateTimeOffset LoggedDate { get; }

    /// <summary>Whether a stub mapping matched the request.</summary>
    public bool WasMatched { get; }

    /// <summary>The request headers (first value of each; names as sent).</summary>
    public IReadOnlyDictionary<string, string> Headers { get; }

    /// <summary>The request body as text, when the backend logs it (WireMock.Net does); null otherwise.</summary>
    public string? Body { get; init; }

    /// <summary>
    /// The transport fault the matched mapping served instead of a response (e.g. <c>CONNECTION_RESET_BY_PEER</c>), or null.
    /// WireMock still logs a status for such requests, but the client never received it.
    /// </summary>
    public string? Fault { get; init; }

    /// <summary>The first value of query parameter <paramref name="name"/>, or null when it was not sent.</summary>
    /// <param name="name">The parameter name (case-sensitive).</param>
    /// <returns>The decoded value or null.</returns>
    public string? GetQueryValue(string name)
    {
        foreach (KeyValuePair<string, string> pair in QueryParameters)
        {
            if (string.Equals(pair.Key, name, StringComparison.Ordinal))
            {
                return pair.Value;
            }
        }

        return null;
    }

    /// <inheritdoc />
    public override string ToString() => $"{Method} {Url} -> {(ResponseStatus is int s ? s.ToString(System.Globalization.CultureInfo.InvariantCulture) : "no response")}";

    private static List<KeyValuePair<string, string>> ParseQuery(string query)
    {
        var result = new List<KeyValuePair<string, string>>();
        foreach (string part in query.Split('&', StringSplitOptions.RemoveEmptyEntries))
        {
            int equals = part.IndexOf('=', StringComparison.Ordinal);
            string key = equals < 0 ? part : part.Substring(0, equals);
            string value = equals < 0 ? string.Empty : part.Substring(equals + 1);
            result.Add(new KeyValuePair<string, string>(Decode(key), Decode(value)));
        }

        return result;
    }

    private static string Decode(string value) => Uri.UnescapeDataString(value.Replace('+', ' '));
}

/// <summary>The state of one WireMock scenario.</summary>
internal sealed class WireMockScenario
{
    /// <summary>The state every scenario starts in, and returns to on reset: <c>Started</c>.</summary>
    public const string StartedState = "Started";

    /// <summary>Creates a scenario state.</summary>
    /// <param name="name">The scenario name.</param>
    /// <param name="state">The current state.</param>
    /// <param name="possibleStates">Every state the scenario's mappings name.</param>
    public WireMockScenario(string name, string state, IReadOnlyList<string> possibleStates)
    {
        Name = name ?? throw new ArgumentNullException(nameof(name));
        State = state ?? throw new ArgumentNullException(nameof(state));
        PossibleStates = possibleStates ?? throw new ArgumentNullException(nameof(possibleStates));
    }

    /// <summary>The scenario name.</summary>
    public string Name { get; }

    /// <summary>The current state.</summary>
    public string State { get; }

    /// <summary>Every state the scenario's mappings name.</summary>
    public IReadOnlyList<string> PossibleStates { get; }

    /// <inheritdoc />
    public override string ToString() => $"{Name}: {State}";
}
