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

    /// <summary>The feed's path, e.g. <c>/v1.0/users/delta</c>.</summary>
    public static string FeedPath(FakeDialect served) => "/" + string.Join("/", new[] { served.RootPath.Trim('/'), served.FeedPath.Trim('/') }.Where(p => p.Length > 0));

    /// <summary>The full listing's start-token and listing paths, resolved against the feed as the page source resolves them; null without a listing.</summary>
    public static (string StartToken, string Listing)? ListingPaths(FakeDialect served)
    {
        if (served.Dialect.FullListing is not { } listing)
        {
            return null;
        }

        var feed = new Uri("http://feed.invalid" + FeedPath(served));
        return (new Uri(feed, listing.StartTokenRequest).AbsolutePath, new Uri(feed, listing.ListingRequest).AbsolutePath);
    }

    /// <summary>Which request a path is.</summary>
    public static DialectRequestKind KindOf(FakeDialect served, string path)
    {
        if (path == FeedPath(served))
        {
            return DialectRequestKind.Feed;
        }

        return ListingPaths(served) is { } paths
            ? path == paths.StartToken ? DialectRequestKind.StartToken : path == paths.Listing ? DialectRequestKind.Listing : DialectRequestKind.NotServed
            : DialectRequestKind.NotServed;
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
