using System;
using System.Net.Http;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.Extensions.Logging;

namespace SyncGen.TestSupport.WireMock;

/// <summary>
/// An already running WireMock named by <c>WIREMOCK_URL</c> / <see cref="JavaWireMockOptions.ExternalUrl"/> (a container,
/// a shared CI service): checked, waited for and reset, never started or stopped here.
/// </summary>
internal static class WireMockExternalServer
{
    /// <summary>Connects to the server at <paramref name="externalUrl"/> and resets it; the caller owns the returned client.</summary>
    /// <exception cref="WireMockUnavailableException">The URL is not an absolute http(s) URL, or the server does not answer.</exception>
    public static async Task<(Uri BaseUri, HttpClient Http)> ConnectAsync(string externalUrl, JavaWireMockOptions options, CancellationToken cancellationToken)
    {
        if (!Uri.TryCreate(externalUrl.EndsWith('/') ? externalUrl : externalUrl + "/", UriKind.Absolute, out Uri? baseUri)
            || (baseUri.Scheme != Uri.UriSchemeHttp && baseUri.Scheme != Uri.UriSchemeHttps))
        {
            throw new WireMockUnavailableException(
                $"{JavaWireMockOptions.ExternalUrlVariable} (or JavaWireMockOptions.ExternalUrl) is '{externalUrl}', which is not an absolute http(s) URL such as http://localhost:8080/.");
        }

        var http = new HttpClient { Timeout = TimeSpan.FromSeconds(30) };
        try
        {
            var admin = new WireMockAdminClient(http, baseUri);
            await JavaWireMockServer.WaitUntilAvailableAsync(admin, null, options.StartTimeout, cancellationToken, () =>
                $"The WireMock at {baseUri} ({JavaWireMockOptions.ExternalUrlVariable} or JavaWireMockOptions.ExternalUrl) did not answer " +
                $"GET /__admin/mappings within {options.StartTimeout.TotalSeconds:0} s; start it or unset {JavaWireMockOptions.ExternalUrlVariable} to run the local jar.")
                .ConfigureAwait(false);
            await admin.ResetAsync(cancellationToken).ConfigureAwait(false);
            options.Logger?.LogInformation("Using external WireMock at {BaseUri}.", baseUri);
            return (baseUri, http);
        }
        catch
        {
            http.Dispose();
            throw;
        }
    }
}
