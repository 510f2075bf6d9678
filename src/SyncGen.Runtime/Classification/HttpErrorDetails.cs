using System;
using System.IO;
using System.Linq;
using System.Net.Http;
using System.Net.Sockets;
using Google;
using SyncGen.Google;

namespace SyncGen;

/// <summary>The status, reason and Retry-After that an exception carries, whichever library threw it.</summary>
internal readonly record struct HttpErrorDetails(int? StatusCode, string? Reason, TimeSpan? RetryAfter, bool IsTransport, bool IsMalformed)
{
    public static HttpErrorDetails From(Exception exception)
    {
        switch (exception)
        {
            case SyncHttpException http:
                return new(http.StatusCode, http.Reason, http.RetryAfter, false, false);
            case GoogleApiException google:
                var reason = google.Error?.Errors?.Select(e => e.Reason).FirstOrDefault(r => !string.IsNullOrEmpty(r));
                var retryAfter = (google.Error as RetryAfterRequestError)?.RetryAfter;
                // Google.Apis reports a body it could not parse as a GoogleApiException around the JSON error.
                var malformed = IsJsonError(google.InnerException);
                return new((int)google.HttpStatusCode is 0 ? null : (int)google.HttpStatusCode, reason, retryAfter, false, malformed);
            case HttpRequestException request when request.StatusCode is not null:
                return new((int)request.StatusCode, null, null, false, false);
            case HttpRequestException or IOException or SocketException or TimeoutException:
                return new(null, null, null, true, false);
            case OperationCanceledException:
                // HttpClient.Timeout surfaces as a cancellation the caller did not ask for (the engine filters the caller's own).
                return new(null, null, null, true, false);
            default:
                return new(null, null, null, false, IsJsonError(exception));
        }
    }

    private static bool IsJsonError(Exception? exception) =>
        exception is Newtonsoft.Json.JsonException or System.Text.Json.JsonException;
}
