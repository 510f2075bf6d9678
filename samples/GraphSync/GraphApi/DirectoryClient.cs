using System;
using System.Linq;
using System.Net;
using System.Net.Http;
using Microsoft.Graph;
using Microsoft.Kiota.Abstractions.Authentication;
using Microsoft.Kiota.Http.HttpClientLibrary.Middleware;
using SyncGen;

namespace GraphSync.GraphApi;

/// <summary>
/// The real <see cref="GraphServiceClient"/> the sample syncs through, pointed at any Graph root (the production
/// service, a test server on 127.0.0.1) by its request adapter's base URL, with the <see cref="HttpClient"/> it owns:
/// the SDK does not dispose a client it was given.
/// </summary>
public sealed class DirectoryClient : IDisposable
{
    private readonly HttpClient _http;

    private DirectoryClient(GraphServiceClient graph, HttpClient http)
    {
        Graph = graph;
        _http = http;
    }

    /// <summary>The SDK client.</summary>
    public GraphServiceClient Graph { get; }

    /// <summary>The production Graph root, version included.</summary>
    public const string GraphRoot = "https://graph.microsoft.com/v1.0";

    /// <summary>The environment variable whose value, when set, is sent as a bearer token to the Graph root's origin only.</summary>
    public const string AccessTokenVariable = "GRAPH_ACCESS_TOKEN";

    /// <summary>Creates a client for <paramref name="graphRoot"/>.</summary>
    /// <param name="graphRoot">The Graph root with its version, e.g. <c>http://127.0.0.1:5000/v1.0</c>; no query or fragment.</param>
    /// <param name="accessToken">A bearer token, or <see langword="null"/> for anonymous requests (a local server).</param>
    /// <param name="timeout">HttpClient's own timeout; keep it above <see cref="SyncOptions.RequestTimeout"/> so SyncGen reports (and retries) a stalled request first.</param>
    /// <param name="maxPageBytes">The largest response body accepted after decompression (<see cref="SyncResponseLimitHandler"/>).</param>
    /// <exception cref="ArgumentException">A token would travel over plain http to a host that is not a loopback address.</exception>
    public static DirectoryClient Create(Uri graphRoot, string? accessToken = null, TimeSpan? timeout = null, long maxPageBytes = SyncResponseLimitHandler.DefaultMaxBytes)
    {
        ArgumentNullException.ThrowIfNull(graphRoot);
        IAuthenticationProvider authentication = accessToken is null
            ? new AnonymousAuthenticationProvider()
            : new BaseBearerTokenAuthenticationProvider(new SameOriginTokenProvider(accessToken, graphRoot));

        // The SDK's default pipeline minus three handlers that would fight SyncGen's rules:
        // - RetryHandler retries 429/503/504 on its own, so a request would be retried twice over (SyncGen's budget and
        //   backoff, honouring Retry-After, are the ones the loop and the tests count);
        // - RedirectHandler would follow a 3xx to wherever it points; the sample follows only the links of a page, on
        //   the root's origin;
        // - ParametersNameDecodingHandler rewrites "%24name" to "$name" in the query, and a link must go back exactly
        //   as the server wrote it.
        var handlers = GraphClientFactory.CreateDefaultHandlers()
            .Where(handler => handler is not (RetryHandler or RedirectHandler or ParametersNameDecodingHandler))
            .ToList();
        handlers.Add(new NonJsonAnswerHandler());

        // Innermost, so it sees a 3xx before anything else reads it as an answer without a page.
        handlers.Add(new RedirectAnswerHandler(graphRoot));
        var network = new SocketsHttpHandler { AllowAutoRedirect = false, AutomaticDecompression = DecompressionMethods.All };
        var http = GraphClientFactory.Create(handlers, finalHandler: new SyncResponseLimitHandler(network, maxPageBytes));
        http.Timeout = timeout ?? TimeSpan.FromSeconds(100);
        return new DirectoryClient(new GraphServiceClient(http, authentication, graphRoot.OriginalString.TrimEnd('/')), http);
    }

    /// <inheritdoc />
    public void Dispose()
    {
        Graph.Dispose();
        _http.Dispose();
    }
}
