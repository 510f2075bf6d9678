using System;

namespace SyncGen;

/// <summary>Settings of the sync loop. Give a repository a <see cref="SyncOptions"/> field or property to change them.</summary>
public sealed record SyncOptions
{
    /// <summary>The defaults: the page source's error rules (else Google's), at most 3 expired tokens per call, 5 retries per request.</summary>
    public static SyncOptions Default { get; } = new();

    /// <summary>
    /// How many expired-token answers one call accepts: the call fails with <see cref="SyncExpiryLoopException"/> when it receives this many, and otherwise recovers from each by a full sync.
    /// Default 3.
    /// </summary>
    public int MaxExpiriesPerCall { get; init; } = 3;

    /// <summary>
    /// Opt-in guard against a server that suddenly lists (almost) nothing: a full pass that would remove more than this
    /// share of a non-empty mirror (e.g. 0.5 for half) fails with <see cref="SyncMassRemovalException"/> and commits
    /// nothing, so a person decides. A full pass after an expired token replaces the mirror with what it lists, which
    /// is how a server bug would otherwise wipe it silently. Default <see langword="null"/>: off. Costs one read of the
    /// mirror's keys per full pass when on.
    /// </summary>
    public double? MaxReplaceRemovalFraction { get; init; }

    /// <summary>
    /// Most pages one pass may fetch; a server that asks for page <c>MaxPagesPerPass + 1</c> fails the call with
    /// <see cref="SyncPageBudgetExceededException"/> and nothing is committed. Default 100,000 (ten million items at 100 a page).
    /// </summary>
    /// <remarks>A server that hands out a new next-page token forever would otherwise keep one call running without end.</remarks>
    public int MaxPagesPerPass { get; init; } = 100_000;

    /// <summary>
    /// Most pages in a row without an entry one pass accepts before it fails with <see cref="SyncPageBudgetExceededException"/>
    /// (a page with only skipped entries is not empty). Default 1,000.
    /// </summary>
    /// <remarks>
    /// Real APIs do send some empty pages with a next-page token (a filtered listing, Drive's change feed), but not a
    /// thousand in a row; this bound stops an endless empty feed long before <see cref="MaxPagesPerPass"/> would.
    /// </remarks>
    public int MaxEmptyPagesInARow { get; init; } = 1_000;

    /// <summary>Retry and backoff of transient failures.</summary>
    public SyncRetryOptions Retry { get; init; } = new();

    /// <summary>
    /// Decides which failures are retried, which mean an expired token, and which are fatal, for a page source that
    /// brings no rules of its own. Default <see langword="null"/>: Google's rules (<see cref="SyncErrorClassifier.Google"/>).
    /// </summary>
    /// <remarks>
    /// The engine chooses once per call: the page source's classifier (a <see cref="SyncHttpPageSource{TItem}"/>'s is its
    /// dialect's, so the dialect is the one place that says how expiry shows), then this one, then Google's.
    /// </remarks>
    public ISyncErrorClassifier? ErrorClassifier { get; init; }

    /// <summary>
    /// Fetch page N+1 while page N is applied to the store. Pages are still applied in order and the token rule is
    /// unchanged; a failure discards the page fetched ahead. Default on.
    /// </summary>
    public bool PrefetchNextPage { get; init; } = true;

    /// <summary>
    /// Send the first request of a call before the store has read the sync token, when this repository instance's
    /// previous call ended on a token: that request travels while the store begins the pass and reads the token (a
    /// SQLite read, a PostgreSQL round trip and lease), which makes a call that finds nothing new about as fast as
    /// the request alone. The token is read once the pass has begun (under PostgreSQL, once the lease is held), so any
    /// pass committed after the request left shows. If the store then holds another token (another process or instance
    /// synced meanwhile, or the store was cleared), the early request is cancelled, its answer is never looked at, the
    /// pass begun for it is discarded, and the call starts again from the stored token, so the result is the same as
    /// with this off. The cost is that one request, sent for nothing in that case, and also when beginning the pass
    /// fails (for instance another machine holds the collection's lease). Default on; off reads the store before any
    /// request.
    /// </summary>
    public bool SendFirstRequestEarly { get; init; } = true;

    /// <summary>
    /// Longest time one page request may take, body included; past it the attempt is cancelled and counts as a timeout,
    /// which is transient (retried). Default 30 seconds; <see cref="System.Threading.Timeout.InfiniteTimeSpan"/> for none.
    /// </summary>
    public TimeSpan RequestTimeout { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>
    /// Text that changes whenever the query of a full pass changes (its filters, its fields mask), for repositories whose
    /// page source cannot say so itself (a fetch method, a Google.Apis request): for example
    /// <c>$"timeMin={TimeMin:O};fields={Fields}"</c>. Default <see langword="null"/>: only the page source's own fingerprint.
    /// </summary>
    /// <remarks>
    /// A store that keeps fingerprints (<see cref="ISyncQueryFingerprintStore"/>, every built-in store) commits it, hashed,
    /// with each token; when it changes, the next call runs a full pass that replaces the mirror instead of an incremental
    /// pass that would keep the old query's view. A <see cref="SyncHttpPageSource{TItem}"/> fingerprints its dialect and
    /// endpoint URL itself.
    /// </remarks>
    public string? QueryFingerprint { get; init; }

    /// <summary>
    /// Whether a call that finds a dead pass's checkpoint (<see cref="ISyncResumableStore{TItem}"/>) continues it from its
    /// next page token instead of page 1. Default <see langword="null"/>: as the page source's dialect says
    /// (<see cref="SyncDialect.PageTokensResumable"/>); off for other page sources, whose page tokens nobody vouched for.
    /// </summary>
    /// <remarks>
    /// A resumed pass whose first request is refused (400, 410 or an expiry) starts again as a fresh pass, so nothing is
    /// lost or doubled. The mass-removal guard (<see cref="MaxReplaceRemovalFraction"/>) needs every key of a full pass,
    /// so with it on a pass is never resumed.
    /// </remarks>
    public bool? ResumeInterruptedPasses { get; init; }

    /// <summary>Clock used for durations, backoff delays and request timeouts; replace it in tests.</summary>
    public TimeProvider TimeProvider { get; init; } = TimeProvider.System;

    internal void Validate()
    {
        if (MaxExpiriesPerCall < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(MaxExpiriesPerCall), MaxExpiriesPerCall, "SyncOptions.MaxExpiriesPerCall must be 1 or more.");
        }

        if (MaxPagesPerPass < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(MaxPagesPerPass), MaxPagesPerPass, "SyncOptions.MaxPagesPerPass must be 1 or more.");
        }

        if (MaxEmptyPagesInARow < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(MaxEmptyPagesInARow), MaxEmptyPagesInARow, "SyncOptions.MaxEmptyPagesInARow must be 1 or more.");
        }

        if (RequestTimeout <= TimeSpan.Zero && RequestTimeout != System.Threading.Timeout.InfiniteTimeSpan)
        {
            throw new ArgumentOutOfRangeException(nameof(RequestTimeout), RequestTimeout, "SyncOptions.RequestTimeout must be positive, or Timeout.InfiniteTimeSpan for none.");
        }

        if (MaxReplaceRemovalFraction is { } fraction && !(fraction >= 0 && fraction < 1))
        {
            throw new ArgumentOutOfRangeException(nameof(MaxReplaceRemovalFraction), fraction, "SyncOptions.MaxReplaceRemovalFraction must be in [0, 1), or null for no guard.");
        }

        if (TimeProvider is null)
        {
            throw new ArgumentException("SyncOptions.TimeProvider must not be null.", nameof(TimeProvider));
        }

        Retry?.Validate();
        if (Retry is null)
        {
            throw new ArgumentException("SyncOptions.Retry must not be null.", nameof(Retry));
        }
    }
}

/// <summary>Retry and backoff of transient failures (429, 5xx, rate-limit 403, transport errors).</summary>
public sealed record SyncRetryOptions
{
    /// <summary>Retries per request after the first attempt. Default 5; 0 disables retries.</summary>
    public int MaxRetries { get; init; } = 5;

    /// <summary>
    /// Delay before the first retry; each later one doubles it (with jitter). Default 1 second. It is also the floor
    /// under a server's <c>Retry-After</c>: a <c>Retry-After: 0</c> on every answer does not make the retries back-to-back.
    /// </summary>
    public TimeSpan BaseDelay { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>Upper bound of one computed backoff delay. Default 32 seconds.</summary>
    public TimeSpan MaxDelay { get; init; } = TimeSpan.FromSeconds(32);

    /// <summary>
    /// Upper bound of a server's <c>Retry-After</c> that is honoured; a longer one fails the request instead of
    /// stalling the sync. Default 2 minutes.
    /// </summary>
    public TimeSpan MaxRetryAfter { get; init; } = TimeSpan.FromMinutes(2);

    /// <summary>Randomise each delay so that many clients do not retry in step. Default on.</summary>
    public bool UseJitter { get; init; } = true;

    internal void Validate()
    {
        if (MaxRetries < 0)
        {
            throw new ArgumentOutOfRangeException(nameof(MaxRetries), MaxRetries, "SyncRetryOptions.MaxRetries must be 0 or more.");
        }

        if (BaseDelay < TimeSpan.Zero || MaxDelay < BaseDelay)
        {
            throw new ArgumentOutOfRangeException(nameof(BaseDelay), BaseDelay, "SyncRetryOptions needs 0 <= BaseDelay <= MaxDelay.");
        }

        if (MaxRetryAfter < TimeSpan.Zero)
        {
            throw new ArgumentOutOfRangeException(nameof(MaxRetryAfter), MaxRetryAfter, "SyncRetryOptions.MaxRetryAfter must not be negative.");
        }
    }
}
