using System;
using System.Globalization;

namespace SyncGen.Testing.FakeServer;

/// <summary>What kind of misbehaviour a <see cref="Fault"/> injects.</summary>
public enum FaultKind
{
    /// <summary>An HTTP error status with Google's error body (see <see cref="Fault.Status"/>).</summary>
    Status,

    /// <summary>The connection is aborted without a response.</summary>
    Abort,

    /// <summary>A delay before answering, then the normal response (or another fault).</summary>
    Delay,

    /// <summary>200 with a JSON body cut right after <c>"items":[</c>.</summary>
    MalformedJson,

    /// <summary>200 with a prefix of the real body.</summary>
    TruncatedBody,

    /// <summary>The real page with both <c>nextPageToken</c> and <c>nextSyncToken</c> stripped.</summary>
    NoTokens,

    /// <summary>The real page whose <c>nextPageToken</c> repeats a token instead of advancing.</summary>
    PageTokenLoop,

    /// <summary>The real page with every item listed twice.</summary>
    DuplicateItems,

    /// <summary>A page shorter than asked (possibly empty) that still carries <c>nextPageToken</c>.</summary>
    ShortPage,

    /// <summary>An answer as a proxy or front end gives it: any status, content type and body (HTML, plain text, empty).</summary>
    RawResponse,
}

/// <summary>
/// A misbehaviour the fake server injects into a response. Create one with the factory methods and arm it with
/// <see cref="FaultQueue.Enqueue(Fault, Func{FakeRequest, bool}?, int)"/>. Faults that alter a page
/// (<see cref="FaultKind.NoTokens"/>, <see cref="FaultKind.PageTokenLoop"/>, <see cref="FaultKind.DuplicateItems"/>,
/// <see cref="FaultKind.ShortPage"/>, <see cref="FaultKind.MalformedJson"/>, <see cref="FaultKind.TruncatedBody"/>) apply
/// to successful responses only: when the request itself fails (400, 410), the real error is served unchanged.
/// </summary>
public sealed class Fault
{
    private Fault(FaultKind kind, string description)
    {
        Kind = kind;
        Description = description;
    }

    /// <summary>The kind of fault.</summary>
    public FaultKind Kind { get; }

    /// <summary>A short human-readable description, e.g. <c>Status(429 rateLimitExceeded)</c>.</summary>
    public string Description { get; }

    /// <summary>For <see cref="FaultKind.Status"/>: the HTTP status code.</summary>
    public int StatusCode { get; private init; }

    /// <summary>For <see cref="FaultKind.Status"/>: the error domain, e.g. <c>global</c>, <c>usageLimits</c>, <c>calendar</c>.</summary>
    public string? Domain { get; private init; }

    /// <summary>For <see cref="FaultKind.Status"/>: the error reason, e.g. <c>backendError</c>.</summary>
    public string? Reason { get; private init; }

    /// <summary>For <see cref="FaultKind.Status"/>: the error message.</summary>
    public string? Message { get; private init; }

    /// <summary>For <see cref="FaultKind.Status"/>: the value of the <c>Retry-After</c> header (whole seconds), if any.</summary>
    public TimeSpan? RetryAfter { get; private init; }

    /// <summary>For <see cref="FaultKind.RawResponse"/>: the <c>Content-Type</c> header; null sends none.</summary>
    public string? ContentType { get; private init; }

    /// <summary>For <see cref="FaultKind.RawResponse"/>: the body, sent as UTF-8 bytes exactly as given.</summary>
    public string? Body { get; private init; }

    /// <summary>For <see cref="FaultKind.Delay"/>: how long to wait.</summary>
    public TimeSpan DelayDuration { get; private init; }

    /// <summary>For <see cref="FaultKind.Delay"/>: the fault served after the delay; null for the normal response.</summary>
    public Fault? Then { get; private init; }

    /// <summary>For <see cref="FaultKind.PageTokenLoop"/>: the fixed token served; null to repeat the requested one.</summary>
    public string? LoopToken { get; private init; }

    /// <summary>For <see cref="FaultKind.ShortPage"/>: how many items the page holds.</summary>
    public int ItemCount { get; private init; }

    /// <summary>For <see cref="FaultKind.TruncatedBody"/>: the share of the body that is sent, in (0, 1).</summary>
    public double Fraction { get; private init; }

    /// <summary>
    /// For <see cref="FaultKind.TruncatedBody"/>: true (the default) sends the prefix with a matching Content-Length, a
    /// complete HTTP response whose JSON ends early; false announces the full length and aborts the connection mid-body.
    /// </summary>
    public bool HonestContentLength { get; private init; }

    /// <summary>
    /// An HTTP error with Google's error body. Domain, reason and message default to what Google sends for the status:
    /// 400 badRequest, 401 authError, 403 forbidden, 404 notFound, 410 fullSyncRequired (the exact body of an expired
    /// sync token), 429 rateLimitExceeded, 500 backendError, 503 backendError.
    /// </summary>
    /// <param name="statusCode">The HTTP status code (400-599).</param>
    /// <param name="reason">The error reason; the status's usual one when null.</param>
    /// <param name="message">The error message; the reason's usual one when null.</param>
    /// <param name="domain">The error domain; the reason's usual one when null.</param>
    /// <param name="retryAfter">Sends a <c>Retry-After</c> header with these whole seconds when set.</param>
    public static Fault Status(int statusCode, string? reason = null, string? message = null, string? domain = null, TimeSpan? retryAfter = null)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(statusCode, 400);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(statusCode, 599);
        var defaults = GoogleErrors.DefaultsFor(statusCode, reason);
        return new Fault(FaultKind.Status, string.Create(CultureInfo.InvariantCulture, $"Status({statusCode} {reason ?? defaults.Reason})"))
        {
            StatusCode = statusCode,
            Reason = reason ?? defaults.Reason,
            Domain = domain ?? defaults.Domain,
            Message = message ?? defaults.Message,
            RetryAfter = retryAfter,
        };
    }

    /// <summary>
    /// An answer that is not Google's JSON, as a proxy, load balancer or front end sends it: an nginx HTML 502, a
    /// plain-text 503 "Service Unavailable", a text 410 "Gone", an empty 429. The status must decide what it means.
    /// </summary>
    /// <param name="statusCode">The HTTP status code (100-599).</param>
    /// <param name="contentType">The <c>Content-Type</c> header, e.g. <c>text/html</c>; null sends none.</param>
    /// <param name="body">The body, sent as UTF-8 exactly as given; empty for none.</param>
    /// <param name="retryAfter">Sends a <c>Retry-After</c> header with these whole seconds when set.</param>
    public static Fault Raw(int statusCode, string? contentType, string body, TimeSpan? retryAfter = null)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(statusCode, 100);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(statusCode, 599);
        ArgumentNullException.ThrowIfNull(body);
        return new Fault(FaultKind.RawResponse, string.Create(CultureInfo.InvariantCulture, $"Raw({statusCode} {contentType ?? "no content type"}, {body.Length} chars)"))
        {
            StatusCode = statusCode,
            ContentType = contentType,
            Body = body,
            RetryAfter = retryAfter,
        };
    }

    /// <summary>A rate limit: reason <c>rateLimitExceeded</c>, domain <c>usageLimits</c>, 429 by default (Google also uses 403).</summary>
    /// <param name="retryAfter">Sends a <c>Retry-After</c> header with these whole seconds when set.</param>
    /// <param name="statusCode">429 or 403.</param>
    public static Fault RateLimited(TimeSpan? retryAfter = null, int statusCode = 429) =>
        Status(statusCode, "rateLimitExceeded", retryAfter: retryAfter);

    /// <summary>A per-user rate limit: 403 <c>userRateLimitExceeded</c>, domain <c>usageLimits</c>.</summary>
    /// <param name="retryAfter">Sends a <c>Retry-After</c> header with these whole seconds when set.</param>
    public static Fault UserRateLimited(TimeSpan? retryAfter = null) => Status(403, "userRateLimitExceeded", retryAfter: retryAfter);

    /// <summary>500 <c>backendError</c>.</summary>
    public static Fault BackendError() => Status(500);

    /// <summary>503 <c>backendError</c>, "The service is currently unavailable.".</summary>
    /// <param name="retryAfter">Sends a <c>Retry-After</c> header with these whole seconds when set.</param>
    public static Fault ServiceUnavailable(TimeSpan? retryAfter = null) => Status(503, retryAfter: retryAfter);

    /// <summary>401 <c>authError</c> "Invalid Credentials" (location: the Authorization header).</summary>
    public static Fault Unauthorized() => Status(401);

    /// <summary>410 with exactly the body Google sends for an expired sync token (<c>fullSyncRequired</c>).</summary>
    public static Fault TokenExpired() => Status(410);

    /// <summary>Aborts the connection without answering.</summary>
    public static Fault Abort() => new(FaultKind.Abort, "Abort");

    /// <summary>Waits before answering; honours the request's cancellation (a client that gives up is not kept waiting).</summary>
    /// <param name="delay">How long to wait.</param>
    /// <param name="then">A fault to serve after the wait; null for the normal response.</param>
    public static Fault Delay(TimeSpan delay, Fault? then = null)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(delay, TimeSpan.Zero);
        return new Fault(FaultKind.Delay, string.Create(CultureInfo.InvariantCulture, $"Delay({delay.TotalMilliseconds}ms{(then is null ? string.Empty : ", " + then.Description)})"))
        {
            DelayDuration = delay,
            Then = then,
        };
    }

    /// <summary>200 with a body that is not valid JSON: the real page cut right after <c>"items":[</c>.</summary>
    public static Fault MalformedJson() => new(FaultKind.MalformedJson, "MalformedJson");

    /// <summary>200 with only a prefix of the real body.</summary>
    /// <param name="fraction">The share of the body that is sent, in (0, 1).</param>
    /// <param name="honestContentLength">See <see cref="HonestContentLength"/>.</param>
    public static Fault TruncatedBody(double fraction = 0.5, bool honestContentLength = true)
    {
        if (!(fraction > 0 && fraction < 1))
        {
            throw new ArgumentOutOfRangeException(nameof(fraction), fraction, "The fraction must be in (0, 1).");
        }

        return new Fault(FaultKind.TruncatedBody, string.Create(CultureInfo.InvariantCulture, $"TruncatedBody({fraction})"))
        {
            Fraction = fraction,
            HonestContentLength = honestContentLength,
        };
    }

    /// <summary>The real page with neither <c>nextPageToken</c> nor <c>nextSyncToken</c>.</summary>
    public static Fault NoTokens() => new(FaultKind.NoTokens, "NoTokens");

    /// <summary>
    /// The real page (its <c>nextSyncToken</c> removed) whose <c>nextPageToken</c> is <paramref name="token"/>, or when null
    /// the page token the request carried, so the client is sent back to the page it just read; on a first page (no
    /// page token to repeat) it is a valid token for the first page again.
    /// </summary>
    /// <param name="token">A fixed token to serve on every faulted page.</param>
    public static Fault PageTokenLoop(string? token = null) => new(FaultKind.PageTokenLoop, "PageTokenLoop") { LoopToken = token };

    /// <summary>The real page with each of its items listed twice (a replay within one pass).</summary>
    public static Fault DuplicateItems() => new(FaultKind.DuplicateItems, "DuplicateItems");

    /// <summary>
    /// A page holding only the next <paramref name="itemCount"/> items of the pass (0: an empty page) that still carries a
    /// <c>nextPageToken</c> resuming right after them, as Google may do.
    /// </summary>
    /// <param name="itemCount">How many items the page holds.</param>
    public static Fault ShortPage(int itemCount = 0)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(itemCount);
        return new Fault(FaultKind.ShortPage, string.Create(CultureInfo.InvariantCulture, $"ShortPage({itemCount})")) { ItemCount = itemCount };
    }

    /// <inheritdoc />
    public override string ToString() => Description;
}
