using System;
using System.Collections.Generic;
using System.Linq;
using Google;

namespace SyncGen.Google;

/// <summary>Reads Google.Apis' <see cref="GoogleApiException"/> for the error classifier.</summary>
/// <remarks>
/// It reads the status, every reason of the error (its parsed <c>errors[]</c> and whatever else the raw body names,
/// such as People's <c>details[].reason</c>), the message, and the <c>Retry-After</c> kept by
/// <see cref="RetryAfterRequestError"/>. A failure status decides whatever the body is; only a body that came without
/// one (a 2xx page Google.Apis could not deserialize) is an unreadable page.
/// </remarks>
public sealed class GoogleApiErrorReader : ISyncErrorReader
{
    /// <summary>The shared instance.</summary>
    public static GoogleApiErrorReader Instance { get; } = new();

    /// <inheritdoc />
    public SyncErrorFacts? Read(Exception exception)
    {
        switch (exception)
        {
            case GoogleApiException google:
                var status = (int)google.HttpStatusCode;
                var reasons = new List<string>();
                reasons.AddRange(google.Error?.Errors?.Select(e => e.Reason).Where(r => !string.IsNullOrEmpty(r)) ?? Enumerable.Empty<string>());
                var body = SyncErrorFacts.FromResponse(status, google.Error?.ErrorResponseContent);
                reasons.AddRange(body.Reasons.Where(r => !reasons.Contains(r)));
                return new SyncErrorFacts
                {
                    StatusCode = status is 0 ? null : status,
                    Reasons = reasons,
                    Message = google.Error?.Message ?? body.Message ?? google.Message,
                    RetryAfter = (google.Error as RetryAfterRequestError)?.RetryAfter,

                    // Google.Apis wraps the JSON error of a page it could not deserialize; a transport fault while
                    // reading the body is wrapped too, and is still transient.
                    IsUnreadablePage = IsJsonError(google.InnerException),
                    IsTransportFailure = google.InnerException is System.Net.Http.HttpRequestException or System.IO.IOException or System.IO.InvalidDataException,
                };
            case Newtonsoft.Json.JsonException:
                return new SyncErrorFacts { IsUnreadablePage = true, Message = exception.Message };
            default:
                return null;
        }
    }

    private static bool IsJsonError(Exception? exception) =>
        exception is Newtonsoft.Json.JsonException or System.Text.Json.JsonException;
}
