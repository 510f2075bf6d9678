using System;
using System.Collections.Generic;
using System.Globalization;
using NUnit.Framework;

namespace SyncGen.Runtime.Tests.Classification;

/// <summary>
/// <see cref="SyncErrorFacts.FromResponse"/> for readers of client libraries that hand over a header dictionary
/// (Kiota, the Graph SDK) instead of an <see cref="System.Net.Http.HttpResponseMessage"/>.
/// </summary>
public class SyncErrorFactsTests
{
    private static Dictionary<string, string> Headers(string name, string value) => new(StringComparer.OrdinalIgnoreCase) { [name] = value };

    [Test]
    public void Retry_After_in_seconds_is_read_from_the_headers()
    {
        var facts = SyncErrorFacts.FromResponse(429, null, headers: Headers("Retry-After", "7"));

        Assert.That(facts.RetryAfter, Is.EqualTo(TimeSpan.FromSeconds(7)));
    }

    [Test]
    public void Retry_After_as_an_HTTP_date_is_read_from_the_headers()
    {
        var ahead = DateTimeOffset.UtcNow.AddMinutes(10).ToString("r", CultureInfo.InvariantCulture);
        var past = DateTimeOffset.UtcNow.AddMinutes(-10).ToString("r", CultureInfo.InvariantCulture);

        var later = SyncErrorFacts.FromResponse(503, null, headers: Headers("Retry-After", ahead));
        var now = SyncErrorFacts.FromResponse(503, null, headers: Headers("Retry-After", past));

        // The date has whole seconds and is compared with the clock when read, so the wait is a little under 10 minutes.
        Assert.That(later.RetryAfter, Is.InRange(TimeSpan.FromMinutes(9), TimeSpan.FromMinutes(10)));
        Assert.That(now.RetryAfter, Is.EqualTo(TimeSpan.Zero), "a date in the past means retry now");
    }

    [Test]
    public void The_header_name_is_matched_whatever_its_case_and_the_dictionary_comparer()
    {
        var caseSensitive = new Dictionary<string, string>(StringComparer.Ordinal) { ["retry-after"] = "3" };

        var facts = SyncErrorFacts.FromResponse(429, null, headers: caseSensitive);

        Assert.That(facts.RetryAfter, Is.EqualTo(TimeSpan.FromSeconds(3)));
    }

    [TestCase("soon")]
    [TestCase("-5")]
    [TestCase("7 seconds")]
    [TestCase("")]
    public void A_malformed_Retry_After_is_ignored(string value)
    {
        var facts = SyncErrorFacts.FromResponse(429, """{"error":{"code":"TooManyRequests","message":"Slow down."}}""", headers: Headers("Retry-After", value));

        Assert.That(facts.RetryAfter, Is.Null);
        Assert.That(facts.Reason, Is.EqualTo("TooManyRequests"), "the rest of the answer is still read");
        Assert.That(facts.Headers["Retry-After"], Is.EqualTo(value), "the header itself is kept as sent");
    }

    [Test]
    public void An_explicit_retry_after_wins_over_the_header()
    {
        var facts = SyncErrorFacts.FromResponse(429, null, TimeSpan.FromSeconds(2), Headers("Retry-After", "60"));

        Assert.That(facts.RetryAfter, Is.EqualTo(TimeSpan.FromSeconds(2)));
    }

    [Test]
    public void No_headers_give_no_retry_after()
    {
        Assert.That(SyncErrorFacts.FromResponse(503, null).RetryAfter, Is.Null);
    }
}
