using System;
using System.Diagnostics;
using System.Linq;
using System.Reflection;
using System.Threading;
using System.Threading.Tasks;
using NUnit.Framework;
using SyncGen.Testing.Conformance;
using SyncGen.Testing.Journal;
using SyncGen.Testing.Scenarios;

namespace SyncGen.Testing.Tests.Conformance;

/// <summary>How the runner judges clients that break out of the typed-error contract: untyped exceptions and hung calls.</summary>
public sealed class ScenarioRunnerTests
{
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(15);

    /// <summary>A two-call scenario whose first call is about some rule other than typed-outcome.</summary>
    private static SyncScenario Scenario =>
        ScenarioCatalog.All.First(s => s.Calls.Count >= 2 && s.Calls[0].Expect.Kind == OutcomeKind.Success && s.Calls[0].Rule != ProtocolRules.TypedOutcome);

    [Test]
    public async Task An_untyped_exception_breaks_the_typed_outcome_rule_not_the_scenarios_rule()
    {
        await using var server = new EmbeddedScenarioServer();
        var scenario = Scenario;

        var report = await RunBoundedAsync(server, scenario, _ => new ScriptedClient(_ => throw new InvalidOperationException("boom")), ConformanceSettings.Default);

        Assert.That(report.Calls[0].Outcome.Kind, Is.EqualTo(OutcomeKind.UntypedError));
        var outcomeFailure = report.Failures.Single(f => f.Contains("sync call 1 ", StringComparison.Ordinal) && f.Contains("got UntypedError", StringComparison.Ordinal));
        Assert.That(outcomeFailure, Does.Contain($"rule '{ProtocolRules.TypedOutcome}' broken").And.Contain("InvalidOperationException: boom"));
        Assert.That(outcomeFailure, Does.Not.Contain($"rule '{scenario.Calls[0].Rule}' broken"));
    }

    [Test]
    public async Task A_client_that_ignores_cancellation_times_out_and_the_rest_of_the_scenario_is_skipped()
    {
        await using var server = new EmbeddedScenarioServer();
        var scenario = Scenario;
        var settings = new ConformanceSettings(CallTimeout: TimeSpan.FromMilliseconds(300));
        var stopwatch = Stopwatch.StartNew();

        // Never completes and never looks at the token.
        var report = await RunBoundedAsync(server, scenario, _ => new ScriptedClient(_ => new TaskCompletionSource().Task), settings);

        Assert.That(stopwatch.Elapsed, Is.LessThan(TimeSpan.FromSeconds(10)));
        Assert.That(report.Calls, Has.Count.EqualTo(1), "no further call is made on a client whose call is still running");
        Assert.That(report.Calls[0].Outcome.Kind, Is.EqualTo(OutcomeKind.Timeout));
        Assert.That(report.Calls[0].Error, Is.InstanceOf<TimeoutException>());
        Assert.That(report.Failures, Has.One.Contains("got Timeout").And.Contains($"rule '{ProtocolRules.TypedOutcome}' broken"));
        Assert.That(report.Failures, Has.One.Contains($"the remaining {scenario.Calls.Count - 1} sync call(s) were not run because call 1 timed out"));
    }

    [Test]
    public async Task A_client_that_honours_cancellation_also_times_out_and_is_asked_to_stop()
    {
        await using var server = new EmbeddedScenarioServer();
        var settings = new ConformanceSettings(CallTimeout: TimeSpan.FromMilliseconds(300));
        var stopped = new TaskCompletionSource<bool>(TaskCreationOptions.RunContinuationsAsynchronously);

        var report = await RunBoundedAsync(server, Scenario, _ => new ScriptedClient(async ct =>
        {
            await using var registration = ct.Register(() => stopped.TrySetResult(true));
            await Task.Delay(Timeout.Infinite, ct);
        }), settings);

        Assert.That(report.Calls.Select(c => c.Outcome.Kind), Is.EqualTo(new[] { OutcomeKind.Timeout }));
        Assert.That(await stopped.Task.WaitAsync(Bound), Is.True, "the call's token is cancelled once the kit gives up on it");
    }

    [Test]
    public async Task A_timeout_the_client_throws_itself_is_an_untyped_error_not_the_kits_timeout()
    {
        await using var server = new EmbeddedScenarioServer();

        var report = await RunBoundedAsync(server, Scenario, _ => new ScriptedClient(_ => Task.FromException(new TimeoutException("the client's own"))), ConformanceSettings.Default);

        Assert.That(report.Calls[0].Outcome.Kind, Is.EqualTo(OutcomeKind.UntypedError));
        Assert.That(report.Calls[0].Error?.Message, Is.EqualTo("the client's own"));
    }

    [Test]
    public void The_store_adapter_disposes_every_disposable_even_when_one_throws()
    {
        var first = new Disposable(fail: true);
        var second = new Disposable(fail: false);
        var third = new Disposable(fail: true);
        var adapter = SyncUnderTest.Create(_ => Task.CompletedTask, new InMemorySyncStore<string>(), item => item, first, second, third);

        var error = Assert.ThrowsAsync<AggregateException>(async () => await adapter.DisposeAsync());

        Assert.That(new[] { first.Disposed, second.Disposed, third.Disposed }, Has.All.True);
        Assert.That(error!.InnerExceptions, Has.Count.EqualTo(2));
    }

    [Test]
    public void The_store_adapter_rethrows_a_single_dispose_failure_unwrapped()
    {
        var failing = new Disposable(fail: true);
        var fine = new Disposable(fail: false);
        var adapter = SyncUnderTest.Create(_ => Task.CompletedTask, new InMemorySyncStore<string>(), item => item, failing, fine);

        Assert.ThrowsAsync<InvalidOperationException>(async () => await adapter.DisposeAsync());
        Assert.That(fine.Disposed, Is.True);
    }

    [TestCase(typeof(IncrementalSyncConformanceOnWireMock))]
    [TestCase(typeof(IncrementalSyncConformanceOnEmbeddedServer))]
    public void Consumer_fixtures_inherit_non_parallel_execution(Type fixture)
    {
        var attribute = fixture.GetCustomAttributes<ParallelizableAttribute>(inherit: true).Single();

        Assert.That(attribute, Is.InstanceOf<NonParallelizableAttribute>(), "scenarios sharing the fixture's server never run at once, whatever the assembly-level parallelism");
        Assert.That(attribute.Scope, Is.EqualTo(ParallelScope.None));
    }

    private static async Task<ScenarioReport> RunBoundedAsync(IScenarioServer server, SyncScenario scenario, Func<ConformanceContext, ISyncUnderTest> client, ConformanceSettings settings)
    {
        var run = ScenarioRunner.RunAsync(server, scenario, client, settings, TestContext.CurrentContext.CancellationToken);
        var finished = await Task.WhenAny(run, Task.Delay(Bound, TestContext.CurrentContext.CancellationToken));
        Assert.That(finished, Is.SameAs(run), $"the run did not end within {Bound.TotalSeconds} s");
        return await run;
    }

    /// <summary>A client whose sync is a given function; its mirror stays empty.</summary>
    private sealed class ScriptedClient(Func<CancellationToken, Task> sync) : ISyncUnderTest
    {
        public Task SyncAsync(CancellationToken cancellationToken) => sync(cancellationToken);

        public Task<MirrorSnapshot> ReadMirrorAsync(CancellationToken cancellationToken) =>
            Task.FromResult(new MirrorSnapshot(Array.Empty<MirrorItem>(), null));

        public ValueTask DisposeAsync() => ValueTask.CompletedTask;
    }

    private sealed class Disposable(bool fail) : IDisposable
    {
        public bool Disposed { get; private set; }

        public void Dispose()
        {
            Disposed = true;
            if (fail)
            {
                throw new InvalidOperationException("dispose failed");
            }
        }
    }
}
