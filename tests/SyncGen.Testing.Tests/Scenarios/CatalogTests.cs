using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using System.Threading.Tasks;
using NUnit.Framework;
using SyncGen.Testing.Conformance;
using SyncGen.Testing.Journal;
using SyncGen.Testing.Scenarios;
using SyncGen.Testing.WireMock;

namespace SyncGen.Testing.Tests.Scenarios;

/// <summary>The catalog as data: coverage of docs/protocol.md, declared expectations agreeing with the simulation, the generator, the WireMock compilation.</summary>
public sealed class CatalogTests
{
    /// <summary>The catalog size, pinned: adding or removing a scenario is a deliberate change to this number, the docs and the README.</summary>
    private const int ScenarioCount = 35;

    public static IEnumerable<TestCaseData> Scenarios() => ScenarioCatalog.All.Concat(ScenarioCatalog.WireShapes).Select(s => new TestCaseData(s).SetName("Simulation_agrees_with_declared_outcomes_" + s.Name));

    [Test]
    public void The_catalog_has_its_pinned_count_of_uniquely_named_scenarios_covering_every_edge_case()
    {
        Assert.That(ScenarioCatalog.All, Has.Count.EqualTo(ScenarioCount));
        Assert.That(ScenarioCatalog.All.Select(s => s.Name), Is.Unique);
        Assert.That(ScenarioCatalog.All.SelectMany(s => s.EdgeCases).Distinct().Order(), Is.EqualTo(Enumerable.Range(1, 12)), "docs/protocol.md edge cases 1-12");
        Assert.That(ScenarioCatalog.All.Select(s => s.Description), Has.All.Length.GreaterThan(40));
    }

    [TestCaseSource(nameof(Scenarios))]
    public void Simulation_agrees_with_declared_outcomes(SyncScenario scenario)
    {
        var compiled = ScenarioSimulator.Simulate(scenario);

        Assert.That(compiled.Calls.Select(c => c.Outcome), Is.EqualTo(scenario.Calls.Select(c => c.Expect)));
        foreach (var call in compiled.Calls.Where(c => c.Outcome.Kind != OutcomeKind.Success))
        {
            var first = call.Index == 0;
            IReadOnlyList<MirrorItem> previous = first ? Array.Empty<MirrorItem>() : compiled.Calls[call.Index - 1].Mirror;
            var hadToken = !first && compiled.Calls[call.Index - 1].Token != TokenMovement.Absent;
            Assert.That(call.Mirror, Is.EqualTo(previous), $"call {call.Index + 1} failed, so the conforming mirror is unchanged");
            Assert.That(call.Token, Is.EqualTo(hadToken ? TokenMovement.Unchanged : TokenMovement.Absent), $"call {call.Index + 1} failed, so the conforming token does not move");
        }
    }

    [Test]
    public void The_scenario_docs_list_exactly_the_catalog_and_the_README_states_its_count()
    {
        var root = RepositoryRoot();
        var docs = File.ReadAllText(Path.Combine(root, "docs", "scenarios.md"));
        var readme = File.ReadAllText(Path.Combine(root, "README.md"));

        var headings = Regex.Matches(docs, @"^### `([^`]+)`\s*$", RegexOptions.Multiline).Select(m => m.Groups[1].Value).ToArray();
        Assert.That(headings, Is.EqualTo(ScenarioCatalog.All.Concat(ScenarioCatalog.WireShapes).Select(s => s.Name)), "docs/scenarios.md has one '### `name`' heading per catalog scenario, in catalog order, then the wire-shape scenarios");
        Assert.That(readme, Does.Contain($"{ScenarioCatalog.All.Count} named scenarios"));
        Assert.That(docs, Does.Contain($"{ScenarioCatalog.All.Count} named scenarios"));
    }

    [Test]
    public void Multi_page_full_sync_carries_the_token_only_on_the_last_page()
    {
        var call = ScenarioSimulator.Simulate(ScenarioCatalog.Get("full-sync-multi-page")).Calls[0];

        Assert.That(call.Exchanges.Select(e => e.PageToken), Is.EqualTo(new string?[] { null, "p7-2-o3", "p7-3-o6" }));
        var pages = call.Exchanges.Select(e => JsonNode.Parse(e.Response.Body!)!).ToArray();
        Assert.That(pages.Select(p => p["nextSyncToken"]?.GetValue<string>()), Is.EqualTo(new[] { null, null, "s7" }));
        Assert.That(pages.Select(p => p["kind"]!.GetValue<string>()), Has.All.EqualTo("calendar#events"));
        Assert.That(call.Mirror, Has.Count.EqualTo(7));
        Assert.That(call.Token, Is.EqualTo(TokenMovement.Advanced));
    }

    [Test]
    public void The_410_response_has_exactly_the_body_of_docs_protocol_md()
    {
        var call = ScenarioSimulator.Simulate(ScenarioCatalog.Get("expiry-on-page-1")).Calls[1];

        Assert.That(call.Exchanges[0].Response.StatusCode, Is.EqualTo(410));
        Assert.That(call.Exchanges[0].Response.Body, Is.EqualTo(
            "{\"error\":{\"errors\":[{\"domain\":\"calendar\",\"reason\":\"fullSyncRequired\",\"message\":\"Sync token is no longer valid, a full sync is required.\",\"locationType\":\"parameter\",\"location\":\"syncToken\"}],\"code\":410,\"message\":\"Sync token is no longer valid, a full sync is required.\"}}"));
        Assert.That(call.Exchanges.Skip(1).Select(e => e.SyncToken), Has.All.Null);
    }

    [Test]
    public void Tombstones_carry_only_kind_etag_id_and_status()
    {
        var call = ScenarioSimulator.Simulate(ScenarioCatalog.Get("deletions-applied")).Calls[1];
        var items = call.Exchanges.SelectMany(e => JsonNode.Parse(e.Response.Body!)!["items"]!.AsArray()).ToArray();
        var tombstones = items.Where(i => i!["status"]!.GetValue<string>() == "cancelled").ToArray();

        Assert.That(tombstones.Select(t => t!["id"]!.GetValue<string>()), Is.EquivalentTo(new[] { "evt-02", "evt-05" }));
        Assert.That(tombstones.Select(t => string.Join(",", t!.AsObject().Select(p => p.Key))), Has.All.EqualTo("kind,etag,id,status"));
    }

    [Test]
    public void The_generator_is_deterministic_per_seed_and_varies_across_seeds()
    {
        var a = ScenarioGenerator.Generate(7);
        var b = ScenarioGenerator.Generate(7);

        Assert.That(Describe(a), Is.EqualTo(Describe(b)));
        var many = ScenarioGenerator.GenerateMany(1, 40);
        Assert.That(many.Select(Describe).Distinct().Count(), Is.EqualTo(40));
        Assert.That(many.SelectMany(s => s.Calls).Select(c => c.Expect.Kind).Distinct().Count(), Is.GreaterThanOrEqualTo(3), "random scenarios reach several outcome kinds");
    }

    [Test]
    public void A_scenario_compiles_to_stateful_WireMock_mappings_matching_on_query_parameters()
    {
        var compiled = ScenarioSimulator.Simulate(ScenarioCatalog.Get("service-unavailable-503-retried"));
        var mappings = WireMockScenarioCompiler.Compile(compiled);

        Assert.That(mappings, Has.Count.EqualTo(compiled.Calls.Sum(c => c.Exchanges.Count) + 2), "one per scripted request, the unscripted catch-all, the not-served 404");
        Assert.That(mappings[0].RequiredScenarioState, Is.EqualTo(WireMockScenario.StartedState));
        Assert.That(mappings[1].RequiredScenarioState, Is.EqualTo(mappings[0].NewScenarioState));
        Assert.That(mappings[0].Request.QueryParameters!["syncToken"].Absent, Is.True);
        Assert.That(mappings[1].Request.QueryParameters!["pageToken"].EqualTo, Is.EqualTo("p7-2-o3"));
        Assert.That(mappings[1].Response.Status, Is.EqualTo(503));
        Assert.That(mappings[3].Response.Status, Is.EqualTo(200), "the third request for page 2 gets the page");
        var incremental = mappings.First(m => m.Request.QueryParameters?["syncToken"].EqualTo is not null);
        Assert.That(incremental.Request.QueryParameters!["timeMin"].Absent, Is.True, "no restricted filter matches next to a token");
        Assert.That(mappings[^2].Priority, Is.GreaterThan(mappings[0].Priority!.Value), "the catch-all only answers unscripted requests");
        Assert.That(mappings[^2].Request.UrlPath, Is.EqualTo(WireMockScenarioCompiler.EventsPath), "an unscripted events.list request gets the 400");
        Assert.That(mappings[^1].Priority, Is.GreaterThan(mappings[^2].Priority!.Value), "any other path gets the 404 naming what is served");
        Assert.That(mappings[^1].Response.Status, Is.EqualTo(404));
        Assert.That(mappings[^1].Response.Body, Does.Contain("serves only Google Calendar v3 events.list: GET /calendar/v3/calendars/primary/events"));
        Assert.That(WireMockJson.Serialize(mappings[0]), Does.Contain("\"scenarioName\": \"service-unavailable-503-retried\""));
    }

    [Test]
    public async Task Mappings_export_to_a_WireMock_root_folder()
    {
        var folder = Directory.CreateTempSubdirectory("syncgen-scenario-export-");
        try
        {
            var files = await WireMockMappingExport.WriteScenarioAsync(folder.FullName, ScenarioCatalog.Get("expiry-on-page-n"));

            Assert.That(files, Has.Count.GreaterThan(3));
            Assert.That(files, Has.All.StartsWith(Path.Combine(folder.FullName, "mappings")));
            Assert.That(JsonNode.Parse(await File.ReadAllTextAsync(files[0]))!["scenarioName"]!.GetValue<string>(), Is.EqualTo("expiry-on-page-n"));
        }
        finally
        {
            folder.Delete(recursive: true);
        }
    }

    private static string RepositoryRoot()
    {
        for (var directory = new DirectoryInfo(TestContext.CurrentContext.TestDirectory); directory is not null; directory = directory.Parent)
        {
            if (File.Exists(Path.Combine(directory.FullName, "SyncGen.sln")))
            {
                return directory.FullName;
            }
        }

        throw new DirectoryNotFoundException($"No SyncGen.sln above {TestContext.CurrentContext.TestDirectory}.");
    }

    private static string Describe(SyncScenario scenario) =>
        scenario.PageSize + "|" + string.Join("|", scenario.Calls.Select(c => string.Join(",", c.Changes) + "/" + string.Join(",", c.Faults) + "/" + c.Expect));
}
