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

    /// <summary>A deletion stands for everything keyed below the deleted item (Dropbox's deleted folder, <see cref="SyncDialect.SubtreeSeparator"/>).</summary>
    SubtreeDeletion = 16,

    /// <summary>
    /// The dialect's expiry answer means expiry even to a request that carries no token (a full pass's first page): not
    /// so for a 404 (Gmail), which SyncGen never reads as an expiry without a token.
    /// </summary>
    ExpiryWithoutToken = 32,
}

/// <summary>One sync call of a scenario: the history changes made on the server before it, its faults and its expectation.</summary>
public sealed class ScenarioCall
{
    /// <summary>Server changes applied before the call, in order.</summary>
    public IReadOnlyList<HistoryChange> Changes { get; init; } = Array.Empty<HistoryChange>();

    /// <summary>
    /// Faults armed for this call only, tried in order (the first matching rule fires): the rules a test arms on a server's
    /// <see cref="FaultQueue"/>, targeted by <see cref="FaultRule.WithSyncToken"/>, <see cref="FaultRule.Page"/>,
    /// <see cref="FaultRule.Skip"/> and <see cref="FaultRule.Times"/>. Each server and the simulator arm a fresh copy per call.
    /// </summary>
    public IReadOnlyList<FaultRule> Faults { get; init; } = Array.Empty<FaultRule>();

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

/// <summary>A change of the server's history between sync calls; made by the factory members below.</summary>
public sealed record HistoryChange
{
    private HistoryChange(HistoryChangeKind kind, string id, string? summary = null, int occurrenceIndex = 0)
    {
        Kind = kind;
        Id = id;
        Summary = summary;
        OccurrenceIndex = occurrenceIndex;
    }

    /// <summary>The event id (the series id for <see cref="CancelOccurrence"/>; empty for <see cref="ExpireTokens"/>).</summary>
    public string Id { get; }

    /// <summary>For upserts: the new summary.</summary>
    public string? Summary { get; }

    /// <summary>For <see cref="CancelOccurrence"/>: which occurrence (0-based day offset).</summary>
    public int OccurrenceIndex { get; }

    /// <summary>What changes; the servers that replay the change switch on it.</summary>
    internal HistoryChangeKind Kind { get; }

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

    /// <summary>
    /// Deletes a live item and everything keyed below it (<c>id/...</c>), as one change: the server lists only this
    /// item's deletion, as Dropbox reports a deleted folder, and the client must remove the whole subtree.
    /// </summary>
    /// <param name="id">The id of the subtree's root, e.g. <c>/docs</c>.</param>
    public static HistoryChange DeleteSubtree(string id) => new(HistoryChangeKind.DeleteSubtree, id);

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
        HistoryChangeKind.DeleteSubtree => $"delete {Id} and everything below it",
        HistoryChangeKind.CancelOccurrence => $"cancel occurrence {OccurrenceIndex} of {Id}",
        _ => "expire sync tokens",
    };
}

/// <summary>Kinds of <see cref="HistoryChange"/>.</summary>
internal enum HistoryChangeKind
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

    /// <summary>Delete an item and everything keyed below it, listed as the one deletion of the item.</summary>
    DeleteSubtree,
}
