using System.Collections.Generic;
using System.Text.Json.Nodes;
using SyncGen.Testing.WireMock;

namespace SyncGen.Testing.Tests.WireMock;

/// <summary>Mappings shaped like Google Calendar v3 events.list, shared by the WireMock tests.</summary>
internal static class WireMockTestData
{
    public const string EventsPath = "/calendar/v3/calendars/primary/events";

    /// <summary>A realistic sync token: contains '=' so it must be percent-encoded in the query.</summary>
    public const string SyncToken = "CPDAlvWDx70CEPDAlvWDx70CGAU=";

    public const string Scenario = "incremental-sync";

    public static IReadOnlyDictionary<string, string> JsonHeaders() =>
        new Dictionary<string, string> { ["Content-Type"] = "application/json; charset=UTF-8" };

    public static JsonObject GoneBody() => new()
    {
        ["error"] = new JsonObject
        {
            ["errors"] = new JsonArray(new JsonObject
            {
                ["domain"] = "calendar",
                ["reason"] = "fullSyncRequired",
                ["message"] = "Sync token is no longer valid, a full sync is required.",
                ["locationType"] = "parameter",
                ["location"] = "syncToken",
            }),
            ["code"] = 410,
            ["message"] = "Sync token is no longer valid, a full sync is required.",
        },
    };

    /// <summary>Page 1 (Started -> page-2), page 2 (page-2 -> done), then 410 (in state done), all for the same query.</summary>
    public static IReadOnlyList<WireMockMapping> PagedScenario()
    {
        var query = new Dictionary<string, WireMockStringPattern>
        {
            ["syncToken"] = WireMockStringPattern.Equal(SyncToken),
        };
        return new[]
        {
            new WireMockMapping
            {
                Name = "events page 1",
                ScenarioName = Scenario,
                RequiredScenarioState = WireMockScenario.StartedState,
                NewScenarioState = "page-2",
                Request = new WireMockRequestPattern { Method = "GET", UrlPath = EventsPath, QueryParameters = query },
                Response = new WireMockResponseDefinition
                {
                    Status = 200,
                    Headers = JsonHeaders(),
                    JsonBody = new JsonObject
                    {
                        ["kind"] = "calendar#events",
                        ["items"] = new JsonArray(new JsonObject { ["id"] = "e1", ["status"] = "confirmed" }),
                        ["nextPageToken"] = "page-2-token",
                    },
                },
            },
            new WireMockMapping
            {
                Name = "events page 2",
                ScenarioName = Scenario,
                RequiredScenarioState = "page-2",
                NewScenarioState = "done",
                Request = new WireMockRequestPattern { Method = "GET", UrlPath = EventsPath, QueryParameters = query },
                Response = new WireMockResponseDefinition
                {
                    Status = 200,
                    Headers = JsonHeaders(),
                    JsonBody = new JsonObject
                    {
                        ["kind"] = "calendar#events",
                        ["items"] = new JsonArray(new JsonObject { ["id"] = "e2", ["status"] = "cancelled" }),
                        ["nextSyncToken"] = "next-sync-token",
                    },
                },
            },
            new WireMockMapping
            {
                Name = "events gone",
                ScenarioName = Scenario,
                RequiredScenarioState = "done",
                Request = new WireMockRequestPattern { Method = "GET", UrlPath = EventsPath, QueryParameters = query },
                Response = new WireMockResponseDefinition
                {
                    Status = 410,
                    Headers = JsonHeaders(),
                    Body = GoneBody().ToJsonString(),
                },
            },
        };
    }
}
