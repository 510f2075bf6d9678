using System;
using System.Diagnostics;
using System.Linq;
using System.Net;
using System.Net.Http;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Threading;
using System.Threading.Tasks;
using NUnit.Framework;
using SyncGen.Testing.FakeServer;

namespace SyncGen.Testing.Tests.FakeCalendarTests;

public sealed class FaultTests : FakeCalendarTestBase
{
    [TestCase(500, "backendError", "global")]
    [TestCase(503, "backendError", "global")]
    [TestCase(400, "badRequest", "global")]
    [TestCase(401, "authError", "global")]
    [TestCase(410, "fullSyncRequired", "calendar")]
    [TestCase(429, "rateLimitExceeded", "usageLimits")]
    public async Task Status_fault_serves_Google_error_body_once_then_recovers(int status, string reason, string domain)
    {
        Server.Primary.AddMany(3);
        Server.Faults.Enqueue(Fault.Status(status));

        var faulted = await Api.GetAsync(string.Empty);
        var next = await Api.GetAsync(string.Empty);

        Assert.That((int)faulted.Status, Is.EqualTo(status));
        Assert.That(faulted.ErrorReason, Is.EqualTo(reason));
        Assert.That((string?)faulted.Json["error"]!["errors"]![0]!["domain"], Is.EqualTo(domain));
        Assert.That((int?)faulted.Json["error"]!["code"], Is.EqualTo(status));
        Assert.That(next.Status, Is.EqualTo(HttpStatusCode.OK));
        Assert.That(next.Items, Has.Count.EqualTo(3));
        Assert.That(Server.Faults.Count, Is.Zero);
    }

    [Test]
    public async Task Rate_limited_sends_retry_after()
    {
        Server.Faults.Enqueue(Fault.RateLimited(TimeSpan.FromSeconds(1)));
        Server.Faults.Enqueue(Fault.RateLimited(statusCode: 403));
        Server.Faults.Enqueue(Fault.UserRateLimited());

        var first = await Api.GetAsync(string.Empty);
        var second = await Api.GetAsync(string.Empty);
        var third = await Api.GetAsync(string.Empty);

        Assert.That(first.Status, Is.EqualTo(HttpStatusCode.TooManyRequests));
        Assert.That(first.Headers.RetryAfter!.Delta, Is.EqualTo(TimeSpan.FromSeconds(1)));
        Assert.That(first.ErrorReason, Is.EqualTo("rateLimitExceeded"));
        Assert.That(second.Status, Is.EqualTo(HttpStatusCode.Forbidden));
        Assert.That(second.ErrorReason, Is.EqualTo("rateLimitExceeded"));
        Assert.That(second.Headers.RetryAfter, Is.Null);
        Assert.That(third.Status, Is.EqualTo(HttpStatusCode.Forbidden));
        Assert.That(third.ErrorReason, Is.EqualTo("userRateLimitExceeded"));
        Assert.That((string?)third.Json["error"]!["message"], Is.EqualTo("User Rate Limit Exceeded"));
    }

    [Test]
    public async Task Unauthorized_names_the_authorization_header()
    {
        Server.Faults.Enqueue(Fault.Unauthorized());

        var page = await Api.GetAsync(string.Empty);
        var error = page.Json["error"]!["errors"]![0]!;

        Assert.That(page.Status, Is.EqualTo(HttpStatusCode.Unauthorized));
        Assert.That((string?)error["reason"], Is.EqualTo("authError"));
        Assert.That((string?)error["location"], Is.EqualTo("Authorization"));
        Assert.That(page.Headers.WwwAuthenticate.Single().Scheme, Is.EqualTo("Bearer"));
    }

    [Test]
    public async Task Token_expired_on_a_full_sync_serves_the_exact_410_body()
    {
        Server.Faults.Enqueue(Fault.TokenExpired());

        var page = await Api.GetAsync(string.Empty);

        Assert.That(page.Status, Is.EqualTo(HttpStatusCode.Gone));
        Assert.That(page.Body, Does.StartWith("{\"error\":{\"errors\":[{\"domain\":\"calendar\",\"reason\":\"fullSyncRequired\""));
        Assert.That((string?)page.Json["error"]!["errors"]![0]!["location"], Is.EqualTo("syncToken"));
    }

    [Test]
    public async Task Malformed_json_is_200_with_a_body_that_does_not_parse()
    {
        Server.Primary.AddMany(3);
        Server.Faults.Enqueue(Fault.MalformedJson());

        var page = await Api.GetAsync(string.Empty);

        Assert.That(page.Status, Is.EqualTo(HttpStatusCode.OK));
        Assert.That(page.Body, Does.EndWith("\"items\":["));
        Assert.That(() => JsonNode.Parse(page.Body), Throws.InstanceOf<JsonException>());
    }

    [Test]
    public async Task Truncated_body_is_a_prefix_of_the_real_body()
    {
        Server.Primary.AddMany(20);
        Server.Faults.Enqueue(Fault.TruncatedBody(0.4));

        var truncated = await Api.GetAsync("maxResults=10");
        var real = await Api.GetAsync("maxResults=10");

        Assert.That(truncated.Status, Is.EqualTo(HttpStatusCode.OK));
        Assert.That(truncated.Body.Length, Is.EqualTo((int)(real.Body.Length * 0.4)));
        Assert.That(real.Body, Does.StartWith(truncated.Body));
        Assert.That(() => JsonNode.Parse(truncated.Body), Throws.InstanceOf<JsonException>());
    }

    [Test]
    public async Task Truncated_body_with_dishonest_length_fails_the_read()
    {
        Server.Primary.AddMany(20);
        Server.Faults.Enqueue(Fault.TruncatedBody(honestContentLength: false));

        Assert.That(async () => await Api.GetAsync(string.Empty), Throws.InstanceOf<HttpRequestException>().Or.InstanceOf<System.IO.IOException>());
        Assert.That((await Api.GetAsync(string.Empty)).Items, Has.Count.EqualTo(20));
    }

    [Test]
    public async Task No_tokens_serves_real_items_without_either_token()
    {
        Server.Primary.AddMany(5);
        Server.Faults.Enqueue(Fault.NoTokens(), r => r.PageNumber == 2);
        var first = await Api.GetAsync("maxResults=3");

        var second = await Api.GetAsync("maxResults=3&pageToken=" + FakeCalendarApi.Escape(first.NextPageToken!));

        Assert.That(second.Items.Select(i => (string?)i!["id"]), Is.EqualTo(new[] { "evt-000004", "evt-000005" }));
        Assert.That(second.Json.ContainsKey("nextPageToken"), Is.False);
        Assert.That(second.Json.ContainsKey("nextSyncToken"), Is.False);
    }

    [Test]
    public async Task Page_token_loop_repeats_the_requested_token()
    {
        Server.Primary.AddMany(9);
        Server.Faults.Enqueue(Fault.PageTokenLoop(), r => r.PageToken is not null);
        var first = await Api.GetAsync("maxResults=3");

        var second = await Api.GetAsync("maxResults=3&pageToken=" + FakeCalendarApi.Escape(first.NextPageToken!));

        Assert.That(second.NextPageToken, Is.EqualTo(first.NextPageToken));
        Assert.That(second.NextSyncToken, Is.Null);
        Assert.That(second.Items.Select(i => (string?)i!["id"]), Is.EqualTo(new[] { "evt-000004", "evt-000005", "evt-000006" }));
    }

    [Test]
    public async Task Page_token_loop_on_a_first_page_sends_the_client_back_to_the_first_page()
    {
        Server.Primary.AddMany(5);
        Server.Faults.Enqueue(Fault.PageTokenLoop());
        var first = await Api.GetAsync("maxResults=10");

        var again = await Api.GetAsync("maxResults=10&pageToken=" + FakeCalendarApi.Escape(first.NextPageToken!));

        Assert.That(first.NextSyncToken, Is.Null);
        Assert.That(first.NextPageToken, Is.Not.Null);
        Assert.That(again.Items.Select(i => (string?)i!["id"]), Is.EqualTo(first.Items.Select(i => (string?)i!["id"])));
        Assert.That(again.NextSyncToken, Is.Not.Null);
    }

    [Test]
    public async Task Page_token_loop_with_a_fixed_token_serves_that_token()
    {
        Server.Faults.Enqueue(Fault.PageTokenLoop("loop-token"), times: 2);

        var first = await Api.GetAsync(string.Empty);
        var second = await Api.GetAsync(string.Empty);

        Assert.That(first.NextPageToken, Is.EqualTo("loop-token"));
        Assert.That(second.NextPageToken, Is.EqualTo("loop-token"));
    }

    [Test]
    public async Task Duplicate_items_lists_each_item_twice()
    {
        Server.Primary.AddMany(2);
        Server.Faults.Enqueue(Fault.DuplicateItems());

        var page = await Api.GetAsync(string.Empty);

        Assert.That(page.Items.Select(i => (string?)i!["id"]), Is.EqualTo(new[] { "evt-000001", "evt-000001", "evt-000002", "evt-000002" }));
        Assert.That(page.NextSyncToken, Is.Not.Null);
    }

    [Test]
    public async Task Short_page_empty_page_still_carries_next_page_token_and_the_pass_loses_nothing()
    {
        Server.Primary.AddMany(10);
        Server.Faults.Enqueue(Fault.ShortPage(0), r => r.PageNumber == 1);
        Server.Faults.Enqueue(Fault.ShortPage(1), r => r.PageNumber == 2);

        var pass = await Api.ListAllAsync("maxResults=4");

        Assert.That(pass.Pages.Select(p => p.Items.Count), Is.EqualTo(new[] { 0, 1, 4, 4, 1 }));
        Assert.That(pass.Pages[0].NextPageToken, Is.Not.Null);
        Assert.That(pass.Items.Select(i => (string?)i["id"]), Is.EqualTo(Server.Primary.LiveEvents.Select(e => e.Id)));
    }

    [Test]
    public async Task Delay_holds_the_answer()
    {
        Server.Primary.AddMany(1);
        Server.Faults.Enqueue(Fault.Delay(TimeSpan.FromMilliseconds(300)));

        var watch = Stopwatch.StartNew();
        var page = await Api.GetAsync(string.Empty);
        watch.Stop();

        Assert.That(watch.Elapsed, Is.GreaterThanOrEqualTo(TimeSpan.FromMilliseconds(280)));
        Assert.That(page.Status, Is.EqualTo(HttpStatusCode.OK));
        Assert.That(page.Items, Has.Count.EqualTo(1));
    }

    [Test]
    public async Task Delay_then_another_fault_serves_that_fault()
    {
        Server.Faults.Enqueue(Fault.Delay(TimeSpan.FromMilliseconds(50), Fault.ServiceUnavailable(TimeSpan.FromSeconds(2))));

        var page = await Api.GetAsync(string.Empty);

        Assert.That(page.Status, Is.EqualTo(HttpStatusCode.ServiceUnavailable));
        Assert.That(page.Headers.RetryAfter!.Delta, Is.EqualTo(TimeSpan.FromSeconds(2)));
    }

    [Test]
    public async Task Delay_honours_the_client_giving_up()
    {
        // The client gives up once the server holds its request (a timer could fire before the request even arrived).
        using var giveUp = new CancellationTokenSource();
        Server.Faults.Enqueue(new FaultRule(Fault.Delay(TimeSpan.FromSeconds(30))) { When = _ => { giveUp.CancelAfter(TimeSpan.FromMilliseconds(50)); return true; } });

        Assert.That(async () => await Api.Http.GetAsync(Server.EventsUri(), giveUp.Token), Throws.InstanceOf<OperationCanceledException>());

        // The server notices the abort and journals the request without a status well before the 30 s delay.
        await Server.WhenRequestsAnsweredAsync().WaitAsync(TimeSpan.FromSeconds(10));

        Assert.That(Server.Requests.Single().StatusCode, Is.Zero);
        Assert.That(Server.Requests.Single().Fault!.Kind, Is.EqualTo(FaultKind.Delay));
    }

    [Test]
    public async Task Abort_drops_the_connection()
    {
        Server.Faults.Enqueue(Fault.Abort());

        Assert.That(async () => await Api.GetAsync(string.Empty), Throws.InstanceOf<HttpRequestException>());
        Assert.That((await Api.GetAsync(string.Empty)).Status, Is.EqualTo(HttpStatusCode.OK));
        await Server.WhenRequestsAnsweredAsync(); // the server journals a request after its answer has gone out
        Assert.That(Server.Requests.Select(r => r.StatusCode), Is.EqualTo(new[] { 0, 200 }));
    }

    [Test]
    public async Task Rule_targets_calendar_sync_token_page_number_and_counts()
    {
        Server.Primary.AddMany(6);
        Server.GetCalendar("work").AddMany(6);
        var full = await Api.ListAllAsync();
        var rule = Server.Faults.Enqueue(new FaultRule(Fault.Status(500))
        {
            CalendarId = "primary",
            WithSyncToken = true,
            WithPageToken = false,
            Times = 2,
            Skip = 1,
        });

        var otherCalendar = await Api.GetAsync("syncToken=" + FakeCalendarApi.Escape(full.SyncToken), "work");
        var fullSync = await Api.GetAsync(string.Empty);
        var skipped = await Api.GetAsync("syncToken=" + FakeCalendarApi.Escape(full.SyncToken));
        var fired1 = await Api.GetAsync("syncToken=" + FakeCalendarApi.Escape(full.SyncToken));
        var fired2 = await Api.GetAsync("syncToken=" + FakeCalendarApi.Escape(full.SyncToken));
        var after = await Api.GetAsync("syncToken=" + FakeCalendarApi.Escape(full.SyncToken));

        Assert.That(otherCalendar.Status, Is.EqualTo(HttpStatusCode.Gone), "a primary token is refused by another calendar, not faulted");
        Assert.That(fullSync.Status, Is.EqualTo(HttpStatusCode.OK));
        Assert.That(skipped.Status, Is.EqualTo(HttpStatusCode.OK));
        Assert.That(fired1.Status, Is.EqualTo(HttpStatusCode.InternalServerError));
        Assert.That(fired2.Status, Is.EqualTo(HttpStatusCode.InternalServerError));
        Assert.That(after.Status, Is.EqualTo(HttpStatusCode.OK));
        Assert.That(rule.FiredCount, Is.EqualTo(2));
        Assert.That(rule.IsExhausted, Is.True);
        Assert.That(Server.Faults.Pending, Is.Empty);
    }

    [Test]
    public async Task Rule_on_page_three_of_a_pass_fires_only_there()
    {
        Server.Primary.AddMany(10);
        var rule = Server.Faults.Enqueue(Fault.Status(503), r => r.PageNumber == 3);

        Assert.That(async () => await Api.ListAllAsync("maxResults=3"), Throws.InvalidOperationException.With.Message.Contains("Page 3 failed: 503"));
        Assert.That(rule.FiredCount, Is.EqualTo(1));
        Assert.That(Server.Requests.Select(r => r.PageNumber), Is.EqualTo(new[] { 1, 2, 3 }));
        Assert.That(Server.Requests.Select(r => r.FaultFired), Is.EqualTo(new[] { false, false, true }));
    }

    [Test]
    public async Task Clearing_faults_disarms_them()
    {
        Server.Faults.Enqueue(Fault.Abort(), times: int.MaxValue);
        Server.Faults.Clear();

        var page = await Api.GetAsync(string.Empty);

        Assert.That(page.Status, Is.EqualTo(HttpStatusCode.OK));
    }

    [Test]
    public async Task Page_fault_on_a_failing_request_leaves_the_real_error_unchanged()
    {
        Server.Faults.Enqueue(Fault.NoTokens());

        var page = await Api.GetAsync("maxResults=0");

        Assert.That(page.Status, Is.EqualTo(HttpStatusCode.BadRequest));
        Assert.That(page.ErrorReason, Is.EqualTo("invalid"));
    }
}
