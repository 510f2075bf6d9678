using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Globalization;
using System.Linq;
using System.Text;
using System.Threading;
using System.Threading.Tasks;
using SyncGen.Testing.Journal;
using SyncGen.Testing.Scenarios;

namespace SyncGen.Testing.Conformance;

/// <summary>
/// Runs scenarios against a client on a scenario server, then judges each call: its outcome (success or typed error kind),
/// its mirror and token movement against the conforming simulation, and its requests against the protocol rules.
/// Usable without NUnit: the conformance fixture and the kit's mutation tests both call it directly.
/// </summary>
public static class ScenarioRunner
{
    /// <summary>Runs one scenario.</summary>
    /// <param name="server">Where to replay it.</param>
    /// <param name="scenario">The scenario.</param>
    /// <param name="createClient">Builds the client under test for the scenario's context (called once per scenario).</param>
    /// <param name="settings">The client limits; <see cref="ConformanceSettings.Default"/> when null.</param>
    /// <param name="cancellationToken">Cancels the run.</param>
    /// <returns>What happened and every rule broken.</returns>
    /// <exception cref="ArgumentException">The scenario does not apply to the server's dialect (see <see cref="Dialects.FakeDialect.SkipReason"/>); the message says why.</exception>
    public static async Task<ScenarioReport> RunAsync(
        IScenarioServer server,
        SyncScenario scenario,
        Func<ConformanceContext, ISyncUnderTest> createClient,
        ConformanceSettings? settings = null,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(server);
        ArgumentNullException.ThrowIfNull(scenario);
        ArgumentNullException.ThrowIfNull(createClient);
        settings ??= ConformanceSettings.Default;
        var stopwatch = Stopwatch.StartNew();
        if (server.Dialect.SkipReason(scenario) is { } skip)
        {
            // Refused before anything is simulated or served: an unreplayable scenario must never reach a server.
            throw new ArgumentException(skip, nameof(scenario));
        }

        var compiled = ScenarioSimulator.Simulate(scenario, settings, server.Dialect);

        var target = await server.LoadAsync(compiled, cancellationToken).ConfigureAwait(false);
        var context = new ConformanceContext(target.ApiRoot, target.Endpoint, server.Dialect.Dialect, "primary", scenario.PageSize, settings);
        var observations = new List<CallObservation>();
        var failures = new List<string>();
        var client = createClient(context);
        try
        {
            foreach (var call in compiled.Calls)
            {
                var before = await client.ReadMirrorAsync(cancellationToken).ConfigureAwait(false);
                await server.BeforeCallAsync(call, cancellationToken).ConfigureAwait(false);
                var (outcome, error) = await RunCallAsync(client, settings, cancellationToken).ConfigureAwait(false);
                var journal = await server.AfterCallAsync(cancellationToken).ConfigureAwait(false);
                var after = await client.ReadMirrorAsync(cancellationToken).ConfigureAwait(false);
                var movement = after.SyncToken is null ? TokenMovement.Absent : after.SyncToken == before.SyncToken ? TokenMovement.Unchanged : TokenMovement.Advanced;
                var mirror = after.Items.OrderBy(i => i.Id, StringComparer.Ordinal).ToArray();
                var observation = new CallObservation(call.Index, outcome, error, mirror, movement, journal);
                observations.Add(observation);
                Judge(scenario, server.Name, compiled, call, observation, server.UnservedRequests, server.Served, before.SyncToken, settings, context.Dialect, failures);
                if (outcome.Kind == OutcomeKind.Timeout)
                {
                    // The hung call may still be running: further calls on the same client would race it.
                    var skipped = compiled.Calls.Count - call.Index - 1;
                    if (skipped > 0)
                    {
                        failures.Add($"Scenario '{scenario.Name}' on {server.Name}: the remaining {skipped.ToString(CultureInfo.InvariantCulture)} sync call(s) were not run because call {(call.Index + 1).ToString(CultureInfo.InvariantCulture)} timed out.");
                    }

                    break;
                }
            }
        }
        finally
        {
            await client.DisposeAsync().ConfigureAwait(false);
        }

        return new ScenarioReport(scenario, server.Name, observations, failures, stopwatch.Elapsed);
    }

    /// <summary>Runs every scenario (sequentially, one server) and returns the reports.</summary>
    /// <param name="server">Where to replay them.</param>
    /// <param name="scenarios">The scenarios.</param>
    /// <param name="createClient">Builds the client under test.</param>
    /// <param name="settings">The client limits.</param>
    /// <param name="cancellationToken">Cancels the run.</param>
    /// <returns>One report per scenario.</returns>
    public static async Task<IReadOnlyList<ScenarioReport>> RunAllAsync(
        IScenarioServer server,
        IEnumerable<SyncScenario> scenarios,
        Func<ConformanceContext, ISyncUnderTest> createClient,
        ConformanceSettings? settings = null,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(scenarios);
        var reports = new List<ScenarioReport>();
        foreach (var scenario in scenarios)
        {
            reports.Add(await RunAsync(server, scenario, createClient, settings, cancellationToken).ConfigureAwait(false));
        }

        return reports;
    }

    private static async Task<(ExpectedOutcome Outcome, Exception? Error)> RunCallAsync(ISyncUnderTest client, ConformanceSettings settings, CancellationToken cancellationToken)
    {
        var limit = settings.EffectiveCallTimeout;
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        Task? call = null;
        try
        {
            // One clock decides: WaitAsync gives up on the call at the limit, whether or not the client honours
            // cancellation, so a hung call is reported as a timeout instead of hanging the run; only then is the client
            // asked to stop. (A second timer cancelling the client's token at the same limit raced WaitAsync's: a call
            // that ended cancelled just as WaitAsync gave up was judged an untyped error.)
            call = client.SyncAsync(stop.Token);
            await call.WaitAsync(limit, cancellationToken).ConfigureAwait(false);
            return (ExpectedOutcome.Success, null);
        }
        catch (TimeoutException e) when (call is not null && !ReferenceEquals(call.Exception?.InnerException, e))
        {
            // WaitAsync's own timeout, not a TimeoutException the call failed with (that one is judged below). Observe the
            // abandoned call's eventual failure so it never surfaces as an unobserved task exception.
            await stop.CancelAsync().ConfigureAwait(false);
            _ = call.ContinueWith(static t => t.Exception, CancellationToken.None, TaskContinuationOptions.OnlyOnFaulted | TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
            return (new ExpectedOutcome(OutcomeKind.Timeout), new TimeoutException($"The sync call did not finish within {limit.TotalSeconds.ToString("0.###", CultureInfo.InvariantCulture)} s.", e));
        }
        catch (SyncRequestFailedException e)
        {
            return (ExpectedOutcome.RequestFailed(e.StatusCode), e);
        }
        catch (SyncProtocolException e)
        {
            return (ExpectedOutcome.Protocol(e.Violation), e);
        }
        catch (SyncExpiryLoopException e)
        {
            return (ExpectedOutcome.ExpiryLoop, e);
        }
        catch (Exception e) when (!cancellationToken.IsCancellationRequested)
        {
            // Any other exception is a finding, not a crash of the kit: conforming clients report typed errors.
            return (new ExpectedOutcome(OutcomeKind.UntypedError), e);
        }
    }

    private static void Judge(SyncScenario scenario, string serverName, CompiledScenario compiled, CompiledCall call, CallObservation observed, IReadOnlyList<string> unserved, string served, string? storedToken, ConformanceSettings settings, SyncDialect dialect, List<string> failures)
    {
        var where = $"Scenario '{scenario.Name}' on {serverName}, sync call {call.Index + 1} of {compiled.Calls.Count}" +
            (string.IsNullOrEmpty(call.Call.Summary) ? string.Empty : $" ({call.Call.Summary})");
        var requests = observed.Journal.Count == 0
            ? unserved.Count == 0 ? "  (no request reached the server)" : $"  (no request the server serves ({served}) reached it)"
            : string.Join(Environment.NewLine, observed.Journal.Select(e => "  " + e));
        if (unserved.Count > 0)
        {
            // A repository pointed at another API (or a wrong path) must learn what the kit's server serves, not just "404".
            requests += Environment.NewLine + $"  The server does not serve {unserved.Count.ToString(CultureInfo.InvariantCulture)} request(s) of the call and answered them 404; it serves only {served}:"
                + string.Concat(unserved.Select(u => Environment.NewLine + "  not served: " + u));
        }

        var limits = OtherLimits(observed.Journal, settings);
        void Fail(string rule, string detail) =>
            failures.Add($"{where}: rule '{rule}' broken: {detail}{limits}{Environment.NewLine}Requests of the call:{Environment.NewLine}{requests}");

        var expectedFailure = call.Outcome.Kind != OutcomeKind.Success;
        if (!SameOutcome(call.Outcome, observed.Outcome))
        {
            var error = observed.Error is null ? string.Empty : $" ({observed.Error.GetType().Name}: {FirstLine(observed.Error.Message)})";

            // An untyped exception or a hung call breaks the typed-outcome rule whatever the scenario is about; a wrong
            // typed outcome (or a wrong success) breaks the scenario's own rule.
            var rule = observed.Outcome.Kind is OutcomeKind.UntypedError or OutcomeKind.Timeout ? ProtocolRules.TypedOutcome : call.Call.Rule;
            Fail(rule, $"expected {call.Outcome}, got {observed.Outcome}{error}.");
        }

        var missing = call.Mirror.Except(observed.Mirror).ToArray();
        var unexpected = observed.Mirror.Except(call.Mirror).ToArray();
        if (missing.Length > 0 || unexpected.Length > 0)
        {
            var rule = expectedFailure ? ProtocolRules.TokenOnlyAfterLastPage : call.Call.Rule;
            var what = expectedFailure
                ? "a failed call must leave the stored items exactly as before, but the mirror changed"
                : "the mirror after the call differs from the server's live items";
            Fail(rule, $"{what}: missing [{string.Join(", ", missing.Select(m => m.ToString()))}], unexpected [{string.Join(", ", unexpected.Select(m => m.ToString()))}].");
        }

        if (call.Token != observed.Token)
        {
            var rule = expectedFailure ? ProtocolRules.TokenOnlyAfterLastPage : call.Call.Rule;
            var what = expectedFailure ? "a failed call must leave the stored token as it was" : "the stored token moved wrongly";
            Fail(rule, $"{what}: expected the token {Describe(call.Token)}, but it {Describe(observed.Token)}.");
        }

        foreach (var violation in ProtocolJournalChecks.Check(observed.Journal, storedToken, settings.MaxRetries, call.Call.RequiresFullSyncFilter, dialect))
        {
            failures.Add($"{where}: {violation}{limits}{Environment.NewLine}Requests of the call:{Environment.NewLine}{requests}");
        }
    }

    /// <summary>
    /// A note for the failures of a call whose client ran with other limits than the script assumes (more retries of one
    /// request, or more expiries, than <paramref name="settings"/> allow): the likely cause is the repository's own
    /// options, not a protocol defect. Empty when the journal stays within the limits.
    /// </summary>
    private static string OtherLimits(IReadOnlyList<JournalEntry> journal, ConformanceSettings settings)
    {
        var retries = 0;
        var streak = 0;
        for (var i = 1; i < journal.Count; i++)
        {
            var previous = journal[i - 1];
            streak = previous.FullQuery == journal[i].FullQuery && RetryableErrors.IsRetryable(previous.StatusCode, previous.Reason) ? streak + 1 : 0;
            retries = Math.Max(retries, streak);
        }

        var expiries = journal.Count(e => e.TokenExpired);
        var notes = new List<string>();
        if (retries > settings.MaxRetries)
        {
            notes.Add($"retried one request {retries.ToString(CultureInfo.InvariantCulture)} times where the scenario is scripted for {settings.MaxRetries.ToString(CultureInfo.InvariantCulture)} retries");
        }

        if (expiries > settings.MaxExpiriesPerCall)
        {
            notes.Add($"accepted {expiries.ToString(CultureInfo.InvariantCulture)} expired-token answers in one call where the scenario is scripted for {settings.MaxExpiriesPerCall.ToString(CultureInfo.InvariantCulture)}");
        }

        return notes.Count == 0
            ? string.Empty
            : $" Note: the repository {string.Join(" and ", notes)}: it does not run with the kit's limits. Build it with context.Options, "
                + "or keep its own options with the kit's limits (Options = context.ApplyTo(yourOptions)), or override Settings to script the scenarios for your limits.";
    }

    private static bool SameOutcome(ExpectedOutcome expected, ExpectedOutcome observed) =>
        expected.Kind == observed.Kind
        && (expected.Kind != OutcomeKind.RequestFailed || expected.StatusCode == observed.StatusCode)
        && (expected.Kind != OutcomeKind.ProtocolViolation || expected.Violation == observed.Violation);

    private static string Describe(TokenMovement movement) => movement switch
    {
        TokenMovement.Absent => "absent (no token stored)",
        TokenMovement.Unchanged => "unchanged",
        _ => "advanced to a new value",
    };

    private static string FirstLine(string text)
    {
        var newline = text.IndexOf('\n', StringComparison.Ordinal);
        return newline < 0 ? text : text[..newline].TrimEnd();
    }
}

/// <summary>What one call of the client under test did.</summary>
/// <param name="Index">The 0-based call index.</param>
/// <param name="Outcome">Its outcome.</param>
/// <param name="Error">The exception, when it failed.</param>
/// <param name="Mirror">The mirror after the call, ordered by id.</param>
/// <param name="Token">How the stored token moved.</param>
/// <param name="Journal">The call's requests.</param>
public sealed record CallObservation(int Index, ExpectedOutcome Outcome, Exception? Error, IReadOnlyList<MirrorItem> Mirror, TokenMovement Token, IReadOnlyList<JournalEntry> Journal)
{
    /// <summary>The comparable part: outcome, mirror and token movement (what must be identical on both servers).</summary>
    public string Signature =>
        $"{Outcome} | token {Token} | mirror [{string.Join(", ", Mirror.Select(m => m.ToString()))}]";
}

/// <summary>The result of one scenario run.</summary>
/// <param name="Scenario">The scenario.</param>
/// <param name="ServerName">Where it ran.</param>
/// <param name="Calls">What each call did.</param>
/// <param name="Failures">Every broken rule, each a full sentence; empty when the client conforms.</param>
/// <param name="Duration">How long the run took.</param>
public sealed record ScenarioReport(SyncScenario Scenario, string ServerName, IReadOnlyList<CallObservation> Calls, IReadOnlyList<string> Failures, TimeSpan Duration)
{
    /// <summary>Whether the client honoured every rule.</summary>
    public bool Passed => Failures.Count == 0;

    /// <summary>All failures as one message (empty when passed).</summary>
    public string FailureMessage
    {
        get
        {
            var builder = new StringBuilder();
            foreach (var failure in Failures)
            {
                builder.AppendLine(failure).AppendLine();
            }

            return builder.ToString().TrimEnd();
        }
    }

    /// <inheritdoc />
    public override string ToString() =>
        $"{Scenario.Name} on {ServerName}: {(Passed ? "passed" : Failures.Count.ToString(CultureInfo.InvariantCulture) + " failure(s)")} in {Duration.TotalMilliseconds:0} ms";
}
