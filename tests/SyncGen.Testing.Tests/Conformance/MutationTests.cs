using System;
using System.Linq;
using System.Threading.Tasks;
using NUnit.Framework;
using SyncGen.Testing.Conformance;
using SyncGen.Testing.Journal;
using SyncGen.Testing.Scenarios;

namespace SyncGen.Testing.Tests.Conformance;

/// <summary>
/// The kit catches real bugs: the catalog runs (through <see cref="ScenarioRunner"/>, not NUnit) against hand-written
/// loops with exactly one defect each, and the scenario written for that defect must fail naming the broken rule; the
/// same loop without a defect must pass everything, so the failures come from the defect and not from the kit.
/// </summary>
[TestFixture(ServerKind.Embedded)]
[TestFixture(ServerKind.WireMock)]
public sealed class MutationTests(ServerKind kind)
{
    private IScenarioServer? _server;

    private IScenarioServer Server => _server ?? throw new InvalidOperationException("The server is started in the one-time set-up.");

    [OneTimeSetUp]
    public async Task StartAsync() =>
        _server = kind == ServerKind.WireMock
            ? await WireMockScenarioServer.StartAsync(cancellationToken: TestContext.CurrentContext.CancellationToken)
            : new EmbeddedScenarioServer();

    [OneTimeTearDown]
    public async Task StopAsync()
    {
        if (_server is not null)
        {
            await _server.DisposeAsync();
            _server = null;
        }
    }

    [Test]
    public async Task A_correct_hand_written_loop_passes_every_catalog_scenario()
    {
        var reports = await ScenarioRunner.RunAllAsync(Server, ScenarioCatalog.All, c => new HandWrittenSyncLoop(c, SyncLoopDefect.None), cancellationToken: TestContext.CurrentContext.CancellationToken);

        Assert.That(reports, Has.Count.EqualTo(ScenarioCatalog.All.Count));
        Assert.That(reports.Where(r => !r.Passed).Select(r => r.FailureMessage), Is.Empty);
        TestContext.Out.WriteLine($"{reports.Count} scenarios on {Server.Name} in {reports.Sum(r => r.Duration.TotalMilliseconds):0} ms");
    }

    [TestCase(SyncLoopDefect.TokenSavedAfterFirstPage, "full-sync-failure-stores-nothing", ProtocolRules.TokenOnlyAfterLastPage)]
    [TestCase(SyncLoopDefect.MergeOn410, "expiry-on-page-1", ProtocolRules.ReplaceMirrorAfter410)]
    [TestCase(SyncLoopDefect.NoRetryOn503, "service-unavailable-503-retried", ProtocolRules.RetryTransientErrors)]
    [TestCase(SyncLoopDefect.UnguardedPageTokenLoop, "page-token-loop", ProtocolRules.PageTokenLoopGuard)]
    public async Task A_loop_with_one_defect_fails_its_scenario_naming_the_broken_rule(SyncLoopDefect defect, string scenario, string rule)
    {
        var reports = await ScenarioRunner.RunAllAsync(Server, ScenarioCatalog.All, c => new HandWrittenSyncLoop(c, defect), cancellationToken: TestContext.CurrentContext.CancellationToken);

        var report = reports.Single(r => r.Scenario.Name == scenario);
        var naming = report.Failures.Where(f => f.Contains($"rule '{rule}' broken", StringComparison.Ordinal)).ToArray();
        Assert.That(naming, Is.Not.Empty, $"scenario '{scenario}' has no failure naming rule '{rule}'; its failures were:{Environment.NewLine}{report.FailureMessage}");
        Assert.That(naming, Has.All.StartWith($"Scenario '{scenario}' on {Server.Name}, sync call ").And.Contain("Requests of the call:"));
        TestContext.Out.WriteLine($"{defect}: {reports.Count(r => !r.Passed)} scenario(s) failed; '{scenario}' names '{rule}':{Environment.NewLine}{naming[0]}");
    }
}

/// <summary>Which scenario server a fixture uses.</summary>
public enum ServerKind
{
    /// <summary>The embedded fake server.</summary>
    Embedded,

    /// <summary>A real WireMock: the default backend, WireMock.Net in process (the Java one is compared in <see cref="WireMockBackendParityTests"/>).</summary>
    WireMock,
}
