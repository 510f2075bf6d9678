using System;
using System.Net.Http;
using Google.Apis.Requests;
using SyncGen.Infrastructure;

namespace SyncGen.Google;

/// <summary>
/// A Google.Apis <see cref="RequestError"/> that also carries the response's <c>Retry-After</c>, which
/// <c>GoogleApiException</c> otherwise drops. Return it from your service's
/// <c>BaseClientService.DeserializeError</c> override so SyncGen's backoff honours the server's delay:
/// <code>
/// public override async Task&lt;RequestError&gt; DeserializeError(HttpResponseMessage response) =>
///     RetryAfterRequestError.Wrap(await base.DeserializeError(response), response);
/// </code>
/// </summary>
public sealed class RetryAfterRequestError : RequestError
{
    /// <summary>The server's <c>Retry-After</c>, as a delay.</summary>
    public TimeSpan? RetryAfter { get; init; }

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
            RetryAfter = SyncHttpHeaders.ReadRetryAfter(response),
        };
    }
}
