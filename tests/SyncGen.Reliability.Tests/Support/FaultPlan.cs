using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using SyncGen.Testing.FakeServer;

namespace SyncGen.Reliability.Tests.Support;

/// <summary>How a failed sync call is described for comparison: the exception type and its status or violation.</summary>
internal static class Outcome
{
    public static string Of(SyncException exception) => exception switch
    {
        SyncRequestFailedException failed => "RequestFailed(" + (failed.StatusCode?.ToString(CultureInfo.InvariantCulture) ?? "no response") + ")",
        SyncProtocolException protocol => "Protocol(" + protocol.Violation + ")",
        SyncExpiryLoopException => "ExpiryLoop",
        _ => exception.GetType().Name,
    };

    public const string ExpiryLoop = "ExpiryLoop";
    public const string NoResponse = "RequestFailed(no response)";

    public static string RequestFailed(int status) => "RequestFailed(" + status.ToString(CultureInfo.InvariantCulture) + ")";

    public static string Protocol(SyncProtocolViolation violation) => "Protocol(" + violation + ")";
}

/// <summary>One fault armed for one sync call of a random history, and what it may legitimately make the call fail with.</summary>
/// <param name="Rule">The armed rule (its <see cref="FaultRule.FiredCount"/> says whether it fired).</param>
/// <param name="Description">For the transcript, e.g. <c>429 x2 on page 3</c>.</param>
/// <param name="AllowedFailures">The outcomes (see <see cref="Outcome"/>) this fault explains when the call fails.</param>
/// <param name="FatalWhenServed">Whether the call cannot succeed once this fault is served on a normal 200 page.</param>
internal sealed record ArmedFault(FaultRule Rule, string Description, IReadOnlyList<string> AllowedFailures, bool FatalWhenServed);

/// <summary>Draws random faults for one sync call of a random history.</summary>
internal static class FaultPlan
{
    /// <summary>The client timeout of the cases that draw timeout faults: short, yet long enough for a loaded machine.</summary>
    public static readonly TimeSpan ShortClientTimeout = TimeSpan.FromSeconds(1);

    /// <summary>A timeout fault holds the answer this long: three times the client timeout, so the client always gives up first.</summary>
    public static readonly TimeSpan TimeoutDelay = TimeSpan.FromSeconds(3);

    /// <summary>Draws one fault; the caller arms its rule just before the sync call and disarms every rule right after.</summary>
    public static ArmedFault Draw(Random rng, string calendarId, bool timeoutCase)
    {
        var (where, whereText) = DrawWhere(rng);
        var times = rng.Next(1, 4);

        // Retry-After is honoured for real, so it is rare and short.
        TimeSpan? retryAfter = rng.NextDouble() < 0.03 ? TimeSpan.FromSeconds(rng.Next(0, 2)) : null;
        var roll = rng.Next(0, timeoutCase ? 110 : 100);
        (Fault fault, string[] allowed, bool fatal, int? fixedTimes) = roll switch
        {
            < 14 => (Fault.TokenExpired(), new[] { Outcome.ExpiryLoop }, false, (int?)null),
            < 24 => (Fault.RateLimited(retryAfter), new[] { Outcome.RequestFailed(429) }, false, null),
            < 32 => (Fault.ServiceUnavailable(retryAfter), new[] { Outcome.RequestFailed(503) }, false, null),
            < 36 => (Fault.BackendError(), new[] { Outcome.RequestFailed(500) }, false, null),
            < 40 => (Fault.UserRateLimited(), new[] { Outcome.RequestFailed(403) }, false, null),
            < 50 => (Fault.Abort(), new[] { Outcome.NoResponse }, false, null),
            < 55 => (Fault.TruncatedBody(0.1 + (rng.NextDouble() * 0.8)), new[] { Outcome.Protocol(SyncProtocolViolation.MalformedResponse) }, true, null),
            < 60 => (Fault.TruncatedBody(0.1 + (rng.NextDouble() * 0.8), honestContentLength: false), new[] { Outcome.NoResponse }, false, null),
            < 65 => (Fault.MalformedJson(), new[] { Outcome.Protocol(SyncProtocolViolation.MalformedResponse) }, true, null),
            < 71 => (Fault.NoTokens(), new[] { Outcome.Protocol(SyncProtocolViolation.MissingTokens) }, true, null),
            // Always on once it starts: a single loop on page 1 is a valid restart of the pass, a repeated one is a loop.
            < 77 => (Fault.PageTokenLoop(), new[] { Outcome.Protocol(SyncProtocolViolation.PageTokenLoop) }, true, int.MaxValue),
            < 84 => (Fault.DuplicateItems(), Array.Empty<string>(), false, null),
            < 91 => (Fault.ShortPage(rng.Next(0, 3)), Array.Empty<string>(), false, null),
            < 96 => (Fault.Delay(TimeSpan.FromMilliseconds(rng.Next(1, 15))), Array.Empty<string>(), false, null),
            < 100 => (Fault.Unauthorized(), new[] { Outcome.RequestFailed(401) }, true, 1),
            _ => (Fault.Delay(TimeoutDelay), new[] { Outcome.NoResponse }, false, (int?)rng.Next(1, 3)),
        };

        times = fixedTimes ?? times;
        var rule = new FaultRule(fault)
        {
            CalendarId = calendarId,
            When = where,
            Times = times,
        };
        var description = string.Create(CultureInfo.InvariantCulture, $"{fault.Description} x{(times == int.MaxValue ? "inf" : times.ToString(CultureInfo.InvariantCulture))} {whereText}");
        return new ArmedFault(rule, description, allowed, fatal);
    }

    private static (Func<FakeRequest, bool> Where, string Text) DrawWhere(Random rng)
    {
        switch (rng.Next(0, 6))
        {
            case 0:
                return (_ => true, "on any request");
            case 1:
                var page = rng.Next(1, 5);
                return (r => r.PageNumber == page, $"on page {page}");
            case 2:
                return (r => r.IsIncremental, "on incremental pages");
            case 3:
                return (r => !r.IsIncremental, "on full-sync pages");
            case 4:
                return (r => r.PageNumber >= 2, "on pages 2+");
            default:
                var last = rng.Next(2, 6);
                return (r => r.PageNumber == last && r.IsIncremental, $"on incremental page {last}");
        }
    }

    public static IEnumerable<string> AllowedFailures(IEnumerable<ArmedFault> faults) =>
        faults.Where(f => f.Rule.FiredCount > 0).SelectMany(f => f.AllowedFailures).Distinct(StringComparer.Ordinal);
}
