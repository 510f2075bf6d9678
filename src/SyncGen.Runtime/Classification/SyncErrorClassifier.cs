using System;

namespace SyncGen;

/// <summary>
/// The built-in classifier: retries what every Google and REST API guide calls transient, and recognises token
/// expiry by a per-API rule. Use one of the static instances, or pass your own expiry rule.
/// </summary>
public sealed class SyncErrorClassifier : ISyncErrorClassifier
{
    private readonly Func<int, string?, bool> _isExpiry;

    /// <summary>Creates a classifier with a custom expiry rule.</summary>
    /// <param name="isExpiry">Given an HTTP status and the API's error reason (may be null), says whether the sync token expired.</param>
    public SyncErrorClassifier(Func<int, string?, bool> isExpiry)
    {
        _isExpiry = isExpiry ?? throw new ArgumentNullException(nameof(isExpiry));
    }

    /// <summary>
    /// Google Calendar and most Google list APIs: 410 Gone means a full sync is required (reasons
    /// <c>fullSyncRequired</c>, <c>updatedMinTooLongAgo</c>, or none), except reason <c>deleted</c>.
    /// </summary>
    public static SyncErrorClassifier Google { get; } = new((status, reason) => status == 410 && reason != "deleted");

    /// <summary>Google People API: 400 with reason <c>EXPIRED_SYNC_TOKEN</c> (its tokens live seven days).</summary>
    public static SyncErrorClassifier GooglePeople { get; } = new((status, reason) =>
        status == 400 && string.Equals(reason, "EXPIRED_SYNC_TOKEN", StringComparison.OrdinalIgnoreCase));

    /// <summary>Microsoft Graph delta queries: 410 Gone, or 400/404 with <c>syncStateNotFound</c>.</summary>
    public static SyncErrorClassifier MicrosoftGraph { get; } = new((status, reason) =>
        status == 410 || (status is 400 or 404 && string.Equals(reason, "syncStateNotFound", StringComparison.OrdinalIgnoreCase)));

    /// <inheritdoc />
    public SyncErrorClassification Classify(Exception exception)
    {
        if (exception is null)
        {
            throw new ArgumentNullException(nameof(exception));
        }

        var details = HttpErrorDetails.From(exception);
        var kind = Decide(details);
        return new SyncErrorClassification(kind, details.StatusCode, details.Reason, details.RetryAfter);
    }

    private SyncErrorKind Decide(HttpErrorDetails details)
    {
        if (details.IsMalformed)
        {
            return SyncErrorKind.MalformedResponse;
        }

        if (details.IsTransport)
        {
            return SyncErrorKind.Transient;
        }

        if (details.StatusCode is not int status)
        {
            return SyncErrorKind.Fatal;
        }

        if (_isExpiry(status, details.Reason))
        {
            return SyncErrorKind.TokenExpired;
        }

        return status switch
        {
            429 or 500 or 502 or 503 or 504 => SyncErrorKind.Transient,
            403 when details.Reason is "rateLimitExceeded" or "userRateLimitExceeded" => SyncErrorKind.Transient,
            _ => SyncErrorKind.Fatal,
        };
    }
}
