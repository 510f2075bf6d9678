using System;
using System.Linq;
using System.Net.Http;
using System.Threading.Tasks;
using NUnit.Framework;
using SyncGen;
using SyncGen.Testing.Conformance;
using SyncGen.Testing.Dialects;
using SyncGen.Testing.Journal;
using SyncGen.Testing.Scenarios;

namespace SyncGen.Dialects.Tests;

/// <summary>
/// The dialect suites catch the bugs real users of these APIs write: each mutant is a real <see cref="SyncHttpPageSource{TItem}"/>
/// repository with one defect, and the catalog must fail on it naming the broken rule, while the same repository without
/// the defect passes (the fixtures in DialectConformance.cs).
/// </summary>
[TestFixture(false)]
[TestFixture(true)]
public sealed class DialectMutationTests(bool onWireMock)
{
    private static readonly string[] ExpiryScenarios = { "expiry-on-page-1", "expiry-on-page-n", "expiry-during-recovery" };

    [Test]
    public async Task A_People_repository_that_treats_the_400_expiry_as_fatal_fails_the_expiry_scenarios()
    {
        // The bug from the field: every 400 is fatal, so "the self-healing branch can never run".
        var treats400AsFatal = SyncDialects.GooglePeople with { IsExpiry = SyncExpiryRules.Google };
        await using var server = await StartAsync(FakeDialects.GooglePeople);
        foreach (var name in ExpiryScenarios)
        {
            var report = await ScenarioRunner.RunAsync(server, ScenarioCatalog.Get(name), c => People(c, treats400AsFatal), cancellationToken: TestContext.CurrentContext.CancellationToken);

            Assert.That(report.Passed, Is.False, $"{name} must fail for a People repository that treats the 400 expiry as fatal");
            Assert.That(report.FailureMessage, Does.Contain("got SyncRequestFailedException(HTTP 400)"), report.FailureMessage);
            Assert.That(report.FailureMessage, Does.Contain($"rule '{ScenarioCatalog.Get(name).Calls[^1].Rule}' broken"), report.FailureMessage);
        }
    }

    [Test]
    public async Task The_same_People_repository_with_the_dialects_own_expiry_rule_passes_them()
    {
        await using var server = await StartAsync(FakeDialects.GooglePeople);
        foreach (var name in ExpiryScenarios)
        {
            var report = await ScenarioRunner.RunAsync(server, ScenarioCatalog.Get(name), c => People(c, SyncDialects.GooglePeople), cancellationToken: TestContext.CurrentContext.CancellationToken);
            Assert.That(report.Passed, Is.True, report.FailureMessage);
        }
    }

    [Test]
    public async Task A_Graph_repository_that_sends_the_delta_token_as_a_parameter_instead_of_following_the_deltaLink_fails_send_stored_token()
    {
        // The mutant builds its incremental request from the endpoint and puts the stored token in $deltatoken, as a
        // client of a query-parameter API would, instead of requesting the deltaLink as the server wrote it. It follows
        // nextLinks correctly, so the defect is the deltaLink alone.
        var tokenAsParameter = SyncDialects.MicrosoftGraph with
        {
            RequestStyle = SyncRequestStyle.QueryParameters,
            SyncTokenParameter = "$deltatoken",
            PageTokenParameter = "$skiptoken",
        };
        await using var server = await StartAsync(FakeDialects.MicrosoftGraph);
        var report = await ScenarioRunner.RunAsync(
            server,
            ScenarioCatalog.Get("incremental-multi-page"),
            c => Graph(c, tokenAsParameter, handler: new FollowNextLinks()),
            cancellationToken: TestContext.CurrentContext.CancellationToken);

        Assert.That(report.Passed, Is.False);
        var naming = report.Failures.Where(f => f.Contains($"rule '{ProtocolRules.SendStoredToken}' broken", StringComparison.Ordinal)).ToArray();
        Assert.That(naming, Is.Not.Empty, report.FailureMessage);
        Assert.That(naming[0], Does.Contain("stored but sent sync link"), naming[0]);
    }

    [Test]
    public async Task A_repository_asking_for_a_path_the_server_does_not_serve_is_told_what_it_serves()
    {
        await using var server = await StartAsync(FakeDialects.MicrosoftGraph);
        var report = await ScenarioRunner.RunAsync(
            server,
            ScenarioCatalog.Get("full-sync-multi-page"),
            c => Graph(c, SyncDialects.MicrosoftGraph, new Uri(c.ApiRoot, "groups/delta")),
            cancellationToken: TestContext.CurrentContext.CancellationToken);

        Assert.That(report.Passed, Is.False);
        Assert.That(report.FailureMessage, Does.Contain("got SyncRequestFailedException(HTTP 404)"));
        Assert.That(report.FailureMessage, Does.Contain("it serves only GET /v1.0/users/delta and the links it hands out"));
        Assert.That(report.FailureMessage, Does.Contain("not served: GET /v1.0/groups/delta"));
    }

    /// <summary>The embedded server or WireMock.Net, in a dialect.</summary>
    private async Task<IScenarioServer> StartAsync(FakeDialect dialect)
    {
        if (!onWireMock)
        {
            return new EmbeddedScenarioServer(dialect);
        }

        var wireMock = await WireMockScenarioServer.StartAsync(TestContext.CurrentContext.CancellationToken);
        wireMock.Dialect = dialect;
        return wireMock;
    }

    private static ISyncUnderTest People(ConformanceContext context, SyncDialect dialect)
    {
        var http = new HttpClient();
        var store = new InMemorySyncStore<Person>();
        var source = new SyncHttpPageSource<Person>(http, dialect, new Uri(context.Endpoint + "&personFields=names"));
        return SyncUnderTest.Create(ct => source.SyncAsync(store, context.Options, cancellationToken: ct), store, p => p.DisplayName, http);
    }

    private static ISyncUnderTest Graph(ConformanceContext context, SyncDialect dialect, Uri? endpoint = null, HttpMessageHandler? handler = null)
    {
        var http = handler is null ? new HttpClient() : new HttpClient(handler);
        var store = new InMemorySyncStore<User>();
        var source = new SyncHttpPageSource<User>(http, dialect, endpoint ?? context.Endpoint);
        return SyncUnderTest.Create(ct => source.SyncAsync(store, context.Options, cancellationToken: ct), store, u => u.DisplayName, http);
    }

    /// <summary>Turns <c>?$skiptoken=LINK</c> back into a request of <c>LINK</c>: the mutant's page links are right.</summary>
    private sealed class FollowNextLinks() : DelegatingHandler(new HttpClientHandler())
    {
        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, System.Threading.CancellationToken cancellationToken)
        {
            var query = request.RequestUri!.Query.TrimStart('?').Split('&').Select(Uri.UnescapeDataString);
            var link = query.FirstOrDefault(p => p.StartsWith("$skiptoken=", StringComparison.Ordinal));
            if (link is not null)
            {
                request.RequestUri = new Uri(link["$skiptoken=".Length..]);
            }

            return base.SendAsync(request, cancellationToken);
        }
    }
}
