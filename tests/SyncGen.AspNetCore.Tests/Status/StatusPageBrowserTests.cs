using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Playwright;
using NUnit.Framework;
using SyncGen.PostgreSql;
using SyncGen.TestSupport.Browsers;

namespace SyncGen.AspNetCore.Tests.Status;

/// <summary>
/// The status page in a real Chromium (the system's, through Playwright), served by Kestrel on loopback over a fleet with
/// healthy, stale, failing and never-synced collections. One browser for the fixture, a new page per test.
/// </summary>
/// <remarks>Screenshots go to a temporary directory (printed in the test output), never into the working tree.</remarks>
[TestFixture]
[CancelAfter(120_000)]
public sealed class StatusPageBrowserTests
{
    private PostgreSqlSyncDatabase _database = null!;
    private WebApplication _app = null!;
    private IPlaywright _playwright = null!;
    private IBrowser _browser = null!;
    private string _root = "";
    private string _screenshots = "";

    [OneTimeSetUp]
    public async Task StartAsync()
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(12)); // an apt-get install on a fresh machine included
        var chromium = await SystemChromium.FindOrInstallAsync(timeout.Token);
        _database = await StatusFleet.CreateAsync(timeout.Token);

        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseUrls("http://127.0.0.1:0"); // Kestrel picks the port and keeps it
        builder.Services.AddSingleton(_database);
        _app = builder.Build();
        _app.MapSyncGenStatus("/syncgen/status", options => options.TokenLifetime = StatusFleet.TokenLifetime);
        await _app.StartAsync(timeout.Token);
        _root = _app.Services.GetRequiredService<IServer>().Features.GetRequiredFeature<IServerAddressesFeature>().Addresses.Single() + "/syncgen/status";

        _playwright = await Playwright.CreateAsync();
        _browser = await _playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions { ExecutablePath = chromium, Headless = true });
        _screenshots = Path.Combine(Path.GetTempPath(), "syncgen-status-screenshots");
        Directory.CreateDirectory(_screenshots);
        TestContext.Progress.WriteLine($"Status page screenshots: {_screenshots}");
    }

    [OneTimeTearDown]
    public async Task StopAsync()
    {
        if (_browser is not null)
        {
            await _browser.DisposeAsync();
        }

        _playwright?.Dispose();
        if (_app is not null)
        {
            await _app.DisposeAsync();
        }

        if (_database is not null)
        {
            await _database.DisposeAsync();
        }
    }

    private async Task<IPage> OpenAsync(string url)
    {
        var page = await _browser.NewPageAsync(new BrowserNewPageOptions { ViewportSize = new ViewportSize { Width = 1280, Height = 720 } });
        var response = await page.GotoAsync(url);
        Assert.That(response!.Status, Is.EqualTo(200), url);
        return page;
    }

    private static async Task<string[]> RowOrderAsync(IPage page) =>
        (await page.Locator("#collections tbody tr").EvaluateAllAsync<string[]>("rows => rows.map(r => r.dataset.collection)"));

    [Test]
    public async Task Each_collection_shows_its_state_freshness_failures_and_token_age_against_its_lifetime()
    {
        var page = await OpenAsync(_root);
        await page.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(_screenshots, "status-overview.png"), FullPage = true });

        async Task<string> Cell(string collection, string selector) =>
            (await page.Locator($"#collections tr[data-collection='{collection}'] {selector}").InnerTextAsync()).Trim();

        var states = await page.Locator("#collections tbody tr").EvaluateAllAsync<string[]>("rows => rows.map(r => r.dataset.collection + '=' + r.dataset.state)");
        using (Assert.EnterMultipleScope())
        {
            Assert.That(states, Is.EquivalentTo(new[]
            {
                $"{StatusFleet.Healthy}=healthy", $"{StatusFleet.Stale}=stale", $"{StatusFleet.Failing}=failing", $"{StatusFleet.Never}=never",
                $"{StatusFleet.PeopleNear}=healthy", $"{StatusFleet.PeopleExpired}=healthy",
            }));
            Assert.That(await Cell(StatusFleet.Stale, ".freshness"), Is.EqualTo("3.0 h ago"));
            Assert.That(await Cell(StatusFleet.Healthy, ".freshness"), Does.Match(@"^\d+ s ago$"));
            Assert.That(await Cell(StatusFleet.Never, ".freshness"), Is.EqualTo("never"));
            Assert.That(await Cell(StatusFleet.Failing, ".failures"), Is.EqualTo("3"));
            Assert.That(await Cell(StatusFleet.Failing, ".message"), Is.EqualTo("HttpFailure: " + StatusFleet.LastError));
            Assert.That(await Cell(StatusFleet.Healthy, ".message"), Is.Empty);
            Assert.That(await Cell(StatusFleet.PeopleNear, ".token"), Is.EqualTo("6.5 d of 7.0 d (expires soon)"));
            Assert.That(await page.Locator($"#collections tr[data-collection='{StatusFleet.PeopleNear}'] .token").GetAttributeAsync("data-token"), Is.EqualTo("token-near"));
            Assert.That(await Cell(StatusFleet.PeopleExpired, ".token"), Is.EqualTo("8.0 d of 7.0 d (expired: next call runs a full sync)"));
            Assert.That(await Cell(StatusFleet.Stale, ".token"), Is.EqualTo("5.0 h"), "no lifetime configured for calendars");
            Assert.That(await Cell(StatusFleet.Never, ".channel"), Does.Match(@"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\dZ$"));
            Assert.That(await Cell(StatusFleet.Healthy, ".channel"), Is.EqualTo("no channel"));
            Assert.That(await page.Locator("#summary").InnerTextAsync(), Does.Contain("6 collections: 1 failing, 1 stale, 1 never synced, 3 healthy"));

            // Healthy, people/near and people/expired in the first minutes; failing at 40 min; stale at 3 h; one never.
            Assert.That(await HistogramAsync(page), Is.EqualTo("1m=1 5m=2 15m=0 1h=1 6h=1 1d=0 more=0 never=1"));
        }
    }

    private static async Task<string> HistogramAsync(IPage page) =>
        string.Join(' ', await page.Locator("#histogram tr").EvaluateAllAsync<string[]>("rows => rows.map(r => r.dataset.bucket + '=' + r.querySelector('.count').textContent)"));

    [Test]
    public async Task Sorting_by_failures_or_staleness_puts_what_needs_attention_first()
    {
        var page = await OpenAsync(_root + "?sort=id");
        var byId = await RowOrderAsync(page);

        await page.Locator("#sort-failures").ClickAsync();
        await page.WaitForURLAsync("**?sort=failures");
        var byFailures = await RowOrderAsync(page);

        await page.Locator("#sort-staleness").ClickAsync();
        await page.WaitForURLAsync("**?sort=staleness");
        var byStaleness = await RowOrderAsync(page);
        var sortedHeader = await page.Locator("th[aria-sort]").InnerTextAsync();

        using (Assert.EnterMultipleScope())
        {
            Assert.That(byId, Is.Ordered.Using((IComparer<string>)StringComparer.Ordinal));
            Assert.That(byFailures[0], Is.EqualTo(StatusFleet.Failing));
            Assert.That(byStaleness.Take(3), Is.EqualTo(new[] { StatusFleet.Never, StatusFleet.Stale, StatusFleet.Failing }), "never synced, then stalest first");
            Assert.That(sortedHeader, Does.Contain("Up to date"));
        }
    }

    [Test]
    public async Task A_failing_collection_opens_to_its_last_error_and_failure_history()
    {
        var page = await OpenAsync(_root + "?sort=failures");
        await page.Locator($"#collections tr[data-collection='{StatusFleet.Failing}'] a").ClickAsync();
        await page.WaitForURLAsync($"**/collections/{StatusFleet.Failing}");
        await page.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(_screenshots, "status-collection.png"), FullPage = true });

        var history = await page.Locator("#history tbody tr").EvaluateAllAsync<string[]>("rows => rows.map(r => r.cells[2].textContent + ': ' + r.cells[3].textContent)");
        using (Assert.EnterMultipleScope())
        {
            Assert.That(await page.Locator("#state").InnerTextAsync(), Is.EqualTo("failing"));
            Assert.That(await page.Locator("#fact-failures").InnerTextAsync(), Is.EqualTo("3"));
            Assert.That(await page.Locator("#fact-last-error").InnerTextAsync(), Does.EndWith("HttpFailure: " + StatusFleet.LastError));
            Assert.That(await page.Locator("#fact-lease").InnerTextAsync(), Is.EqualTo("free (last worker-7)"));
            Assert.That(await page.Locator("#fact-last-pass").InnerTextAsync(), Is.EqualTo("full, 2 pages, 13 changes, 0.9 s"));
            Assert.That(history, Is.EqualTo(new[]
            {
                "HttpFailure: " + StatusFleet.LastError,
                "InvalidOperationException: connection reset by peer",
                "TimeoutException: The request timed out after 30 s",
            }));
        }

        await page.Locator("#back").ClickAsync();
        await page.WaitForURLAsync("**/syncgen/status");
        Assert.That(await page.Locator("#collections tbody tr").CountAsync(), Is.EqualTo(6));
    }
}
