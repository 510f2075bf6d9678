using System;
using System.Collections.Generic;
using System.Net;
using System.Net.Http;
using System.Net.Http.Headers;
using System.Text.Json.Nodes;
using System.Threading.Tasks;
using SyncGen.Testing.FakeServer;

namespace SyncGen.Testing.Tests.FakeCalendarTests;

/// <summary>One HTTP answer of the fake server, read as text (parsed on demand so malformed bodies stay testable).</summary>
internal sealed record ApiResponse(HttpStatusCode Status, string Body, HttpResponseHeaders Headers, HttpContentHeaders ContentHeaders)
{
    public JsonObject Json => JsonNode.Parse(Body)!.AsObject();

    public JsonArray Items => Json["items"]!.AsArray();

    public string? NextPageToken => (string?)Json["nextPageToken"];

    public string? NextSyncToken => (string?)Json["nextSyncToken"];

    public string? ErrorReason => (string?)Json["error"]!["errors"]![0]!["reason"];
}

/// <summary>The result of following every page of one pass.</summary>
internal sealed record PassResult(IReadOnlyList<ApiResponse> Pages, IReadOnlyList<JsonObject> Items, string SyncToken);

/// <summary>A plain HttpClient speaking to the fake server over real HTTP, as an app would.</summary>
internal sealed class FakeCalendarApi : IDisposable
{
    private readonly HttpClient _http;

    public FakeCalendarApi(FakeCalendarServer server, bool decompress = true)
    {
        Server = server;
        _http = new HttpClient(new SocketsHttpHandler
        {
            AutomaticDecompression = decompress ? DecompressionMethods.GZip : DecompressionMethods.None,
        })
        {
            Timeout = TimeSpan.FromSeconds(30),
        };
    }

    public FakeCalendarServer Server { get; }

    public HttpClient Http => _http;

    public static string Escape(string value) => Uri.EscapeDataString(value);

    public Uri EventsUri(string query, string calendarId = "primary") =>
        new(Server.EventsUri(calendarId) + (query.Length == 0 ? string.Empty : "?" + query));

    public async Task<ApiResponse> GetAsync(string query, string calendarId = "primary")
    {
        using var response = await _http.GetAsync(EventsUri(query, calendarId)).ConfigureAwait(false);
        var body = await response.Content.ReadAsStringAsync().ConfigureAwait(false);
        return new ApiResponse(response.StatusCode, body, response.Headers, response.Content.Headers);
    }

    /// <summary>Follows nextPageToken until a page carries nextSyncToken, repeating the query on every page.</summary>
    public async Task<PassResult> ListAllAsync(string query = "", string calendarId = "primary", Action<int>? afterPage = null)
    {
        var pages = new List<ApiResponse>();
        var items = new List<JsonObject>();
        string? pageToken = null;
        while (true)
        {
            var pageQuery = pageToken is null ? query : Join(query, "pageToken=" + Escape(pageToken));
            var page = await GetAsync(pageQuery, calendarId).ConfigureAwait(false);
            if (page.Status != HttpStatusCode.OK)
            {
                throw new InvalidOperationException($"Page {pages.Count + 1} failed: {(int)page.Status} {page.Body}");
            }

            pages.Add(page);
            foreach (var item in page.Items)
            {
                items.Add(item!.AsObject());
            }

            afterPage?.Invoke(pages.Count);
            if (page.NextSyncToken is { } syncToken)
            {
                return new PassResult(pages, items, syncToken);
            }

            pageToken = page.NextPageToken ?? throw new InvalidOperationException("A page carried neither token.");
            if (pages.Count > 1000)
            {
                throw new InvalidOperationException("Too many pages.");
            }
        }
    }

    public static string Join(string query, string parameter) => query.Length == 0 ? parameter : query + "&" + parameter;

    public void Dispose() => _http.Dispose();
}
