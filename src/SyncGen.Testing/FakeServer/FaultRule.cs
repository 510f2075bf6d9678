using System;
using System.Collections.Generic;
using System.Globalization;

namespace SyncGen.Testing.FakeServer;

/// <summary>
/// A fault and which requests it targets: the one fault vocabulary of the kit. Tests arm rules on a server's
/// <see cref="FaultQueue"/>; a scenario (<see cref="Scenarios.ScenarioCall.Faults"/>) lists the same rules, and the
/// simulator (whose script WireMock replays) and both embedded servers arm a fresh copy of them per call. All conditions
/// that are set must hold. Counters are updated by the owning <see cref="FaultQueue"/> under its lock.
/// </summary>
/// <remarks>
/// A scenario's rules should target requests by <see cref="WithSyncToken"/>, <see cref="Page"/>, <see cref="Skip"/> and
/// <see cref="Times"/> only: the simulator matches requests by pass kind and page number, so a <see cref="FeedId"/> or
/// a <see cref="When"/> predicate reading anything else cannot be replayed on WireMock. The simulator refuses a rule that
/// sets <see cref="FeedId"/>, <see cref="WithPageToken"/> or <see cref="When"/> with a <see cref="NotSupportedException"/>
/// naming the rule, rather than replaying it differently from the embedded servers.
/// </remarks>
public sealed class FaultRule
{
    /// <summary>Creates a rule that fires <paramref name="fault"/> on the next matching request.</summary>
    /// <param name="fault">The fault to inject.</param>
    public FaultRule(Fault fault)
    {
        Fault = fault ?? throw new ArgumentNullException(nameof(fault));
    }

    /// <summary>The fault to inject.</summary>
    public Fault Fault { get; }

    /// <summary>Only requests of this feed (<see cref="FakeRequest.FeedId"/>: a calendar id on the Calendar server); any feed when null.</summary>
    public string? FeedId { get; init; }

    /// <summary>Only requests to this calendar id: <see cref="FeedId"/>, under the name Calendar tests know.</summary>
    public string? CalendarId
    {
        get => FeedId;
        init => FeedId = value;
    }

    /// <summary>
    /// Only requests of incremental (true) or full (false) passes, see <see cref="FakeRequest.IsIncremental"/>
    /// (on Calendar: with or without a <c>syncToken</c>); either when null.
    /// </summary>
    public bool? WithSyncToken { get; init; }

    /// <summary>Only requests with (true) or without (false) a <c>pageToken</c>; either when null.</summary>
    public bool? WithPageToken { get; init; }

    /// <summary>Only requests for this 1-based page of a pass (<see cref="FakeRequest.PageNumber"/>); any page when null.</summary>
    public int? Page { get; init; }

    /// <summary>Only requests this predicate accepts, e.g. <c>r =&gt; r.PageNumber == 3</c>; any when null.</summary>
    public Func<FakeRequest, bool>? When { get; init; }

    /// <summary>How many matching requests the rule fires on (default 1); <see cref="int.MaxValue"/> for every one.</summary>
    public int Times { get; init; } = 1;

    /// <summary>How many matching requests pass through untouched before the rule starts firing: 2 targets the third.</summary>
    public int Skip { get; init; }

    /// <summary>How many times the rule has fired.</summary>
    public int FiredCount { get; internal set; }

    internal int Skipped { get; set; }

    /// <summary>Whether the rule has fired <see cref="Times"/> times.</summary>
    public bool IsExhausted => FiredCount >= Times;

    internal bool Matches(FakeRequest request)
    {
        if (FeedId is not null && !string.Equals(FeedId, request.FeedId, StringComparison.Ordinal))
        {
            return false;
        }

        if (WithSyncToken is { } wantSync && wantSync != request.IsIncremental)
        {
            return false;
        }

        if (WithPageToken is { } wantPageToken && wantPageToken != (request.PageToken is not null))
        {
            return false;
        }

        if (Page is { } wantPage && wantPage != request.PageNumber)
        {
            return false;
        }

        return When is null || When(request);
    }

    /// <summary>The same rule, not fired yet: a scenario's rules are data, armed afresh on every server and every run.</summary>
    internal FaultRule Fresh() => new(Fault)
    {
        FeedId = FeedId,
        WithSyncToken = WithSyncToken,
        WithPageToken = WithPageToken,
        Page = Page,
        When = When,
        Times = Times,
        Skip = Skip,
    };

    /// <summary>The fault and its targeting, e.g. <c>Status(503 backendError) on incremental page 2 x2</c>.</summary>
    /// <returns>The description.</returns>
    public override string ToString() =>
        Fault.Description + " on "
        + (WithSyncToken switch { true => "incremental ", false => "full ", null => string.Empty })
        + "page " + (Page?.ToString(CultureInfo.InvariantCulture) ?? "any")
        + (FeedId is null ? string.Empty : " of " + FeedId)
        + (WithPageToken switch { true => " with a page token", false => " without a page token", null => string.Empty })
        + (When is null ? string.Empty : " when a predicate holds")
        + (Skip > 0 ? string.Create(CultureInfo.InvariantCulture, $" after {Skip}") : string.Empty)
        + (Times == int.MaxValue ? " always" : Times > 1 ? string.Create(CultureInfo.InvariantCulture, $" x{Times}") : string.Empty);
}

/// <summary>
/// The armed faults of a server (<see cref="FakeCalendarServer.Faults"/>). For each events.list request the rules are
/// tried in the order they were enqueued; the first matching rule fires, and a rule leaves the queue once exhausted.
/// Thread-safe.
/// </summary>
public sealed class FaultQueue
{
    private readonly object _gate = new();
    private readonly List<FaultRule> _rules = new();

    /// <summary>The rules still armed, in firing priority.</summary>
    public IReadOnlyList<FaultRule> Pending
    {
        get
        {
            lock (_gate)
            {
                return _rules.ToArray();
            }
        }
    }

    /// <summary>How many rules are still armed.</summary>
    public int Count
    {
        get
        {
            lock (_gate)
            {
                return _rules.Count;
            }
        }
    }

    /// <summary>Arms a rule.</summary>
    /// <param name="rule">The rule.</param>
    /// <returns>The rule, to read <see cref="FaultRule.FiredCount"/> later.</returns>
    public FaultRule Enqueue(FaultRule rule)
    {
        ArgumentNullException.ThrowIfNull(rule);
        ArgumentOutOfRangeException.ThrowIfLessThan(rule.Times, 1);
        ArgumentOutOfRangeException.ThrowIfNegative(rule.Skip);
        lock (_gate)
        {
            _rules.Add(rule);
        }

        return rule;
    }

    /// <summary>Arms <paramref name="fault"/> for the next <paramref name="times"/> requests <paramref name="when"/> accepts.</summary>
    /// <param name="fault">The fault.</param>
    /// <param name="when">Which requests; every events.list request when null.</param>
    /// <param name="times">How many times it fires; <see cref="int.MaxValue"/> for always.</param>
    /// <returns>The rule, to read <see cref="FaultRule.FiredCount"/> later.</returns>
    public FaultRule Enqueue(Fault fault, Func<FakeRequest, bool>? when = null, int times = 1) =>
        Enqueue(new FaultRule(fault) { When = when, Times = times });

    /// <summary>
    /// Disarms every rule, then arms a fresh copy (nothing fired yet) of each of <paramref name="rules"/>: how a scenario
    /// call's rules are armed on the servers and in the simulator, so the catalog's rules are never consumed.
    /// </summary>
    internal void ArmFresh(IEnumerable<FaultRule> rules)
    {
        Clear();
        foreach (var rule in rules)
        {
            Enqueue(rule.Fresh());
        }
    }

    /// <summary>Disarms every rule.</summary>
    public void Clear()
    {
        lock (_gate)
        {
            _rules.Clear();
        }
    }

    /// <summary>Finds and consumes the fault for a request; null when no rule fires.</summary>
    internal Fault? Take(FakeRequest request)
    {
        lock (_gate)
        {
            for (var i = 0; i < _rules.Count; i++)
            {
                var rule = _rules[i];

                // The predicate runs under the lock so that "the next N matching requests" stays exact when Kestrel
                // serves requests concurrently; predicates are expected to be cheap and side-effect free.
                if (!rule.Matches(request))
                {
                    continue;
                }

                if (rule.Skipped < rule.Skip)
                {
                    rule.Skipped++;
                    continue;
                }

                rule.FiredCount++;
                if (rule.IsExhausted)
                {
                    _rules.RemoveAt(i);
                }

                return rule.Fault;
            }
        }

        return null;
    }
}
