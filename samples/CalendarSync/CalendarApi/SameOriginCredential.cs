using System;
using System.Net;
using System.Net.Http;
using System.Net.Http.Headers;
using System.Threading;
using System.Threading.Tasks;
using Google.Apis.Auth.OAuth2;
using Google.Apis.Http;

namespace CalendarSync.CalendarApi;

/// <summary>
/// Puts a Google credential's bearer token on requests to the API's own origin only. Google.Apis follows redirects
/// itself and applies the credential again to every hop, so a redirect to another host would otherwise carry the token
/// there. It also refuses to send the token over plain <c>http://</c>, except to a loopback address (a local test
/// server). Pass it as the service's <c>HttpClientInitializer</c> instead of the credential.
/// </summary>
public sealed class SameOriginCredential : IConfigurableHttpClientInitializer, IHttpExecuteInterceptor
{
    private readonly ITokenAccess _tokens;
    private readonly Uri _origin;

    /// <summary>Creates the wrapper.</summary>
    /// <param name="tokens">The credential, e.g. <c>GoogleCredential</c> (already scoped).</param>
    /// <param name="apiRoot">The API root; its scheme, host and port are the only origin that receives the token.</param>
    /// <exception cref="ArgumentException"><paramref name="apiRoot"/> is plain http to a host that is not a loopback address.</exception>
    public SameOriginCredential(ITokenAccess tokens, Uri apiRoot)
    {
        _tokens = tokens ?? throw new ArgumentNullException(nameof(tokens));
        if (apiRoot is null || !apiRoot.IsAbsoluteUri)
        {
            throw new ArgumentException("The API root must be an absolute URI.", nameof(apiRoot));
        }

        if (!IsSafeForCredentials(apiRoot))
        {
            throw new ArgumentException($"Credentials are not sent over plain http to {apiRoot.Host}: use https (http is allowed only for a loopback address).", nameof(apiRoot));
        }

        _origin = new Uri(apiRoot.GetLeftPart(UriPartial.Authority));
    }

    /// <summary>Whether a bearer token may travel to <paramref name="uri"/>: https, or http to a loopback address.</summary>
    public static bool IsSafeForCredentials(Uri uri) =>
        uri is not null && (uri.Scheme == Uri.UriSchemeHttps || (uri.Scheme == Uri.UriSchemeHttp && (uri.IsLoopback || IsLoopbackAddress(uri.Host))));

    /// <inheritdoc />
    public void Initialize(ConfigurableHttpClient httpClient)
    {
        if (httpClient is null)
        {
            throw new ArgumentNullException(nameof(httpClient));
        }

        httpClient.MessageHandler.AddExecuteInterceptor(this);
    }

    /// <inheritdoc />
    public async Task InterceptAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        if (request is null)
        {
            throw new ArgumentNullException(nameof(request));
        }

        // Every hop of a redirect passes through here: only the API's own origin gets the token.
        if (request.RequestUri is not { } uri || Uri.Compare(uri, _origin, UriComponents.SchemeAndServer, UriFormat.Unescaped, StringComparison.OrdinalIgnoreCase) != 0)
        {
            request.Headers.Authorization = null;
            return;
        }

        var token = await _tokens.GetAccessTokenForRequestAsync(uri.ToString(), cancellationToken).ConfigureAwait(false);
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
    }

    private static bool IsLoopbackAddress(string host) => IPAddress.TryParse(host.Trim('[', ']'), out var address) && IPAddress.IsLoopback(address);
}
