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
/// loops with exactly one defect each, and at least one scenario must fail naming the broken rule; the same loop without
/// a defect must pass everything, so the failures come from the defect and not from the kit.
/// </summary>
[TestFixture(ServerKind.Embedded)]
[TestFixture(ServerKind.WireMock)]
public sealed class MutationTests(ServerKind kind)
{
    private IScenarioServer _server = null!;

    [OneTimeSetUp]
    public async Task StartAsync() =>
        _server = kind == ServerKind.WireMock ? await WireMockScenarioServer.StartAsync() : new EmbeddedScenarioServer();

    [OneTimeTearDown]
    public async Task StopAsync()
    {
        if (_server is not null)
        {
            await _server.DisposeAsync();
        }
    }

    [Test]
    public async Task A_correct_hand_written_loop_passes_every_catalog_scenario()
    {
        var reports = await ScenarioRunner.RunAllAsync(_server, ScenarioCatalog.All, c => new HandWrittenSyncLoop(c, SyncLoopDefect.None));

        Assert.That(reports.Where(r => !r.Passed).Select(r => r.FailureMessage), Is.Empty);
        TestContext.Out.WriteLine($"{reports.Count} scenarios on {_server.Name} in {reports.Sum(r => r.Duration.TotalMilliseconds):0} ms");
    }

    [TestCase(SyncLoopDefect.TokenSavedAfterFirstPage, ProtocolRules.TokenOnlyAfterLastPage)]
    [TestCase(SyncLoopDefect.MergeOn410, ProtocolRules.ReplaceMirrorAfter410)]
    [TestCase(SyncLoopDefect.NoRetryOn503, ProtocolRules.RetryTransientErrors)]
    [TestCase(SyncLoopDefect.UnguardedPageTokenLoop, ProtocolRules.PageTokenLoopGuard)]
    public async Task A_loop_with_one_defect_fails_the_catalog_naming_the_broken_rule(SyncLoopDefect defect, string rule)
    {
        var reports = await ScenarioRunner.RunAllAsync(_server, ScenarioCatalog.All, c => new HandWrittenSyncLoop(c, defect));

        var failures = reports.SelectMany(r => r.Failures).ToArray();
        var naming = failures.Where(f => f.Contains($"rule '{rule}' broken", StringComparison.Ordinal)).ToArray();
        Assert.That(naming, Is.Not.Empty, $"no failure names rule '{rule}'; failures were:{Environment.NewLine}{string.Join(Environment.NewLine, failures)}");
        Assert.That(naming[0], Does.StartWith("Scenario '").And.Contain("sync call").And.Contain("Requests of the call:"));
        TestContext.Out.WriteLine($"{defect}: {reports.Count(r => !r.Passed)} scenario(s) failed; first naming '{rule}':{Environment.NewLine}{naming[0]}");
    }
}

/// <summary>Which scenario server a fixture uses.</summary>
public enum ServerKind
{
    /// <summary>The embedded fake server.</summary>
    Embedded,

    /// <summary>A real WireMock.</summary>
    WireMock,
}
