using System;
using System.Diagnostics;
using System.Net.Http;
using System.Text.Json;
using System.Threading;
using System.Threading.Tasks;
using SyncGen;

namespace GraphSync.GraphApi;

/// <summary>
/// Keeps the meaning of answers whose body is not JSON, which the SDK would turn into an exception without a status:
/// <list type="bullet">
/// <item>a failure (a proxy's HTML 502, a plain-text 410) becomes a <see cref="SyncHttpException"/> that keeps its
/// status, so the 502 is retried and the 410 is an expiry instead of both failing as unreadable;</item>
/// <item>a success whose content type is not JSON (a captive portal's HTML 200) becomes a <see cref="JsonException"/>,
/// which SyncGen reports as a malformed page, not as "no HTTP response".</item>
/// </list>
/// JSON answers pass through untouched, for the SDK to read as pages or turn into its <c>ODataError</c>.
/// </summary>
public sealed class NonJsonAnswerHandler : DelegatingHandler
{
    /// <inheritdoc />
    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        var response = await base.SendAsync(request, cancellationToken).ConfigureAwait(false);
        if (response.IsSuccessStatusCode)
        {
            if (response.Content.Headers.ContentType?.MediaType is { } mediaType && !IsJsonMediaType(mediaType) && response.Content.Headers.ContentLength != 0)
            {
                response.Dispose();
                throw new JsonException($"the answer to {request.RequestUri?.GetLeftPart(UriPartial.Path)} is {mediaType}, not a JSON page");
            }

            return response;
        }

        // Error bodies are small; buffering lets the check read the body and the SDK read it again.
        await response.Content.LoadIntoBufferAsync(cancellationToken).ConfigureAwait(false);
        var body = await response.Content.ReadAsByteArrayAsync(cancellationToken).ConfigureAwait(false);
        if (body.Length == 0 || IsJson(body))
        {
            return response;
        }

        try
        {
            await SyncHttpException.ThrowIfUnsuccessfulAsync(response, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            response.Dispose();
        }

        throw new UnreachableException("a failure status always throws");
    }

    private static bool IsJsonMediaType(string mediaType) =>
        mediaType.Equals("application/json", StringComparison.OrdinalIgnoreCase) || mediaType.EndsWith("+json", StringComparison.OrdinalIgnoreCase);

    private static bool IsJson(byte[] body)
    {
        try
        {
            using var document = JsonDocument.Parse(body);
            return true;
        }
        catch (JsonException)
        {
            return false;
        }
    }
}
