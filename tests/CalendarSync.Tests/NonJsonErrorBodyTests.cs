using System;
using System.Linq;
using System.Threading.Tasks;
using NUnit.Framework;
using SyncGen.Testing.FakeServer;
using SyncGen;
using SyncGen.Testing;

namespace CalendarSync.Tests;

/// <summary>
/// Issue 9 point 1, through Google.Apis into SQLite: a front end's or proxy's HTML or plain-text answer is judged by
/// its status (retried, expiry, fatal), never reported as "could not be read as a page".
/// </summary>
public class NonJsonErrorBodyTests : CalendarSyncTestBase
{
    private const string NginxBadGateway = "<html>\r\n<head><title>502 Bad Gateway</title></head>\r\n<body>\r\n<center><h1>502 Bad Gateway</h1></center>\r\n<hr><center>nginx</center>\r\n</body>\r\n</html>\r\n";

    private static readonly object[] RetriedAnswers =
    {
        new object[] { Fault.Raw(503, "text/plain", "Service Unavailable") },
        new object[] { Fault.Raw(502, "text/html", NginxBadGateway) },
        new object[] { Fault.Raw(500, "text/html; charset=UTF-8", "<!DOCTYPE html><html><body><h1>Error 500 (Server Error)!!1</h1></body></html>") },
        new object[] { Fault.Raw(429, "text/plain", "Too Many Requests") },
        new object[] { Fault.Raw(429, null, string.Empty) },
        new object[] { Fault.Raw(503, "application/json", "[]") },
        new object[] { Fault.Raw(504, "application/json", "{\"error\":") },
    };

    [TestCaseSource(nameof(RetriedAnswers))]
    public async Task A_transient_status_with_a_non_json_body_is_retried_and_keeps_the_pages_already_fetched(Fault fault)
    {
        Calendar.AddMany(25);
        Server.Faults.Enqueue(fault, r => r.PageNumber == 2, times: 2);

        var result = await Repository(pageSize: 10).SyncAsync();

        Assert.That(result.Retries, Is.EqualTo(2));
        Assert.That(result.Pages, Is.EqualTo(3));
        Assert.That((await EventRequestsAsync()).Where(r => r.FaultFired).Select(r => r.StatusCode), Is.EqualTo(new[] { fault.StatusCode, fault.StatusCode }));
        await AssertMirrorEqualsServerAsync();
    }

    [TestCase("text/plain", "Gone")]
    [TestCase("text/html", "<html><body>410 Gone</body></html>")]
    [TestCase(null, "")]
    public async Task A_410_with_a_non_json_body_on_an_incremental_pass_is_an_expiry_and_recovers(string? contentType, string body)
    {
        Calendar.AddMany(6);
        await Repository().SyncAsync();
        Calendar.Delete("evt-000002");
        Server.Faults.Enqueue(Fault.Raw(410, contentType, body), r => r.SyncToken is not null);

        var result = await Repository().SyncAsync();

        Assert.That(result.ExpiriesRecovered, Is.EqualTo(1));
        Assert.That(result.Kind, Is.EqualTo(SyncPassKind.Full));
        Assert.That((await ReadStateAsync()).Token, Is.EqualTo(Calendar.CurrentSyncToken));
        await AssertMirrorEqualsServerAsync();
    }

    [TestCase(400)]
    [TestCase(404)]
    [TestCase(401)]
    public async Task A_client_error_with_an_html_body_is_reported_with_its_status_and_leaves_the_store_unchanged(int status)
    {
        Calendar.AddMany(3);
        await Repository().SyncAsync();
        var before = await ReadStateAsync();
        Server.Faults.Enqueue(Fault.Raw(status, "text/html", "<html><body><h1>Nope</h1></body></html>"));

        var exception = Assert.ThrowsAsync<SyncRequestFailedException>(() => Repository().SyncAsync());

        Assert.That(exception!.StatusCode, Is.EqualTo(status));
        Assert.That(exception.Attempts, Is.EqualTo(1));
        Assert.That(exception.Message, Does.Contain($"HTTP {status}").And.Not.Contain("could not be read as a page"));
        Assert.That(await ReadStateAsync(), Is.EqualTo(before));
    }

    [TestCase("""{"error":{"code":400,"message":"Request contains an invalid argument.","errors":[{"message":"Request contains an invalid argument.","domain":"global","reason":"failedPrecondition"}],"status":"FAILED_PRECONDITION","details":[{"@type":"type.googleapis.com/google.rpc.ErrorInfo","reason":"EXPIRED_SYNC_TOKEN"}]}}""")]
    [TestCase("""{"error":{"code":400,"message":"Sync token is expired. Clear local cache and retry call without the sync token.","status":"FAILED_PRECONDITION"}}""")]
    public async Task Through_google_apis_the_people_rule_sees_details_and_message_behind_a_legacy_errors_reason(string body)
    {
        // Google.Apis parses only errors[]; the reader also reads the raw body it keeps, so details[] and the message count.
        Calendar.AddMany(3);
        var options = FastRetries() with { ErrorClassifier = SyncErrorClassifier.GooglePeople };
        await Repository(options: options).SyncAsync();
        Server.Faults.Enqueue(Fault.Raw(400, "application/json; charset=UTF-8", body), r => r.SyncToken is not null);

        var result = await Repository(options: options).SyncAsync();

        Assert.That(result.ExpiriesRecovered, Is.EqualTo(1));
        await AssertMirrorEqualsServerAsync();
    }
}
