using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Linq;
using System.Text;
using System.Text.Json;
using System.Threading;
using System.Threading.Tasks;
using WireMock;
using WireMock.RequestBuilders;
using WireMock.ResponseBuilders;
using WireMock.Server;
using WireMock.Settings;
using WireMock.Types;
using WireMock.Util;

namespace GraphSync.Tests;

/// <summary>
/// WireMock.Net in process on 127.0.0.1, answering Graph delta requests from a table the test fills: each exact
/// path-and-query (as the client sent it, nothing decoded) has a queue of answers, the last of which repeats. Every
/// request is journaled as sent, when it arrives. A request the table lacks gets a 404 naming it, so a test fails on what was asked.
/// </summary>
public sealed class GraphDeltaStub : IDisposable
{
    private readonly WireMockServer _server;
    private readonly ConcurrentDictionary<string, Queue<Answer>> _answers = new(StringComparer.Ordinal);
    private readonly ConcurrentQueue<Sent> _requests = new();

    // Ends stalled answers when the stub stops, so the server does not wait out its shutdown grace period for them.
    private readonly CancellationTokenSource _stopping = new();

    public GraphDeltaStub()
    {
        _server = WireMockServer.Start(new WireMockServerSettings { Urls = new[] { "http://127.0.0.1:0" }, StartAdminInterface = false });
        _server.Given(Request.Create().UsingAnyMethod()).RespondWith(Response.Create().WithCallback(Respond));
        Origin = _server.Urls[0].TrimEnd('/');
        Root = Origin + "/v1.0";
    }

    /// <summary><c>http://127.0.0.1:PORT</c>.</summary>
    public string Origin { get; }

    /// <summary>The Graph root the sample is pointed at: <c>{Origin}/v1.0</c>.</summary>
    public string Root { get; }

    /// <summary>The first request of a full pass.</summary>
    public string DeltaEndpoint => Root + "/users/delta";

    /// <summary>Every request, as path and query exactly as sent, in order.</summary>
    public IReadOnlyList<string> Requests => _requests.Select(r => r.PathAndQuery).ToList();

    /// <summary>Every request with its Authorization header (null when there was none).</summary>
    public IReadOnlyList<Sent> SentRequests => _requests.ToList();

    /// <summary>Answers <paramref name="url"/> (absolute, or path and query) with <paramref name="answers"/> in order; the last repeats.</summary>
    public void On(string url, params Answer[] answers)
    {
        var key = url.StartsWith(Origin, StringComparison.Ordinal) ? url[Origin.Length..] : url;
        _answers[key] = new Queue<Answer>(answers);
    }

    public void ClearJournal() => _requests.Clear();

    /// <summary>A delta page: users (id, displayName), removed entries (id, reason) and one of the two links.</summary>
    public static Answer Page(IEnumerable<(string Id, string Name)> users, string? nextLink = null, string? deltaLink = null, IEnumerable<(string Id, string Reason)>? removed = null)
    {
        var value = users.Select(u => (object)new Dictionary<string, object?> { ["@odata.type"] = "#microsoft.graph.user", ["id"] = u.Id, ["displayName"] = u.Name })
            .Concat((removed ?? []).Select(r => (object)new Dictionary<string, object?> { ["id"] = r.Id, ["@removed"] = new { reason = r.Reason } }));
        var page = new Dictionary<string, object?> { ["@odata.context"] = "https://graph.microsoft.com/v1.0/$metadata#users(displayName)", ["value"] = value };
        if (nextLink is not null)
        {
            page["@odata.nextLink"] = nextLink;
        }

        if (deltaLink is not null)
        {
            page["@odata.deltaLink"] = deltaLink;
        }

        return new Answer(200, JsonSerializer.Serialize(page), "application/json");
    }

    /// <summary>A Graph error body: <c>{"error":{"code","message"}}</c>.</summary>
    public static Answer Error(int status, string code, string message, params (string Name, string Value)[] headers) =>
        new(status, JsonSerializer.Serialize(new { error = new { code, message, innerError = new { date = "2026-03-02T09:00:00", requestId = "r-1" } } }), "application/json", headers);

    public void Dispose()
    {
        _stopping.Cancel();
        _server.Stop();
        _server.Dispose();
        _stopping.Dispose();
    }

    private async Task<IResponseMessage> Respond(IRequestMessage request)
    {
        var query = string.IsNullOrEmpty(request.RawQuery) ? "" : request.RawQuery.StartsWith('?') ? request.RawQuery : "?" + request.RawQuery;
        var pathAndQuery = request.Path + query;
        request.Headers!.TryGetValue("Authorization", out var authorization);
        _requests.Enqueue(new Sent(pathAndQuery, authorization?.FirstOrDefault()));
        Answer answer;
        if (!_answers.TryGetValue(pathAndQuery, out var queue))
        {
            answer = Error(404, "notServedByStub", $"the test stub serves no '{pathAndQuery}'");
        }
        else
        {
            lock (queue)
            {
                answer = queue.Count > 1 ? queue.Dequeue() : queue.Peek();
            }
        }

        var headers = new Dictionary<string, WireMockList<string>> { ["Content-Type"] = new(answer.ContentType) };
        foreach (var (name, value) in answer.Headers ?? [])
        {
            headers[name] = new WireMockList<string>(value);
        }

        if (answer.Delay > TimeSpan.Zero)
        {
            try
            {
                await Task.Delay(answer.Delay, _stopping.Token);
            }
            catch (OperationCanceledException)
            {
                return new ResponseMessage { StatusCode = 503 };
            }
        }

        return new ResponseMessage
        {
            StatusCode = answer.Status,
            Headers = headers,
            BodyData = new BodyData { DetectedBodyType = BodyType.String, BodyAsString = answer.Body, Encoding = Encoding.UTF8 },
        };
    }

    public sealed record Answer(int Status, string Body, string ContentType, params (string Name, string Value)[] Headers)
    {
        /// <summary>How long the stub waits before it answers (a stalled server).</summary>
        public TimeSpan Delay { get; init; }
    }

    public sealed record Sent(string PathAndQuery, string? Authorization);
}
