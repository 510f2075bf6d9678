using System;
using System.Collections.Generic;
using System.Net;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.Kiota.Abstractions.Authentication;

namespace GraphSync.GraphApi;

/// <summary>
/// Hands a fixed bearer token to the Graph root's own origin and to nothing else: a link to another host, or plain
/// <c>http://</c> to a host that is not a loopback address, gets no token.
/// </summary>
public sealed class SameOriginTokenProvider : IAccessTokenProvider
{
    private readonly string _token;
    private readonly Uri _origin;

    /// <summary>Creates the provider.</summary>
    /// <exception cref="ArgumentException"><paramref name="graphRoot"/> is plain http to a host that is not a loopback address.</exception>
    public SameOriginTokenProvider(string token, Uri graphRoot)
    {
        ArgumentException.ThrowIfNullOrEmpty(token);
        ArgumentNullException.ThrowIfNull(graphRoot);
        if (!IsSafeForCredentials(graphRoot))
        {
            throw new ArgumentException($"A token is not sent over plain http to {graphRoot.Host}: use https (http is allowed only for a loopback address).", nameof(graphRoot));
        }

        _token = token;
        _origin = new Uri(graphRoot.GetLeftPart(UriPartial.Authority));
        AllowedHostsValidator = new AllowedHostsValidator(new[] { graphRoot.Host });
    }

    /// <inheritdoc />
    public AllowedHostsValidator AllowedHostsValidator { get; }

    /// <summary>Whether a bearer token may travel to <paramref name="uri"/>: https, or http to a loopback address.</summary>
    public static bool IsSafeForCredentials(Uri uri) =>
        uri.Scheme == Uri.UriSchemeHttps
        || (uri.Scheme == Uri.UriSchemeHttp && (uri.IsLoopback || (IPAddress.TryParse(uri.Host.Trim('[', ']'), out var address) && IPAddress.IsLoopback(address))));

    /// <inheritdoc />
    public Task<string> GetAuthorizationTokenAsync(Uri uri, Dictionary<string, object>? additionalAuthenticationContext = null, CancellationToken cancellationToken = default)
    {
        // Scheme, host and port must all match: the same host on another port is another server.
        var sameOrigin = uri is not null
            && Uri.Compare(uri, _origin, UriComponents.SchemeAndServer, UriFormat.Unescaped, StringComparison.OrdinalIgnoreCase) == 0;
        return Task.FromResult(sameOrigin ? _token : string.Empty);
    }
}
