using System.Collections.Generic;
using System.Linq;
using System.Net;
using System.Net.Http;
using System.Threading.Tasks;
using NUnit.Framework;
using SyncGen.Testing.WireMock;

namespace SyncGen.Testing.Tests.WireMock;

/// <summary>The in-process WireMock.Net backend serves the kit's mappings as the Java WireMock does.</summary>
public sealed class WireMockNetBackendTests
{
    private static WireMockMapping Step(string required, string next, Dictionary<string, WireMockStringPattern> query, int status, string body) => new()
    {
        Name = required,
        Priority = 1,
        ScenarioName = "s",
        RequiredScenarioState = required,
        NewScenarioState = next,
        Request = new WireMockRequestPattern { Method = "GET", UrlPath = "/calendar/v3/calendars/primary/events", QueryParameters = query },
        Response = new WireMockResponseDefinition { Status = status, Body = body },
    };

    [Test]
    public async Task Scenario_states_and_query_conditions_play_in_order()
    {
        var cancellationToken = TestContext.CurrentContext.CancellationToken;
        await using var backend = WireMockNetBackend.Start();
        await backend.LoadMappingsAsync(
            new[]
            {
                Step(WireMockScenario.StartedState, "two", new() { ["maxResults"] = WireMockStringPattern.Equal("3"), ["syncToken"] = WireMockStringPattern.IsAbsent() }, 503, "first"),
                Step("two", "three", new() { ["maxResults"] = WireMockStringPattern.Equal("3"), ["syncToken"] = WireMockStringPattern.IsAbsent() }, 200, "second"),
            },
            cancellationToken);
        await backend.SetScenarioStateAsync("s", WireMockScenario.StartedState, cancellationToken);
        using var http = new HttpClient { BaseAddress = backend.BaseUri };

        var first = await http.GetAsync("calendar/v3/calendars/primary/events?maxResults=3", cancellationToken);
        var second = await http.GetAsync("calendar/v3/calendars/primary/events?maxResults=3", cancellationToken);

        Assert.That((int)first.StatusCode, Is.EqualTo(503));
        Assert.That(await first.Content.ReadAsStringAsync(cancellationToken), Is.EqualTo("first"));
        Assert.That((int)second.StatusCode, Is.EqualTo(200));
        Assert.That(await second.Content.ReadAsStringAsync(cancellationToken), Is.EqualTo("second"));
    }
}
