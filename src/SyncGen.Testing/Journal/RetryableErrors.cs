namespace SyncGen.Testing.Journal;

/// <summary>
/// The one list of answers a conforming client retries (docs/protocol.md, "Rate limits"): no response at all (a transport
/// error), 408, 429, 500, 502, 503, 504 whatever the body, and 403 only with a rate-limit reason (the runtime's decision
/// table, docs/reliability.md). The simulator's reference client and the
/// journal checks both ask here, so the oracle and the judge never disagree.
/// </summary>
internal static class RetryableErrors
{
    /// <summary>Whether an answer is retried.</summary>
    /// <param name="statusCode">The HTTP status; null when no response arrived (reset connection).</param>
    /// <param name="reason">Google's error reason, when known. A 403 without a known rate-limit reason is a permission error.</param>
    /// <returns>True when a conforming client retries it.</returns>
    public static bool IsRetryable(int? statusCode, string? reason) => statusCode switch
    {
        null or 408 or 429 or 500 or 502 or 503 or 504 => true,
        403 => reason is "rateLimitExceeded" or "userRateLimitExceeded",
        _ => false,
    };
}
