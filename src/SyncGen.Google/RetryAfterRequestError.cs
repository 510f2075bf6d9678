using System;
using System.Collections.Generic;
using System.Net.Http;
using System.Threading.Tasks;
using Google;
using Google.Apis.Requests;

namespace SyncGen.Google;

/// <summary>A Google.Apis <see cref="RequestError"/> that also carries the response's <c>Retry-After</c>.</summary>
/// <remarks>
/// <c>GoogleApiException</c> otherwise drops the header. Return it from your service's
/// <c>BaseClientService.DeserializeError</c> override so SyncGen's backoff honours the server's delay:
/// <code>
/// public override Task&lt;RequestError&gt; DeserializeError(HttpResponseMessage response) =>
///     RetryAfterRequestError.ReadAsync(response, base.DeserializeError);
/// </code>
/// </remarks>
public sealed class RetryAfterRequestError : RequestError
{
    /// <summary>The server's <c>Retry-After</c>, as a delay.</summary>
    public TimeSpan? RetryAfter { get; init; }

    /// <summary>Reads the error of <paramref name="response"/> with <paramref name="deserialize"/> and adds its <c>Retry-After</c>.</summary>
    /// <remarks>
    /// A body that is not Google's JSON (a proxy's HTML 502, a plain-text 503, an empty 429), which the base method
    /// refuses with an exception that loses the header, becomes an error with the status, the start of the body as its
    /// message and the header kept: the status decides what it means.
    /// </remarks>
    /// <param name="response">The unsuccessful response; its content is buffered (Google.Apis reads it as a string).</param>
    /// <param name="deserialize">The base <c>DeserializeError</c>.</param>
    public static async Task<RequestError> ReadAsync(HttpResponseMessage response, Func<HttpResponseMessage, Task<RequestError>> deserialize)
    {
        if (response is null)
        {
            throw new ArgumentNullException(nameof(response));
        }

        if (deserialize is null)
        {
            throw new ArgumentNullException(nameof(deserialize));
        }

        try
        {
            return Wrap(await deserialize(response).ConfigureAwait(false), response);
        }
        catch (GoogleApiException)
        {
            var body = await response.Content.ReadAsStringAsync().ConfigureAwait(false);
            return new RetryAfterRequestError
            {
                Code = (int)response.StatusCode,
                Message = SyncErrorFacts.FromResponse((int)response.StatusCode, body).Message ?? $"HTTP {(int)response.StatusCode} {response.ReasonPhrase} with an empty body",
                ErrorResponseContent = body,
                RetryAfter = ReadRetryAfter(response),
            };
        }
    }

    /// <summary>Copies <paramref name="error"/> and adds the <c>Retry-After</c> of <paramref name="response"/>.</summary>
    public static RequestError Wrap(RequestError error, HttpResponseMessage response)
    {
        if (error is null)
        {
            throw new ArgumentNullException(nameof(error));
        }

        if (response is null)
        {
            throw new ArgumentNullException(nameof(response));
        }

        return new RetryAfterRequestError
        {
            Code = error.Code,
            Message = error.Message,
            Errors = error.Errors,
            ErrorResponseContent = error.ErrorResponseContent,
            RetryAfter = ReadRetryAfter(response),
        };
    }

    /// <summary>The response's <c>Retry-After</c> (seconds or an HTTP date) as a delay, or <see langword="null"/>.</summary>
    /// <remarks>Read through the runtime's public reader for other client libraries, so every package parses it alike.</remarks>
    private static TimeSpan? ReadRetryAfter(HttpResponseMessage response) =>
        response.Headers.RetryAfter is { } header
            ? SyncErrorFacts.FromResponse((int)response.StatusCode, null, headers: new Dictionary<string, string> { ["Retry-After"] = header.ToString() }).RetryAfter
            : null;
}
