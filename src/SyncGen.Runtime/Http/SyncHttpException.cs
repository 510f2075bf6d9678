using System;
using System.Globalization;
using System.Linq;
using System.Net.Http;
using System.Text.Json;
using System.Threading;
using System.Threading.Tasks;

namespace SyncGen;

/// <summary>
/// An unsuccessful HTTP response from a page source written as a plain fetch method. Throw it (or call
/// <see cref="ThrowIfUnsuccessfulAsync"/>) so the sync loop can retry, recover from expiry, or fail with the status.
/// </summary>
public sealed class SyncHttpException : Exception
{
    /// <summary>Creates the exception.</summary>
    public SyncHttpException(int statusCode, string? reason, TimeSpan? retryAfter, string message)
        : base(message)
    {
        StatusCode = statusCode;
        Reason = reason;
        RetryAfter = retryAfter;
    }

    /// <summary>The HTTP status code.</summary>
    public int StatusCode { get; }

    /// <summary>The API's error reason, read from a Google-style (<c>error.errors[0].reason</c>, <c>error.status</c>) or Graph-style (<c>error.code</c>) body.</summary>
    public string? Reason { get; }

    /// <summary>The server's <c>Retry-After</c>, as a delay.</summary>
    public TimeSpan? RetryAfter { get; }

    /// <summary>Throws a <see cref="SyncHttpException"/> when <paramref name="response"/> is not successful.</summary>
    public static async Task ThrowIfUnsuccessfulAsync(HttpResponseMessage response, CancellationToken cancellationToken = default)
    {
        if (response is null)
        {
            throw new ArgumentNullException(nameof(response));
        }

        if (response.IsSuccessStatusCode)
        {
            return;
        }

        var body = await response.Content.ReadAsStringAsync(cancellationToken).ConfigureAwait(false);
        var (reason, message) = ReadErrorBody(body);
        var status = (int)response.StatusCode;
        throw new SyncHttpException(
            status,
            reason,
            RetryAfterHeader.Read(response),
            $"HTTP {status} {response.ReasonPhrase}{(reason is null ? "" : $" ({reason})")}: {message ?? "no error message"}");
    }

    private static (string? Reason, string? Message) ReadErrorBody(string body)
    {
        try
        {
            using var document = JsonDocument.Parse(body);
            if (!document.RootElement.TryGetProperty("error", out var error) || error.ValueKind != JsonValueKind.Object)
            {
                return (null, null);
            }

            string? message = error.TryGetProperty("message", out var m) && m.ValueKind == JsonValueKind.String ? m.GetString() : null;
            if (error.TryGetProperty("errors", out var errors) && errors.ValueKind == JsonValueKind.Array)
            {
                var reason = errors.EnumerateArray()
                    .Select(e => e.ValueKind == JsonValueKind.Object && e.TryGetProperty("reason", out var r) ? r.GetString() : null)
                    .FirstOrDefault(r => !string.IsNullOrEmpty(r));
                if (reason is not null)
                {
                    return (reason, message);
                }
            }

            // People API puts EXPIRED_SYNC_TOKEN in error.details[].reason; Graph puts syncStateNotFound in error.code.
            if (error.TryGetProperty("details", out var details) && details.ValueKind == JsonValueKind.Array)
            {
                var reason = details.EnumerateArray()
                    .Select(e => e.ValueKind == JsonValueKind.Object && e.TryGetProperty("reason", out var r) ? r.GetString() : null)
                    .FirstOrDefault(r => !string.IsNullOrEmpty(r));
                if (reason is not null)
                {
                    return (reason, message);
                }
            }

            if (error.TryGetProperty("code", out var code) && code.ValueKind == JsonValueKind.String)
            {
                return (code.GetString(), message);
            }

            return (error.TryGetProperty("status", out var s) && s.ValueKind == JsonValueKind.String ? s.GetString() : null, message);
        }
        catch (JsonException)
        {
            return (null, body.Length > 200 ? body.Substring(0, 200) : body);
        }
    }
}

/// <summary>Reads <c>Retry-After</c> in either of its forms (seconds, or an HTTP date).</summary>
internal static class RetryAfterHeader
{
    public static TimeSpan? Read(HttpResponseMessage response)
    {
        var header = response.Headers.RetryAfter;
        if (header?.Delta is TimeSpan delta)
        {
            return delta;
        }

        if (header?.Date is DateTimeOffset date)
        {
            var wait = date - DateTimeOffset.UtcNow;
            return wait > TimeSpan.Zero ? wait : TimeSpan.Zero;
        }

        return null;
    }

    public static string Format(TimeSpan delay) => ((int)Math.Ceiling(delay.TotalSeconds)).ToString(CultureInfo.InvariantCulture);
}
