using System;
using System.Collections.Generic;
using System.Linq;
using System.Threading.Tasks;
using NUnit.Framework;
using SyncGen.Testing.Conformance;
using SyncGen.Testing.Scenarios;

namespace CalendarSync.Conformance.Tests;

/// <summary>
/// Every catalog scenario, and a batch of seeded random ones, replayed both ways against the sample's repository:
/// the client outcome of each call (success or typed error kind), its mirror and its token movement must be identical on
/// WireMock and on the embedded server (token strings differ between servers, so only their movement is compared).
/// </summary>
[TestFixture]
public sealed class DifferentialTests
{
    private const int RandomSeeds = 25;
    private WireMockScenarioServer? _wireMock;
    private EmbeddedScenarioServer? _embedded;

    private WireMockScenarioServer WireMock => _wireMock ?? throw new InvalidOperationException("WireMock is started in the one-time set-up.");

    private EmbeddedScenarioServer Embedded => _embedded ?? throw new InvalidOperationException("The embedded server is started in the one-time set-up.");

    [OneTimeSetUp]
    public async Task StartAsync()
    {
        _embedded = new EmbeddedScenarioServer();
        _wireMock = await WireMockScenarioServer.StartAsync(cancellationToken: TestContext.CurrentContext.CancellationToken);
    }

    [OneTimeTearDown]
    public async Task StopAsync()
    {
        if (_wireMock is not null)
        {
            await _wireMock.DisposeAsync();
            _wireMock = null;
        }

        if (_embedded is not null)
        {
            await _embedded.DisposeAsync();
            _embedded = null;
        }
    }

    [Test]
    public async Task Every_catalog_scenario_ends_identically_on_both_servers()
    {
        await AssertIdenticalAsync(ScenarioCatalog.All);
    }

    [Test]
    public async Task Seeded_random_scenarios_end_identically_on_both_servers_and_conform()
    {
        var scenarios = ScenarioGenerator.GenerateMany(1, RandomSeeds);
        var reports = await AssertIdenticalAsync(scenarios);

        Assert.That(reports.Where(r => !r.Passed).Select(r => r.FailureMessage), Is.Empty, "the generated repository conforms on random scenarios too");
    }

    private async Task<IReadOnlyList<ScenarioReport>> AssertIdenticalAsync(IReadOnlyList<SyncScenario> scenarios)
    {
        var cancellationToken = TestContext.CurrentContext.CancellationToken;
        var onWireMock = await ScenarioRunner.RunAllAsync(WireMock, scenarios, CalendarSyncUnderTest.Create, cancellationToken: cancellationToken);
        var onEmbedded = await ScenarioRunner.RunAllAsync(Embedded, scenarios, CalendarSyncUnderTest.Create, cancellationToken: cancellationToken);
        var differences = new List<string>();
        for (var s = 0; s < scenarios.Count; s++)
        {
            for (var c = 0; c < scenarios[s].Calls.Count; c++)
            {
                var a = onWireMock[s].Calls[c].Signature;
                var b = onEmbedded[s].Calls[c].Signature;
                if (a != b)
                {
                    differences.Add($"Scenario '{scenarios[s].Name}', sync call {c + 1}:{Environment.NewLine}  WireMock:        {a}{Environment.NewLine}  embedded server: {b}");
                }
            }
        }

        TestContext.Out.WriteLine($"{scenarios.Count} scenarios: WireMock {onWireMock.Sum(r => r.Duration.TotalMilliseconds):0} ms, embedded {onEmbedded.Sum(r => r.Duration.TotalMilliseconds):0} ms");
        Assert.That(differences, Is.Empty, string.Join(Environment.NewLine, differences));
        Assert.That(onWireMock.Concat(onEmbedded).SelectMany(r => r.Calls).Select(c => c.Outcome.Kind).Distinct().Count(), Is.GreaterThan(1),
            "the scenarios exercise more than one outcome kind");
        return onWireMock.Concat(onEmbedded).ToArray();
    }
}
