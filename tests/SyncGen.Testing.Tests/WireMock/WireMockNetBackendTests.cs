using System;
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

/// <summary>The rule choosing the WireMock backend from WIREMOCK_BACKEND, WIREMOCK_URL and WIREMOCK_JAR.</summary>
public sealed class WireMockBackendSelectionTests
{
    [TestCase(null, null, null, WireMockBackend.WireMockNet)]
    [TestCase("", " ", "", WireMockBackend.WireMockNet)]
    [TestCase(null, "http://localhost:8080/", null, WireMockBackend.Java)]
    [TestCase(null, null, "/opt/wiremock.jar", WireMockBackend.Java)]
    [TestCase("java", null, null, WireMockBackend.Java)]
    [TestCase("JAVA", null, null, WireMockBackend.Java)]
    [TestCase("wiremock.net", "http://localhost:8080/", "/opt/wiremock.jar", WireMockBackend.WireMockNet)]
    public void The_backend_is_WireMock_Net_unless_a_Java_WireMock_is_asked_for(string? backend, string? url, string? jar, WireMockBackend expected) =>
        Assert.That(WireMockServerOptions.ChooseBackend(backend, url, jar), Is.EqualTo(expected));

    [Test]
    public void An_unknown_backend_name_is_refused_naming_the_variable_and_the_choices()
    {
        var error = Assert.Throws<InvalidOperationException>(() => WireMockServerOptions.ChooseBackend("jetty", null, null));
        Assert.That(error!.Message, Does.Contain("WIREMOCK_BACKEND='jetty'").And.Contain("'java' or 'wiremock.net'"));
    }
}
