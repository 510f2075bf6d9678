using System;
using System.Net.Http;
using System.Threading;
using System.Threading.Tasks;
using SyncGen;

namespace GraphSync.GraphApi;

/// <summary>
/// Turns a 3xx answer into an error that names the redirect. The client follows no redirect (the sample follows only
/// a page's links, on the root's origin), and the SDK reads a 3xx as an answer without a page, which the sync loop would
/// report as a page with neither link: a redirect to another origin becomes a <see cref="SyncRedirectRefusedException"/>
/// naming that origin, one on the root's origin a <see cref="SyncHttpException"/> with its status and target path.
/// </summary>
public sealed class RedirectAnswerHandler : DelegatingHandler
{
    private readonly string _rootOrigin;

    /// <summary>Creates the handler.</summary>
    /// <param name="graphRoot">The Graph root; its origin (scheme, host, port) is the only one links may point at.</param>
    public RedirectAnswerHandler(Uri graphRoot)
    {
        ArgumentNullException.ThrowIfNull(graphRoot);
        _rootOrigin = Origin(graphRoot);
    }

    /// <inheritdoc />
    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        var response = await base.SendAsync(request, cancellationToken).ConfigureAwait(false);
        var status = (int)response.StatusCode;
        if (status is < 300 or > 399 or 304)
        {
            return response;
        }

        using (response)
        {
            var location = response.Headers.Location;
            var target = location is null ? null : location.IsAbsoluteUri ? location : new Uri(request.RequestUri!, location);
            if (target is not null && !string.Equals(Origin(target), _rootOrigin, StringComparison.OrdinalIgnoreCase))
            {
                throw new SyncRedirectRefusedException("Microsoft Graph", Origin(target), _rootOrigin, followedByClient: false);
            }

            // Only the path: the query of a Graph link carries the delta or skip token.
            var where = target is null ? "without a Location" : "to " + target.GetLeftPart(UriPartial.Path);
            throw new SyncHttpException(status, reason: null, retryAfter: null,
                $"HTTP {status} {response.ReasonPhrase}: the server redirected {where}; GraphSync follows only a page's own links, so the redirect is not followed");
        }
    }

    private static string Origin(Uri uri) => uri.GetComponents(UriComponents.SchemeAndServer, UriFormat.UriEscaped);
}
