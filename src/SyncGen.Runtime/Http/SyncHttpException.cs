using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Net.Http;
using System.Net.Http.Headers;
using System.Threading;
using System.Threading.Tasks;

namespace SyncGen;

/// <summary>
/// An unsuccessful HTTP response from a page source written as a plain fetch method. Throw it (or call
/// <see cref="ThrowIfUnsuccessfulAsync"/>) so the sync loop can retry, recover from expiry, or fail with the status.
/// Unlike <c>EnsureSuccessStatusCode</c> it keeps the error body's reasons and message, which is how APIs such as
/// People and Graph say that a sync token expired.
/// </summary>
public sealed class SyncHttpException : Exception
{
    private static readonly IReadOnlyDictionary<string, string> NoHeaders = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);

    /// <summary>Creates the exception.</summary>
    public SyncHttpException(int statusCode, string? reason, TimeSpan? retryAfter, string message)
        : this(statusCode, reason is null ? Array.Empty<string>() : new[] { reason }, null, null, retryAfter, message)
    {
    }

    /// <summary>Creates the exception with everything the response said.</summary>
    /// <param name="statusCode">The HTTP status code.</param>
    /// <param name="reasons">Every reason the error body named, in body order.</param>
    /// <param name="errorMessage">The body's error message, or the start of a body that was not JSON.</param>
    /// <param name="headers">Response headers, case-insensitive; <see langword="null"/> for none.</param>
    /// <param name="retryAfter">The server's <c>Retry-After</c>, as a delay.</param>
    /// <param name="message">The exception message.</param>
    public SyncHttpException(int statusCode, IReadOnlyList<string> reasons, string? errorMessage, IReadOnlyDictionary<string, string>? headers, TimeSpan? retryAfter, string message)
        : base(message)
    {
        StatusCode = statusCode;
        Reasons = reasons ?? throw new ArgumentNullException(nameof(reasons));
        ErrorMessage = errorMessage;
        Headers = headers ?? NoHeaders;
        RetryAfter = retryAfter;
    }

    /// <summary>The HTTP status code.</summary>
    public int StatusCode { get; }

    /// <summary>The first of <see cref="Reasons"/>, or <see langword="null"/>.</summary>
    public string? Reason => Reasons.Count > 0 ? Reasons[0] : null;

    /// <summary>
    /// Every reason the error body named: <c>error.errors[].reason</c>, <c>error.details[].reason</c>, <c>error.status</c>
    /// and a string <c>error.code</c> (Google, People and Graph shapes). Empty for a body that is not JSON.
    /// </summary>
    public IReadOnlyList<string> Reasons { get; }

    /// <summary>The body's error message, or the start of a body that was not JSON.</summary>
    public string? ErrorMessage { get; }

    /// <summary>The error body, cut at <see cref="SyncErrorFacts.BodyLimit"/> characters, or <see langword="null"/> when there was none.</summary>
    public string? Body { get; init; }

    /// <summary>The response headers, case-insensitive, multiple values joined by commas.</summary>
    public IReadOnlyDictionary<string, string> Headers { get; }

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

        var status = (int)response.StatusCode;
        string body;
        try
        {
            body = await response.Content.ReadAsStringAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (e is HttpRequestException or System.IO.IOException or System.IO.InvalidDataException or System.Text.DecoderFallbackException or InvalidOperationException)
        {
            // The status already decides what the answer means; an error body that cannot be read only loses detail.
            body = string.Empty;
        }

        var (reasons, message) = ErrorBody.Read(body);
        var headers = response.Headers.Concat(response.Content.Headers)
            .GroupBy(h => h.Key, StringComparer.OrdinalIgnoreCase)
            .ToDictionary(g => g.Key, g => string.Join(",", g.SelectMany(h => h.Value)), StringComparer.OrdinalIgnoreCase);
        var reason = reasons.Count > 0 ? reasons[0] : null;
        throw new SyncHttpException(
            status,
            reasons,
            message,
            headers,
            RetryAfterHeader.Read(response),
            $"HTTP {status} {response.ReasonPhrase}{(reason is null ? "" : $" ({reason})")}: {message ?? "no error message"}")
        {
            Body = SyncErrorFacts.CapBody(body),
        };
    }
}

/// <summary>Reads <c>Retry-After</c> in either of its forms (seconds, or an HTTP date).</summary>
internal static class RetryAfterHeader
{
    public static TimeSpan? Read(HttpResponseMessage response) => Read(response.Headers.RetryAfter);

    /// <summary>
    /// A raw header value, as client libraries that hand over a header dictionary (Kiota, the Graph SDK) carry it.
    /// It goes through the same parser as <see cref="HttpResponseMessage"/>'s typed header, so both paths agree; a
    /// malformed value gives <see langword="null"/> and the loop's own backoff applies.
    /// </summary>
    public static TimeSpan? Read(string? value) =>
        value is not null && RetryConditionHeaderValue.TryParse(value.Trim(), out var header) ? Read(header) : null;

    private static TimeSpan? Read(RetryConditionHeaderValue? header)
    {
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
