using System;

namespace SyncGen;

/// <summary>How the sync loop treats a failed page request.</summary>
public enum SyncErrorKind
{
    /// <summary>Not retried: the call fails with <see cref="SyncRequestFailedException"/> (400, 401, 404...).</summary>
    Fatal,

    /// <summary>Retried with backoff (408, 429, 500, 502, 503, 504 whatever the body, rate-limit 403, transport errors, timeouts).</summary>
    Transient,

    /// <summary>The sync token expired: drop it and run a full sync that replaces the mirror.</summary>
    TokenExpired,

    /// <summary>
    /// A successful response whose body could not be read as a page: the call fails with <see cref="SyncProtocolException"/>.
    /// Never chosen for a non-2xx status, whatever its body.
    /// </summary>
    MalformedResponse,
}

/// <summary>What a classifier found in an exception.</summary>
/// <param name="Kind">How the sync loop treats it.</param>
/// <param name="StatusCode">The HTTP status, when there was a response.</param>
/// <param name="Reason">The API's error reason, when it gave one.</param>
/// <param name="RetryAfter">The server's <c>Retry-After</c>, when it sent one.</param>
public readonly record struct SyncErrorClassification(SyncErrorKind Kind, int? StatusCode, string? Reason, TimeSpan? RetryAfter)
{
    /// <summary>Everything the classifier read from the exception, when it is a <see cref="SyncErrorClassifier"/>.</summary>
    public SyncErrorFacts? Facts { get; init; }
}

/// <summary>
/// Decides, from an exception thrown by a page request, whether to retry, recover from an expired token, or fail.
/// Plug in your own through <see cref="SyncOptions.ErrorClassifier"/> for an API whose signals differ.
/// </summary>
public interface ISyncErrorClassifier
{
    /// <summary>Classifies <paramref name="exception"/>. Never called for cancellation requested by the caller.</summary>
    SyncErrorClassification Classify(Exception exception);
}
