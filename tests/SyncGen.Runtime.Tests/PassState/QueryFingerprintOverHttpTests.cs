using System;
using System.Linq;
using System.Net.Http;
using System.Threading.Tasks;
using NUnit.Framework;
using SyncGen.Infrastructure;
using SyncGen.Runtime.Tests.Engine;
using SyncGen.Testing.FakeServer;

namespace SyncGen.Runtime.Tests.PassState;

/// <summary>
/// A token remembers the query that made it (issue 22 item 3), over real HTTP against the embedded Calendar server and
/// every store of this project: a changed full-pass filter makes the next call a full pass that replaces the mirror.
/// </summary>
[TestFixtureSource(typeof(CalendarStores), nameof(CalendarStores.Kinds))]
public sealed class QueryFingerprintOverHttpTests(string storeKind)
{
    private FakeCalendarServer _server = null!;
    private HttpClient _http = null!;
    private CalendarStores _stores = null!;

    [SetUp]
    public async Task StartAsync()
    {
        _server = await FakeCalendarServer.StartAsync();
        _server.Primary.AddMany(10); // event i runs [09:00 + i h, 10:00 + i h) on 2026-02-01
        _http = new HttpClient();
        _stores = new CalendarStores();
    }

    [TearDown]
    public async Task StopAsync()
    {
        _http.Dispose();
        _stores.Dispose();
        await _server.DisposeAsync();
    }

    private SyncHttpPageSource<JsonEvent> Source(string query) =>
        new(_http, SyncDialects.GoogleCalendar, new Uri(_server.EventsUri() + "?maxResults=4&" + query));

    private string[] Ids(ISyncStore<JsonEvent> store) => store.ReadItemsAsync().AsTask().Result.Select(pair => pair.Key).ToArray();

    [Test]
    public async Task A_changed_timeMin_makes_the_next_call_a_full_pass_that_replaces_the_mirror()
    {
        await Source("timeMin=2026-02-01T00:00:00Z").SyncAsync(_stores.Open(storeKind), FastRetry.Options);
        Assert.That(Ids(_stores.Open(storeKind)), Has.Length.EqualTo(10));

        // Events ending after 15:00: the sixth to the tenth.
        var narrowed = Source("timeMin=2026-02-01T15:00:00Z");
        var changed = await narrowed.SyncAsync(_stores.Open(storeKind), FastRetry.Options);
        var again = await narrowed.SyncAsync(_stores.Open(storeKind), FastRetry.Options);

        Assert.That(changed.Kind, Is.EqualTo(SyncPassKind.Full), "an incremental pass would keep the old query's view");
        Assert.That(Ids(_stores.Open(storeKind)), Is.EqualTo(new[] { "evt-000006", "evt-000007", "evt-000008", "evt-000009", "evt-000010" }));
        Assert.That(again.Kind, Is.EqualTo(SyncPassKind.Incremental), "the same query goes on incrementally");
        Assert.That(_server.Requests.Where(r => r.SyncToken is not null).Select(r => r.HasQueryParameter("timeMin")), Is.All.False);
    }

    [Test]
    public async Task A_token_stored_without_fingerprint_is_accepted_once_then_bound_to_the_fetch_method_query()
    {
        // A fetch-method repository says what its query is through SyncOptions.QueryFingerprint; before it did, its
        // store holds a token without fingerprint, as every store written before this version does.
        var fetcher = new HttpJsonFetcher(_http, _server.EventsUri());
        Task<SyncResult> Run(string? query) =>
            new SyncEngine<JsonEvent>(HttpJsonFetcher.Definition(fetcher.Open), _stores.Open(storeKind), FastRetry.Options with { QueryFingerprint = query }).RunAsync();

        await Run(null);
        _server.Primary.Delete("evt-000001");
        var accepted = await Run("fields=*");
        var unchanged = await Run("fields=*");
        var changed = await Run("fields=items(id,summary,status)");

        Assert.That(accepted.Kind, Is.EqualTo(SyncPassKind.Incremental), "a token without fingerprint is accepted once");
        Assert.That(unchanged.Kind, Is.EqualTo(SyncPassKind.Incremental));
        Assert.That(changed.Kind, Is.EqualTo(SyncPassKind.Full), "the fingerprint the accepted pass wrote is compared from then on");
        Assert.That(Ids(_stores.Open(storeKind)), Is.EqualTo(_server.Primary.LiveEvents.Select(e => e.Id).Order(StringComparer.Ordinal)));
        Assert.That(await ((ISyncQueryFingerprintStore)_stores.Open(storeKind)).ReadQueryFingerprintAsync(),
            Is.EqualTo(SyncQueryFingerprint.Compute("fields=items(id,summary,status)")));
    }
}
