using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Net.Http;
using System.Text;
using System.Text.Json.Nodes;
using System.Threading;
using System.Threading.Tasks;
using SyncGen.Testing.WireMock;

namespace SyncGen.TestSupport.WireMock;

/// <summary>
/// A typed client of WireMock's admin API (<c>/__admin/...</c>). It does not own the <see cref="HttpClient"/> it is given.
/// </summary>
internal sealed class WireMockAdminClient
{
    private readonly HttpClient _http;
    private readonly Uri _adminUri;

    /// <summary>Creates a client of the WireMock at <paramref name="baseUri"/>.</summary>
    /// <param name="http">The HTTP client to send with; not disposed by this client.</param>
    /// <param name="baseUri">The WireMock base URI, e.g. <c>http://127.0.0.1:8080/</c>.</param>
    public WireMockAdminClient(HttpClient http, Uri baseUri)
    {
        _http = http ?? throw new ArgumentNullException(nameof(http));
        ArgumentNullException.ThrowIfNull(baseUri);
        string text = baseUri.AbsoluteUri;
        BaseUri = new Uri(text.EndsWith('/') ? text : text + "/", UriKind.Absolute);
        _adminUri = new Uri(BaseUri, "__admin/");
    }

    /// <summary>The WireMock base URI (ends with a slash).</summary>
    public Uri BaseUri { get; }

    /// <summary>
    /// Resets WireMock: mappings back to those of its root directory (none for a fresh temporary one), the request
    /// journal emptied and every scenario back to <c>Started</c>.
    /// </summary>
    /// <param name="cancellationToken">Cancels the request.</param>
    /// <returns>A task completing when WireMock has reset.</returns>
    public async Task ResetAsync(CancellationToken cancellationToken = default)
    {
        await SendAsync(HttpMethod.Post, "reset", null, cancellationToken).ConfigureAwait(false);
        await SendAsync(HttpMethod.Post, "scenarios/reset", null, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Imports mappings (<c>POST /__admin/mappings/import</c>). Mappings with an id already present are overwritten; when
    /// <paramref name="deleteAllNotInImport"/> is true (the default) every other mapping is removed.
    /// </summary>
    /// <param name="mappings">The mappings.</param>
    /// <param name="deleteAllNotInImport">Whether to remove the mappings the import does not name.</param>
    /// <param name="cancellationToken">Cancels the request.</param>
    /// <returns>A task completing when WireMock has imported the mappings.</returns>
    internal Task ImportMappingsAsync(
        IEnumerable<WireMockMapping> mappings,
        bool deleteAllNotInImport = true,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(mappings);
        return ImportRawMappingsAsync(mappings.Select(WireMockJson.ToJsonObject), deleteAllNotInImport, cancellationToken);
    }

    /// <summary>Imports mappings given as raw JSON objects in WireMock's mapping format; see <see cref="ImportMappingsAsync"/>.</summary>
    /// <param name="mappings">The mappings; each is deep-cloned, the caller's objects are left untouched.</param>
    /// <param name="deleteAllNotInImport">Whether to remove the mappings the import does not name.</param>
    /// <param name="cancellationToken">Cancels the request.</param>
    /// <returns>A task completing when WireMock has imported the mappings.</returns>
    public async Task ImportRawMappingsAsync(
        IEnumerable<JsonObject> mappings,
        bool deleteAllNotInImport = true,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(mappings);
        var array = new JsonArray();
        foreach (JsonObject mapping in mappings)
        {
            ArgumentNullException.ThrowIfNull(mapping, nameof(mappings));
            array.Add(mapping.DeepClone());
        }

        var body = new JsonObject
        {
            ["mappings"] = array,
            ["importOptions"] = new JsonObject
            {
                ["duplicatePolicy"] = "OVERWRITE",
                ["deleteAllNotInImport"] = deleteAllNotInImport,
            },
        };
        await SendAsync(HttpMethod.Post, "mappings/import", body, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Counts the stub mappings WireMock currently holds.</summary>
    /// <param name="cancellationToken">Cancels the request.</param>
    /// <returns>The number of mappings.</returns>
    public async Task<int> GetMappingCountAsync(CancellationToken cancellationToken = default)
    {
        JsonNode? root = await GetJsonAsync("mappings", cancellationToken).ConfigureAwait(false);
        return root?["meta"]?["total"]?.GetValue<int>() ?? root?["mappings"]?.AsArray().Count ?? 0;
    }

    /// <summary>
    /// Reads the request journal (<c>GET /__admin/requests</c>) in chronological order, oldest first (WireMock itself lists
    /// newest first).
    /// </summary>
    /// <param name="cancellationToken">Cancels the request.</param>
    /// <returns>The requests received since the last reset.</returns>
    public async Task<IReadOnlyList<WireMockLoggedRequest>> GetRequestsAsync(CancellationToken cancellationToken = default)
    {
        JsonNode? root = await GetJsonAsync("requests", cancellationToken).ConfigureAwait(false);
        var result = new List<WireMockLoggedRequest>();
        if (root?["requests"] is not JsonArray requests)
        {
            return result;
        }

        foreach (JsonNode? entry in requests)
        {
            if (entry is JsonObject serveEvent)
            {
                result.Add(ParseServeEvent(serveEvent));
            }
        }

        // WireMock lists newest first. Reverse, then sort stably by time so the order is right whichever way it lists.
        result.Reverse();
        return result.Select((request, index) => (request, index))
            .OrderBy(x => x.request.LoggedDate)
            .ThenBy(x => x.index)
            .Select(x => x.request)
            .ToList();
    }

    /// <summary>Empties the request journal only (<c>DELETE /__admin/requests</c>), leaving mappings and scenarios.</summary>
    /// <param name="cancellationToken">Cancels the request.</param>
    /// <returns>A task completing when the journal is empty.</returns>
    public Task ResetRequestsAsync(CancellationToken cancellationToken = default) =>
        SendAsync(HttpMethod.Delete, "requests", null, cancellationToken);

    /// <summary>Moves every scenario back to <c>Started</c> (<c>POST /__admin/scenarios/reset</c>).</summary>
    /// <param name="cancellationToken">Cancels the request.</param>
    /// <returns>A task completing when the scenarios are reset.</returns>
    public Task ResetScenariosAsync(CancellationToken cancellationToken = default) =>
        SendAsync(HttpMethod.Post, "scenarios/reset", null, cancellationToken);

    /// <summary>Reads every scenario with its current state (<c>GET /__admin/scenarios</c>), ordered by name.</summary>
    /// <param name="cancellationToken">Cancels the request.</param>
    /// <returns>The scenarios the current mappings name.</returns>
    public async Task<IReadOnlyList<WireMockScenario>> GetScenariosAsync(CancellationToken cancellationToken = default)
    {
        JsonNode? root = await GetJsonAsync("scenarios", cancellationToken).ConfigureAwait(false);
        var result = new List<WireMockScenario>();
        if (root?["scenarios"] is JsonArray scenarios)
        {
            foreach (JsonNode? node in scenarios)
            {
                if (node is not JsonObject scenario)
                {
                    continue;
                }

                string name = GetString(scenario, "name") ?? GetString(scenario, "id") ?? string.Empty;
                string state = GetString(scenario, "state") ?? WireMockScenario.StartedState;
                var possible = new List<string>();
                if (scenario["possibleStates"] is JsonArray states)
                {
                    possible.AddRange(states.Select(s => s?.GetValue<string>()).OfType<string>());
                }

                result.Add(new WireMockScenario(name, state, possible));
            }
        }

        result.Sort((a, b) => string.CompareOrdinal(a.Name, b.Name));
        return result;
    }

    /// <summary>Sets the state of one scenario (<c>PUT /__admin/scenarios/{name}/state</c>).</summary>
    /// <param name="scenarioName">The scenario.</param>
    /// <param name="state">The state to move it to.</param>
    /// <param name="cancellationToken">Cancels the request.</param>
    /// <returns>A task completing when the state is set.</returns>
    public Task SetScenarioStateAsync(string scenarioName, string state, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(scenarioName);
        ArgumentException.ThrowIfNullOrEmpty(state);
        return SendAsync(
            HttpMethod.Put,
            "scenarios/" + Uri.EscapeDataString(scenarioName) + "/state",
            new JsonObject { ["state"] = state },
            cancellationToken);
    }

    /// <summary>Whether the admin API answers (<c>GET /__admin/mappings?limit=1</c> returns a success status).</summary>
    /// <param name="cancellationToken">Cancels the request.</param>
    /// <returns>True when WireMock answered with a success status; false on any transport failure or error status.</returns>
    public async Task<bool> IsAvailableAsync(CancellationToken cancellationToken = default)
    {
        try
        {
            using HttpResponseMessage response = await _http
                .GetAsync(new Uri(_adminUri, "mappings?limit=1"), cancellationToken)
                .ConfigureAwait(false);
            return response.IsSuccessStatusCode;
        }
        catch (HttpRequestException)
        {
            return false;
        }
        catch (TaskCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            return false;
        }
    }

    /// <summary>Asks WireMock to shut down (<c>POST /__admin/shutdown</c>).</summary>
    /// <param name="cancellationToken">Cancels the request.</param>
    /// <returns>A task completing when WireMock has acknowledged.</returns>
    public Task ShutdownAsync(CancellationToken cancellationToken = default) =>
        SendAsync(HttpMethod.Post, "shutdown", null, cancellationToken);

    private static WireMockLoggedRequest ParseServeEvent(JsonObject serveEvent)
    {
        JsonObject request = serveEvent["request"] as JsonObject ?? new JsonObject();
        string url = GetString(request, "url") ?? string.Empty;
        string method = GetString(request, "method") ?? string.Empty;
        int? status = null;
        if (serveEvent["response"] is JsonObject response && response["status"] is JsonValue statusValue
            && statusValue.TryGetValue(out int s) && s > 0)
        {
            status = s;
        }

        DateTimeOffset loggedDate = default;
        if (request["loggedDate"] is JsonValue dateValue && dateValue.TryGetValue(out long millis))
        {
            loggedDate = DateTimeOffset.FromUnixTimeMilliseconds(millis);
        }
        else if (GetString(request, "loggedDateString") is string dateText
            && DateTimeOffset.TryParse(dateText, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out DateTimeOffset parsed))
        {
            loggedDate = parsed;
        }

        var headers = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        if (request["headers"] is JsonObject headerObject)
        {
            foreach (KeyValuePair<string, JsonNode?> header in headerObject)
            {
                string? value = header.Value switch
                {
                    JsonArray values => values.Count > 0 ? values[0]?.ToString() : null,
                    JsonNode node => node.ToString(),
                    null => null,
                };
                if (value is not null)
                {
                    headers[header.Key] = value;
                }
            }
        }

        bool wasMatched = serveEvent["wasMatched"] is JsonValue matched && matched.TryGetValue(out bool m) && m;
        string id = GetString(serveEvent, "id") ?? string.Empty;
        string? fault = serveEvent["responseDefinition"] is JsonObject definition ? GetString(definition, "fault") : null;
        return new WireMockLoggedRequest(id, method, url, status, loggedDate, wasMatched, headers) { Fault = fault };
    }

    private static string? GetString(JsonObject obj, string name) =>
        obj[name] is JsonValue value && value.TryGetValue(out string? text) ? text : null;

    private async Task<JsonNode?> GetJsonAsync(string relative, CancellationToken cancellationToken)
    {
        using HttpResponseMessage response = await _http
            .GetAsync(new Uri(_adminUri, relative), cancellationToken)
            .ConfigureAwait(false);
        await EnsureSuccessAsync(response, HttpMethod.Get, relative, cancellationToken).ConfigureAwait(false);
        string text = await response.Content.ReadAsStringAsync(cancellationToken).ConfigureAwait(false);
        return JsonNode.Parse(text);
    }

    private async Task SendAsync(HttpMethod method, string relative, JsonNode? body, CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(method, new Uri(_adminUri, relative));
        if (body is not null)
        {
            request.Content = new StringContent(body.ToJsonString(), Encoding.UTF8, "application/json");
        }

        using HttpResponseMessage response = await _http.SendAsync(request, cancellationToken).ConfigureAwait(false);
        await EnsureSuccessAsync(response, method, relative, cancellationToken).ConfigureAwait(false);
    }

    private async Task EnsureSuccessAsync(
        HttpResponseMessage response,
        HttpMethod method,
        string relative,
        CancellationToken cancellationToken)
    {
        if (response.IsSuccessStatusCode)
        {
            return;
        }

        string text = await response.Content.ReadAsStringAsync(cancellationToken).ConfigureAwait(false);
        throw new HttpRequestException(
            $"WireMock admin {method} {new Uri(_adminUri, relative)} failed with {(int)response.StatusCode} {response.ReasonPhrase}: {text}",
            null,
            response.StatusCode);
    }
}
