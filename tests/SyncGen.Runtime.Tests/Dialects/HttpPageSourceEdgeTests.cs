using System;
using System.Linq;
using System.Net.Http;
using System.Threading.Tasks;
using NUnit.Framework;

namespace SyncGen.Runtime.Tests.Dialects;

/// <summary>What the HTTP page source refuses, over real HTTP on 127.0.0.1: the store is left as it was each time.</summary>
public class HttpPageSourceEdgeTests
{
    private ScriptedApi _server = null!;
    private HttpClient _http = null!;

    private static SyncOptions Fast => new()
    {
        Retry = new SyncRetryOptions { BaseDelay = TimeSpan.FromMilliseconds(1), MaxDelay = TimeSpan.FromMilliseconds(5) },
    };

    [SetUp]
    public void Start()
    {
        _server = new ScriptedApi();
        _http = new HttpClient();
    }

    [TearDown]
    public async Task StopAsync()
    {
        _http.Dispose();
        await _server.DisposeAsync();
    }

    [Test]
    public void A_graph_next_link_to_another_origin_is_not_followed()
    {
        // The link keeps the path but names another host: following it would hand the bearer token to that host.
        _server.Json("/v1.0/users/delta", """{"value":[{"id":"a","name":"Ann"}],"@odata.nextLink":"http://203.0.113.9/v1.0/users/delta?$skiptoken=x"}""");
        var store = new InMemorySyncStore<Named>();
        var source = new SyncHttpPageSource<Named>(_http, SyncDialects.MicrosoftGraph, new Uri(_server.BaseUri, "/v1.0/users/delta"));

        var failure = Assert.ThrowsAsync<SyncProtocolException>(() => source.SyncAsync(store, Fast));

        Assert.That(failure!.Violation, Is.EqualTo(SyncProtocolViolation.MalformedResponse));
        Assert.That(failure.Message, Does.Contain("not the endpoint's origin"));
        Assert.That(store.SyncToken, Is.Null);
        Assert.That(store.Items, Is.Empty);
    }

    [Test]
    public void A_200_that_is_not_json_is_a_malformed_response_and_not_retried()
    {
        _server.Error("/list", 200, "text/html", "<html><body>Please sign in</body></html>");
        var store = new InMemorySyncStore<Named>();
        var source = new SyncHttpPageSource<Named>(_http, SyncDialects.GoogleCalendar, new Uri(_server.BaseUri, "/list"));

        var failure = Assert.ThrowsAsync<SyncProtocolException>(() => source.SyncAsync(store, Fast));

        Assert.That(failure!.Violation, Is.EqualTo(SyncProtocolViolation.MalformedResponse));
        Assert.That(_server.Targets, Has.Count.EqualTo(1));
        Assert.That(store.SyncToken, Is.Null);
    }

    [Test]
    public async Task Drive_takes_the_start_token_before_the_first_listing_page()
    {
        new DriveScript().FullPass(new ScriptedApiHandle(_server));
        var store = new InMemorySyncStore<Named>();
        var source = new SyncHttpPageSource<Named>(_http, SyncDialects.GoogleDrive, new Uri(_server.BaseUri, "/drive/v3/changes"));

        await source.SyncAsync(store, Fast);

        Assert.That(_server.Targets.ToArray(), Is.EqualTo(new[] { "/drive/v3/changes/startPageToken", "/drive/v3/files", "/drive/v3/files?pageToken=f2" }));
        Assert.That(store.SyncToken, Is.EqualTo("100"));
    }

    [Test]
    public void A_relative_endpoint_is_refused_naming_it()
    {
        var error = Assert.Throws<ArgumentException>(() => new SyncHttpPageSource<Named>(_http, SyncDialects.GooglePeople, new Uri("/v1/people/me/connections", UriKind.Relative)));

        Assert.That(error!.Message, Does.Contain("'/v1/people/me/connections'"));
    }

    [Test]
    public void An_entry_without_a_key_is_a_protocol_error()
    {
        _server.Json("/list", """{"items":[{"status":"confirmed","name":"no id"}],"nextSyncToken":"s1"}""");
        var store = new InMemorySyncStore<Named>();
        var source = new SyncHttpPageSource<Named>(_http, SyncDialects.GoogleCalendar, new Uri(_server.BaseUri, "/list"));

        var failure = Assert.ThrowsAsync<SyncProtocolException>(() => source.SyncAsync(store, Fast));

        Assert.That(failure!.Violation, Is.EqualTo(SyncProtocolViolation.MissingItemKey));
        Assert.That(store.SyncToken, Is.Null);
    }

    [TestCase("/v1/people/me/connections?personFields=names,emailAddresses", "People", "/v1/people/me/connections?personFields=names,emailAddresses&requestSyncToken=true")]
    [TestCase("/v1.0/users/delta?$select=displayName,mail", "Graph", "/v1.0/users/delta?$select=displayName,mail")]
    public async Task The_endpoints_query_is_sent_as_written(string endpoint, string dialect, string expected)
    {
        _server.Json(expected, $$"""{"connections":[],"value":[],"nextSyncToken":"s1","@odata.deltaLink":"{{_server.BaseUri}}x"}""");
        var source = new SyncHttpPageSource<Named>(_http, dialect == "People" ? SyncDialects.GooglePeople : SyncDialects.MicrosoftGraph, new Uri(_server.BaseUri, endpoint));

        await source.SyncAsync(new InMemorySyncStore<Named>(), Fast);

        Assert.That(_server.RawTargets.First(), Is.EqualTo(expected));
    }
}
