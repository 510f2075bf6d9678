using System;
using System.Linq;
using System.Net.Http;
using System.Threading.Tasks;
using NUnit.Framework;

namespace SyncGen.Runtime.Tests.Dialects;

/// <summary>
/// <see cref="SyncHttpPageSource{TItem}"/> in each built-in dialect over real HTTP on 127.0.0.1, through the engine and
/// <see cref="InMemorySyncStore{TItem}"/>: a paged full pass, an incremental pass with a deletion, expiry and recovery,
/// and a non-JSON error body.
/// </summary>
[TestFixtureSource(nameof(Scripts))]
public class HttpPageSourceTests(DialectScript script)
{
    private ScriptedApi _server = null!;
    private ScriptedApiHandle _api = null!;
    private HttpClient _http = null!;

    public static DialectScript[] Scripts { get; } = { new CalendarScript(), new PeopleScript(), new GraphScript(), new DriveScript() };

    [SetUp]
    public void Start()
    {
        _server = new ScriptedApi();
        _api = new ScriptedApiHandle(_server);
        _http = new HttpClient();
    }

    [TearDown]
    public async Task StopAsync()
    {
        _http.Dispose();
        await _server.DisposeAsync();
    }

    private SyncHttpPageSource<Named> Source() => new(_http, script.Dialect, new Uri(_server.BaseUri, script.EndpointPath));

    private static string[] Names(InMemorySyncStore<Named> store) => store.Items.OrderBy(p => p.Key, StringComparer.Ordinal).Select(p => p.Value.Name!).ToArray();

    [Test]
    public async Task A_paged_full_pass_mirrors_every_page_and_stores_the_final_token()
    {
        script.FullPass(_api);
        var store = new InMemorySyncStore<Named>();

        var result = await Source().SyncAsync(store, FastRetry.Options);

        Assert.That(result.Kind, Is.EqualTo(SyncPassKind.Full));
        Assert.That(result.Pages, Is.EqualTo(2));
        Assert.That(Names(store), Is.EqualTo(new[] { "Ann", "Bob", "Cy" }));
        Assert.That(store.SyncToken, Is.EqualTo(script.FullToken(_server.BaseUri)));
    }

    [Test]
    public async Task An_incremental_pass_sends_the_stored_token_and_applies_deletions_read_by_the_dialect()
    {
        script.FullPass(_api);
        var next = script.Incremental(_api);
        var store = new InMemorySyncStore<Named>();
        var source = Source();
        await source.SyncAsync(store, FastRetry.Options);

        var result = await source.SyncAsync(store, FastRetry.Options);

        Assert.That(result.Kind, Is.EqualTo(SyncPassKind.Incremental));
        Assert.That((result.Upserts, result.Deletes), Is.EqualTo((1, 1)));
        Assert.That(Names(store), Is.EqualTo(new[] { "Ann", "Cy", "Di" }));
        Assert.That(store.SyncToken, Is.EqualTo(next));
        Assert.That(_server.Unrouted, Is.Empty, "every request was one the API's documentation describes");
    }

    [Test]
    public async Task An_expired_token_in_the_dialects_shape_is_recovered_by_a_full_pass()
    {
        script.FullPass(_api);
        var stale = script.Incremental(_api);
        var store = new InMemorySyncStore<Named>();
        var source = Source();
        await source.SyncAsync(store, FastRetry.Options);
        await source.SyncAsync(store, FastRetry.Options);
        script.Expire(_api, stale);

        var result = await source.SyncAsync(store, FastRetry.Options);

        Assert.That(result.ExpiriesRecovered, Is.EqualTo(1));
        Assert.That(result.Kind, Is.EqualTo(SyncPassKind.Full));
        Assert.That(Names(store), Is.EqualTo(new[] { "Ann", "Bob", "Cy" }), "the full pass replaced the mirror");
        Assert.That(store.SyncToken, Is.EqualTo(script.FullToken(_server.BaseUri)));
    }

    [Test]
    public async Task A_proxys_html_502_is_retried_by_its_status()
    {
        script.FullPass(_api);
        _server.Once(script.FirstFullTarget, 502, "text/html", "<html><body><h1>502 Bad Gateway</h1></body></html>");
        var store = new InMemorySyncStore<Named>();

        var result = await Source().SyncAsync(store, FastRetry.Options);

        Assert.That(result.Retries, Is.EqualTo(1));
        Assert.That(Names(store), Is.EqualTo(new[] { "Ann", "Bob", "Cy" }));
    }

    [Test]
    public async Task A_plain_text_400_fails_with_its_status_and_keeps_the_token()
    {
        script.FullPass(_api);
        script.Incremental(_api);
        var store = new InMemorySyncStore<Named>();
        var source = Source();
        await source.SyncAsync(store, FastRetry.Options);
        var token = store.SyncToken;
        var incrementalTarget = IncrementalTarget();
        _server.Once(incrementalTarget, 400, "text/plain", "Bad Request: upstream said no");

        var failure = Assert.ThrowsAsync<SyncRequestFailedException>(() => source.SyncAsync(store, FastRetry.Options));

        Assert.That(failure!.StatusCode, Is.EqualTo(400));
        Assert.That(failure.InnerException, Is.TypeOf<SyncHttpException>().With.Property(nameof(SyncHttpException.ErrorMessage)).Contains("upstream said no"));
        Assert.That(store.SyncToken, Is.EqualTo(token));
        Assert.That(Names(store), Is.EqualTo(new[] { "Ann", "Bob", "Cy" }));
    }

    /// <summary>The first request of the incremental pass from the full pass's token, as the dialect builds it.</summary>
    private string IncrementalTarget() => script switch
    {
        GraphScript => new Uri(script.FullToken(_server.BaseUri)).PathAndQuery,
        DriveScript => "/drive/v3/changes?pageToken=100",
        PeopleScript => "/v1/people/me/connections?personFields=names&syncToken=s1",
        _ => "/calendar/v3/calendars/primary/events?singleEvents=true&syncToken=s1",
    };
}
