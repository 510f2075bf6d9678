using System;
using System.Collections.Generic;
using System.Linq;

namespace SyncGen.Testing.Dialects;

/// <summary>Which request of a dialect's protocol a request is.</summary>
internal enum DialectRequestKind
{
    /// <summary>Anything the server does not serve.</summary>
    NotServed,

    /// <summary>The change feed (and, without a full listing, every page of a full pass).</summary>
    Feed,

    /// <summary>A full listing's start token (Drive's <c>changes/startPageToken</c>).</summary>
    StartToken,

    /// <summary>A page of a full listing (Drive's <c>files</c>).</summary>
    Listing,
}

/// <summary>The tokens a request carries, read the dialect's way, and the request in the journal's one language.</summary>
/// <param name="SyncToken">The sync token sent (on the wire: the parameter, or with links the <c>$deltatoken</c>).</param>
/// <param name="PageToken">The page token sent.</param>
/// <param name="JournalQuery">The pass's own parameters plus <c>syncToken</c> and <c>pageToken</c> (with links: the whole URL).</param>
internal sealed record DialectRequest(string? SyncToken, string? PageToken, List<KeyValuePair<string, string>> JournalQuery);

/// <summary>
/// Reads requests in a dialect, for both servers that render one (<see cref="FakeServer.FakeSyncServer"/> and WireMock):
/// where the feed and the full listing live, which parameters carry the tokens, and how a request is written in the
/// journal so that the protocol checks read every dialect alike.
/// </summary>
internal static class DialectRequests
{
    /// <summary>The token parameter of a Graph deltaLink.</summary>
    public const string DeltaTokenParameter = "$deltatoken";

    /// <summary>The token parameter of a Graph nextLink.</summary>
    public const string SkipTokenParameter = "$skiptoken";

    /// <summary>The endpoint's path (what a repository is given), e.g. <c>/v1.0/users/delta</c>, <c>/gmail/v1/users/me</c>.</summary>
    public static string EndpointPath(FakeDialect served) => "/" + string.Join("/", new[] { served.RootPath.Trim('/'), served.FeedPath.Trim('/') }.Where(p => p.Length > 0));

    /// <summary>The change feed's path: the endpoint, or the dialect's <see cref="SyncDialect.ChangeFeedRequest"/> resolved against it (Gmail's <c>history</c>).</summary>
    public static string FeedPath(FakeDialect served) =>
        served.Dialect.ChangeFeedRequest is { } relative ? Resolve(served, relative) : EndpointPath(served);

    /// <summary>Where requests carrying a token go when the dialect continues elsewhere (Dropbox's <c>list_folder/continue</c>); null otherwise.</summary>
    public static string? ContinuePath(FakeDialect served) =>
        served.Dialect.ContinueRequest is { } relative ? Resolve(served, relative) : null;

    /// <summary>The full listing's start-token and listing paths, resolved against the endpoint as the page source resolves them; null without a listing.</summary>
    public static (string StartToken, string Listing)? ListingPaths(FakeDialect served)
    {
        if (served.Dialect.FullListing is not { } listing)
        {
            return null;
        }

        return (Resolve(served, listing.StartTokenRequest), Resolve(served, listing.ListingRequest));
    }

    /// <summary>
    /// The path of a request relative to the endpoint, as the page source resolves it: below the endpoint when the dialect
    /// says so (Gmail: <c>.../users/me/history</c>), else beside it as a relative URL does (Drive: <c>.../v3/files</c>).
    /// </summary>
    private static string Resolve(FakeDialect served, string relative)
    {
        var endpoint = EndpointPath(served);
        var baseUri = new Uri("http://feed.invalid" + (served.Dialect.RequestsBelowEndpoint ? endpoint.TrimEnd('/') + "/" : endpoint));
        return new Uri(baseUri, relative).AbsolutePath;
    }

    /// <summary>The HTTP method of the change feed's requests: the dialect's, else POST for a body style, else GET.</summary>
    public static string FeedMethod(FakeDialect served) =>
        served.Dialect.Method ?? (HasBody(served) ? "POST" : "GET");

    /// <summary>Whether the change feed's requests carry their tokens in a body (Dropbox's JSON, a form).</summary>
    public static bool HasBody(FakeDialect served) => served.Dialect.RequestStyle is SyncRequestStyle.JsonBody or SyncRequestStyle.FormBody;

    /// <summary>Which request a path is.</summary>
    public static DialectRequestKind KindOf(FakeDialect served, string path)
    {
        if (path == FeedPath(served) || path == ContinuePath(served))
        {
            return DialectRequestKind.Feed;
        }

        return ListingPaths(served) is { } paths
            ? path == paths.StartToken ? DialectRequestKind.StartToken : path == paths.Listing ? DialectRequestKind.Listing : DialectRequestKind.NotServed
            : DialectRequestKind.NotServed;
    }

    /// <summary>
    /// The token members of a body-style request (a JSON object's or a form's members named as the dialect's token
    /// parameters), as name and value: where such a dialect carries what others put in the query. Empty for anything else.
    /// </summary>
    public static List<KeyValuePair<string, string>> BodyTokens(FakeDialect served, string? body)
    {
        var tokens = new List<KeyValuePair<string, string>>();
        if (!HasBody(served) || string.IsNullOrEmpty(body))
        {
            return tokens;
        }

        bool IsToken(string name) => name == served.Dialect.SyncTokenParameter || name == served.Dialect.PageTokenParameter;
        if (served.Dialect.RequestStyle == SyncRequestStyle.FormBody)
        {
            foreach (var part in body.Split('&', StringSplitOptions.RemoveEmptyEntries))
            {
                var equals = part.IndexOf('=', StringComparison.Ordinal);
                var name = Uri.UnescapeDataString((equals < 0 ? part : part[..equals]).Replace('+', ' '));
                if (IsToken(name))
                {
                    tokens.Add(new(name, equals < 0 ? string.Empty : Uri.UnescapeDataString(part[(equals + 1)..].Replace('+', ' '))));
                }
            }

            return tokens;
        }

        try
        {
            if (System.Text.Json.Nodes.JsonNode.Parse(body) is System.Text.Json.Nodes.JsonObject json)
            {
                foreach (var member in json)
                {
                    if (IsToken(member.Key) && member.Value is System.Text.Json.Nodes.JsonValue value && value.TryGetValue<string>(out var text))
                    {
                        tokens.Add(new(member.Key, text));
                    }
                }
            }
        }
        catch (System.Text.Json.JsonException)
        {
            // Not JSON: no tokens, so the request reads as a first page, which the server answers as it would.
        }

        return tokens;
    }

    /// <summary>The parameters that carry tokens (dropped from the pass's own query).</summary>
    public static bool IsTokenParameter(FakeDialect served, string name) =>
        served.Dialect.RequestStyle == SyncRequestStyle.FollowLinks
            ? name is DeltaTokenParameter or SkipTokenParameter
            : name == served.Dialect.SyncTokenParameter || name == served.Dialect.PageTokenParameter;

    /// <summary>Reads a request's tokens and writes it in the journal's language.</summary>
    /// <param name="served">The dialect.</param>
    /// <param name="kind">Which request.</param>
    /// <param name="query">The decoded query, in order.</param>
    /// <param name="url">The absolute URL requested (what a client following links must have been handed).</param>
    /// <param name="isPageToken">Whether a token of a shared parameter (Drive's <c>pageToken</c>) is a page token rather than a sync token.</param>
    public static DialectRequest Read(FakeDialect served, DialectRequestKind kind, IReadOnlyList<KeyValuePair<string, string>> query, string url, Func<string, bool> isPageToken)
    {
        var dialect = served.Dialect;
        string? Value(string name) => query.FirstOrDefault(p => p.Key == name).Value;
        string? syncToken = null, pageToken = null;
        if (kind == DialectRequestKind.Listing)
        {
            pageToken = Value(dialect.PageTokenParameter);
        }
        else if (kind == DialectRequestKind.Feed && dialect.RequestStyle == SyncRequestStyle.FollowLinks)
        {
            (syncToken, pageToken) = (Value(DeltaTokenParameter), Value(SkipTokenParameter));
        }
        else if (kind == DialectRequestKind.Feed && dialect.SyncTokenParameter == dialect.PageTokenParameter)
        {
            // Drive: one parameter carries the stored token on page 1 and the page token after it.
            var token = Value(dialect.PageTokenParameter);
            if (token is not null && isPageToken(token))
            {
                pageToken = token;
            }
            else
            {
                syncToken = token;
            }
        }
        else if (kind == DialectRequestKind.Feed)
        {
            (syncToken, pageToken) = (Value(dialect.SyncTokenParameter), Value(dialect.PageTokenParameter));
        }

        // One language for every dialect: the token as syncToken, the page as pageToken. With links both are the whole
        // URL requested, which is what the client must have stored or been handed.
        var links = dialect.RequestStyle == SyncRequestStyle.FollowLinks;
        var journal = query.Where(p => !IsTokenParameter(served, p.Key)).ToList();
        if (syncToken is not null)
        {
            journal.Add(new KeyValuePair<string, string>("syncToken", links ? url : syncToken));
        }

        if (pageToken is not null)
        {
            journal.Add(new KeyValuePair<string, string>("pageToken", links ? url : pageToken));
        }

        return new DialectRequest(syncToken, pageToken, journal);
    }

    /// <summary>
    /// Writes a URL the way the dialect servers write links: names as they are except escaped reserved characters (a
    /// <c>$</c> stays), values escaped. The WireMock journal rebuilds a requested URL with it, so a client that followed a
    /// link verbatim is seen to have requested exactly that link.
    /// </summary>
    public static string Url(string origin, string path, IEnumerable<KeyValuePair<string, string>> query)
    {
        var parts = query.Select(p => Uri.EscapeDataString(p.Key).Replace("%24", "$", StringComparison.Ordinal) + "=" + Uri.EscapeDataString(p.Value)).ToArray();
        return origin + path + (parts.Length == 0 ? string.Empty : "?" + string.Join("&", parts));
    }
}
