using System;
using System.IO;
using System.Net.Http;
using System.Net.Sockets;

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
            case var other when IntegrationErrorReaders.Read(other) is { } facts:
                // Google.Apis' GoogleApiException and the like, read by their integration package (SyncGen.Google).
                return new(facts.StatusCode, facts.Reason, facts.RetryAfter, false, facts.IsMalformed);
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
        exception is System.Text.Json.JsonException;
}
