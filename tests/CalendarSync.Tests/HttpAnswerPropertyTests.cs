using System;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using CalendarSync.CalendarApi;
using CalendarSync.Repository;
using CsCheck;
using NUnit.Framework;
using SyncGen.Testing.FakeServer;
using SyncGen;
using SyncGen.Testing;

namespace CalendarSync.Tests;

/// <summary>
/// Issue 9, "Done means": random status x content type x body x Retry-After, served over real HTTP on the first request
/// of an incremental pass, through Google.Apis into a real SQLite file. The outcome must be the one the decision table
/// (docs/reliability.md, "Error decision table", and <see cref="SyncErrorClassifier"/>) gives, and the store must be
/// untouched whenever the call fails.
/// </summary>
public class HttpAnswerPropertyTests : CalendarSyncTestBase
{
    private enum Outcome
    {
        Retried,
        Expiry,
        Fatal,
        Malformed,
    }

    private static readonly int[] Statuses = { 200, 400, 401, 403, 404, 405, 408, 409, 410, 412, 429, 500, 501, 502, 503, 504 };

    private static readonly string?[] ContentTypes = { "application/json; charset=UTF-8", "text/html", "text/plain", null };

    private static readonly string[] Reasons = { "deleted", "fullSyncRequired", "rateLimitExceeded", "userRateLimitExceeded", "forbidden", "backendError" };

    /// <summary>The test's own copy of the decision table; the code's copy is in SyncErrorClassifier.</summary>
    private static Outcome Expected(int status, string? jsonReason, int? retryAfterSeconds)
    {
        if (status is >= 200 and <= 299)
        {
            return Outcome.Malformed;
        }

        if (status == 410 && jsonReason != "deleted")
        {
            return Outcome.Expiry;
        }

        var transient = status is 408 or 429 or 500 or 502 or 503 or 504
            || (status == 403 && jsonReason is "rateLimitExceeded" or "userRateLimitExceeded");
        if (!transient)
        {
            return Outcome.Fatal;
        }

        // The test's cap is 500 ms, so a Retry-After of a whole second or more is over it.
        return retryAfterSeconds is >= 1 ? Outcome.Fatal : Outcome.Retried;
    }

    private static Gen<(string Body, string? JsonReason)> Bodies { get; } = Gen.OneOf(
        Gen.OneOf(
            ("", (string?)null),
            ("Service Unavailable", null),
            ("<html><head><title>502 Bad Gateway</title></head><body><center>nginx</center></body></html>", null),
            ("[]", null),
            ("{\"error\":", null),
            ("null", null),
            ("{\"error\":\"text\"}", null)),
        Gen.OneOf(Reasons).Select(reason => (
            "{\"error\":{\"errors\":[{\"domain\":\"global\",\"reason\":\"" + reason + "\",\"message\":\"m\"}],\"message\":\"m\"}}",
            (string?)reason)));

    private int _calendars;

    [Test]
    public async Task Every_answer_gets_the_outcome_of_the_decision_table_and_a_failure_leaves_the_store_untouched()
    {
        var gen = Gen.Select(
            Gen.OneOf(Statuses),
            Gen.OneOf(ContentTypes),
            Bodies,
            Gen.OneOf<int?>(null, 0, 1, 120));

        await gen.SampleAsync(
            async (status, contentType, body, retryAfter) => await CheckAsync(status, contentType, body.Body, body.JsonReason, retryAfter),
            iter: 150,
            threads: 1,
            print: t => $"status {t.Item1}, content type {t.Item2 ?? "none"}, body {t.Item3.Body}, Retry-After {t.Item4?.ToString() ?? "none"}");
    }

    private async Task CheckAsync(int status, string? contentType, string body, string? jsonReason, int? retryAfter)
    {
        // A calendar and a store per sample, on the one server of the test.
        var calendarId = $"cal-{Interlocked.Increment(ref _calendars)}";
        var calendar = Server.GetCalendar(calendarId);
        calendar.AddMany(3);
        var storePath = System.IO.Path.Combine(System.IO.Path.GetDirectoryName(StorePath)!, calendarId + ".db");
        var options = FastRetries(maxRetries: 2) with
        {
            Retry = FastRetries(maxRetries: 2).Retry with { MaxRetryAfter = TimeSpan.FromMilliseconds(500) },
        };
        CalendarEventsRepository Repo() => new(Service, calendarId, SqliteSyncStore<Event>.OpenFile(storePath, calendarId)) { Options = options };

        await Repo().SyncAsync();
        calendar.Upsert(new FakeEvent("evt-new", "added", At(2)));
        var before = await StateAsync(storePath, calendarId);
        var fault = Fault.Raw(status, contentType, body, retryAfter is { } s ? TimeSpan.FromSeconds(s) : null);
        Server.Faults.Enqueue(fault, r => r.CalendarId == calendarId && r.SyncToken is not null);

        var expected = Expected(status, jsonReason, retryAfter);
        Outcome actual;
        SyncResult? result = null;
        try
        {
            result = await Repo().SyncAsync();
            actual = result.ExpiriesRecovered > 0 ? Outcome.Expiry : result.Retries > 0 ? Outcome.Retried : (Outcome)(-1);
        }
        catch (SyncRequestFailedException failed)
        {
            actual = Outcome.Fatal;
            Assert.That(failed.StatusCode, Is.EqualTo(status), "a fatal answer is reported with its status");
        }
        catch (SyncProtocolException protocol)
        {
            // A 2xx body that is not a page: unreadable JSON, no body, or JSON that is not a page (no tokens at all).
            Assert.That(protocol.Violation, Is.AnyOf(SyncProtocolViolation.MalformedResponse, SyncProtocolViolation.EmptyResponse, SyncProtocolViolation.MissingTokens));
            actual = Outcome.Malformed;
        }

        Assert.That(actual, Is.EqualTo(expected), $"status {status}, content type {contentType ?? "none"}, body '{body}', Retry-After {retryAfter?.ToString() ?? "none"}");
        var after = await StateAsync(storePath, calendarId);
        if (result is null)
        {
            Assert.That(after, Is.EqualTo(before), "a failed sync leaves the store untouched");
        }
        else
        {
            Assert.That(after.Token, Is.EqualTo(calendar.CurrentSyncToken));
            Assert.That(after.Items, Has.Count.EqualTo(4));
        }
    }

    private static async Task<StoreState> StateAsync(string path, string calendarId)
    {
        var store = SqliteSyncStore<Event>.OpenFile(path, calendarId);
        var items = await store.ReadItemsAsync();
        return new StoreState(await store.ReadSyncTokenAsync(), items.Select(p => $"{p.Key}|{p.Value.Status}|{p.Value.Summary}").ToList());
    }
}
