using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Net;
using System.Net.Http;
using System.Text;
using System.Threading;
using System.Threading.Tasks;
using NUnit.Framework;
using SyncGen.Infrastructure;

namespace SyncGen.Runtime.Tests.Engine;

/// <summary>
/// Issue 9 point 7 over real sockets: a stalled body times out and is retried as a timeout, Retry-After: 0 keeps a
/// backoff floor, a Retry-After over the cap says so, a corrupt gzip body is a retried transport fault, and a gzip bomb
/// stops at the size cap with a typed error instead of eating memory.
/// </summary>
public class TimeAndSizeLimitTests
{
    private static readonly byte[] OkPage = Encoding.UTF8.GetBytes(RawHttpServer.Page("sync-1", "a", "b"));

    private static SyncOptions Options(int maxRetries = 3, TimeSpan? baseDelay = null, TimeSpan? timeout = null) => new()
    {
        RequestTimeout = timeout ?? TimeSpan.FromSeconds(30),
        Retry = new SyncRetryOptions
        {
            MaxRetries = maxRetries,
            BaseDelay = baseDelay ?? TimeSpan.FromMilliseconds(1),
            MaxDelay = TimeSpan.FromSeconds(2),
            UseJitter = false,
        },
    };

    private static async Task<(SyncResult? Result, Exception? Error, InMemorySyncStore<JsonEvent> Store)> SyncAsync(RawHttpServer server, SyncOptions options, long maxBytes = SyncResponseLimitHandler.DefaultMaxBytes)
    {
        using var http = new HttpClient(new SyncResponseLimitHandler(new SocketsHttpHandler { AutomaticDecompression = DecompressionMethods.All }, maxBytes));
        var fetcher = new HttpJsonFetcher(http, new Uri(server.BaseUri, "events"));
        var store = new InMemorySyncStore<JsonEvent>();
        try
        {
            var result = await new SyncEngine<JsonEvent>(HttpJsonFetcher.Definition(fetcher.Open), store, options).RunAsync();
            return (result, null, store);
        }
        catch (SyncException e)
        {
            return (null, e, store);
        }
    }

    [Test]
    public async Task A_stalled_body_times_out_is_retried_and_then_reported_as_a_timeout()
    {
        await using var server = new RawHttpServer(async (_, _, stream, token) =>
        {
            // Announces the page, sends ten bytes, then nothing: the client waits on the body.
            await RawHttpServer.WriteAsync(stream, 200, null, OkPage[..10], token, announcedLength: OkPage.Length);
            await Task.Delay(Timeout.Infinite, token);
        });

        var (_, error, store) = await SyncAsync(server, Options(maxRetries: 2, timeout: TimeSpan.FromMilliseconds(300)));

        var failed = error as SyncRequestFailedException;
        Assert.That(failed, Is.Not.Null, error?.ToString());
        Assert.That(failed!.IsTimeout, Is.True);
        Assert.That(failed.Attempts, Is.EqualTo(3));
        Assert.That(failed.Message, Does.Contain("request failed with a timeout").And.Contain("SyncOptions.RequestTimeout"));
        Assert.That(store.SyncToken, Is.Null);
    }

    [Test]
    public async Task A_body_that_stalls_once_is_retried_and_the_sync_completes()
    {
        await using var server = new RawHttpServer(async (n, _, stream, token) =>
        {
            if (n == 0)
            {
                await RawHttpServer.WriteAsync(stream, 200, null, OkPage[..10], token, announcedLength: OkPage.Length);
                await Task.Delay(Timeout.Infinite, token);
            }

            await RawHttpServer.WriteAsync(stream, 200, null, OkPage, token);
        });

        var (result, error, store) = await SyncAsync(server, Options(timeout: TimeSpan.FromSeconds(2)));

        Assert.That(error, Is.Null);
        Assert.That(result!.Retries, Is.EqualTo(1));
        Assert.That(store.Items, Has.Count.EqualTo(2));
    }

    [Test]
    public async Task Retry_after_zero_on_every_answer_keeps_the_backoff_floor()
    {
        var arrivals = new List<TimeSpan>();
        var clock = Stopwatch.StartNew();
        await using var server = new RawHttpServer(async (n, _, stream, token) =>
        {
            lock (arrivals)
            {
                arrivals.Add(clock.Elapsed);
            }

            var head = Encoding.ASCII.GetBytes("HTTP/1.1 503 Service Unavailable\r\nRetry-After: 0\r\nContent-Length: 0\r\nConnection: close\r\n\r\n");
            await stream.WriteAsync(head, token);
        });

        var (_, error, _) = await SyncAsync(server, Options(maxRetries: 3, baseDelay: TimeSpan.FromMilliseconds(100)));

        Assert.That(error, Is.TypeOf<SyncRequestFailedException>());
        Assert.That(arrivals, Has.Count.EqualTo(4));
        // Exponential backoff from 100 ms without jitter: at least 100, 200 and 400 ms between the attempts.
        Assert.That(arrivals[1] - arrivals[0], Is.GreaterThanOrEqualTo(TimeSpan.FromMilliseconds(95)));
        Assert.That(arrivals[2] - arrivals[1], Is.GreaterThanOrEqualTo(TimeSpan.FromMilliseconds(190)));
        Assert.That(arrivals[3] - arrivals[2], Is.GreaterThanOrEqualTo(TimeSpan.FromMilliseconds(380)));
    }

    [Test]
    public async Task A_retry_after_beyond_the_cap_fails_at_once_and_says_why()
    {
        await using var server = new RawHttpServer(async (_, _, stream, token) =>
        {
            var head = Encoding.ASCII.GetBytes("HTTP/1.1 429 Too Many Requests\r\nRetry-After: 300\r\nContent-Length: 0\r\nConnection: close\r\n\r\n");
            await stream.WriteAsync(head, token);
        });

        var (_, error, _) = await SyncAsync(server, Options());

        var failed = error as SyncRequestFailedException;
        Assert.That(failed, Is.Not.Null);
        Assert.That(failed!.Attempts, Is.EqualTo(1));
        Assert.That(failed.Explanation, Is.EqualTo("the server asked to wait 300 s, more than the 2-minute cap (SyncOptions.Retry.MaxRetryAfter)"));
        Assert.That(failed.Message, Does.Contain("more than the 2-minute cap"));
    }

    [Test]
    public async Task A_corrupt_gzip_body_is_a_transport_fault_and_is_retried()
    {
        await using var server = new RawHttpServer(async (n, _, stream, token) =>
        {
            var gzip = RawHttpServer.Gzip(OkPage);
            if (n == 0)
            {
                // A valid gzip header followed by garbage where the deflate stream should be.
                for (var i = 10; i < gzip.Length - 8; i++)
                {
                    gzip[i] = 0xFF;
                }
            }

            await RawHttpServer.WriteAsync(stream, 200, "gzip", gzip, token);
        });

        var (result, error, store) = await SyncAsync(server, Options());

        Assert.That(error, Is.Null, error?.Message);
        Assert.That(result!.Retries, Is.EqualTo(1));
        Assert.That(store.Items, Has.Count.EqualTo(2));
    }

    [Test]
    public async Task A_gzip_bomb_stops_at_the_size_cap_with_a_typed_error_and_is_not_retried()
    {
        // 64 MB of spaces after the page's opening brace: valid JSON whitespace, about 64 KB on the wire.
        var inflated = new byte[64 * 1024 * 1024];
        Array.Fill(inflated, (byte)' ');
        inflated[0] = (byte)'{';
        var bomb = RawHttpServer.Gzip(inflated);
        await using var server = new RawHttpServer((_, _, stream, token) => RawHttpServer.WriteAsync(stream, 200, "gzip", bomb, token));

        var (_, error, store) = await SyncAsync(server, Options(), maxBytes: 1024 * 1024);

        var protocol = error as SyncProtocolException;
        Assert.That(protocol, Is.Not.Null, error?.ToString());
        Assert.That(protocol!.Violation, Is.EqualTo(SyncProtocolViolation.PageTooLarge));
        Assert.That(protocol.Message, Does.Contain("1,048,576-byte cap"));
        Assert.That(server.Requests, Is.EqualTo(1));
        Assert.That(store.SyncToken, Is.Null);
    }
}
