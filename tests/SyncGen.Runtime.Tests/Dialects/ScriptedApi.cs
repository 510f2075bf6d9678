using System;
using System.Collections.Concurrent;
using System.Net.Sockets;
using System.Text;
using System.Threading;
using System.Threading.Tasks;
using SyncGen.Runtime.Tests.Engine;

namespace SyncGen.Runtime.Tests.Dialects;

/// <summary>
/// An API on 127.0.0.1 that answers each request target (compared unescaped, so <c>$select</c> and <c>%24select</c>
/// are one route) from a table the test fills: real sockets, so the page source meets real HTTP. A target the table
/// does not hold gets a 404 naming it, which fails the test with the request that was not expected.
/// </summary>
internal sealed class ScriptedApi : IAsyncDisposable
{
    private readonly ConcurrentDictionary<string, Answer> _routes = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, Answer> _once = new(StringComparer.Ordinal);
    private readonly RawHttpServer _server;

    public ScriptedApi() => _server = new RawHttpServer(AnswerAsync);

    public Uri BaseUri => _server.BaseUri;

    /// <summary>Every request target, unescaped, in arrival order.</summary>
    public ConcurrentQueue<string> Targets { get; } = new();

    /// <summary>Every request target exactly as it arrived, in arrival order.</summary>
    public ConcurrentQueue<string> RawTargets { get; } = new();

    /// <summary>Targets that matched no route (answered 404).</summary>
    public ConcurrentQueue<string> Unrouted { get; } = new();

    public void Json(string target, string body) => _routes[Unescape(target)] = new Answer(200, "application/json", body);

    public void Error(string target, int status, string contentType, string body) => _routes[Unescape(target)] = new Answer(status, contentType, body);

    /// <summary>The next request to <paramref name="target"/> gets this answer; later ones get the route's.</summary>
    public void Once(string target, int status, string contentType, string body) => _once[Unescape(target)] = new Answer(status, contentType, body);

    public ValueTask DisposeAsync() => _server.DisposeAsync();

    private static string Unescape(string target) => Uri.UnescapeDataString(target);

    private async Task AnswerAsync(int number, string target, NetworkStream stream, CancellationToken cancellationToken)
    {
        var key = Unescape(target);
        Targets.Enqueue(key);
        RawTargets.Enqueue(target);
        var answer = _once.TryRemove(key, out var once) ? once
            : _routes.TryGetValue(key, out var routed) ? routed
            : NoRoute(key);
        var body = Encoding.UTF8.GetBytes(answer.Body);
        var head = $"HTTP/1.1 {answer.Status} X\r\nContent-Type: {answer.ContentType}\r\nContent-Length: {body.Length}\r\nConnection: close\r\n\r\n";
        await stream.WriteAsync(Encoding.ASCII.GetBytes(head), cancellationToken);
        await stream.WriteAsync(body, cancellationToken);
        await stream.FlushAsync(cancellationToken);
    }

    private Answer NoRoute(string key)
    {
        Unrouted.Enqueue(key);
        return new Answer(404, "text/plain", $"ScriptedApi has no route for {key}");
    }

    private sealed record Answer(int Status, string ContentType, string Body);
}
