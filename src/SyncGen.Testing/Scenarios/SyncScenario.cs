using System;
using System.Collections.Generic;
using System.Linq;
using SyncGen.Testing.FakeServer;

namespace SyncGen.Testing.Scenarios;

/// <summary>
/// A protocol scenario, as data: a server-side history that changes between sync calls, a page size, a fault plan per
/// call and the outcome a conforming client must reach after each call. The same scenario replays on the embedded fake
/// server and on a real WireMock; <see cref="ScenarioSimulator"/> derives the exact requests, responses, mirror and
/// token of every call.
/// </summary>
public sealed class SyncScenario
{
    /// <summary>Creates a scenario.</summary>
    /// <param name="name">A unique kebab-case name, e.g. <c>expiry-on-page-n</c>.</param>
    /// <param name="description">One paragraph: what happens and what a conforming client must do.</param>
    /// <param name="pageSize">The <c>maxResults</c> the client is configured with.</param>
    /// <param name="calls">The sync calls, in order.</param>
    public SyncScenario(string name, string description, int pageSize, IReadOnlyList<ScenarioCall> calls)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        ArgumentNullException.ThrowIfNull(description);
        ArgumentOutOfRangeException.ThrowIfLessThan(pageSize, 1);
        ArgumentNullException.ThrowIfNull(calls);
        if (calls.Count == 0)
        {
            throw new ArgumentException("A scenario needs at least one sync call.", nameof(calls));
        }

        Name = name;
        Description = description;
        PageSize = pageSize;
        Calls = calls;
    }

    /// <summary>The unique name, used as the test name and the WireMock scenario name.</summary>
    public string Name { get; }

    /// <summary>What happens and what a conforming client must do.</summary>
    public string Description { get; }

    /// <summary>The page size (<c>maxResults</c>) the client under test must use.</summary>
    public int PageSize { get; }

    /// <summary>The sync calls, in order.</summary>
    public IReadOnlyList<ScenarioCall> Calls { get; }

    /// <summary>The docs/protocol.md edge cases (1-12) this scenario replays.</summary>
    public IReadOnlyList<int> EdgeCases { get; init; } = Array.Empty<int>();

    /// <summary>What the client must support for the scenario to apply; see the capability flags of the conformance fixture.</summary>
    public ScenarioCapability Requires { get; init; }

    /// <inheritdoc />
    public override string ToString() => Name;
}

/// <summary>Optional client features a scenario needs; a consumer without one opts out of the scenario visibly.</summary>
[Flags]
public enum ScenarioCapability
{
    /// <summary>Nothing beyond the core protocol.</summary>
    None = 0,

    /// <summary>The client sends a full-sync-only filter (<c>timeMin</c>) on full passes.</summary>
    FullSyncFilter = 1,

    /// <summary>The client mirrors recurring events and their cancelled exceptions.</summary>
    RecurringEvents = 2,

    /// <summary>The dialect reads a bare 410 (any body, even plain text) as an expired token (Google Calendar, Drive, Graph).</summary>
    GoneIsExpiry = 4,

    /// <summary>The dialect reads a 410 with reason <c>deleted</c> as an ordinary failure, not as expiry (Google APIs; not Graph).</summary>
    GoneDeletedIsNotExpiry = 8,
}

/// <summary>One sync call of a scenario: the history changes made on the server before it, its faults and its expectation.</summary>
public sealed class ScenarioCall
{
    /// <summary>Server changes applied before the call, in order.</summary>
    public IReadOnlyList<HistoryChange> Changes { get; init; } = Array.Empty<HistoryChange>();

    /// <summary>Faults armed for this call only, tried in order (the first matching rule fires).</summary>
    public IReadOnlyList<FaultPlan> Faults { get; init; } = Array.Empty<FaultPlan>();

    /// <summary>The outcome a conforming client reaches; checked against <see cref="ScenarioSimulator"/> by the kit's own tests.</summary>
    public ExpectedOutcome Expect { get; init; } = ExpectedOutcome.Success;

    /// <summary>The protocol rule (a <see cref="Journal.ProtocolRules"/> name) this call is about, named when it fails.</summary>
    public string Rule { get; init; } = Journal.ProtocolRules.TypedOutcome;

    /// <summary>Whether every full-pass request of this call must carry the full-sync filter (<c>timeMin</c>).</summary>
    public bool RequiresFullSyncFilter { get; init; }

    /// <summary>A few words on the call, e.g. <c>incremental pass, 503 twice on page 2</c>.</summary>
    public string Summary { get; init; } = string.Empty;
}

/// <summary>The outcome of one sync call, as the kit compares it: success, or the kind of typed error.</summary>
/// <param name="Kind">Success or which typed error.</param>
/// <param name="StatusCode">For <see cref="OutcomeKind.RequestFailed"/>: the HTTP status, null when there was no response.</param>
/// <param name="Violation">For <see cref="OutcomeKind.ProtocolViolation"/>: the broken rule.</param>
public sealed record ExpectedOutcome(OutcomeKind Kind, int? StatusCode = null, SyncProtocolViolation? Violation = null)
{
    /// <summary>The call succeeds.</summary>
    public static ExpectedOutcome Success { get; } = new(OutcomeKind.Success);

    /// <summary>The call fails with <see cref="SyncRequestFailedException"/> of this status (null: no HTTP response).</summary>
    /// <param name="statusCode">The status.</param>
    public static ExpectedOutcome RequestFailed(int? statusCode) => new(OutcomeKind.RequestFailed, statusCode);

    /// <summary>The call fails with <see cref="SyncProtocolException"/> of this violation.</summary>
    /// <param name="violation">The violation.</param>
    public static ExpectedOutcome Protocol(SyncProtocolViolation violation) => new(OutcomeKind.ProtocolViolation, Violation: violation);

    /// <summary>The call fails with <see cref="SyncExpiryLoopException"/>.</summary>
    public static ExpectedOutcome ExpiryLoop { get; } = new(OutcomeKind.ExpiryLoop);

    /// <inheritdoc />
    public override string ToString() => Kind switch
    {
        OutcomeKind.Success => "success",
        OutcomeKind.RequestFailed => $"SyncRequestFailedException({(StatusCode is { } s ? "HTTP " + s : "no HTTP response")})",
        OutcomeKind.ProtocolViolation => $"SyncProtocolException({Violation})",
        OutcomeKind.ExpiryLoop => "SyncExpiryLoopException",
        _ => Kind.ToString(),
    };
}

/// <summary>What a sync call ended with.</summary>
public enum OutcomeKind
{
    /// <summary>The call returned normally.</summary>
    Success,

    /// <summary><see cref="SyncRequestFailedException"/>.</summary>
    RequestFailed,

    /// <summary><see cref="SyncProtocolException"/>.</summary>
    ProtocolViolation,

    /// <summary><see cref="SyncExpiryLoopException"/>.</summary>
    ExpiryLoop,

    /// <summary>Any other exception (not a typed sync error): always a conformance failure.</summary>
    UntypedError,

    /// <summary>The call did not finish within the kit's time limit.</summary>
    Timeout,
}

/// <summary>A change of the server's history between sync calls.</summary>
/// <param name="Kind">What changes.</param>
/// <param name="Id">The event id (the series id for <see cref="HistoryChangeKind.CancelOccurrence"/>).</param>
/// <param name="Summary">For upserts: the new summary.</param>
/// <param name="OccurrenceIndex">For <see cref="HistoryChangeKind.CancelOccurrence"/>: which occurrence (0-based day offset).</param>
public sealed record HistoryChange(HistoryChangeKind Kind, string Id, string? Summary = null, int OccurrenceIndex = 0)
{
    /// <summary>Creates or updates an event.</summary>
    /// <param name="id">The id.</param>
    /// <param name="summary">The summary.</param>
    public static HistoryChange Upsert(string id, string summary) => new(HistoryChangeKind.Upsert, id, summary);

    /// <summary>Creates or updates a daily recurring series.</summary>
    /// <param name="id">The id.</param>
    /// <param name="summary">The summary.</param>
    public static HistoryChange UpsertSeries(string id, string summary) => new(HistoryChangeKind.UpsertSeries, id, summary);

    /// <summary>Deletes a live event (the server appends a tombstone).</summary>
    /// <param name="id">The id.</param>
    public static HistoryChange Delete(string id) => new(HistoryChangeKind.Delete, id);

    /// <summary>Cancels one occurrence of a live series (a cancelled exception; the series stays).</summary>
    /// <param name="seriesId">The series id.</param>
    /// <param name="occurrenceIndex">The occurrence, in days after the series start.</param>
    public static HistoryChange CancelOccurrence(string seriesId, int occurrenceIndex) => new(HistoryChangeKind.CancelOccurrence, seriesId, null, occurrenceIndex);

    /// <summary>Invalidates every sync token handed out so far: the next incremental request gets 410.</summary>
    public static HistoryChange ExpireTokens { get; } = new(HistoryChangeKind.ExpireTokens, string.Empty);

    /// <summary>Adds events <c>{prefix}-01</c>..<c>{prefix}-{count}</c> with summaries <c>{prefix} n</c>.</summary>
    /// <param name="count">How many.</param>
    /// <param name="prefix">The id prefix.</param>
    /// <returns>The upserts.</returns>
    public static IEnumerable<HistoryChange> Seed(int count, string prefix = "evt") =>
        Enumerable.Range(1, count).Select(i => Upsert($"{prefix}-{i:D2}", $"{prefix} {i}"));

    /// <inheritdoc />
    public override string ToString() => Kind switch
    {
        HistoryChangeKind.Upsert => $"upsert {Id} '{Summary}'",
        HistoryChangeKind.UpsertSeries => $"upsert series {Id} '{Summary}'",
        HistoryChangeKind.Delete => $"delete {Id}",
        HistoryChangeKind.CancelOccurrence => $"cancel occurrence {OccurrenceIndex} of {Id}",
        _ => "expire sync tokens",
    };
}

/// <summary>Kinds of <see cref="HistoryChange"/>.</summary>
public enum HistoryChangeKind
{
    /// <summary>Create or update an event.</summary>
    Upsert,

    /// <summary>Create or update a recurring series.</summary>
    UpsertSeries,

    /// <summary>Delete an event.</summary>
    Delete,

    /// <summary>Cancel one occurrence of a series.</summary>
    CancelOccurrence,

    /// <summary>Expire every sync token.</summary>
    ExpireTokens,
}

/// <summary>
/// A fault armed for one sync call: which requests it hits (pass kind, page number), how many matching requests pass
/// through first (<see cref="Skip"/>) and how many times it fires (<see cref="Times"/>).
/// </summary>
public sealed record FaultPlan
{
    /// <summary>The fault.</summary>
    public required ScenarioFault Fault { get; init; }

    /// <summary>Only requests with (true) or without (false) a sync token; either when null.</summary>
    public bool? Incremental { get; init; }

    /// <summary>Only requests for this 1-based page of a pass; any page when null.</summary>
    public int? Page { get; init; }

    /// <summary>How many matching requests pass untouched before the fault fires.</summary>
    public int Skip { get; init; }

    /// <summary>How many matching requests the fault fires on.</summary>
    public int Times { get; init; } = 1;

    /// <summary>Whether the plan matches a request.</summary>
    /// <param name="incremental">Whether the request carries a sync token.</param>
    /// <param name="page">The page number the request asks for.</param>
    /// <returns>True when it matches.</returns>
    public bool Matches(bool incremental, int page) =>
        (Incremental is not { } wantIncremental || wantIncremental == incremental) && (Page is not { } wantPage || wantPage == page);

    /// <inheritdoc />
    public override string ToString() =>
        $"{Fault} on {(Incremental switch { true => "incremental ", false => "full ", null => string.Empty })}page {(Page?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "any")}" +
        (Skip > 0 ? $" after {Skip}" : string.Empty) + (Times > 1 ? $" x{Times}" : string.Empty);
}

/// <summary>A fault a scenario injects into one response; both servers render it the same way.</summary>
/// <param name="Kind">The fault.</param>
/// <param name="StatusCode">For <see cref="FaultKind.Status"/>: the status.</param>
/// <param name="Reason">For <see cref="FaultKind.Status"/>: Google's error reason.</param>
/// <param name="RetryAfterSeconds">For <see cref="FaultKind.Status"/>: a Retry-After header (at most 1 s keeps CI fast).</param>
/// <param name="DelayMilliseconds">For <see cref="FaultKind.Delay"/>: the delay before the normal response.</param>
/// <param name="ItemCount">For <see cref="FaultKind.ShortPage"/>: the items on the page.</param>
/// <param name="ContentType">For <see cref="FaultKind.RawResponse"/>: the Content-Type header; null sends none.</param>
/// <param name="Body">For <see cref="FaultKind.RawResponse"/>: the body, exactly as sent.</param>
public sealed record ScenarioFault(FaultKind Kind, int StatusCode = 0, string? Reason = null, int? RetryAfterSeconds = null, int DelayMilliseconds = 0, int ItemCount = 0,
    string? ContentType = null, string? Body = null)
{
    /// <summary>
    /// An answer that is not Google's JSON, as a proxy or front end sends it (nginx HTML 502, plain-text 503, text 410,
    /// empty 429): its status, not its body, decides what it means.
    /// </summary>
    /// <param name="statusCode">The status.</param>
    /// <param name="contentType">The Content-Type header; null sends none.</param>
    /// <param name="body">The body (ASCII keeps both servers byte-identical).</param>
    /// <param name="retryAfterSeconds">Retry-After seconds, if any.</param>
    public static ScenarioFault Raw(int statusCode, string? contentType, string body, int? retryAfterSeconds = null) =>
        new(FaultKind.RawResponse, statusCode, null, retryAfterSeconds, ContentType: contentType, Body: body ?? throw new ArgumentNullException(nameof(body)));

    /// <summary>An HTTP error with Google's body.</summary>
    /// <param name="statusCode">The status.</param>
    /// <param name="reason">The reason; the status's usual one when null.</param>
    /// <param name="retryAfterSeconds">Retry-After seconds, if any.</param>
    public static ScenarioFault Status(int statusCode, string? reason = null, int? retryAfterSeconds = null) =>
        new(FaultKind.Status, statusCode, reason ?? GoogleErrors.DefaultsFor(statusCode, null).Reason, retryAfterSeconds);

    /// <summary>410 fullSyncRequired with the exact docs/protocol.md body.</summary>
    public static ScenarioFault TokenExpired { get; } = Status(410, "fullSyncRequired");

    /// <summary>The connection is reset without a response.</summary>
    public static ScenarioFault Abort { get; } = new(FaultKind.Abort);

    /// <summary>A slow response: the normal page after a delay.</summary>
    /// <param name="milliseconds">The delay.</param>
    public static ScenarioFault Delay(int milliseconds) => new(FaultKind.Delay, DelayMilliseconds: milliseconds);

    /// <summary>200 with the page cut right after <c>"items":[</c>.</summary>
    public static ScenarioFault MalformedJson { get; } = new(FaultKind.MalformedJson);

    /// <summary>200 with the first half of the page (honest Content-Length).</summary>
    public static ScenarioFault TruncatedBody { get; } = new(FaultKind.TruncatedBody);

    /// <summary>The page with neither nextPageToken nor nextSyncToken.</summary>
    public static ScenarioFault NoTokens { get; } = new(FaultKind.NoTokens);

    /// <summary>The page's nextPageToken repeats the requested page token (its nextSyncToken removed).</summary>
    public static ScenarioFault PageTokenLoop { get; } = new(FaultKind.PageTokenLoop);

    /// <summary>The page with every item listed twice.</summary>
    public static ScenarioFault DuplicateItems { get; } = new(FaultKind.DuplicateItems);

    /// <summary>A page of only <paramref name="itemCount"/> items that still carries nextPageToken.</summary>
    /// <param name="itemCount">The items on the page (0: empty).</param>
    public static ScenarioFault ShortPage(int itemCount) => new(FaultKind.ShortPage, ItemCount: itemCount);

    /// <inheritdoc />
    public override string ToString() => Kind switch
    {
        FaultKind.Status => $"HTTP {StatusCode} {Reason}" + (RetryAfterSeconds is { } r ? $" (Retry-After {r})" : string.Empty),
        FaultKind.Delay => $"delay {DelayMilliseconds} ms",
        FaultKind.ShortPage => $"short page of {ItemCount}",
        FaultKind.RawResponse => $"HTTP {StatusCode} {ContentType ?? "no content type"} {(Body!.Length == 0 ? "empty body" : Body.Length + "-char body")}" + (RetryAfterSeconds is { } raw ? $" (Retry-After {raw})" : string.Empty),
        _ => Kind.ToString(),
    };
}
