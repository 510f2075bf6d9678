using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using GraphSync.GraphApi;
using Microsoft.Graph.Models.ODataErrors;
using Microsoft.Kiota.Abstractions;
using NUnit.Framework;
using SyncGen;

namespace GraphSync.Tests;

/// <summary>The reader over the SDK's own exception objects, as the SDK fills them from a response.</summary>
public sealed class GraphErrorReaderTests
{
    private static ODataError Error(int status, string? code, string? message = null, string[]? detailCodes = null, Dictionary<string, IEnumerable<string>>? headers = null) => new()
    {
        ResponseStatusCode = status,
        ResponseHeaders = headers ?? new Dictionary<string, IEnumerable<string>>(),
        Error = new MainError
        {
            Code = code,
            Message = message,
            Details = detailCodes?.Select(c => new ErrorDetails { Code = c, Message = "detail" }).ToList(),
        },
    };

    [Test]
    public void An_ODataError_gives_status_code_detail_codes_and_message()
    {
        var facts = GraphErrorReader.Instance.Read(Error(400, "badRequest", "Token is stale.", ["resyncRequired", "badRequest"]));

        Assert.That(facts!.StatusCode, Is.EqualTo(400));
        Assert.That(facts.Reasons, Is.EqualTo(new[] { "badRequest", "resyncRequired" }), "error.code first, then details, no repeats");
        Assert.That(facts.Message, Is.EqualTo("Token is stale."));
    }

    [Test]
    public void A_resync_code_only_in_the_details_is_an_expiry()
    {
        var kind = GraphErrorReader.Classifier.Classify(Error(400, "badRequest", detailCodes: ["syncStateNotFound"])).Kind;

        Assert.That(kind, Is.EqualTo(SyncErrorKind.TokenExpired));
    }

    [TestCase(410, "anything", SyncErrorKind.TokenExpired)]
    [TestCase(404, "syncStateNotFound", SyncErrorKind.TokenExpired)]
    [TestCase(404, "Request_ResourceNotFound", SyncErrorKind.Fatal)]
    [TestCase(400, "BadRequest", SyncErrorKind.Fatal)]
    [TestCase(429, "TooManyRequests", SyncErrorKind.Transient)]
    [TestCase(503, null, SyncErrorKind.Transient)]
    [TestCase(401, "InvalidAuthenticationToken", SyncErrorKind.Fatal)]
    public void The_classifier_decides_by_the_facts_the_reader_gives(int status, string? code, SyncErrorKind expected)
    {
        Assert.That(GraphErrorReader.Classifier.Classify(Error(status, code)).Kind, Is.EqualTo(expected));
    }

    [Test]
    public void Retry_After_in_seconds_and_as_a_date_both_count()
    {
        var seconds = GraphErrorReader.Instance.Read(Error(429, "TooManyRequests", headers: new() { ["retry-after"] = ["7"] }));
        var at = DateTimeOffset.UtcNow.AddSeconds(30).ToString("r", CultureInfo.InvariantCulture);
        var date = GraphErrorReader.Instance.Read(Error(503, null, headers: new() { ["Retry-After"] = [at] }));

        Assert.That(seconds!.RetryAfter, Is.EqualTo(TimeSpan.FromSeconds(7)));
        Assert.That(seconds.Headers["Retry-After"], Is.EqualTo("7"), "headers are case-insensitive");
        Assert.That(date!.RetryAfter, Is.InRange(TimeSpan.FromSeconds(25), TimeSpan.FromSeconds(31)));
    }

    [Test]
    public void A_kiota_ApiException_with_a_status_gives_the_status_and_one_without_is_left_to_other_readers()
    {
        var withStatus = GraphErrorReader.Instance.Read(new ApiException("The server returned an unexpected status code and the error registered for this code failed to deserialize: 502") { ResponseStatusCode = 502 });
        var withoutStatus = GraphErrorReader.Instance.Read(new ApiException("no response"));

        Assert.That(withStatus!.StatusCode, Is.EqualTo(502));
        Assert.That(withoutStatus, Is.Null);
        Assert.That(GraphErrorReader.Instance.Read(new InvalidOperationException("x")), Is.Null);
    }
}
