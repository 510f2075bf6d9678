using System;
using System.Net.Http;
using System.Threading.Tasks;
using NUnit.Framework;
using SyncGen.Infrastructure;
using SyncGen.Testing.FakeServer;
using SyncGen.Runtime.Tests.Engine;
using SyncGen.Testing;

namespace SyncGen.Runtime.Tests.Classification;

/// <summary>
/// Issue 11, "error classification sees the whole error": each API's documented expiry answer, sent over real HTTP on
/// 127.0.0.1 and read through <see cref="SyncHttpException"/>, makes the engine recover with a full sync.
/// </summary>
public class ExpiryRulesOverHttpTests
{
    private const string PeopleLegacyErrorsFirst =
        """{"error":{"code":400,"message":"Request contains an invalid argument.","errors":[{"message":"Request contains an invalid argument.","domain":"global","reason":"failedPrecondition"}],"status":"FAILED_PRECONDITION","details":[{"@type":"type.googleapis.com/google.rpc.ErrorInfo","reason":"EXPIRED_SYNC_TOKEN","domain":"people.googleapis.com"}]}}""";

    private const string PeopleMessageOnly =
        """{"error":{"code":400,"message":"Sync token is expired. Clear local cache and retry call without the sync token.","status":"FAILED_PRECONDITION"}}""";

    private const string PeopleReasonInMessage =
        """{"error":{"code":400,"message":"EXPIRED_SYNC_TOKEN","status":"FAILED_PRECONDITION"}}""";

    private const string GraphResyncRequired =
        """{"error":{"code":"resyncRequired","message":"Resync required. Replace any local cached data with a full delta query.","innerError":{"date":"2026-03-01T09:00:00","request-id":"r1"}}}""";

    private const string GraphSyncStateNotFound = """{"error":{"code":"syncStateNotFound","message":"The sync state is not found."}}""";

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

    private static SyncOptions With(ISyncErrorClassifier classifier) => new()
    {
        ErrorClassifier = classifier,
        Retry = new SyncRetryOptions { BaseDelay = TimeSpan.FromMilliseconds(1), MaxDelay = TimeSpan.FromMilliseconds(5) },
    };

    private async Task<SyncResult> SyncAfterExpiryAsync(ISyncErrorClassifier classifier, int status, string body)
    {
        _server.Primary.AddMany(4);
        var store = new InMemorySyncStore<JsonEvent>();
        await new SyncEngine<JsonEvent>(HttpJsonFetcher.Definition(_fetcher.Open), store, With(classifier)).RunAsync();
        _server.Faults.Enqueue(Fault.Raw(status, "application/json; charset=UTF-8", body), r => r.SyncToken is not null);
        return await new SyncEngine<JsonEvent>(HttpJsonFetcher.Definition(_fetcher.Open), store, With(classifier)).RunAsync();
    }

    [TestCase(PeopleLegacyErrorsFirst, TestName = "People: legacy errors[] failedPrecondition before details[] EXPIRED_SYNC_TOKEN")]
    [TestCase(PeopleMessageOnly, TestName = "People: expiry only in the message")]
    [TestCase(PeopleReasonInMessage, TestName = "People: EXPIRED_SYNC_TOKEN only in the message")]
    public async Task People_expiry_recovers(string body)
    {
        var result = await SyncAfterExpiryAsync(SyncErrorClassifier.GooglePeople, 400, body);

        Assert.That(result.ExpiriesRecovered, Is.EqualTo(1));
        Assert.That(result.Kind, Is.EqualTo(SyncPassKind.Full));
    }

    [TestCase(400, GraphResyncRequired, TestName = "Graph: 400 resyncRequired")]
    [TestCase(404, GraphSyncStateNotFound, TestName = "Graph: 404 syncStateNotFound")]
    [TestCase(410, GraphResyncRequired, TestName = "Graph: 410 resyncRequired")]
    public async Task Graph_expiry_recovers(int status, string body)
    {
        var result = await SyncAfterExpiryAsync(SyncErrorClassifier.MicrosoftGraph, status, body);

        Assert.That(result.ExpiriesRecovered, Is.EqualTo(1));
    }

    [Test]
    public void A_people_400_that_is_not_an_expiry_stays_fatal()
    {
        var exception = Assert.ThrowsAsync<SyncRequestFailedException>(() => SyncAfterExpiryAsync(SyncErrorClassifier.GooglePeople, 400,
            """{"error":{"code":400,"message":"Invalid personFields mask path.","status":"INVALID_ARGUMENT"}}"""));

        Assert.That(exception!.StatusCode, Is.EqualTo(400));
        Assert.That(exception.Reason, Is.EqualTo("INVALID_ARGUMENT"));
    }

    [Test]
    public async Task A_user_composes_an_expiry_rule_from_the_built_in_ones_and_the_headers()
    {
        // A Gmail-like API: 404 on a too-old history id, or Google's own 410.
        var classifier = new SyncErrorClassifier(facts => SyncExpiryRules.Google(facts) || (facts.StatusCode == 404 && facts.MessageContains("history")));

        var result = await SyncAfterExpiryAsync(classifier, 404, """{"error":{"code":404,"message":"Requested entity was not found: history id too old","status":"NOT_FOUND"}}""");

        Assert.That(result.ExpiriesRecovered, Is.EqualTo(1));
    }

    [Test]
    public void The_facts_hold_every_reason_the_message_and_the_headers()
    {
        using var response = new HttpResponseMessage((System.Net.HttpStatusCode)410) { Content = new StringContent(GraphResyncRequired) };
        response.Headers.Location = new Uri("https://graph.example/v1.0/users/delta");

        var exception = Assert.ThrowsAsync<SyncHttpException>(() => SyncHttpException.ThrowIfUnsuccessfulAsync(response));
        var facts = SyncErrorClassifier.MicrosoftGraph.ReadFacts(exception!);

        Assert.That(facts.StatusCode, Is.EqualTo(410));
        Assert.That(facts.Reasons, Is.EqualTo(new[] { "resyncRequired" }));
        Assert.That(facts.Message, Does.StartWith("Resync required."));
        Assert.That(facts.Headers["location"], Is.EqualTo("https://graph.example/v1.0/users/delta"));
    }

    [Test]
    public void Every_reason_of_a_people_body_is_read_in_body_order()
    {
        using var response = new HttpResponseMessage(System.Net.HttpStatusCode.BadRequest) { Content = new StringContent(PeopleLegacyErrorsFirst) };

        var exception = Assert.ThrowsAsync<SyncHttpException>(() => SyncHttpException.ThrowIfUnsuccessfulAsync(response));

        Assert.That(exception!.Reasons, Is.EqualTo(new[] { "failedPrecondition", "EXPIRED_SYNC_TOKEN", "FAILED_PRECONDITION" }));
    }
}
