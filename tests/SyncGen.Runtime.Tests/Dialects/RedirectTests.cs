using System;
using System.Linq;
using System.Net.Http;
using System.Net.Sockets;
using System.Text;
using System.Threading;
using System.Threading.Tasks;
using NUnit.Framework;
using SyncGen.Runtime.Tests.Engine;

namespace SyncGen.Runtime.Tests.Dialects;

/// <summary>
/// A 3xx from the API, over real HTTP on 127.0.0.1 with two servers on two ports (two origins): a redirect on the
/// endpoint's origin is followed, one to the other origin is refused with a typed error naming that origin, its answer
/// is never stored, and with a client that hands redirects back nothing reaches the other host at all.
/// </summary>
public class RedirectTests
{
    private RawHttpServer _api = null!;
    private RawHttpServer _foreign = null!;
    private volatile string _location = string.Empty;
    private volatile int _status;

    [SetUp]
    public void Start()
    {
        _status = 302;
        _api = new RawHttpServer(async (_, target, stream, cancellationToken) =>
        {
            if (target.StartsWith("/moved", StringComparison.Ordinal))
            {
                await RawHttpServer.WriteAsync(stream, 200, null, Encoding.UTF8.GetBytes(RawHttpServer.Page("s-moved", "m1")), cancellationToken);
                return;
            }

            await WriteRedirectAsync(stream, _status, _location, cancellationToken);
        });
        _foreign = new RawHttpServer(async (_, _, stream, cancellationToken) =>
            await RawHttpServer.WriteAsync(stream, 200, null, Encoding.UTF8.GetBytes(RawHttpServer.Page("s-foreign", "evil")), cancellationToken));
    }

    [TearDown]
    public async Task StopAsync()
    {
        await _api.DisposeAsync();
        await _foreign.DisposeAsync();
    }

    private static async Task WriteRedirectAsync(NetworkStream stream, int status, string location, CancellationToken cancellationToken)
    {
        var head = $"HTTP/1.1 {status} Moved\r\nLocation: {location}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n";
        await stream.WriteAsync(Encoding.ASCII.GetBytes(head), cancellationToken);
        await stream.FlushAsync(cancellationToken);
    }

    private static HttpClient Client(bool autoRedirect)
    {
        var http = new HttpClient(new SocketsHttpHandler { AllowAutoRedirect = autoRedirect });
        http.DefaultRequestHeaders.Add("x-api-key", "secret-key");
        return http;
    }

    private string ForeignOrigin => _foreign.BaseUri.GetLeftPart(UriPartial.Authority);

    [TestCase(301)]
    [TestCase(302)]
    [TestCase(307)]
    [TestCase(308)]
    public void A_redirect_to_another_origin_is_refused_before_anything_is_sent_there(int status)
    {
        _status = status;
        _location = new Uri(_foreign.BaseUri, "/calendar/events?pageToken=x").ToString();
        using var http = Client(autoRedirect: false);
        var store = new InMemorySyncStore<Named>();
        var source = new SyncHttpPageSource<Named>(http, SyncDialects.GoogleCalendar, new Uri(_api.BaseUri, "/events"));

        var failure = Assert.ThrowsAsync<SyncProtocolException>(() => source.SyncAsync(store, FastRetry.Options));

        Assert.That(failure!.Violation, Is.EqualTo(SyncProtocolViolation.RedirectToAnotherOrigin));
        var refused = failure.InnerException as SyncRedirectRefusedException;
        Assert.That(refused, Is.Not.Null);
        Assert.That(refused!.TargetOrigin, Is.EqualTo(ForeignOrigin));
        Assert.That(refused.FollowedByClient, Is.False);
        Assert.That(failure.Message, Does.Contain("redirected to " + ForeignOrigin).And.Not.Contain("pageToken=x"));
        Assert.That(_foreign.Requests, Is.Zero, "nothing, so no credential header, reaches the other host");
        Assert.That(_api.Requests, Is.EqualTo(1), "not retried");
        Assert.That(store.SyncToken, Is.Null);
        Assert.That(store.Items, Is.Empty);
    }

    // HttpClient cannot be told per request not to follow a redirect: a client built with AllowAutoRedirect on has
    // sent the request to the other host before the page source sees where the answer came from. The answer is still
    // refused unread, and the error says how to keep the request from going there.
    [Test]
    public void A_redirect_the_client_followed_to_another_origin_is_refused_unread()
    {
        _location = new Uri(_foreign.BaseUri, "/calendar/events").ToString();
        using var http = Client(autoRedirect: true);
        var store = new InMemorySyncStore<Named>();
        var source = new SyncHttpPageSource<Named>(http, SyncDialects.GoogleCalendar, new Uri(_api.BaseUri, "/events"));

        var failure = Assert.ThrowsAsync<SyncProtocolException>(() => source.SyncAsync(store, FastRetry.Options));

        Assert.That(failure!.Violation, Is.EqualTo(SyncProtocolViolation.RedirectToAnotherOrigin));
        Assert.That(((SyncRedirectRefusedException)failure.InnerException!).FollowedByClient, Is.True);
        Assert.That(failure.Message, Does.Contain("came from " + ForeignOrigin).And.Contain("AllowAutoRedirect = false"));
        Assert.That(store.SyncToken, Is.Null, "the foreign page's token is not stored");
        Assert.That(store.Items, Is.Empty, "the foreign page's items are not stored");
    }

    [TestCase(false)]
    [TestCase(true)]
    public async Task A_redirect_on_the_endpoints_origin_is_followed(bool autoRedirect)
    {
        _location = "/moved/events";
        using var http = Client(autoRedirect);
        var store = new InMemorySyncStore<Named>();
        var source = new SyncHttpPageSource<Named>(http, SyncDialects.GoogleCalendar, new Uri(_api.BaseUri, "/events"));

        await source.SyncAsync(store, FastRetry.Options);

        Assert.That(store.SyncToken, Is.EqualTo("s-moved"));
        Assert.That(store.Items.Keys.ToArray(), Is.EqualTo(new[] { "m1" }));
        Assert.That(_foreign.Requests, Is.Zero);
    }

    [Test]
    public void A_redirect_loop_on_the_origin_ends_as_an_http_error()
    {
        _location = "/events";
        using var http = Client(autoRedirect: false);
        var store = new InMemorySyncStore<Named>();
        var source = new SyncHttpPageSource<Named>(http, SyncDialects.GoogleCalendar, new Uri(_api.BaseUri, "/events"));

        var failure = Assert.ThrowsAsync<SyncRequestFailedException>(() => source.SyncAsync(store, FastRetry.Options));

        Assert.That(failure!.StatusCode, Is.EqualTo(302));
        Assert.That(_api.Requests, Is.EqualTo(6), "the request and five redirects, not retried");
        Assert.That(store.SyncToken, Is.Null);
    }
}
