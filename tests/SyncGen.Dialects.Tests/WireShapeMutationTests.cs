using System;
using System.Linq;
using System.Threading.Tasks;
using NUnit.Framework;
using SyncGen;
using SyncGen.Testing.Conformance;
using SyncGen.Testing.Dialects;
using SyncGen.Testing.Journal;
using SyncGen.Testing.Scenarios;

namespace SyncGen.Dialects.Tests;

/// <summary>
/// The catalog catches wire-shape defects in the Dropbox dialect: a client whose dialect forgets that a deleted folder
/// stands for its subtree, and one that reads Dropbox's 409 reset as a fatal error, each fail their scenarios naming the
/// rule, on the embedded server and on WireMock.Net, while the correct client passes (<see cref="DropboxOnEmbeddedServer"/>, <see cref="DropboxOnWireMock"/>).
/// </summary>
[TestFixture(false)]
[TestFixture(true)]
public sealed class WireShapeMutationTests(bool onWireMock)
{
    [Test]
    public async Task A_Dropbox_client_that_ignores_subtree_deletions_fails_subtree_deletion_applied()
    {
        var ignoresSubtrees = SyncDialects.Dropbox with { SubtreeSeparator = null };

        var report = await RunAsync("subtree-deletion-applied", ignoresSubtrees);

        Assert.That(report.Failures, Has.Some.Contains($"rule '{ProtocolRules.ApplyDeletions}' broken").And.Contain("unexpected [/docs/a.txt 'a'"), report.FailureMessage);
    }

    [TestCase("expiry-on-page-1")]
    [TestCase("expiry-on-page-n")]
    public async Task A_Dropbox_client_that_treats_the_409_reset_as_fatal_fails_the_expiry_scenarios(string scenario)
    {
        var resetIsFatal = SyncDialects.Dropbox with { IsExpiry = _ => false };

        var report = await RunAsync(scenario, resetIsFatal);

        Assert.That(report.Failures, Has.Some.Contains("expected success, got SyncRequestFailedException(HTTP 409)"), report.FailureMessage);
    }

    private async Task<IScenarioServer> StartServerAsync()
    {
        if (!onWireMock)
        {
            return new EmbeddedScenarioServer(FakeDialects.Dropbox);
        }

        var wireMock = await WireMockScenarioServer.StartAsync();
        wireMock.Dialect = FakeDialects.Dropbox;
        return wireMock;
    }

    private async Task<ScenarioReport> RunAsync(string scenario, SyncDialect clientDialect)
    {
        await using var server = await StartServerAsync();
        return await ScenarioRunner.RunAsync(server, ScenarioCatalog.Get(scenario), c => WireShapeRepositories.Dropbox(c, dialect: clientDialect),
            cancellationToken: TestContext.CurrentContext.CancellationToken);
    }
}
