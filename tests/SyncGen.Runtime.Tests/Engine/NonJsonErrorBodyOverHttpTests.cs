using System;
using System.Linq;
using System.Net.Http;
using System.Threading.Tasks;
using NUnit.Framework;
using SyncGen.Infrastructure;
using SyncGen.Testing.FakeServer;
using SyncGen.Testing;

namespace SyncGen.Runtime.Tests.Engine;

/// <summary>
/// Issue 9 point 1 for a plain HttpClient fetcher using <see cref="SyncHttpException.ThrowIfUnsuccessfulAsync"/>: the
/// status decides whatever the body is, over real HTTP on 127.0.0.1.
/// </summary>
public class NonJsonErrorBodyOverHttpTests
{
    private FakeCalendarServer _server = null!;
    private HttpClient _http = null!;
    private HttpJsonFetcher _fetcher = null!;

    [SetUp]
    public async Task StartAsync()
    {
        _server = await FakeCalendarServer.StartAsync();
        _http = new HttpClient();
        _fetcher = new HttpJsonFetcher(_http, _server.EventsUri());
    }

    [TearDown]
    public async Task StopAsync()
    {
        _http.Dispose();
        await _server.DisposeAsync();
    }

    private SyncEngine<JsonEvent> Engine(InMemorySyncStore<JsonEvent> store) => new(HttpJsonFetcher.Definition(_fetcher.Open), store, FastRetry.Options);

    [TestCase(503, "text/plain", "Service Unavailable")]
    [TestCase(502, "text/html", "<html><head><title>502 Bad Gateway</title></head><body>nginx</body></html>")]
    [TestCase(429, null, "")]
    [TestCase(503, "application/json", "[]")]
    public async Task A_transient_status_with_a_non_json_body_is_retried(int status, string? contentType, string body)
    {
        _server.Primary.AddMany(10);
        _server.Faults.Enqueue(Fault.Raw(status, contentType, body), r => r.PageNumber == 2);
        var store = new InMemorySyncStore<JsonEvent>();

        var result = await Engine(store).RunAsync();

        Assert.That(result.Retries, Is.EqualTo(1));
        Assert.That(store.Items, Has.Count.EqualTo(10));
    }

    [Test]
    public async Task A_plain_text_410_on_an_incremental_pass_recovers_with_a_full_sync()
    {
        _server.Primary.AddMany(6);
        var store = new InMemorySyncStore<JsonEvent>();
        await Engine(store).RunAsync();
        _server.Primary.Delete("evt-000001");
        _server.Faults.Enqueue(Fault.Raw(410, "text/plain", "Gone"), r => r.SyncToken is not null);

        var result = await Engine(store).RunAsync();

        Assert.That(result.ExpiriesRecovered, Is.EqualTo(1));
        Assert.That(store.Items.Keys, Does.Not.Contain("evt-000001"));
        Assert.That(store.SyncToken, Is.EqualTo(_server.Primary.CurrentSyncToken));
    }

    [Test]
    public void A_400_with_an_html_body_fails_with_its_status_and_the_start_of_the_body()
    {
        _server.Primary.AddMany(2);
        _server.Faults.Enqueue(Fault.Raw(400, "text/html", "<html><body>Bad request from the proxy</body></html>"));

        var exception = Assert.ThrowsAsync<SyncRequestFailedException>(() => Engine(new InMemorySyncStore<JsonEvent>()).RunAsync());

        Assert.That(exception!.StatusCode, Is.EqualTo(400));
        Assert.That(exception.Message, Does.Contain("HTTP 400").And.Contain("Bad request from the proxy"));
    }
}
