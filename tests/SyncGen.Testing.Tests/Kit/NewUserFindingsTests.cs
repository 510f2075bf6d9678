using System;
using System.Linq;
using System.Net;
using System.Net.Http;
using System.Text.Json.Nodes;
using System.Threading.Tasks;
using NUnit.Framework;
using SyncGen.Testing.Conformance;
using SyncGen.Testing.Dialects;
using SyncGen.Testing.FakeServer;
using SyncGen.Testing.Scenarios;
using SyncGen.Testing.Tests.Conformance;

namespace SyncGen.Testing.Tests.Kit;

/// <summary>
/// What a new user met with the kit's documented examples (issue 24, item 6): each test replays the user's step over real
/// HTTP and failed before its fix.
/// </summary>
[TestFixture]
public sealed class NewUserFindingsTests
{
    /// <summary>The in-house dialect of docs/dialects.md, served exactly as the FakeDialect example documents it (no Unsupported list).</summary>
    internal static readonly SyncDialect AcmeDialect = new()
    {
        Name = "Acme records",
        SyncTokenParameter = "since",
        PageTokenParameter = "cursor",
        Items = SyncJsonPath.Parse("data.records"),
        NextPageToken = SyncJsonPath.Parse("cursor.next"),
        NextSyncToken = SyncJsonPath.Parse("cursor.checkpoint"),
        Key = SyncJsonPath.Property("uuid"),
        Deletion = SyncDeletionMarker.Flag(SyncJsonPath.Parse("state.archived")),
        IsExpiry = facts => facts.StatusCode == 409 && facts.HasReason("CHECKPOINT_TOO_OLD"),
    };

    internal static readonly FakeDialect DocumentedAcme = new()
    {
        Dialect = AcmeDialect,
        RootPath = "/api/v2",
        FeedPath = "records",
        PageSizeParameter = "limit",
        NameFields = name => new JsonObject { ["title"] = name },
        ExpiredToken = _ => new FakeErrorResponse(409, "{\"error\":{\"code\":\"CHECKPOINT_TOO_OLD\"}}"),
    };

    [TestCase("cancelled-recurring-exception", "recurring events")]
    [TestCase("restricted-filter-only-on-full-sync", "full-pass-only filter")]
    [TestCase("plain-text-410-is-expiry", "bare 410")]
    public void A_scenario_the_documented_dialect_cannot_replay_has_a_skip_reason(string name, string reasonWords)
    {
        // The conformance fixture reports a scenario with a skip reason as Ignored with that reason, before any client is built.
        var reason = DocumentedAcme.SkipReason(ScenarioCatalog.Get(name));

        Assert.That(reason, Does.Contain(name).And.Contain("Acme records").And.Contain(reasonWords));
    }

    [Test]
    public async Task Running_an_unreplayable_scenario_directly_is_a_clear_argument_error_not_a_crash()
    {
        await using var server = new EmbeddedScenarioServer(DocumentedAcme);

        var error = Assert.ThrowsAsync<ArgumentException>(() => ScenarioRunner.RunAsync(
            server, ScenarioCatalog.Get("cancelled-recurring-exception"), _ => throw new AssertionException("no client may be built")));

        Assert.That(error!.GetType(), Is.EqualTo(typeof(ArgumentException)));
        Assert.That(error.Message, Does.Contain("recurring events"));
    }

    [Test]
    public async Task A_page_token_sent_as_the_sync_token_is_answered_400_not_as_an_expired_token()
    {
        await using var server = await FakeCalendarServer.StartAsync();
        server.Primary.AddMany(5);
        using var http = new HttpClient();
        var first = JsonNode.Parse(await http.GetStringAsync(new Uri(server.EventsUri() + "?maxResults=2")))!;
        var pageToken = (string)first["nextPageToken"]!;

        using var response = await http.GetAsync(new Uri(server.EventsUri() + "?maxResults=2&syncToken=" + Uri.EscapeDataString(pageToken)));

        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.BadRequest));
        Assert.That(await response.Content.ReadAsStringAsync(), Does.Contain("page token"));
    }

    [Test]
    public async Task A_page_token_sent_as_the_sync_token_is_answered_400_on_the_dialect_server_too()
    {
        await using var server = await FakeSyncServer.StartAsync(SyncDialects.GooglePeople);
        for (var i = 0; i < 5; i++)
        {
            server.Upsert("people/c" + i, "Person " + i);
        }

        using var http = new HttpClient();
        var first = JsonNode.Parse(await http.GetStringAsync(new Uri(server.Endpoint + "?pageSize=2&requestSyncToken=true")))!;
        var pageToken = (string)first["nextPageToken"]!;

        using var response = await http.GetAsync(new Uri(server.Endpoint + "?pageSize=2&requestSyncToken=true&syncToken=" + Uri.EscapeDataString(pageToken)));

        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.BadRequest));
        await server.WhenRequestsAnsweredAsync();
        Assert.That(server.Requests[^1].ServedExpiry, Is.False);
    }

    [Test]
    public async Task A_client_sending_its_page_token_as_the_sync_token_fails_incremental_multi_page_on_the_embedded_server()
    {
        await using var server = new EmbeddedScenarioServer();

        var report = await ScenarioRunner.RunAsync(server, ScenarioCatalog.Get("incremental-multi-page"),
            c => new HandWrittenSyncLoop(c, SyncLoopDefect.PageTokenAsSyncToken), cancellationToken: TestContext.CurrentContext.CancellationToken);

        Assert.That(report.Passed, Is.False, "the defect went unnoticed on the embedded server");
        Assert.That(report.FailureMessage, Does.Contain("HTTP 400"));
    }

    [Test]
    public void Plain_text_410_applies_only_where_the_dialects_own_rule_reads_410_as_expiry()
    {
        // Built-in People says so in its Unsupported list; a user's dialect says it only through its own IsExpiry rule.
        var scenario = ScenarioCatalog.Get("plain-text-410-is-expiry");

        Assert.That(DocumentedAcme.SkipReason(scenario), Does.Contain("does not read a bare 410 as an expired token"));
        Assert.That(FakeDialects.GoogleDrive.SkipReason(scenario), Is.Null);
        Assert.That(FakeDialects.GoogleCalendar.SkipReason(scenario), Is.Null);
    }

    [Test]
    public async Task A_repository_keeping_its_own_retry_budget_is_told_to_use_the_kits_limits()
    {
        await using var server = new EmbeddedScenarioServer();
        var own = new SyncOptions { Retry = new SyncRetryOptions { MaxRetries = 5, BaseDelay = TimeSpan.FromMilliseconds(1), MaxDelay = TimeSpan.FromMilliseconds(2) } };

        var report = await ScenarioRunner.RunAsync(server, ScenarioCatalog.Get("retry-budget-exhausted"),
            c => CalendarSource(c, own), cancellationToken: TestContext.CurrentContext.CancellationToken);

        Assert.That(report.Passed, Is.False);
        Assert.That(report.FailureMessage, Does.Contain("retried one request 4 times where the scenario is scripted for 3 retries").And.Contain("context.ApplyTo"));
    }

    [Test]
    public async Task A_repository_keeping_its_own_options_passes_once_they_meet_the_kits_limits()
    {
        await using var server = new EmbeddedScenarioServer();
        var own = new SyncOptions { Retry = new SyncRetryOptions { MaxRetries = 5 }, MaxPagesPerPass = 500 };

        var report = await ScenarioRunner.RunAsync(server, ScenarioCatalog.Get("retry-budget-exhausted"),
            c => CalendarSource(c, c.ApplyTo(own)), cancellationToken: TestContext.CurrentContext.CancellationToken);

        Assert.That(report.Passed, Is.True, report.FailureMessage);
    }

    [Test]
    public void Applying_the_kits_limits_keeps_the_repositorys_other_options()
    {
        var own = new SyncOptions { Retry = new SyncRetryOptions { MaxRetries = 9, UseJitter = false }, MaxPagesPerPass = 500, MaxExpiriesPerCall = 7 };
        var context = ConformanceContextFor(ConformanceSettings.Default);

        var applied = context.ApplyTo(own);

        Assert.That(applied.MaxPagesPerPass, Is.EqualTo(500));
        Assert.That(applied.Retry.UseJitter, Is.False);
        Assert.That(applied.Retry.MaxRetries, Is.EqualTo(context.Options.Retry.MaxRetries));
        Assert.That(applied.MaxExpiriesPerCall, Is.EqualTo(context.Options.MaxExpiriesPerCall));
        Assert.That(applied.Retry.BaseDelay, Is.EqualTo(context.Options.Retry.BaseDelay));
    }

    private static ConformanceContext ConformanceContextFor(ConformanceSettings settings) =>
        new(new Uri("http://127.0.0.1/calendar/v3/"), new Uri("http://127.0.0.1/calendar/v3/calendars/primary/events?maxResults=3"), SyncDialects.GoogleCalendar, "primary", 3, settings);

    private static ISyncUnderTest CalendarSource(ConformanceContext context, SyncOptions options)
    {
        var http = new HttpClient();
        var store = new InMemorySyncStore<CalendarItem>();
        var source = new SyncHttpPageSource<CalendarItem>(http, SyncDialects.GoogleCalendar, context.Endpoint);
        return SyncUnderTest.Create(ct => source.SyncAsync(store, options, cancellationToken: ct), store, e => e.Summary, http);
    }

    private sealed record CalendarItem(string Id, string? Summary);
}
