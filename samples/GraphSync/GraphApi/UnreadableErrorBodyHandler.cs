using System.Diagnostics;
using System.Net.Http;
using System.Text.Json;
using System.Threading;
using System.Threading.Tasks;
using SyncGen;

namespace GraphSync.GraphApi;

/// <summary>
/// Turns a failure answer whose body is not JSON (a proxy's HTML 502, a plain-text 410) into a
/// <see cref="SyncHttpException"/> that keeps its status. The SDK would otherwise try to read such a body as an OData
/// error and throw a parse error without the status, and a 502 that should be retried would fail the sync as a
/// malformed page. JSON error bodies pass through untouched, for the SDK to turn into its <c>ODataError</c>.
/// </summary>
public sealed class UnreadableErrorBodyHandler : DelegatingHandler
{
    /// <inheritdoc />
    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        var response = await base.SendAsync(request, cancellationToken).ConfigureAwait(false);
        if (response.IsSuccessStatusCode)
        {
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
