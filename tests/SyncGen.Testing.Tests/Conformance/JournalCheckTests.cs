using System.Collections.Generic;
using System.Linq;
using NUnit.Framework;
using SyncGen.Testing.Journal;

namespace SyncGen.Testing.Tests.Conformance;

/// <summary>Each journal rule, on hand-made request logs: it fires on the violation and stays quiet on the conforming log.</summary>
public sealed class JournalCheckTests
{
    private static JournalEntry Request(int number, int? status, params (string Key, string Value)[] query) =>
        new(number, "/calendar/v3/calendars/primary/events", query.Select(q => new KeyValuePair<string, string>(q.Key, q.Value)).ToArray(), status);

    [Test]
    public void A_conforming_incremental_pass_with_a_retry_breaks_no_rule()
    {
        var log = new[]
        {
            Request(1, 200, ("maxResults", "3"), ("syncToken", "s4")),
            Request(2, 503, ("maxResults", "3"), ("syncToken", "s4"), ("pageToken", "p2")),
            Request(3, 200, ("maxResults", "3"), ("syncToken", "s4"), ("pageToken", "p2")),
        };

        Assert.That(ProtocolJournalChecks.Check(log, "s4", maxRetries: 3), Is.Empty);
    }

    [Test]
    public void Changing_a_parameter_between_pages_is_reported_with_the_difference()
    {
        var log = new[] { Request(1, 200, ("maxResults", "3")), Request(2, 200, ("maxResults", "5"), ("pageToken", "p2")) };

        var violation = ProtocolJournalChecks.Check(log, null, 3).Single();

        Assert.That(violation, Does.Contain("rule 'same-query-every-page' broken at request #2").And.Contain("added: maxResults=5; dropped: maxResults=3"));
    }

    [TestCase("timeMin")]
    [TestCase("q")]
    [TestCase("updatedMin")]
    public void A_restricted_filter_next_to_a_token_is_reported(string name)
    {
        var log = new[] { Request(1, 400, ("syncToken", "s4"), (name, "x")) };

        Assert.That(ProtocolJournalChecks.Check(log, "s4", 3).Single(), Does.Contain("'no-restricted-filter-with-token'").And.Contain($"'{name}'"));
    }

    [Test]
    public void Retrying_a_400_and_exceeding_the_budget_and_continuing_after_an_error_are_reported()
    {
        var retried400 = new[] { Request(1, 400, ("syncToken", "s4")), Request(2, 400, ("syncToken", "s4")) };
        var overBudget = Enumerable.Range(1, 5).Select(i => Request(i, 503, ("maxResults", "3"))).ToArray();
        var afterError = new[] { Request(1, 401, ("maxResults", "3")), Request(2, 200, ("maxResults", "4")) };

        Assert.That(ProtocolJournalChecks.Check(retried400, "s4", 3), Has.One.Contains("'no-retry-on-400-401'"));
        Assert.That(ProtocolJournalChecks.Check(overBudget, null, 3), Has.One.Contains("'retry-budget'"));
        Assert.That(ProtocolJournalChecks.Check(afterError, null, 3), Has.One.Contains("'stop-after-unrecoverable-error'"));
    }

    [Test]
    public void Ignoring_the_stored_token_and_resending_an_expired_one_are_reported()
    {
        var fullInsteadOfIncremental = new[] { Request(1, 200, ("maxResults", "3")) };
        var resentDeadToken = new[] { Request(1, 410, ("syncToken", "s4")), Request(2, 410, ("syncToken", "s4")) };

        Assert.That(ProtocolJournalChecks.Check(fullInsteadOfIncremental, "s4", 3), Has.One.Contains("'send-stored-token'"));
        Assert.That(ProtocolJournalChecks.Check(resentDeadToken, "s4", 3), Has.One.Contains("'drop-token-after-410'"));
    }

    [Test]
    public void A_dead_token_sent_again_after_other_requests_is_reported()
    {
        // 410 on page 1, a full sync, then the dead token again: not adjacent to the 410, still a violation.
        var log = new[]
        {
            Request(1, 410, ("syncToken", "s4")),
            Request(2, 200, ("maxResults", "3")),
            Request(3, 200, ("maxResults", "3"), ("pageToken", "p2")),
            Request(4, 200, ("syncToken", "s4")),
        };
        var conforming = log.Take(3).ToArray();

        Assert.That(ProtocolJournalChecks.Check(log, "s4", 3).Single(), Does.Contain("'drop-token-after-410' broken at request #4").And.Contain("by request #1"));
        Assert.That(ProtocolJournalChecks.Check(conforming, "s4", 3), Is.Empty);
    }

    [Test]
    public void A_403_is_a_retry_only_with_a_rate_limit_reason()
    {
        JournalEntry Forbidden(int number, string? reason) =>
            new(number, "/calendar/v3/calendars/primary/events", new[] { new KeyValuePair<string, string>("maxResults", "3") }, 403, reason);
        var rateLimited = Enumerable.Range(1, 5).Select(i => Forbidden(i, "rateLimitExceeded")).ToArray();
        var reasonless = Enumerable.Range(1, 5).Select(i => Forbidden(i, null)).ToArray();
        var permission = Enumerable.Range(1, 5).Select(i => Forbidden(i, "forbidden")).ToArray();

        Assert.That(ProtocolJournalChecks.Check(rateLimited, null, 3), Has.One.Contains("'retry-budget'"), "5 attempts of a rate-limited request exceed 3 retries");
        Assert.That(ProtocolJournalChecks.Check(reasonless, null, 3), Is.Empty, "a 403 without a known rate-limit reason is a permission error, not a retry");
        Assert.That(ProtocolJournalChecks.Check(permission, null, 3), Is.Empty);
    }

    [Test]
    public void Following_a_repeated_page_token_is_reported()
    {
        var log = new[] { Request(1, 200), Request(2, 200, ("pageToken", "p2")), Request(3, 200, ("pageToken", "p2")) };

        Assert.That(ProtocolJournalChecks.Check(log, null, 3).Single(), Does.Contain("'page-token-loop-guard' broken at request #3"));
    }
}
