using System;
using System.Net;
using System.Net.Http;
using System.Threading;
using System.Threading.Tasks;
using NUnit.Framework;
using SyncGen.Testing.Conformance;
using SyncGen.Testing.Scenarios;

namespace SyncGen.Testing.Tests.Conformance;

/// <summary>
/// A repository pointed at another API (here a People-style path) gets a 404 whose body names what the kit's server
/// serves, and the scenario's failure message says so, instead of "no request reached the server".
/// </summary>
[TestFixture(ServerKind.Embedded)]
[TestFixture(ServerKind.WireMock)]
public sealed class NotServedRequestTests(ServerKind kind)
{
    private const string Served = "GET /calendar/v3/calendars/primary/events";

    [Test]
    public async Task A_request_for_another_endpoint_gets_a_404_naming_the_endpoint_served_and_the_failure_says_so()
    {
        var cancellationToken = TestContext.CurrentContext.CancellationToken;
        await using IScenarioServer server = kind == ServerKind.WireMock
            ? await WireMockScenarioServer.StartAsync(cancellationToken)
            : new EmbeddedScenarioServer();
        OtherApiClient? client = null;

        var report = await ScenarioRunner.RunAsync(server, ScenarioCatalog.Get("full-sync-multi-page"), c => client = new OtherApiClient(c), cancellationToken: cancellationToken);

        Assert.That(client!.Status, Is.EqualTo(HttpStatusCode.NotFound));
        Assert.That(client.Body, Does.Contain("is not served").And.Contain("serves only Google Calendar v3 events.list: GET /calendar/v3/calendars/"));
        Assert.That(report.Passed, Is.False);
        Assert.That(report.FailureMessage, Does.Contain($"it serves only {Served}").And.Contain("not served: GET /calendar/v3/people/me/connections?personFields=names -> 404"));
        Assert.That(report.FailureMessage, Does.Not.Contain("(no request reached the server)"));
    }

    /// <summary>A client of another API: requests <c>people/me/connections</c> under the kit's API root.</summary>
    private sealed class OtherApiClient(ConformanceContext context) : ISyncUnderTest
    {
        private readonly HttpClient _http = new() { Timeout = TimeSpan.FromSeconds(10) };

        public HttpStatusCode Status { get; private set; }

        public string Body { get; private set; } = string.Empty;

        public async Task SyncAsync(CancellationToken cancellationToken)
        {
            using var response = await _http.GetAsync(new Uri(context.ApiRoot, "people/me/connections?personFields=names"), cancellationToken);
            Status = response.StatusCode;
            Body = await response.Content.ReadAsStringAsync(cancellationToken);
            throw new SyncHttpRequestFailed((int)response.StatusCode);
        }

        public Task<MirrorSnapshot> ReadMirrorAsync(CancellationToken cancellationToken) =>
            Task.FromResult(new MirrorSnapshot(Array.Empty<MirrorItem>(), null));

        public ValueTask DisposeAsync()
        {
            _http.Dispose();
            return ValueTask.CompletedTask;
        }
    }

    private sealed class SyncHttpRequestFailed(int status) : Exception($"HTTP {status}");
}
