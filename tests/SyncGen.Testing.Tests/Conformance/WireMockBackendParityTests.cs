using System;
using System.Collections.Generic;
using System.Linq;
using System.Text.RegularExpressions;
using System.Threading.Tasks;
using NUnit.Framework;
using SyncGen.Testing.Conformance;
using SyncGen.Testing.Dialects;
using SyncGen.Testing.Scenarios;
using SyncGen.TestSupport.WireMock;

namespace SyncGen.Testing.Tests.Conformance;

/// <summary>
/// WireMock.Net (in process, the default backend) and the Java WireMock serve the same compiled mappings, so the whole
/// catalog must get the same verdicts on both: for a correct loop and for each single-defect loop, every scenario passes or
/// fails alike, breaking the same rules, after the same requests answered with the same statuses and reasons. This is the
/// repository's guard that the in-process backend is a faithful stand-in; it needs Java 17+ and the jar (<c>npm ci</c>,
/// run by the test build) and fails with what to install when they are missing.
/// </summary>
[NonParallelizable]
public sealed class WireMockBackendParityTests
{
    private WireMockScenarioServer? _wireMockNet;
    private WireMockScenarioServer? _java;

    [OneTimeSetUp]
    public async Task StartAsync()
    {
        var cancellationToken = TestContext.CurrentContext.CancellationToken;
        _wireMockNet = await WireMockScenarioServer.StartAsync(cancellationToken);
        _java = (await JavaWireMockServer.StartAsync(new JavaWireMockOptions { ExternalUrl = null }, cancellationToken)).CreateScenarioServer(ownsServer: true);
    }

    [OneTimeTearDown]
    public async Task StopAsync()
    {
        if (_wireMockNet is not null)
        {
            await _wireMockNet.DisposeAsync();
        }

        if (_java is not null)
        {
            await _java.DisposeAsync();
        }
    }

    [Test]
    public void The_two_backends_are_what_their_names_say()
    {
        Assert.That(_wireMockNet!.Name, Is.EqualTo("WireMock.Net"));
        Assert.That(_java!.Name, Is.EqualTo("WireMock"));
        Assert.That(_wireMockNet.BaseUri.Host, Is.EqualTo("127.0.0.1"));
        Assert.That(_wireMockNet.BaseUri.Port, Is.Not.EqualTo(_java.BaseUri.Port));
    }

    [Test]
    public async Task The_catalog_in_the_Graph_dialect_gets_the_same_verdicts_on_WireMock_Net_and_Java_WireMock()
    {
        // Graph's mappings carry $deltatoken/$skiptoken queries and links on each server's own origin: the exported
        // format both backends load must serve them alike.
        var cancellationToken = TestContext.CurrentContext.CancellationToken;
        var scenarios = ScenarioCatalog.All.Where(s => FakeDialects.MicrosoftGraph.SkipReason(s) is null).ToArray();
        _wireMockNet!.Dialect = FakeDialects.MicrosoftGraph;
        _java!.Dialect = FakeDialects.MicrosoftGraph;
        try
        {
            var onNet = await ScenarioRunner.RunAllAsync(_wireMockNet, scenarios, GraphUsers, cancellationToken: cancellationToken);
            var onJava = await ScenarioRunner.RunAllAsync(_java, scenarios, GraphUsers, cancellationToken: cancellationToken);

            Assert.That(onNet.Where(r => !r.Passed).Select(r => r.FailureMessage), Is.Empty, "a correct Graph repository passes on WireMock.Net");
            Assert.That(onNet.Select(Verdict), Is.EqualTo(onJava.Select(Verdict)), "verdicts (scenario: passed or the rules broken)");
            Assert.That(onNet.Select(Statuses), Is.EqualTo(onJava.Select(Statuses)), "statuses served, call by call");
        }
        finally
        {
            _wireMockNet.Dialect = FakeDialects.GoogleCalendar;
            _java.Dialect = FakeDialects.GoogleCalendar;
        }
    }

    private static ISyncUnderTest GraphUsers(ConformanceContext context)
    {
        var http = new System.Net.Http.HttpClient();
        var store = new InMemorySyncStore<GraphUser>();
        var source = new SyncHttpPageSource<GraphUser>(http, SyncDialects.MicrosoftGraph, new Uri(context.Endpoint + "&$select=displayName"));
        return SyncUnderTest.Create(ct => source.SyncAsync(store, context.Options, cancellationToken: ct), store, u => u.DisplayName, http);
    }

    private static string Statuses(ScenarioReport report) =>
        report.Scenario.Name + ": " + string.Join(" | ", report.Calls.Select(c => string.Join(",", c.Journal.Select(e => e.StatusCode?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "reset"))));

    public sealed record GraphUser(string Id, string? DisplayName);

    [TestCase(SyncLoopDefect.None)]
    [TestCase(SyncLoopDefect.TokenSavedAfterFirstPage)]
    [TestCase(SyncLoopDefect.MergeOn410)]
    [TestCase(SyncLoopDefect.NoRetryOn503)]
    [TestCase(SyncLoopDefect.UnguardedPageTokenLoop)]
    public async Task The_whole_catalog_gets_the_same_verdicts_on_WireMock_Net_and_Java_WireMock(SyncLoopDefect defect)
    {
        var cancellationToken = TestContext.CurrentContext.CancellationToken;
        var onNet = await ScenarioRunner.RunAllAsync(_wireMockNet!, ScenarioCatalog.All, c => new HandWrittenSyncLoop(c, defect), cancellationToken: cancellationToken);
        var onJava = await ScenarioRunner.RunAllAsync(_java!, ScenarioCatalog.All, c => new HandWrittenSyncLoop(c, defect), cancellationToken: cancellationToken);

        Assert.That(onNet, Has.Count.EqualTo(ScenarioCatalog.All.Count));
        Assert.That(onNet.Select(Verdict), Is.EqualTo(onJava.Select(Verdict)), "verdicts (scenario: passed or the rules broken)");
        Assert.That(onNet.Select(Requests), Is.EqualTo(onJava.Select(Requests)), "requests and answers, call by call");
        if (defect == SyncLoopDefect.None)
        {
            Assert.That(onNet.Where(r => !r.Passed).Select(r => r.FailureMessage), Is.Empty, "a correct loop passes everything on WireMock.Net");
        }
        else
        {
            // A defect the catalog catches: the comparison above is between two red verdicts, not two empty ones.
            Assert.That(onNet.Count(r => !r.Passed), Is.GreaterThan(0), $"{defect} fails somewhere on WireMock.Net");
        }

        TestContext.Out.WriteLine($"{defect}: {onNet.Count(r => !r.Passed)} of {onNet.Count} scenarios failed on both; " +
            $"WireMock.Net {onNet.Sum(r => r.Duration.TotalMilliseconds):0} ms, Java WireMock {onJava.Sum(r => r.Duration.TotalMilliseconds):0} ms");
    }

    private static string Verdict(ScenarioReport report)
    {
        var rules = report.Failures
            .SelectMany(f => Regex.Matches(f, "rule '([^']+)'").Select(m => m.Groups[1].Value))
            .Distinct(StringComparer.Ordinal)
            .Order(StringComparer.Ordinal);
        return $"{report.Scenario.Name}: {(report.Passed ? "passed" : "failed [" + string.Join(", ", rules) + "]")}";
    }

    private static string Requests(ScenarioReport report) =>
        report.Scenario.Name + ": " + string.Join(" | ", report.Calls.Select(c => string.Join("; ", c.Journal.Select(e => e.ToString()))));
}
