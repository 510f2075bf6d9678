using System;
using System.Linq;
using System.Net;
using System.Net.Http;
using System.Threading.Tasks;
using NUnit.Framework;
using SyncGen.Testing.Conformance;
using SyncGen.Testing.FakeServer;
using SyncGen.Testing.Scenarios;

namespace SyncGen.Testing.Tests.Kit;

/// <summary>
/// One fault path (issue 24, item 5): the embedded servers and the script WireMock replays take their answers from one
/// interpreter, and fault rules and requests name a feed in any dialect.
/// </summary>
[TestFixture]
public sealed class OneFaultPathTests
{
    [Test]
    public async Task A_401_carries_Googles_WWW_Authenticate_header_on_WireMock_as_on_the_embedded_server()
    {
        var scenario = ScenarioCatalog.Get("unauthorized-401-not-retried");
        var compiled = ScenarioSimulator.Simulate(scenario);
        using var http = new HttpClient();
        IScenarioServer wireMock = await WireMockScenarioServer.StartAsync();
        IScenarioServer embedded = new EmbeddedScenarioServer();
        try
        {
            foreach (var server in new[] { wireMock, embedded })
            {
                var target = await server.LoadAsync(compiled, default);
                await server.BeforeCallAsync(compiled.Calls[0], default);

                using var response = await http.GetAsync(target.Endpoint);

                Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.Unauthorized), server.Name);
                Assert.That(response.Headers.WwwAuthenticate.ToString(), Does.StartWith("Bearer realm="), server.Name);
                await server.AfterCallAsync(default);
            }
        }
        finally
        {
            await wireMock.DisposeAsync();
            await embedded.DisposeAsync();
        }
    }

    [Test]
    public async Task A_fault_rule_targets_the_feed_of_a_dialect_server_by_FeedId()
    {
        await using var server = await FakeSyncServer.StartAsync(SyncDialects.GooglePeople);
        var elsewhere = server.Faults.Enqueue(new FaultRule(Fault.Status(503)) { FeedId = "another" });
        var here = server.Faults.Enqueue(new FaultRule(Fault.Status(500)) { FeedId = "feed" });
        using var http = new HttpClient();

        using var response = await http.GetAsync(new Uri(server.Endpoint + "?requestSyncToken=true"));

        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.InternalServerError));
        Assert.That((elsewhere.FiredCount, here.FiredCount), Is.EqualTo((0, 1)));
        await server.WhenRequestsAnsweredAsync();
        Assert.That(server.Requests.Single().FeedId, Is.EqualTo("feed"));
        Assert.That(here.ToString(), Does.EndWith("of feed"));
    }
}
