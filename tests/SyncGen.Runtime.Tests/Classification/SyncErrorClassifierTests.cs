using System;
using System.Collections.Generic;
using System.IO;
using System.Net;
using System.Net.Http;
using System.Text;
using System.Threading.Tasks;
using Google;
using Google.Apis.Requests;
using NUnit.Framework;
using SyncGen.Google;

namespace SyncGen.Runtime.Tests.Classification;

public class SyncErrorClassifierTests
{
    /// <summary>The classifier the engine uses for a page source that hands it SyncGen.Google's reader.</summary>
    private static readonly SyncErrorClassifier GoogleApisRules = SyncErrorClassifier.Google.WithReader(GoogleApiErrorReader.Instance);

    private static GoogleApiException Google(int status, string? reason, TimeSpan? retryAfter = null) => new("calendar", $"HTTP {status}")
    {
        HttpStatusCode = (HttpStatusCode)status,
        Error = new RetryAfterRequestError
        {
            Code = status,
            Message = "m",
            Errors = reason is null ? new List<SingleError>() : new List<SingleError> { new() { Reason = reason, Domain = "global", Message = "m" } },
            RetryAfter = retryAfter,
        },
    };

    [TestCase(410, "fullSyncRequired", SyncErrorKind.TokenExpired)]
    [TestCase(410, "updatedMinTooLongAgo", SyncErrorKind.TokenExpired)]
    [TestCase(410, null, SyncErrorKind.TokenExpired)]
    [TestCase(410, "deleted", SyncErrorKind.Fatal)]
    [TestCase(429, "rateLimitExceeded", SyncErrorKind.Transient)]
    [TestCase(403, "rateLimitExceeded", SyncErrorKind.Transient)]
    [TestCase(403, "userRateLimitExceeded", SyncErrorKind.Transient)]
    [TestCase(403, "forbidden", SyncErrorKind.Fatal)]
    [TestCase(500, "backendError", SyncErrorKind.Transient)]
    [TestCase(502, null, SyncErrorKind.Transient)]
    [TestCase(503, null, SyncErrorKind.Transient)]
    [TestCase(504, null, SyncErrorKind.Transient)]
    [TestCase(400, "syncTokenWithRequestRestrictions", SyncErrorKind.Fatal)]
    [TestCase(401, "authError", SyncErrorKind.Fatal)]
    [TestCase(404, "notFound", SyncErrorKind.Fatal)]
    public void Google_rules_classify_calendar_errors(int status, string? reason, SyncErrorKind expected)
    {
        var classification = GoogleApisRules.Classify(Google(status, reason));

        Assert.That(classification.Kind, Is.EqualTo(expected));
        Assert.That(classification.StatusCode, Is.EqualTo(status));
        Assert.That(classification.Reason, Is.EqualTo(reason));
    }

    [Test]
    public void The_built_in_readers_leave_GoogleApiException_to_the_reader_SyncGen_Google_provides()
    {
        var gone = Google(410, "fullSyncRequired");

        Assert.That(SyncErrorClassifier.DefaultReaders, Has.None.InstanceOf<GoogleApiErrorReader>());
        Assert.That(SyncErrorClassifier.Google.Classify(gone).Kind, Is.EqualTo(SyncErrorKind.Fatal));
        Assert.That(GoogleApisRules.Classify(gone).Kind, Is.EqualTo(SyncErrorKind.TokenExpired));
    }

    [Test]
    public void WithReader_asks_the_classifiers_own_readers_first_and_adds_a_reader_once()
    {
        var own = new FixedReader(new SyncErrorFacts { StatusCode = 503 });
        var classifier = new SyncErrorClassifier(SyncExpiryRules.Google, new ISyncErrorReader[] { own }).WithReader(GoogleApiErrorReader.Instance);

        Assert.That(classifier.Classify(Google(410, "fullSyncRequired")).Kind, Is.EqualTo(SyncErrorKind.Transient), "the reader given to the constructor read it");
        Assert.That(GoogleApisRules.WithReader(GoogleApiErrorReader.Instance), Is.SameAs(GoogleApisRules));
        Assert.That(() => GoogleApisRules.WithReader(null!), Throws.ArgumentNullException);
    }

    private sealed class FixedReader(SyncErrorFacts facts) : ISyncErrorReader
    {
        public SyncErrorFacts? Read(Exception exception) => facts;
    }

    [Test]
    public void Retry_after_travels_from_the_wrapped_google_error()
    {
        var classification = GoogleApisRules.Classify(Google(429, "rateLimitExceeded", TimeSpan.FromSeconds(7)));

        Assert.That(classification.RetryAfter, Is.EqualTo(TimeSpan.FromSeconds(7)));
    }

    [Test]
    public void Transport_failures_are_transient_and_unknown_exceptions_fatal()
    {
        Assert.Multiple(() =>
        {
            Assert.That(GoogleApisRules.Classify(new HttpRequestException("reset")).Kind, Is.EqualTo(SyncErrorKind.Transient));
            Assert.That(GoogleApisRules.Classify(new IOException("cut")).Kind, Is.EqualTo(SyncErrorKind.Transient));
            Assert.That(GoogleApisRules.Classify(new TaskCanceledException("timeout")).Kind, Is.EqualTo(SyncErrorKind.Transient));
            Assert.That(GoogleApisRules.Classify(new HttpRequestException("x", null, HttpStatusCode.BadRequest)).Kind, Is.EqualTo(SyncErrorKind.Fatal));
            Assert.That(GoogleApisRules.Classify(new InvalidOperationException("bug")).Kind, Is.EqualTo(SyncErrorKind.Fatal));
            Assert.That(GoogleApisRules.Classify(new Newtonsoft.Json.JsonReaderException("bad")).Kind, Is.EqualTo(SyncErrorKind.MalformedResponse));
            Assert.That(GoogleApisRules.Classify(new System.Text.Json.JsonException("bad")).Kind, Is.EqualTo(SyncErrorKind.MalformedResponse));
        });
    }

    [Test]
    public void People_and_graph_rules_recognise_their_own_expiry_signal()
    {
        Assert.Multiple(() =>
        {
            Assert.That(SyncErrorClassifier.GooglePeople.Classify(new SyncHttpException(400, "EXPIRED_SYNC_TOKEN", null, "m")).Kind, Is.EqualTo(SyncErrorKind.TokenExpired));
            Assert.That(SyncErrorClassifier.GooglePeople.Classify(new SyncHttpException(400, "badRequest", null, "m")).Kind, Is.EqualTo(SyncErrorKind.Fatal));
            Assert.That(SyncErrorClassifier.GooglePeople.Classify(new SyncHttpException(410, null, null, "m")).Kind, Is.EqualTo(SyncErrorKind.Fatal));
            Assert.That(SyncErrorClassifier.MicrosoftGraph.Classify(new SyncHttpException(410, null, null, "m")).Kind, Is.EqualTo(SyncErrorKind.TokenExpired));
            Assert.That(SyncErrorClassifier.MicrosoftGraph.Classify(new SyncHttpException(404, "syncStateNotFound", null, "m")).Kind, Is.EqualTo(SyncErrorKind.TokenExpired));
            Assert.That(SyncErrorClassifier.MicrosoftGraph.Classify(new SyncHttpException(404, "itemNotFound", null, "m")).Kind, Is.EqualTo(SyncErrorKind.Fatal));
        });
    }

    [Test]
    public void A_custom_expiry_rule_is_used()
    {
        var gmail = new SyncErrorClassifier((status, _) => status == 404);

        Assert.That(gmail.Classify(new SyncHttpException(404, null, null, "history id too old")).Kind, Is.EqualTo(SyncErrorKind.TokenExpired));
    }
}

public class SyncHttpExceptionTests
{
    private static HttpResponseMessage Response(HttpStatusCode status, string body, string? retryAfter = null)
    {
        var response = new HttpResponseMessage(status) { Content = new StringContent(body, Encoding.UTF8, "application/json") };
        if (retryAfter is not null)
        {
            response.Headers.TryAddWithoutValidation("Retry-After", retryAfter);
        }

        return response;
    }

    [Test]
    public async Task Reads_the_google_reason_and_retry_after()
    {
        using var response = Response((HttpStatusCode)429,
            """{"error":{"errors":[{"domain":"usageLimits","reason":"rateLimitExceeded","message":"Rate Limit Exceeded"}],"code":429,"message":"Rate Limit Exceeded"}}""", "3");

        var exception = Assert.ThrowsAsync<SyncHttpException>(() => SyncHttpException.ThrowIfUnsuccessfulAsync(response));

        Assert.That(exception!.StatusCode, Is.EqualTo(429));
        Assert.That(exception.Reason, Is.EqualTo("rateLimitExceeded"));
        Assert.That(exception.RetryAfter, Is.EqualTo(TimeSpan.FromSeconds(3)));
        Assert.That(exception.Message, Does.Contain("Rate Limit Exceeded"));
        await Task.CompletedTask;
    }

    [TestCase("""{"error":{"code":400,"message":"Sync token is expired.","status":"FAILED_PRECONDITION","details":[{"@type":"type.googleapis.com/google.rpc.ErrorInfo","reason":"EXPIRED_SYNC_TOKEN"}]}}""", "EXPIRED_SYNC_TOKEN")]
    [TestCase("""{"error":{"code":"syncStateNotFound","message":"The sync state is not found."}}""", "syncStateNotFound")]
    [TestCase("""{"error":{"code":400,"message":"x","status":"INVALID_ARGUMENT"}}""", "INVALID_ARGUMENT")]
    [TestCase("<html>gateway</html>", null)]
    public void Reads_the_reason_of_other_dialects(string body, string? reason)
    {
        using var response = Response(HttpStatusCode.BadRequest, body);

        var exception = Assert.ThrowsAsync<SyncHttpException>(() => SyncHttpException.ThrowIfUnsuccessfulAsync(response));

        Assert.That(exception!.Reason, Is.EqualTo(reason));
        Assert.That(exception.StatusCode, Is.EqualTo(400));
    }

    [Test]
    public async Task A_successful_response_does_not_throw_and_keeps_its_body()
    {
        using var response = Response(HttpStatusCode.OK, "{}");

        await SyncHttpException.ThrowIfUnsuccessfulAsync(response);

        Assert.That(await response.Content.ReadAsStringAsync(), Is.EqualTo("{}"));
    }
}
