using System;
using System.IO;
using System.Net.Http;
using System.Net.Sockets;

namespace SyncGen;

/// <summary>
/// Reads the exceptions of plain <see cref="HttpClient"/> code: <see cref="SyncHttpException"/>,
/// <see cref="HttpRequestException"/> (with or without a status), transport failures, timeouts and
/// System.Text.Json errors.
/// </summary>
internal sealed class HttpErrorReader : ISyncErrorReader
{
    public static HttpErrorReader Instance { get; } = new();

    public SyncErrorFacts? Read(Exception exception) => exception switch
    {
        SyncHttpException http => new SyncErrorFacts
        {
            StatusCode = http.StatusCode,
            Reasons = http.Reasons,
            Message = http.ErrorMessage,
            Body = http.Body,
            Headers = http.Headers,
            RetryAfter = http.RetryAfter,
        },
        HttpRequestException { StatusCode: { } status } => new SyncErrorFacts { StatusCode = (int)status, Message = exception.Message },

        // A body that broke off, or a compressed body that does not decompress, is a transport fault: the same request
        // may well succeed again. InvalidDataException is what a corrupt gzip or deflate stream throws.
        HttpRequestException or IOException or SocketException or InvalidDataException => new SyncErrorFacts { IsTransportFailure = true, Message = exception.Message },
        TimeoutException => new SyncErrorFacts { IsTimeout = true, Message = exception.Message },

        // HttpClient.Timeout surfaces as a cancellation the caller did not ask for (the engine filters the caller's own).
        OperationCanceledException => new SyncErrorFacts { IsTimeout = true, Message = exception.Message },
        System.Text.Json.JsonException => new SyncErrorFacts { IsUnreadablePage = true, Message = exception.Message },
        _ => null,
    };
}
