using System;
using System.Text;
using System.Threading;
using System.Threading.Tasks;
using CalendarSync.CalendarApi;
using CalendarSync.Repository;
using NUnit.Framework;
using SyncGen;
using SyncGen.Runtime.Tests.Engine;

namespace CalendarSync.Tests;

/// <summary>Issue 9 point 7 through Google.Apis: byte-level faults a proxy produces, over a real socket.</summary>
public class TransportFaultTests : CalendarSyncTestBase
{
    private static readonly byte[] OkPage = Encoding.UTF8.GetBytes(RawHttpServer.Page("sync-1", "a", "b"));

    private async Task<SyncResult> SyncAgainstAsync(RawHttpServer server, SyncOptions options)
    {
        using var service = CalendarService.Create(new Uri(server.BaseUri, "calendar/v3").ToString(), timeout: TimeSpan.FromSeconds(20));
        return await new CalendarEventsRepository(service, "primary", OpenStore()) { Options = options }.SyncAsync();
    }

    [Test]
    public async Task A_corrupt_gzip_body_is_retried_as_a_transport_fault()
    {
        await using var server = new RawHttpServer(async (n, _, stream, token) =>
        {
            var gzip = RawHttpServer.Gzip(OkPage);
            if (n == 0)
            {
                for (var i = 10; i < gzip.Length - 8; i++)
                {
                    gzip[i] = 0xFF;
                }
            }

            await RawHttpServer.WriteAsync(stream, 200, "gzip", gzip, token);
        });

        var result = await SyncAgainstAsync(server, FastRetries());

        Assert.That(result.Retries, Is.EqualTo(1));
        Assert.That((await ReadStateAsync()).Items, Has.Count.EqualTo(2));
    }

    [Test]
    public async Task A_stalled_body_is_a_timeout_reported_as_such()
    {
        await using var server = new RawHttpServer(async (_, _, stream, token) =>
        {
            await RawHttpServer.WriteAsync(stream, 200, null, OkPage[..10], token, announcedLength: OkPage.Length);
            await Task.Delay(Timeout.Infinite, token);
        });

        var exception = Assert.ThrowsAsync<SyncRequestFailedException>(() =>
            SyncAgainstAsync(server, FastRetries(maxRetries: 1) with { RequestTimeout = TimeSpan.FromMilliseconds(300) }));

        Assert.That(exception!.IsTimeout, Is.True, exception.ToString());
        Assert.That(exception.Attempts, Is.EqualTo(2));
        Assert.That(exception.Message, Does.Contain("timeout"));
    }

    [Test]
    public async Task A_gzip_bomb_stops_at_the_page_size_cap_through_google_apis()
    {
        var inflated = new byte[32 * 1024 * 1024];
        Array.Fill(inflated, (byte)' ');
        inflated[0] = (byte)'{';
        var bomb = RawHttpServer.Gzip(inflated);
        await using var server = new RawHttpServer((_, _, stream, token) => RawHttpServer.WriteAsync(stream, 200, "gzip", bomb, token));
        using var service = CalendarService.Create(new Uri(server.BaseUri, "calendar/v3").ToString(), timeout: TimeSpan.FromSeconds(20), maxPageBytes: 1024 * 1024);

        var exception = Assert.ThrowsAsync<SyncProtocolException>(() => new CalendarEventsRepository(service, "primary", OpenStore()) { Options = FastRetries() }.SyncAsync());

        Assert.That(exception!.Violation, Is.EqualTo(SyncProtocolViolation.PageTooLarge), exception.ToString());
        Assert.That(server.Requests, Is.EqualTo(1), "an oversized page is not fetched again");
        Assert.That((await ReadStateAsync()).Token, Is.Null);
    }
}
