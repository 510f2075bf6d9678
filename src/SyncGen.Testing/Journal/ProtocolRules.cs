namespace SyncGen.Testing.Journal;

/// <summary>
/// The names of the protocol rules the kit checks. Every conformance failure message names one, so a red build reads
/// like a protocol review; docs/scenarios.md explains each.
/// </summary>
public static class ProtocolRules
{
    /// <summary>Every page of one pass repeats the exact same query (same syncToken, same parameters) plus pageToken.</summary>
    public const string SameQueryEveryPage = "same-query-every-page";

    /// <summary>iCalUID, orderBy, privateExtendedProperty, q, sharedExtendedProperty, timeMin, timeMax, updatedMin and showDeleted=false never travel with a syncToken.</summary>
    public const string NoRestrictedFilterWithToken = "no-restricted-filter-with-token";

    /// <summary>400 and 401 are never retried.</summary>
    public const string NoRetryOn400Or401 = "no-retry-on-400-401";

    /// <summary>A request is retried at most the configured number of times.</summary>
    public const string RetryBudget = "retry-budget";

    /// <summary>429, 500, 503 and rate-limit 403 are retried with backoff (honouring Retry-After).</summary>
    public const string RetryTransientErrors = "retry-transient-errors";

    /// <summary>After an unrecoverable error (400, 401, 404) the call sends nothing more.</summary>
    public const string StopAfterUnrecoverableError = "stop-after-unrecoverable-error";

    /// <summary>An incremental sync sends the stored token.</summary>
    public const string SendStoredToken = "send-stored-token";

    /// <summary>The new token is stored only after the last page, together with the items: a failed call leaves token and items unchanged.</summary>
    public const string TokenOnlyAfterLastPage = "token-only-after-last-page";

    /// <summary>After a 410 the full sync replaces the mirror: items not re-listed disappear.</summary>
    public const string ReplaceMirrorAfter410 = "replace-mirror-after-410";

    /// <summary>After a 410 the dead token is never sent again in the call.</summary>
    public const string DropTokenAfter410 = "drop-token-after-410";

    /// <summary>Recovery from 410 is bounded: a server that keeps answering 410 gets a typed error, not endless full syncs.</summary>
    public const string BoundedExpiryRecovery = "bounded-expiry-recovery";

    /// <summary>A repeated nextPageToken ends the pass with a typed error instead of being followed again.</summary>
    public const string PageTokenLoopGuard = "page-token-loop-guard";

    /// <summary>A page with neither token, or malformed or truncated JSON, is a typed protocol error.</summary>
    public const string RejectBrokenPages = "reject-broken-pages";

    /// <summary>Cancelled items delete their id; cancelled ids never stored are not inserted; a cancelled exception leaves its series.</summary>
    public const string ApplyDeletions = "apply-deletions";

    /// <summary>Paging follows nextPageToken through short or empty pages until the page with nextSyncToken.</summary>
    public const string FollowPagesToTheEnd = "follow-pages-to-the-end";

    /// <summary>The mirror equals the server's live items after each successful call (duplicates, restarts and slow answers included).</summary>
    public const string MirrorConverges = "mirror-converges";

    /// <summary>When nothing changed the server may hand back the same token; the client keeps working with it.</summary>
    public const string SameTokenWhenNothingChanged = "same-token-when-nothing-changed";

    /// <summary>Full passes carry the repository's full-sync-only filter (wiring check of the restricted-filter scenario).</summary>
    public const string FullSyncFilterApplied = "full-sync-filter-applied";

    /// <summary>Each call ends in success or the expected typed error (SyncRequestFailedException, SyncProtocolException, SyncExpiryLoopException).</summary>
    public const string TypedOutcome = "typed-outcome";
}
