using System;
using System.Collections.Concurrent;
using System.Net;
using System.Net.Http;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace SyncGen.Benchmarks;

/// <summary>
/// A front for the fake Calendar server that answers every request it has seen before with the bytes the fake server
/// rendered the first time: status, content type, content encoding, ETag and body. The fake server renders (and gzips)
/// each page on each request, which costs about half a second of CPU per 100,000-event pass; on a 2-core machine that
/// CPU is taken from the client being measured, so without this front the server, not the client, sets part of the
/// figure. The benchmarks never change the server's calendar, so a replayed response is exactly what the fake server
/// would have sent again. The warm-up runs fill the cache; <see cref="Renders"/> tells whether a measured run missed it.
/// </summary>
internal sealed class PrerenderedPageServer : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly HttpClient _origin;
    private readonly ConcurrentDictionary<string, RenderedResponse> _responses = new(StringComparer.Ordinal);
    private long _renders;

    private PrerenderedPageServer(WebApplication app, HttpClient origin)
    {
        _app = app;
        _origin = origin;
    }

    /// <summary>The API root of the front, e.g. <c>http://127.0.0.1:54321/calendar/v3/</c>.</summary>
    public Uri BaseUri { get; private set; } = new("http://127.0.0.1/");

    /// <summary>Responses rendered by the fake server so far (cache misses).</summary>
    public long Renders => Interlocked.Read(ref _renders);

    public static async Task<PrerenderedPageServer> StartAsync(Uri originBaseUri, CancellationToken cancellationToken = default)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseKestrel(kestrel => kestrel.Listen(IPAddress.Loopback, 0));
        var app = builder.Build();

        // The origin's bytes are kept as sent: no automatic decompression, so a gzip body is replayed gzipped.
        var origin = new HttpClient(new SocketsHttpHandler { AutomaticDecompression = DecompressionMethods.None })
        {
            BaseAddress = new Uri(originBaseUri.GetLeftPart(UriPartial.Authority)),
        };
        var server = new PrerenderedPageServer(app, origin);
        app.Run(server.ServeAsync);
        await app.StartAsync(cancellationToken).ConfigureAwait(false);
        var address = new Uri(app.Urls.GetEnumerator() is var urls && urls.MoveNext() ? urls.Current : throw new InvalidOperationException("Kestrel reported no address."));
        server.BaseUri = new Uri(address, originBaseUri.AbsolutePath);
        return server;
    }

    private async Task ServeAsync(HttpContext context)
    {
        var request = context.Request;
        var acceptEncoding = request.Headers.AcceptEncoding.ToString();
        var userAgent = request.Headers.UserAgent.ToString();

        // The fake server applies Google's gzip rule (Accept-Encoding and "gzip" in the User-Agent): the two answers
        // of one URL are cached apart.
        var gzip = acceptEncoding.Contains("gzip", StringComparison.OrdinalIgnoreCase) && userAgent.Contains("gzip", StringComparison.OrdinalIgnoreCase);
        var key = $"{request.Method} {request.Path}{request.QueryString} gzip={gzip}";
        if (!_responses.TryGetValue(key, out var rendered))
        {
            Interlocked.Increment(ref _renders);
            using var forward = new HttpRequestMessage(new HttpMethod(request.Method), $"{request.Path}{request.QueryString}");
            forward.Headers.TryAddWithoutValidation("Accept-Encoding", acceptEncoding);
            forward.Headers.TryAddWithoutValidation("User-Agent", userAgent);
            using var response = await _origin.SendAsync(forward, context.RequestAborted).ConfigureAwait(false);
            rendered = new RenderedResponse(
                (int)response.StatusCode,
                response.Content.Headers.ContentType?.ToString(),
                string.Join(",", response.Content.Headers.ContentEncoding),
                response.Headers.ETag?.ToString(),
                await response.Content.ReadAsByteArrayAsync(context.RequestAborted).ConfigureAwait(false));

            // Only successful answers are replayed; an error is rendered again on every request.
            if (response.IsSuccessStatusCode)
            {
                _responses[key] = rendered;
            }
        }

        var answer = context.Response;
        answer.StatusCode = rendered.Status;
        answer.ContentType = rendered.ContentType;
        if (rendered.ContentEncoding.Length > 0)
        {
            answer.Headers.ContentEncoding = rendered.ContentEncoding;
        }

        if (rendered.ETag is not null)
        {
            answer.Headers.ETag = rendered.ETag;
        }

        answer.ContentLength = rendered.Body.Length;
        await answer.Body.WriteAsync(rendered.Body, context.RequestAborted).ConfigureAwait(false);
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync().ConfigureAwait(false);
        await _app.DisposeAsync().ConfigureAwait(false);
        _origin.Dispose();
    }

    private sealed record RenderedResponse(int Status, string? ContentType, string ContentEncoding, string? ETag, byte[] Body);
}
