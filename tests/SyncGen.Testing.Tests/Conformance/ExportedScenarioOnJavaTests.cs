using System;
using System.IO;
using System.Net;
using System.Net.Http;
using System.Threading.Tasks;
using NUnit.Framework;
using SyncGen.Testing.Dialects;
using SyncGen.Testing.Scenarios;
using SyncGen.Testing.WireMock;
using SyncGen.TestSupport.WireMock;

namespace SyncGen.Testing.Tests.Conformance;

/// <summary>
/// The mappings a catalog scenario exports (the ones both backends are fed) still load into the Java WireMock as files:
/// started with the exported folder as its root, it serves the scenario's first page and the 404 naming what is served.
/// </summary>
public sealed class ExportedScenarioOnJavaTests
{
    [Test]
    public async Task An_exported_catalog_scenario_loads_into_Java_WireMock_from_its_root_folder()
    {
        var cancellationToken = TestContext.CurrentContext.CancellationToken;
        var folder = Directory.CreateTempSubdirectory("syncgen-export-java-");
        try
        {
            var files = await WireMockMappingExport.WriteScenarioAsync(folder.FullName, ScenarioCatalog.Get("full-sync-multi-page"), cancellationToken: cancellationToken);
            await using var java = await JavaWireMockServer.StartAsync(new JavaWireMockOptions { ExternalUrl = null, RootDirectory = folder.FullName }, cancellationToken);
            Assert.That(await java.Admin.GetMappingCountAsync(cancellationToken), Is.EqualTo(files.Count));

            using var http = java.CreateHttpClient();
            using var firstPage = await http.GetAsync("calendar/v3/calendars/primary/events?maxResults=3&timeMin=2020-01-01T00:00:00Z", cancellationToken);
            using var other = await http.GetAsync("v1/people/me/connections", cancellationToken);

            Assert.That(firstPage.StatusCode, Is.EqualTo(HttpStatusCode.OK));
            Assert.That(await firstPage.Content.ReadAsStringAsync(cancellationToken), Does.Contain("\"nextPageToken\""));
            Assert.That(other.StatusCode, Is.EqualTo(HttpStatusCode.NotFound));
            Assert.That(await other.Content.ReadAsStringAsync(cancellationToken), Does.Contain("serves only Google Calendar v3 events.list"));
        }
        finally
        {
            folder.Delete(recursive: true);
        }
    }

    [Test]
    public async Task An_exported_Graph_scenario_loads_into_Java_WireMock_and_serves_graph_pages_and_errors()
    {
        var cancellationToken = TestContext.CurrentContext.CancellationToken;
        var folder = Directory.CreateTempSubdirectory("syncgen-export-java-graph-");
        try
        {
            var origin = new Uri("http://localhost:8080");
            var files = await WireMockMappingExport.WriteScenarioInDialectAsync(folder.FullName, ScenarioCatalog.Get("full-sync-multi-page"), FakeDialects.MicrosoftGraph, origin, cancellationToken: cancellationToken);
            await using var java = await JavaWireMockServer.StartAsync(new JavaWireMockOptions { ExternalUrl = null, RootDirectory = folder.FullName }, cancellationToken);
            Assert.That(await java.Admin.GetMappingCountAsync(cancellationToken), Is.EqualTo(files.Count));

            using var http = java.CreateHttpClient();
            using var firstPage = await http.GetAsync("v1.0/users/delta?$top=3&$select=displayName", cancellationToken);
            using var other = await http.GetAsync("v1.0/groups/delta", cancellationToken);

            Assert.That(firstPage.StatusCode, Is.EqualTo(HttpStatusCode.OK));
            Assert.That(await firstPage.Content.ReadAsStringAsync(cancellationToken), Does.Contain("\"@odata.nextLink\":\"http://localhost:8080/v1.0/users/delta?$top=3&$skiptoken="));
            Assert.That(other.StatusCode, Is.EqualTo(HttpStatusCode.NotFound));
            var notFound = await other.Content.ReadAsStringAsync(cancellationToken);
            Assert.That(notFound, Does.Contain("\"code\":\"notFound\"").And.Contain("serves only GET /v1.0/users/delta"));
        }
        finally
        {
            folder.Delete(recursive: true);
        }
    }
}
