using System;
using System.Collections.Generic;
using System.Linq;
using System.Text;
using SyncGen.Testing.Conformance;
using SyncGen.Testing.Dialects;
using SyncGen.Testing.FakeServer;
using SyncGen.Testing.Journal;

namespace SyncGen.Testing.Scenarios;

/// <summary>
/// Runs a scenario in C# with a reference client that honours every rule of docs/protocol.md, against a simulated server.
/// The result is the oracle of the kit: the exact requests and responses of each sync call (what WireMock replays), and the
/// outcome, mirror and token movement a conforming client ends each call with.
/// </summary>
internal static class ScenarioSimulator
{
    /// <summary>Simulates a scenario.</summary>
    /// <param name="scenario">The scenario.</param>
    /// <param name="settings">The client limits (retry budget, expiry bound) the client under test is configured with.</param>
    /// <param name="dialect">The dialect the answers are written in; Google Calendar when null.</param>
    /// <returns>The script and expectations of every call.</returns>
    public static CompiledScenario Simulate(SyncScenario scenario, ConformanceSettings? settings = null, FakeDialect? dialect = null)
    {
        ArgumentNullException.ThrowIfNull(scenario);
        settings ??= ConformanceSettings.Default;
        var rendering = new ScenarioRendering(dialect ?? FakeDialects.GoogleCalendar, scenario.PageSize);
        var model = new ScenarioModel();
        var mirror = new SortedDictionary<string, string?>(StringComparer.Ordinal);
        string? token = null;
        var calls = new List<CompiledCall>();
        for (var index = 0; index < scenario.Calls.Count; index++)
        {
            var call = scenario.Calls[index];
            foreach (var change in call.Changes)
            {
                model.Apply(change);
            }

            var client = new ReferenceClient(model, scenario.PageSize, settings, call.Faults, rendering);
            var tokenBefore = token;
            var outcome = client.Run(ref token, mirror);
            var movement = token is null ? TokenMovement.Absent : token == tokenBefore ? TokenMovement.Unchanged : TokenMovement.Advanced;
            calls.Add(new CompiledCall(
                index,
                call,
                client.Exchanges,
                outcome,
                mirror.Select(pair => new MirrorItem(pair.Key, pair.Value)).ToArray(),
                movement));
        }

        return new CompiledScenario(scenario, calls) { Dialect = rendering.Dialect };
    }

    /// <summary>The reference client of one call: retries, expiry recovery, typed errors, atomic commit.</summary>
    private sealed class ReferenceClient(ScenarioModel model, int pageSize, ConformanceSettings settings, IReadOnlyList<FaultRule> rules, ScenarioRendering rendering)
    {
        private readonly FaultQueue _armed = Armed(rules);

        public List<ScriptedExchange> Exchanges { get; } = new();

        public ExpectedOutcome Run(ref string? token, SortedDictionary<string, string?> mirror)
        {
            var expiries = 0;
            var current = token;
            while (true)
            {
                var staged = current is null
                    ? new SortedDictionary<string, string?>(StringComparer.Ordinal)
                    : new SortedDictionary<string, string?>(mirror, StringComparer.Ordinal);
                var followed = new HashSet<string>(StringComparer.Ordinal);
                string? pageToken = null;
                var listing = current is null && rendering.Dialect.Dialect.FullListing is not null;
                while (true)
                {
                    var (page, failure) = Fetch(current, pageToken, listing);
                    if (failure is not null)
                    {
                        return failure;
                    }

                    if (page is null)
                    {
                        // The token expired (410): the staged pages are discarded and the loop below runs a full sync.
                        break;
                    }

                    if (page.NextPageToken is null && page.NextSyncToken is null)
                    {
                        return ExpectedOutcome.Protocol(SyncProtocolViolation.MissingTokens);
                    }

                    if (page.NextPageToken is not null && !followed.Add(page.NextPageToken))
                    {
                        return ExpectedOutcome.Protocol(SyncProtocolViolation.PageTokenLoop);
                    }

                    foreach (var item in page.Entries)
                    {
                        if (item.Cancelled)
                        {
                            staged.Remove(item.Id);
                            if (rendering.Dialect.Dialect.SubtreeSeparator is { } separator)
                            {
                                // A deletion stands for everything below it.
                                foreach (var below in staged.Keys.Where(k => k.StartsWith(item.Id + separator, StringComparison.Ordinal)).ToArray())
                                {
                                    staged.Remove(below);
                                }
                            }
                        }
                        else
                        {
                            staged[item.Id] = item.Summary;
                        }
                    }

                    if (page.NextPageToken is not null)
                    {
                        pageToken = page.NextPageToken;
                        continue;
                    }

                    mirror.Clear();
                    foreach (var pair in staged)
                    {
                        mirror[pair.Key] = pair.Value;
                    }

                    token = page.NextSyncToken;
                    return ExpectedOutcome.Success;
                }

                expiries++;
                if (expiries >= settings.MaxExpiriesPerCall)
                {
                    return ExpectedOutcome.ExpiryLoop;
                }

                current = null;
            }
        }

        /// <summary>Requests one page with retries: the page, or a failed outcome, or neither when the token expired.</summary>
        private (ServedPage<ModelVersion>? Page, ExpectedOutcome? Failure) Fetch(string? syncToken, string? pageToken, bool listing)
        {
            for (var attempt = 1; ; attempt++)
            {
                if (listing && pageToken is null)
                {
                    // Drive: the start token is taken before the first listing page, and again before each retry of
                    // it; the pass ends with it (the same position here, as nothing changes during a call).
                    Exchanges.Add(rendering.StartToken(model.SyncTokenAt(model.Position, model.Epoch)));
                }

                var exchange = Serve(syncToken, pageToken, listing);
                Exchanges.Add(exchange);
                var response = exchange.Response;
                if (response.Page is { } served)
                {
                    return (served, null);
                }

                if (response.IsTransient)
                {
                    if (attempt <= settings.MaxRetries)
                    {
                        continue;
                    }

                    return (null, ExpectedOutcome.RequestFailed(response.Abort ? null : response.StatusCode));
                }

                if (response.IsExpiry)
                {
                    return (null, null);
                }

                if (response.StatusCode == 200)
                {
                    return (null, ExpectedOutcome.Protocol(SyncProtocolViolation.MalformedResponse));
                }

                return (null, ExpectedOutcome.RequestFailed(response.StatusCode));
            }
        }

        private ScriptedExchange Serve(string? syncToken, string? pageToken, bool listing)
        {
            var exchange = ServeOnWire(syncToken, pageToken, listing);

            // On the wire, Drive's and Graph's later pages carry only the page token (or link), not the pass's token.
            var wireSync = listing || (pageToken is not null && !rendering.PagesRepeatToken) ? null : syncToken;
            return exchange with { SyncToken = wireSync, Incremental = syncToken is not null, Target = listing ? DialectRequestKind.Listing : DialectRequestKind.Feed };
        }

        private ScriptedExchange ServeOnWire(string? syncToken, string? pageToken, bool listing)
        {
            // Faults match on the page number the token carries (as the fake server decodes it), which differs from the
            // client's own count when a page-token loop sends it back to page 1.
            var pageNumber = ScenarioModel.PageNumberOf(pageToken);
            var fault = Take(syncToken is not null, pageNumber);
            var delay = 0;
            if (fault is { Kind: FaultKind.Delay })
            {
                if (fault.Then is not null)
                {
                    throw new NotSupportedException($"A scenario cannot replay '{fault}' on WireMock: a delay before another fault. Use the delay or the fault alone.");
                }

                delay = (int)fault.DelayDuration.TotalMilliseconds;
            }

            if (fault is { Kind: FaultKind.TruncatedBody, HonestContentLength: false })
            {
                throw new NotSupportedException($"A scenario cannot replay '{fault}' on WireMock: a Content-Length longer than the body. Use an honest Content-Length.");
            }

            // The one fault interpreter the embedded servers use too: the same fault gives the same answer on every server.
            var source = new ModelSource(model, pageSize, rendering, syncToken, pageToken, listing);
            var answer = FaultInterpreter.Answer(delay > 0 ? null : fault, source, pageToken);
            return new ScriptedExchange(syncToken, pageToken, pageNumber, ScriptedResponse.From(answer, fault?.Description) with { DelayMilliseconds = delay });
        }

        /// <summary>A simulated request as the fault interpreter asks for it: the dialect's errors and the model's pages.</summary>
        private sealed class ModelSource(ScenarioModel model, int pageSize, ScenarioRendering rendering, string? syncToken, string? pageToken, bool listing) : IAnswerSource
        {
            public DialectAnswers Answers => rendering.Answers;

            public bool CarriesToken => syncToken is not null || pageToken is not null;

            public Listed List(int? itemCount)
            {
                var result = model.List(syncToken, pageToken, pageSize, itemCount);
                if (result.Page is not { } page)
                {
                    return result.StatusCode == 410 ? Answers.Expired()
                        : rendering.IsCalendar ? new ServedAnswer(result.StatusCode, result.ErrorBody!) { Reason = "invalid" }
                        : Answers.Error(result.StatusCode, "invalid", result.Message!);
                }

                return new ListedPage<ModelVersion>(page, p => Encoding.UTF8.GetBytes(rendering.Page(model, p, listing)), rendering.ItemsProperty(listing));
            }
        }

        /// <summary>The fault for a request, armed and consumed exactly as the servers do (<see cref="FaultQueue"/>).</summary>
        private Fault? Take(bool incremental, int page) => _armed.Take(new FakeRequest(incremental, page));

        private static FaultQueue Armed(IReadOnlyList<FaultRule> rules)
        {
            foreach (var rule in rules)
            {
                RefuseUnreplayable(rule);
            }

            var queue = new FaultQueue();
            queue.ArmFresh(rules);
            return queue;
        }

        /// <summary>
        /// Refuses a rule whose targeting the simulator cannot reproduce: it knows a request's pass kind and page number
        /// only, so a feed id, a page-token condition or a predicate would be matched against made-up values and the
        /// script WireMock replays would silently differ from what the embedded server serves.
        /// </summary>
        private static void RefuseUnreplayable(FaultRule rule)
        {
            var unmatched = new List<string>();
            if (rule.FeedId is not null)
            {
                unmatched.Add($"FeedId ('{rule.FeedId}')");
            }

            if (rule.WithPageToken is not null)
            {
                unmatched.Add("WithPageToken (use Page: page 1 has no page token, later pages do)");
            }

            if (rule.When is not null)
            {
                unmatched.Add("a When predicate");
            }

            if (unmatched.Count > 0)
            {
                throw new NotSupportedException(
                    $"A scenario cannot replay the fault rule '{rule}' on WireMock: the simulator matches requests by pass kind (WithSyncToken) and page number (Page) only, "
                    + $"not by {string.Join(", ", unmatched)}. Target the rule with WithSyncToken, Page, Skip and Times.");
            }
        }

    }
}

/// <summary>A simulated scenario: per call, the script of requests and responses and what a conforming client ends with.</summary>
/// <param name="Scenario">The scenario.</param>
/// <param name="Calls">The calls, in order.</param>
internal sealed record CompiledScenario(SyncScenario Scenario, IReadOnlyList<CompiledCall> Calls)
{
    /// <summary>The dialect the answers are written in.</summary>
    public FakeDialect Dialect { get; init; } = FakeDialects.GoogleCalendar;
}

/// <summary>One simulated sync call.</summary>
/// <param name="Index">The 0-based index of the call.</param>
/// <param name="Call">The call's definition.</param>
/// <param name="Exchanges">The requests a conforming client sends, in order, with the responses they get.</param>
/// <param name="Outcome">The conforming outcome.</param>
/// <param name="Mirror">The conforming mirror after the call (id and summary, ordered by id).</param>
/// <param name="Token">How the stored token moves.</param>
internal sealed record CompiledCall(
    int Index,
    ScenarioCall Call,
    IReadOnlyList<ScriptedExchange> Exchanges,
    ExpectedOutcome Outcome,
    IReadOnlyList<MirrorItem> Mirror,
    TokenMovement Token);

/// <summary>One request of a conforming client and the response the scenario serves to it.</summary>
/// <param name="SyncToken">The request's <c>syncToken</c>, null on a full pass.</param>
/// <param name="PageToken">The request's <c>pageToken</c>, null on page 1.</param>
/// <param name="PageNumber">The 1-based page of the pass.</param>
/// <param name="Response">What is served.</param>
internal sealed record ScriptedExchange(string? SyncToken, string? PageToken, int PageNumber, ScriptedResponse Response)
{
    /// <summary>Which request of the dialect it is (Drive's full pass has a start-token request and listing pages).</summary>
    public DialectRequestKind Target { get; init; } = DialectRequestKind.Feed;

    /// <summary>Whether the request belongs to an incremental pass (on Drive and Graph later pages carry no sync token).</summary>
    public bool Incremental { get; init; }

    /// <inheritdoc />
    public override string ToString() =>
        $"GET events?{(SyncToken is null ? string.Empty : "syncToken=" + SyncToken + "&")}{(PageToken is null ? string.Empty : "pageToken=" + PageToken)} -> {(Response.Abort ? "reset" : Response.StatusCode)}{(Response.FaultDescription is null ? string.Empty : " [" + Response.FaultDescription + "]")}";
}

/// <summary>A scripted response.</summary>
/// <param name="StatusCode">The status; 0 for a reset connection.</param>
/// <param name="Body">The body text.</param>
internal sealed record ScriptedResponse(int StatusCode, string? Body)
{
    /// <summary>The error reason of an error response.</summary>
    public string? Reason { get; init; }

    /// <summary>A Retry-After header, in seconds.</summary>
    public int? RetryAfterSeconds { get; init; }

    /// <summary>The Content-Type header; null sends none.</summary>
    public string? ContentType { get; init; } = "application/json; charset=UTF-8";

    /// <summary>A delay before responding.</summary>
    public int DelayMilliseconds { get; init; }

    /// <summary>Whether the connection is reset instead of answered.</summary>
    public bool Abort { get; init; }

    /// <summary>The fault that shaped this response, if any.</summary>
    public string? FaultDescription { get; init; }

    /// <summary>Whether the answer says the token expired, in the dialect's terms (Calendar: a 410 whose reason is not <c>deleted</c>).</summary>
    public bool IsExpiry { get; init; }

    /// <summary>Other headers (Graph's <c>Location</c> on a 410, Google's <c>WWW-Authenticate</c> on a 401).</summary>
    public IReadOnlyDictionary<string, string> Headers { get; init; } = new Dictionary<string, string>();

    internal ServedPage<ModelVersion>? Page { get; init; }

    /// <summary>The script's form of an answer of the one fault interpreter.</summary>
    /// <param name="answer">The answer.</param>
    /// <param name="faultDescription">The fault that shaped it, if any.</param>
    internal static ScriptedResponse From(ServedAnswer answer, string? faultDescription) =>
        new(answer.StatusCode, answer.Abort ? null : Encoding.UTF8.GetString(answer.Body))
        {
            Reason = answer.Reason,
            RetryAfterSeconds = answer.RetryAfterSeconds,
            ContentType = answer.ContentType,
            Headers = answer.Headers,
            Abort = answer.Abort,
            IsExpiry = answer.IsExpiry,
            FaultDescription = faultDescription,
            Page = answer.Page as ServedPage<ModelVersion>,
        };

    internal bool IsTransient => RetryableErrors.IsRetryable(Abort ? null : StatusCode, Reason);
}

/// <summary>How a call moved the stored sync token; token strings differ between servers, so only this is compared.</summary>
public enum TokenMovement
{
    /// <summary>No token is stored.</summary>
    Absent,

    /// <summary>The same token as before the call.</summary>
    Unchanged,

    /// <summary>A different token than before the call.</summary>
    Advanced,
}
