using System;
using System.Collections.Generic;
using System.Linq;
using System.Net.Http;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using SyncGen.Testing.FakeServer;
using SyncGen.Testing.WireMock;

namespace SyncGen.Testing.Conformance.FanOut;

/// <summary>
/// How a fan-out scenario reaches WireMock: the repository under test first runs it through a recording proxy in front of
/// the embedded server, which keeps every answer by sync call; each call's answers become WireMock mappings of that
/// call's scenario state, and a fresh instance of the same repository runs the scenario again on WireMock. The
/// repository sends the same requests both times (the server's tokens are a pure function of its log), so a request
/// WireMock has no answer for is a difference in the client, and fails the scenario.
/// </summary>
internal sealed class FanOutRecording : IAsyncDisposable
{
    /// <summary>The WireMock scenario the mappings belong to; its state names the sync call: <c>Started</c>, then <c>call2</c>, <c>call3</c>, ...</summary>
    public const string ScenarioName = "fan-out";

    private readonly WebApplication _proxy;
    private readonly HttpClient _forward = new(new SocketsHttpHandler { AllowAutoRedirect = false, AutomaticDecompression = System.Net.DecompressionMethods.None });
    private readonly List<Exchange> _exchanges = new();
    private readonly object _gate = new();

    private FanOutRecording(WebApplication proxy, Uri apiRoot)
    {
        _proxy = proxy;
        ApiRoot = apiRoot;
    }

    /// <summary>The API root the recorded repository talks to (the proxy's).</summary>
    public Uri ApiRoot { get; }

    /// <summary>The sync call being recorded, from 1.</summary>
    public int Call { get; set; }

    public static async Task<FanOutRecording> StartAsync(FakeCalendarServer server, CancellationToken cancellationToken)
    {
        FanOutRecording? recording = null;
        var target = new Uri(server.BaseUri.GetLeftPart(UriPartial.Authority));
        var (app, origin) = await EmbeddedHttpHost.StartAsync(0, null, context => recording!.ForwardAsync(context, target), cancellationToken).ConfigureAwait(false);
        recording = new FanOutRecording(app, new Uri(origin + FakeCalendarServer.RootPath + "/"));
        return recording;
    }

    /// <summary>Each recorded answer as a mapping of its call's state; a repeat of a request within one call keeps the first answer.</summary>
    public IReadOnlyList<WireMockMapping> Mappings()
    {
        lock (_gate)
        {
            return _exchanges
                .GroupBy(e => (e.Call, e.Path, Query: string.Join("&", e.Query.Select(p => p.Key + "=" + p.Value))))
                .Select(g => g.First())
                .Select(e => new WireMockMapping
                {
                    ScenarioName = ScenarioName,
                    RequiredScenarioState = State(e.Call),

                    // Stay in the call's state. With WireMock.Net 1.25, mappings without a next state, or a first state other
                    // than Started, matched nothing once the scenario had been moved by SetScenarioState.
                    NewScenarioState = State(e.Call),
                    // WireMock.Net matches the unescaped path: the recorded %23 and %40 of a calendar id as # and @.
                    Request = new WireMockRequestPattern { Method = "GET", UrlPath = Uri.UnescapeDataString(e.Path), QueryParameters = QueryPattern(e.Query) },
                    Response = new WireMockResponseDefinition
                    {
                        Status = e.Status,
                        Headers = new Dictionary<string, string> { ["Content-Type"] = "application/json; charset=UTF-8" },
                        Body = e.Body,
                    },
                })
                .ToList();
        }
    }

    /// <summary>The state of sync call <paramref name="call"/>.</summary>
    public static string State(int call) => call == 1 ? WireMockScenario.StartedState : "call" + call;

    public async ValueTask DisposeAsync()
    {
        await _proxy.StopAsync(CancellationToken.None).ConfigureAwait(false);
        await _proxy.DisposeAsync().ConfigureAwait(false);
        _forward.Dispose();
    }

    // Every parameter is matched exactly, and the tokens' absence too: a full pass and an incremental one of one call differ by them.
    private static Dictionary<string, WireMockStringPattern> QueryPattern(IReadOnlyList<KeyValuePair<string, string>> query)
    {
        var pattern = query.GroupBy(p => p.Key).ToDictionary(g => g.Key, g => WireMockStringPattern.Equal(g.First().Value));
        foreach (var token in new[] { "syncToken", "pageToken" })
        {
            pattern.TryAdd(token, WireMockStringPattern.IsAbsent());
        }

        return pattern;
    }

    private async Task ForwardAsync(HttpContext context, Uri target)
    {
        // The raw target keeps the client's escaping (%23, %40 in a calendar id), so the server sees what the client sent.
        var raw = context.Features.Get<IHttpRequestFeature>()?.RawTarget ?? context.Request.Path + context.Request.QueryString;
        using var answer = await _forward.GetAsync(new Uri(target, raw), context.RequestAborted).ConfigureAwait(false);
        var body = await answer.Content.ReadAsStringAsync(context.RequestAborted).ConfigureAwait(false);
        var question = raw.IndexOf('?', StringComparison.Ordinal);
        lock (_gate)
        {
            _exchanges.Add(new Exchange(
                Call,
                question < 0 ? raw : raw[..question],
                EmbeddedHttpHost.ParseQuery(question < 0 ? null : raw[question..]),
                (int)answer.StatusCode,
                body));
        }

        context.Response.StatusCode = (int)answer.StatusCode;
        context.Response.ContentType = "application/json; charset=UTF-8";
        await context.Response.WriteAsync(body, context.RequestAborted).ConfigureAwait(false);
    }

    private sealed record Exchange(int Call, string Path, IReadOnlyList<KeyValuePair<string, string>> Query, int Status, string Body);
}
