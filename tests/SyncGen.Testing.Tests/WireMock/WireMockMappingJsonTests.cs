using System;
using System.Collections.Generic;
using System.Text.Json.Nodes;
using NUnit.Framework;
using SyncGen.Testing.WireMock;

namespace SyncGen.Testing.Tests.WireMock;

/// <summary>The typed mapping model serialises to WireMock's own JSON mapping format; no server needed.</summary>
[TestFixture]
public sealed class WireMockMappingJsonTests
{
    [Test]
    public void Mapping_serialises_to_WireMock_format_without_nulls()
    {
        var mapping = new WireMockMapping
        {
            Id = Guid.Parse("00000000-0000-4000-8000-000000000001"),
            Priority = 1,
            ScenarioName = "s",
            RequiredScenarioState = "Started",
            NewScenarioState = "page-2",
            Request = new WireMockRequestPattern
            {
                Method = "GET",
                UrlPath = "/calendar/v3/calendars/primary/events",
                QueryParameters = new Dictionary<string, WireMockStringPattern>
                {
                    ["syncToken"] = WireMockStringPattern.Equal("abc"),
                    ["pageToken"] = WireMockStringPattern.IsAbsent(),
                    ["maxResults"] = WireMockStringPattern.Regex("[0-9]+"),
                },
            },
            Response = new WireMockResponseDefinition
            {
                Status = 503,
                Headers = new Dictionary<string, string> { ["Retry-After"] = "3" },
                FixedDelayMilliseconds = 10,
                Fault = WireMockFault.ConnectionResetByPeer,
            },
        };

        JsonObject json = WireMockJson.ToJsonObject(mapping);

        Assert.That(json["id"]!.GetValue<string>(), Is.EqualTo("00000000-0000-4000-8000-000000000001"));
        Assert.That(json["priority"]!.GetValue<int>(), Is.EqualTo(1));
        Assert.That(json["scenarioName"]!.GetValue<string>(), Is.EqualTo("s"));
        Assert.That(json["requiredScenarioState"]!.GetValue<string>(), Is.EqualTo("Started"));
        Assert.That(json["newScenarioState"]!.GetValue<string>(), Is.EqualTo("page-2"));
        Assert.That(json.ContainsKey("name"), Is.False, "nulls are omitted");
        JsonObject request = json["request"]!.AsObject();
        Assert.That(request["method"]!.GetValue<string>(), Is.EqualTo("GET"));
        Assert.That(request["urlPath"]!.GetValue<string>(), Is.EqualTo("/calendar/v3/calendars/primary/events"));
        Assert.That(request.ContainsKey("url"), Is.False);
        Assert.That(request["queryParameters"]!["syncToken"]!.ToJsonString(), Is.EqualTo("{\"equalTo\":\"abc\"}"));
        Assert.That(request["queryParameters"]!["pageToken"]!.ToJsonString(), Is.EqualTo("{\"absent\":true}"));
        Assert.That(request["queryParameters"]!["maxResults"]!["matches"]!.GetValue<string>(), Is.EqualTo("[0-9]+"));
        Assert.That(WireMockJson.Serialize(mapping), Does.Contain("\"matches\": \"[0-9]+\""), "files stay readable: no needless escapes");
        JsonObject response = json["response"]!.AsObject();
        Assert.That(response["status"]!.GetValue<int>(), Is.EqualTo(503));
        Assert.That(response["headers"]!["Retry-After"]!.GetValue<string>(), Is.EqualTo("3"), "header names keep their case");
        Assert.That(response["fixedDelayMilliseconds"]!.GetValue<int>(), Is.EqualTo(10));
        Assert.That(response["fault"]!.GetValue<string>(), Is.EqualTo("CONNECTION_RESET_BY_PEER"));
        Assert.That(response.ContainsKey("body"), Is.False);
        Assert.That(response.ContainsKey("jsonBody"), Is.False);
    }

    [TestCase(nameof(WireMockFault.ConnectionResetByPeer), "CONNECTION_RESET_BY_PEER")]
    [TestCase(nameof(WireMockFault.EmptyResponse), "EMPTY_RESPONSE")]
    [TestCase(nameof(WireMockFault.MalformedResponseChunk), "MALFORMED_RESPONSE_CHUNK")]
    [TestCase(nameof(WireMockFault.RandomDataThenClose), "RANDOM_DATA_THEN_CLOSE")]
    public void Fault_uses_WireMock_names(string faultName, string expected)
    {
        // The fault travels by name: the mapping model is internal to the kit, so a public test method cannot take it.
        var fault = Enum.Parse<WireMockFault>(faultName);
        JsonObject json = WireMockJson.ToJsonObject(new WireMockMapping { Response = new WireMockResponseDefinition { Fault = fault } });
        Assert.That(json["response"]!["fault"]!.GetValue<string>(), Is.EqualTo(expected));
    }

    [Test]
    public void Json_body_is_embedded_as_json_and_status_defaults_to_200()
    {
        var body = new JsonObject { ["items"] = new JsonArray(), ["nextSyncToken"] = "t" };
        JsonObject json = WireMockJson.ToJsonObject(new WireMockMapping { Response = new WireMockResponseDefinition { JsonBody = body } });
        Assert.That(json["response"]!["jsonBody"]!.ToJsonString(), Is.EqualTo("{\"items\":[],\"nextSyncToken\":\"t\"}"));
        Assert.That(json["response"]!["status"]!.GetValue<int>(), Is.EqualTo(200));
        Assert.That(body.Parent, Is.Null, "the caller's body is not re-parented");
    }

    [Test]
    public void Export_file_names_are_stable_slugs()
    {
        Assert.That(WireMockMappingExport.FileNameFor(new WireMockMapping { Name = "Events: page 1!" }, 1), Is.EqualTo("001-events-page-1.json"));
        Assert.That(
            WireMockMappingExport.FileNameFor(new WireMockMapping { ScenarioName = "sync", RequiredScenarioState = "page-2" }, 12),
            Is.EqualTo("012-sync-page-2.json"));
        Assert.That(
            WireMockMappingExport.FileNameFor(new WireMockMapping { Request = new WireMockRequestPattern { Method = "GET", UrlPath = "/calendar/v3/users/me/calendarList" } }, 3),
            Is.EqualTo("003-get-calendar-v3-users-me-calendarlist.json"));
        Assert.That(WireMockMappingExport.FileNameFor(new WireMockMapping(), 100), Is.EqualTo("100-any-all.json"));
    }

    [Test]
    public void Logged_request_parses_query_from_url_in_order_decoded()
    {
        var entry = new WireMockLoggedRequest(
            "id",
            "GET",
            "/events?syncToken=a%3D%3D&pageToken=p+2&flag&syncToken=second",
            200,
            DateTimeOffset.UnixEpoch,
            true,
            new Dictionary<string, string>());

        Assert.That(entry.Path, Is.EqualTo("/events"));
        Assert.That(entry.QueryParameters, Is.EqualTo(new[]
        {
            new KeyValuePair<string, string>("syncToken", "a=="),
            new KeyValuePair<string, string>("pageToken", "p 2"),
            new KeyValuePair<string, string>("flag", string.Empty),
            new KeyValuePair<string, string>("syncToken", "second"),
        }));
        Assert.That(entry.GetQueryValue("syncToken"), Is.EqualTo("a=="));
        Assert.That(entry.GetQueryValue("missing"), Is.Null);
        Assert.That(entry.ToString(), Is.EqualTo("GET /events?syncToken=a%3D%3D&pageToken=p+2&flag&syncToken=second -> 200"));
    }
}
