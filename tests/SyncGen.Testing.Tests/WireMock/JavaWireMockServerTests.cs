using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.IO;
using System.Linq;
using System.Net;
using System.Net.Http;
using System.Text.Json.Nodes;
using System.Threading.Tasks;
using NUnit.Framework;
using SyncGen.Testing.FakeServer;
using SyncGen.Testing.WireMock;
using SyncGen.TestSupport.WireMock;

namespace SyncGen.Testing.Tests.WireMock;

/// <summary>
/// Protocol-shaped checks against a real WireMock: one server per fixture, reset before every test. When Java or the jar
/// is missing, <see cref="StartServerAsync"/> throws <see cref="WireMockUnavailableException"/> and every test fails.
/// </summary>
[TestFixture]
[NonParallelizable]
public sealed class JavaWireMockServerTests
{
    private JavaWireMockServer? _server;
    private HttpClient? _http;

    private JavaWireMockServer Server => _server ?? throw new InvalidOperationException("WireMock did not start.");

    private HttpClient Http => _http ?? throw new InvalidOperationException("WireMock did not start.");

    private static string EventsUrl(int sequence) =>
        $"{WireMockTestData.EventsPath}?syncToken={Uri.EscapeDataString(WireMockTestData.SyncToken)}&maxResults=2&n={sequence}";

    [OneTimeSetUp]
    public async Task StartServerAsync()
    {
        var stopwatch = Stopwatch.StartNew();
        _server = await JavaWireMockServer.StartAsync();
        stopwatch.Stop();
        string message =
            $"WireMock {(Server.IsExternal ? "external" : "process " + Server.ProcessId)} at {Server.BaseUri} ready in {stopwatch.ElapsedMilliseconds} ms " +
            $"(StartTime {Server.StartTime.TotalMilliseconds:0} ms).";
        TestContext.Out.WriteLine(message);
        TestContext.Progress.WriteLine(message); // OneTimeSetUp output is not shown per test; Progress reaches the console at once.
        _http = Server.CreateHttpClient();
    }

    [OneTimeTearDown]
    public async Task StopServerAsync()
    {
        _http?.Dispose();
        if (_server is not null)
        {
            await _server.DisposeAsync();
        }
    }

    [SetUp]
    public async Task ResetAsync() => await Server.Admin.ResetAsync();

    [Test]
    public void Server_is_bound_to_loopback_with_admin_client()
    {
        Assert.That(Server.BaseUri.AbsoluteUri, Does.EndWith("/"));
        Assert.That(Server.Admin.BaseUri, Is.EqualTo(Server.BaseUri));
        if (!Server.IsExternal)
        {
            Assert.That(Server.BaseUri.Host, Is.EqualTo("127.0.0.1"));
            Assert.That(Server.ProcessId, Is.Not.Null);
            Assert.That(Server.RootDirectory, Is.Not.Null.And.Not.Empty);
        }
    }

    [Test]
    public async Task Scenario_serves_pages_in_order_then_gone_and_journal_is_chronological()
    {
        await Server.Admin.ImportMappingsAsync(WireMockTestData.PagedScenario());

        IReadOnlyList<WireMockScenario> before = await Server.Admin.GetScenariosAsync();
        Assert.That(before.Select(s => s.ToString()), Is.EqualTo(new[] { "incremental-sync: Started" }));
        Assert.That(before[0].PossibleStates, Is.EquivalentTo(new[] { "Started", "page-2", "done" }));

        var statuses = new List<int>();
        var bodies = new List<JsonNode?>();
        for (int i = 1; i <= 3; i++)
        {
            using HttpResponseMessage response = await Http.GetAsync(new Uri(EventsUrl(i), UriKind.Relative));
            statuses.Add((int)response.StatusCode);
            bodies.Add(JsonNode.Parse(await response.Content.ReadAsStringAsync()));
        }

        Assert.That(statuses, Is.EqualTo(new[] { 200, 200, 410 }));
        Assert.That(bodies[0]!["items"]![0]!["id"]!.GetValue<string>(), Is.EqualTo("e1"));
        Assert.That(bodies[0]!["nextPageToken"]!.GetValue<string>(), Is.EqualTo("page-2-token"));
        Assert.That(bodies[0]!["nextSyncToken"], Is.Null);
        Assert.That(bodies[1]!["items"]![0]!["status"]!.GetValue<string>(), Is.EqualTo("cancelled"));
        Assert.That(bodies[1]!["nextSyncToken"]!.GetValue<string>(), Is.EqualTo("next-sync-token"));
        Assert.That(bodies[2]!["error"]!["errors"]![0]!["reason"]!.GetValue<string>(), Is.EqualTo("fullSyncRequired"));
        Assert.That(bodies[2]!["error"]!["code"]!.GetValue<int>(), Is.EqualTo(410));

        IReadOnlyList<WireMockLoggedRequest> journal = await Server.Admin.GetRequestsAsync();
        Assert.That(journal, Has.Count.EqualTo(3));
        Assert.That(journal.Select(r => r.GetQueryValue("n")), Is.EqualTo(new[] { "1", "2", "3" }), "chronological, oldest first");
        Assert.That(journal.Select(r => r.ResponseStatus), Is.EqualTo(new int?[] { 200, 200, 410 }));
        Assert.That(journal.Select(r => r.GetQueryValue("syncToken")), Is.All.EqualTo(WireMockTestData.SyncToken), "decoded from the url");
        Assert.That(journal.Select(r => r.Path), Is.All.EqualTo(WireMockTestData.EventsPath));
        Assert.That(journal.Select(r => r.Method), Is.All.EqualTo("GET"));
        Assert.That(journal.Select(r => r.WasMatched), Is.All.True);
        Assert.That(journal[0].QueryParameters.Select(p => p.Key), Is.EqualTo(new[] { "syncToken", "maxResults", "n" }));
        Assert.That(journal[0].Url, Does.Contain("syncToken=CPDAlvWDx70CEPDAlvWDx70CGAU%3D"));
        Assert.That(journal.Select(r => r.LoggedDate), Is.Ordered);
        Assert.That(journal[0].LoggedDate, Is.EqualTo(DateTimeOffset.UtcNow).Within(TimeSpan.FromMinutes(5)));

        IReadOnlyList<WireMockScenario> after = await Server.Admin.GetScenariosAsync();
        Assert.That(after.Single().State, Is.EqualTo("done"));
    }

    [Test]
    public async Task Reset_scenarios_starts_the_pages_again()
    {
        await Server.Admin.ImportMappingsAsync(WireMockTestData.PagedScenario());
        using (HttpResponseMessage first = await Http.GetAsync(new Uri(EventsUrl(1), UriKind.Relative)))
        {
            Assert.That(first.StatusCode, Is.EqualTo(HttpStatusCode.OK));
        }

        Assert.That((await Server.Admin.GetScenariosAsync()).Single().State, Is.EqualTo("page-2"));
        await Server.Admin.ResetScenariosAsync();
        Assert.That((await Server.Admin.GetScenariosAsync()).Single().State, Is.EqualTo(WireMockScenario.StartedState));

        using HttpResponseMessage again = await Http.GetAsync(new Uri(EventsUrl(2), UriKind.Relative));
        JsonNode? body = JsonNode.Parse(await again.Content.ReadAsStringAsync());
        Assert.That(body!["nextPageToken"]!.GetValue<string>(), Is.EqualTo("page-2-token"), "page 1 again after the scenario reset");

        await Server.Admin.SetScenarioStateAsync(WireMockTestData.Scenario, "done");
        using HttpResponseMessage gone = await Http.GetAsync(new Uri(EventsUrl(3), UriKind.Relative));
        Assert.That(gone.StatusCode, Is.EqualTo(HttpStatusCode.Gone));
    }

    [Test]
    public async Task Reset_removes_mappings_journal_and_scenarios()
    {
        await Server.Admin.ImportMappingsAsync(WireMockTestData.PagedScenario());
        using (await Http.GetAsync(new Uri(EventsUrl(1), UriKind.Relative)))
        {
        }

        Assert.That(await Server.Admin.GetMappingCountAsync(), Is.EqualTo(3));
        Assert.That(await Server.Admin.GetRequestsAsync(), Has.Count.EqualTo(1));

        await Server.Admin.ResetAsync();

        Assert.That(await Server.Admin.GetMappingCountAsync(), Is.Zero);
        Assert.That(await Server.Admin.GetRequestsAsync(), Is.Empty);
        Assert.That(await Server.Admin.GetScenariosAsync(), Is.Empty);
        using HttpResponseMessage unmatched = await Http.GetAsync(new Uri(EventsUrl(2), UriKind.Relative));
        Assert.That(unmatched.StatusCode, Is.EqualTo(HttpStatusCode.NotFound));
    }

    [Test]
    public async Task Query_parameter_absent_separates_first_page_from_later_pages()
    {
        var first = new WireMockMapping
        {
            Request = new WireMockRequestPattern
            {
                Method = "GET",
                UrlPath = WireMockTestData.EventsPath,
                QueryParameters = new Dictionary<string, WireMockStringPattern> { ["pageToken"] = WireMockStringPattern.IsAbsent() },
            },
            Response = new WireMockResponseDefinition { Body = "first page" },
        };
        var later = new WireMockMapping
        {
            Request = new WireMockRequestPattern
            {
                Method = "GET",
                UrlPath = WireMockTestData.EventsPath,
                QueryParameters = new Dictionary<string, WireMockStringPattern> { ["pageToken"] = WireMockStringPattern.Regex("p[0-9]+") },
            },
            Response = new WireMockResponseDefinition { Body = "later page" },
        };
        await Server.Admin.ImportMappingsAsync(new[] { first, later });

        Assert.That(await Http.GetStringAsync(new Uri(WireMockTestData.EventsPath + "?maxResults=5", UriKind.Relative)), Is.EqualTo("first page"));
        Assert.That(await Http.GetStringAsync(new Uri(WireMockTestData.EventsPath + "?maxResults=5&pageToken=p2", UriKind.Relative)), Is.EqualTo("later page"));
        using HttpResponseMessage neither = await Http.GetAsync(new Uri(WireMockTestData.EventsPath + "?pageToken=other", UriKind.Relative));
        Assert.That(neither.StatusCode, Is.EqualTo(HttpStatusCode.NotFound));

        IReadOnlyList<WireMockLoggedRequest> journal = await Server.Admin.GetRequestsAsync();
        Assert.That(journal.Select(r => r.GetQueryValue("pageToken")), Is.EqualTo(new[] { null, "p2", "other" }));
        Assert.That(journal.Select(r => r.WasMatched), Is.EqualTo(new[] { true, true, false }));
    }

    [TestCase(nameof(WireMockFault.ConnectionResetByPeer))]
    [TestCase(nameof(WireMockFault.EmptyResponse))]
    [TestCase(nameof(WireMockFault.RandomDataThenClose))]
    [TestCase(nameof(WireMockFault.MalformedResponseChunk))]
    public async Task Fault_makes_HttpClient_throw(string faultName)
    {
        // By name: the mapping model is internal to the kit, so a public test method cannot take it.
        var fault = Enum.Parse<WireMockFault>(faultName);
        await Server.Admin.ImportMappingsAsync(new[]
        {
            new WireMockMapping
            {
                Request = new WireMockRequestPattern { Method = "GET", UrlPath = WireMockTestData.EventsPath },
                Response = new WireMockResponseDefinition { Fault = fault },
            },
        });

        using HttpClient client = Server.CreateHttpClient();
        var uri = new Uri(WireMockTestData.EventsPath + "?syncToken=x", UriKind.Relative);
        Exception? thrown = null;
        try
        {
            using HttpResponseMessage response = await client.GetAsync(uri);
            await response.Content.ReadAsStringAsync();
        }
        catch (Exception ex)
        {
            thrown = ex;
        }

        Assert.That(thrown, Is.InstanceOf<HttpRequestException>().Or.InstanceOf<IOException>(), thrown?.ToString());
        if (fault == WireMockFault.ConnectionResetByPeer)
        {
            Assert.That(thrown, Is.InstanceOf<HttpRequestException>());
        }

        IReadOnlyList<WireMockLoggedRequest> journal = await Server.Admin.GetRequestsAsync();
        Assert.That(journal, Has.Count.GreaterThanOrEqualTo(1));
        Assert.That(journal[0].GetQueryValue("syncToken"), Is.EqualTo("x"));
    }

    [Test]
    public async Task Retry_after_and_fixed_delay_are_delivered()
    {
        var rateLimited = new WireMockMapping
        {
            Priority = 1,
            Request = new WireMockRequestPattern
            {
                Method = "GET",
                UrlPath = WireMockTestData.EventsPath,
                Headers = new Dictionary<string, WireMockStringPattern> { ["X-Test"] = WireMockStringPattern.Equal("rate") },
            },
            Response = new WireMockResponseDefinition
            {
                Status = 429,
                Headers = new Dictionary<string, string> { ["Content-Type"] = "application/json", ["Retry-After"] = "7" },
                JsonBody = new JsonObject { ["error"] = new JsonObject { ["code"] = 429, ["message"] = "rateLimitExceeded" } },
                FixedDelayMilliseconds = 300,
            },
        };
        await Server.Admin.ImportMappingsAsync(new[] { rateLimited });

        using var request = new HttpRequestMessage(HttpMethod.Get, new Uri(WireMockTestData.EventsPath, UriKind.Relative));
        request.Headers.Add("X-Test", "rate");
        var stopwatch = Stopwatch.StartNew();
        using HttpResponseMessage response = await Http.SendAsync(request);
        stopwatch.Stop();

        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.TooManyRequests));
        Assert.That(response.Headers.RetryAfter?.Delta, Is.EqualTo(TimeSpan.FromSeconds(7)));
        Assert.That(stopwatch.Elapsed, Is.GreaterThanOrEqualTo(TimeSpan.FromMilliseconds(250)));
        JsonNode? body = JsonNode.Parse(await response.Content.ReadAsStringAsync());
        Assert.That(body!["error"]!["message"]!.GetValue<string>(), Is.EqualTo("rateLimitExceeded"));

        IReadOnlyList<WireMockLoggedRequest> journal = await Server.Admin.GetRequestsAsync();
        Assert.That(journal.Single().Headers["X-Test"], Is.EqualTo("rate"));
        Assert.That(journal.Single().ResponseStatus, Is.EqualTo(429));
    }

    [Test]
    public async Task Raw_json_mappings_are_imported()
    {
        var raw = new JsonObject
        {
            ["request"] = new JsonObject { ["method"] = "GET", ["url"] = "/raw?x=1" },
            ["response"] = new JsonObject { ["status"] = 202, ["body"] = "raw ok" },
        };
        await Server.Admin.ImportRawMappingsAsync(new[] { raw });

        using HttpResponseMessage response = await Http.GetAsync(new Uri("/raw?x=1", UriKind.Relative));
        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.Accepted));
        Assert.That(await response.Content.ReadAsStringAsync(), Is.EqualTo("raw ok"));
        Assert.That(raw["request"]!.Parent, Is.SameAs(raw), "the caller's object is not re-parented");
    }

    [Test]
    public async Task Import_without_delete_keeps_existing_mappings()
    {
        var a = new WireMockMapping
        {
            Id = Guid.Parse("6f1d2c55-0000-4000-8000-00000000000a"),
            Request = new WireMockRequestPattern { Method = "GET", UrlPath = "/a" },
            Response = new WireMockResponseDefinition { Body = "a1" },
        };
        var aOverwrite = new WireMockMapping
        {
            Id = a.Id,
            Request = new WireMockRequestPattern { Method = "GET", UrlPath = "/a" },
            Response = new WireMockResponseDefinition { Body = "a2" },
        };
        var b = new WireMockMapping
        {
            Request = new WireMockRequestPattern { Method = "GET", UrlPath = "/b" },
            Response = new WireMockResponseDefinition { Body = "b" },
        };
        await Server.Admin.ImportMappingsAsync(new[] { a, b });
        await Server.Admin.ImportMappingsAsync(new[] { aOverwrite }, deleteAllNotInImport: false);

        Assert.That(await Server.Admin.GetMappingCountAsync(), Is.EqualTo(2));
        Assert.That(await Http.GetStringAsync(new Uri("/a", UriKind.Relative)), Is.EqualTo("a2"));
        Assert.That(await Http.GetStringAsync(new Uri("/b", UriKind.Relative)), Is.EqualTo("b"));

        await Server.Admin.ImportMappingsAsync(new[] { a });
        Assert.That(await Server.Admin.GetMappingCountAsync(), Is.EqualTo(1));
    }

    [Test]
    public async Task Exported_folder_is_served_by_second_WireMock_started_with_root_dir()
    {
        string folder = Path.Combine(Path.GetTempPath(), "syncgen-wiremock-export-" + Guid.NewGuid().ToString("N"));
        try
        {
            IReadOnlyList<string> files = await WireMockMappingExport.WriteFolderAsync(folder, WireMockTestData.PagedScenario());
            Assert.That(files.Select(Path.GetFileName), Is.EqualTo(new[] { "001-events-page-1.json", "002-events-page-2.json", "003-events-gone.json" }));
            Assert.That(files.Select(Path.GetDirectoryName), Is.All.EqualTo(Path.Combine(folder, "mappings")));
            Assert.That(Directory.Exists(Path.Combine(folder, "__files")), Is.True);
            JsonNode? first = JsonNode.Parse(await File.ReadAllTextAsync(files[0]));
            Assert.That(first!["request"]!["queryParameters"]!["syncToken"]!["equalTo"]!.GetValue<string>(), Is.EqualTo(WireMockTestData.SyncToken));

            await using JavaWireMockServer second = await JavaWireMockServer.StartAsync(new JavaWireMockOptions { ExternalUrl = null, RootDirectory = folder });
            TestContext.Out.WriteLine($"Second WireMock (--root-dir {folder}) ready in {second.StartTime.TotalMilliseconds:0} ms.");
            Assert.That(second.IsExternal, Is.False);
            Assert.That(second.BaseUri, Is.Not.EqualTo(Server.BaseUri));
            Assert.That(second.RootDirectory, Is.EqualTo(Path.GetFullPath(folder)));
            Assert.That(await second.Admin.GetMappingCountAsync(), Is.EqualTo(3));

            using HttpClient client = second.CreateHttpClient();
            var statuses = new List<int>();
            for (int i = 1; i <= 3; i++)
            {
                using HttpResponseMessage response = await client.GetAsync(new Uri(EventsUrl(i), UriKind.Relative));
                statuses.Add((int)response.StatusCode);
            }

            Assert.That(statuses, Is.EqualTo(new[] { 200, 200, 410 }));
            Assert.That(await Server.Admin.GetRequestsAsync(), Is.Empty, "the fixture's server saw none of it");

            await second.Admin.ResetAsync();
            Assert.That(await second.Admin.GetMappingCountAsync(), Is.EqualTo(3), "reset restores the root directory's mappings");
        }
        finally
        {
            if (Directory.Exists(folder))
            {
                Directory.Delete(folder, recursive: true);
            }
        }
    }

    [Test]
    public async Task External_url_uses_the_running_server_without_starting_a_process()
    {
        await Server.Admin.ImportMappingsAsync(WireMockTestData.PagedScenario());
        using (await Http.GetAsync(new Uri(EventsUrl(1), UriKind.Relative)))
        {
        }

        await using (JavaWireMockServer external = await JavaWireMockServer.StartAsync(new JavaWireMockOptions { ExternalUrl = Server.BaseUri.AbsoluteUri }))
        {
            Assert.That(external.IsExternal, Is.True);
            Assert.That(external.ProcessId, Is.Null);
            Assert.That(external.RootDirectory, Is.Null);
            Assert.That(external.BaseUri, Is.EqualTo(Server.BaseUri));
            Assert.That(await Server.Admin.GetMappingCountAsync(), Is.Zero, "an external server is reset on start");
            Assert.That(await Server.Admin.GetRequestsAsync(), Is.Empty);

            await external.Admin.ImportMappingsAsync(new[]
            {
                new WireMockMapping
                {
                    Request = new WireMockRequestPattern { Method = "GET", UrlPath = "/via-external" },
                    Response = new WireMockResponseDefinition { Body = "same server" },
                },
            });
            Assert.That(await Http.GetStringAsync(new Uri("/via-external", UriKind.Relative)), Is.EqualTo("same server"));
        }

        Assert.That(await Server.Admin.IsAvailableAsync(), Is.True, "disposing the external handle leaves the server running");
        Assert.That(await Http.GetStringAsync(new Uri("/via-external", UriKind.Relative)), Is.EqualTo("same server"));
    }

    [Test]
    public void External_url_not_answering_gives_unavailable()
    {
        var options = new JavaWireMockOptions { ExternalUrl = "http://127.0.0.1:1/", StartTimeout = TimeSpan.FromSeconds(1) };
        WireMockUnavailableException? ex = Assert.ThrowsAsync<WireMockUnavailableException>(() => JavaWireMockServer.StartAsync(options));
        Assert.That(ex!.Message, Does.Contain("http://127.0.0.1:1/").And.Contain("WIREMOCK_URL"));
    }

    [Test]
    public void Missing_jar_gives_unavailable_naming_npm_ci_and_WireMock_jar()
    {
        string missing = Path.Combine(Path.GetTempPath(), "no-such-dir-" + Guid.NewGuid().ToString("N"), "wiremock-standalone-3.13.2.jar");
        var options = new JavaWireMockOptions { ExternalUrl = null, JarPath = missing };
        WireMockUnavailableException? ex = Assert.ThrowsAsync<WireMockUnavailableException>(() => JavaWireMockServer.StartAsync(options));
        Assert.That(ex!.Message, Does.Contain("npm ci").And.Contain("WIREMOCK_JAR").And.Contain(missing).And.Contain("3.13.2"));
    }

    [Test]
    public void Missing_Java_gives_unavailable_naming_jdk_and_WireMock_url()
    {
        string missing = Path.Combine(Path.GetTempPath(), "no-such-jdk-" + Guid.NewGuid().ToString("N"), "bin", "java");
        var options = new JavaWireMockOptions { ExternalUrl = null, JavaPath = missing };
        WireMockUnavailableException? ex = Assert.ThrowsAsync<WireMockUnavailableException>(() => JavaWireMockServer.StartAsync(options));
        Assert.That(ex!.Message, Does.Contain("Java").And.Contain("17").And.Contain("openjdk-17-jre-headless").And.Contain("WIREMOCK_URL"));
    }

    [Test]
    public void Find_jar_finds_the_npm_installed_jar()
    {
        string jar = JavaWireMockServer.FindJar(new JavaWireMockOptions { JarPath = null });
        Assert.That(Path.GetFileName(jar), Does.Match(@"^wiremock-standalone-[0-9.]+\.jar$"));
        Assert.That(File.Exists(jar), Is.True);
        Assert.That(jar.Replace('\\', '/'), Does.Contain("node_modules/wiremock/build/"));
    }
}
