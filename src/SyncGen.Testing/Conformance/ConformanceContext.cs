using System;

namespace SyncGen.Testing.Conformance;

/// <summary>
/// What the repository under test must be built with for one scenario: where the API is, which calendar, the page size
/// and loop options the scenario's script assumes.
/// </summary>
public sealed class ConformanceContext
{
    internal ConformanceContext(Uri apiRoot, Uri endpoint, SyncDialect dialect, string calendarId, int pageSize, ConformanceSettings settings)
    {
        ApiRoot = apiRoot;
        Endpoint = endpoint;
        Dialect = dialect;
        CalendarId = calendarId;
        PageSize = pageSize;
        Settings = settings;
    }

    /// <summary>
    /// The first request of a full pass, in the dialect's terms, with the page size already in its query: e.g.
    /// <c>http://127.0.0.1:41234/v1.0/users/delta?$top=3</c> (Graph), <c>.../v1/people/me/connections?pageSize=3</c>
    /// (People), <c>.../drive/v3/changes?pageSize=3</c> (Drive), <c>.../calendar/v3/calendars/primary/events?maxResults=3</c>
    /// (Calendar). Give it to <see cref="SyncHttpPageSource{TItem}"/> as its endpoint, adding your own fixed parameters.
    /// </summary>
    public Uri Endpoint { get; }

    /// <summary>The wire protocol the scenario is served in (the fixture's <see cref="IncrementalSyncConformance.Dialect"/>).</summary>
    public SyncDialect Dialect { get; }

    /// <summary>
    /// The API root with a trailing slash, e.g. <c>http://127.0.0.1:41234/calendar/v3/</c> (Calendar: requests go to
    /// <c>{ApiRoot}calendars/{CalendarId}/events</c>) or <c>http://127.0.0.1:41234/v1.0/</c> (Graph).
    /// </summary>
    public Uri ApiRoot { get; }

    /// <summary>The calendar id (<c>primary</c>); meaningful for the Calendar dialect only.</summary>
    public string CalendarId { get; }

    /// <summary>The page size (<c>maxResults</c>) the repository must request: the scenario's pages are cut to it.</summary>
    public int PageSize { get; }

    /// <summary>The limits the scenario's script assumes.</summary>
    public ConformanceSettings Settings { get; }

    /// <summary>
    /// A full-sync-only filter to send on full passes (as <c>timeMin</c>) when the repository supports one; it matches every
    /// scenario event, and must never travel with a sync token.
    /// </summary>
    public DateTimeOffset FullSyncTimeMin { get; } = new(2020, 1, 1, 0, 0, 0, TimeSpan.Zero);

    /// <summary>
    /// SyncGen loop options matching <see cref="Settings"/>: the retry budget and expiry bound the script assumes, with
    /// millisecond backoff so the suite stays fast (the rules under test are unchanged). A repository with options of its
    /// own takes <see cref="ApplyTo"/> instead.
    /// </summary>
    public SyncOptions Options => new()
    {
        MaxExpiriesPerCall = Settings.MaxExpiriesPerCall,
        Retry = new SyncRetryOptions
        {
            MaxRetries = Settings.MaxRetries,
            BaseDelay = TimeSpan.FromMilliseconds(1),
            MaxDelay = TimeSpan.FromMilliseconds(5),
            MaxRetryAfter = TimeSpan.FromSeconds(2),
        },
    };

    /// <summary>
    /// A repository's own options with the kit's limits applied: its retry budget, expiry bound and backoff become those
    /// of <see cref="Options"/>, everything else (classifier, page limits, removal guard, clock...) stays its own.
    /// </summary>
    /// <remarks>
    /// The scenarios are scripted for <see cref="Settings"/>: a repository retrying 5 times where the script expects 3
    /// gets past a fault that should have failed its call, which the kit would report as a protocol defect. Use
    /// <c>Options = context.ApplyTo(myOptions)</c> when the repository keeps options of its own, or override
    /// <see cref="IncrementalSyncConformance.Settings"/> to script the scenarios for other limits.
    /// </remarks>
    /// <param name="options">The repository's options.</param>
    /// <returns>The same options with the kit's retry budget, expiry bound and millisecond backoff.</returns>
    public SyncOptions ApplyTo(SyncOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var kit = Options;
        return options with
        {
            MaxExpiriesPerCall = kit.MaxExpiriesPerCall,
            Retry = options.Retry with
            {
                MaxRetries = kit.Retry.MaxRetries,
                BaseDelay = kit.Retry.BaseDelay,
                MaxDelay = kit.Retry.MaxDelay,
                MaxRetryAfter = kit.Retry.MaxRetryAfter,
            },
        };
    }
}

/// <summary>The client limits scenarios are scripted for.</summary>
/// <param name="MaxRetries">Retries per request after the first attempt.</param>
/// <param name="MaxExpiriesPerCall">Expired-token answers one call accepts before failing.</param>
/// <param name="CallTimeout">How long one sync call may take before the kit calls it hung.</param>
public sealed record ConformanceSettings(int MaxRetries = 3, int MaxExpiriesPerCall = 3, TimeSpan CallTimeout = default)
{
    /// <summary>3 retries, 3 expiries, 20 s per call.</summary>
    public static ConformanceSettings Default { get; } = new(3, 3, TimeSpan.FromSeconds(20));

    /// <summary>The call time limit, 20 s when not set.</summary>
    public TimeSpan EffectiveCallTimeout => CallTimeout > TimeSpan.Zero ? CallTimeout : TimeSpan.FromSeconds(20);
}
