using System;
using System.Text.Json;

namespace GraphSync.GraphApi;

/// <summary>
/// The rule for Graph's <c>@odata.nextLink</c> and <c>@odata.deltaLink</c>: they are followed exactly as the server
/// wrote them, but only on the endpoint's origin (scheme, host and port), so the client's credentials never go to
/// another server.
/// </summary>
public static class GraphLinks
{
    /// <summary>
    /// Returns <paramref name="link"/> unchanged when it is an absolute URL on <paramref name="endpoint"/>'s origin;
    /// otherwise throws a <see cref="JsonException"/>, which SyncGen reports as a malformed page: the pass fails and
    /// nothing is stored.
    /// </summary>
    /// <param name="link">The link, or <see langword="null"/> (passed through).</param>
    /// <param name="endpoint">The first request of a full pass; its origin is the only one followed.</param>
    /// <param name="what">What the link is, for the message (e.g. <c>@odata.nextLink</c>).</param>
    /// <param name="remedy">What the user can do about a link of another origin, appended to the message; or <see langword="null"/>.</param>
    public static string? OnOrigin(string? link, Uri endpoint, string what, string? remedy = null)
    {
        if (link is null)
        {
            return null;
        }

        if (!Uri.TryCreate(link, UriKind.Absolute, out var uri) || uri.Scheme is not ("http" or "https"))
        {
            throw new JsonException($"the {what} '{Abbreviate(link)}' is not an absolute http(s) URL");
        }

        if (!string.Equals(uri.GetLeftPart(UriPartial.Authority), endpoint.GetLeftPart(UriPartial.Authority), StringComparison.OrdinalIgnoreCase))
        {
            throw new JsonException(
                $"the {what} points at {uri.GetLeftPart(UriPartial.Authority)}, not the Graph root's origin {endpoint.GetLeftPart(UriPartial.Authority)}; it is not followed, so credentials never leave the API"
                + (remedy is null ? string.Empty : "; " + remedy));
        }

        return link;
    }

    // Links hold the delta token, a credential of a sort: messages show only their start.
    private static string Abbreviate(string link) => link.Length <= 40 ? link : link[..40] + "…";
}
