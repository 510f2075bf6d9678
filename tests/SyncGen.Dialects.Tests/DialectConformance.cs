using System;
using System.Net.Http;
using NUnit.Framework;
using SyncGen;
using SyncGen.Testing.Conformance;

namespace SyncGen.Dialects.Tests;

/// <summary>Builds each dialect's repository for one scenario, from <see cref="ConformanceContext.Endpoint"/>.</summary>
internal static class DialectRepositories
{
    public static ISyncUnderTest Graph(ConformanceContext context)
    {
        var http = Client();
        var store = new InMemorySyncStore<User>();
        var repository = new DirectoryUsers(http, new Uri(context.Endpoint + "&$select=displayName"), store, context.Options);
        return SyncUnderTest.Create(ct => repository.SyncAsync(ct), store, u => u.DisplayName, http);
    }

    public static ISyncUnderTest People(ConformanceContext context)
    {
        var http = Client();
        var store = new InMemorySyncStore<Person>();
        var repository = new Contacts(http, new Uri(context.Endpoint + "&personFields=names"), store, context.Options);
        return SyncUnderTest.Create(ct => repository.SyncAsync(ct), store, p => p.DisplayName, http);
    }

    public static ISyncUnderTest Drive(ConformanceContext context)
    {
        var http = Client();
        var store = new InMemorySyncStore<DriveFile>();
        var repository = new DriveMirror(http, context.Endpoint, store, context.Options);
        return SyncUnderTest.Create(ct => repository.SyncAsync(ct), store, f => f.Name, http);
    }

    public static ISyncUnderTest Calendar(ConformanceContext context)
    {
        var http = Client();
        var store = new InMemorySyncStore<CalendarEvent>();
        var endpoint = new Uri(context.Endpoint + "&timeMin=" + Uri.EscapeDataString(context.FullSyncTimeMin.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", System.Globalization.CultureInfo.InvariantCulture)));
        var repository = new CalendarMirror(http, endpoint, store, context.Options);
        return SyncUnderTest.Create(ct => repository.SyncAsync(ct), store, e => e.Summary, http);
    }

    private static HttpClient Client() => new() { Timeout = TimeSpan.FromSeconds(10) };
}

/// <summary>The catalog in the Microsoft Graph delta dialect on the embedded server.</summary>
[TestFixture]
public sealed class GraphOnEmbeddedServer : IncrementalSyncConformanceOnEmbeddedServer
{
    protected override SyncDialect Dialect => SyncDialects.MicrosoftGraph;

    protected override ISyncUnderTest CreateRepository(ConformanceContext context) => DialectRepositories.Graph(context);
}

/// <summary>The catalog in the Google People dialect on the embedded server.</summary>
[TestFixture]
public sealed class PeopleOnEmbeddedServer : IncrementalSyncConformanceOnEmbeddedServer
{
    protected override SyncDialect Dialect => SyncDialects.GooglePeople;

    protected override ISyncUnderTest CreateRepository(ConformanceContext context) => DialectRepositories.People(context);
}

/// <summary>The catalog in the Google Drive changes dialect on the embedded server.</summary>
[TestFixture]
public sealed class DriveOnEmbeddedServer : IncrementalSyncConformanceOnEmbeddedServer
{
    protected override SyncDialect Dialect => SyncDialects.GoogleDrive;

    protected override ISyncUnderTest CreateRepository(ConformanceContext context) => DialectRepositories.Drive(context);
}

/// <summary>
/// The catalog in the Google Calendar dialect through <see cref="SyncHttpPageSource{TItem}"/> on the rich fake Calendar
/// server (the default dialect; timeMin on full passes only, as the dialect drops it from incremental ones).
/// </summary>
[TestFixture]
public sealed class CalendarOnEmbeddedServer : IncrementalSyncConformanceOnEmbeddedServer
{
    protected override ISyncUnderTest CreateRepository(ConformanceContext context) => DialectRepositories.Calendar(context);
}

/// <summary>The catalog in the Microsoft Graph delta dialect on WireMock.Net (links on WireMock's own origin).</summary>
[TestFixture]
public sealed class GraphOnWireMock : IncrementalSyncConformanceOnWireMock
{
    protected override SyncDialect Dialect => SyncDialects.MicrosoftGraph;

    protected override ISyncUnderTest CreateRepository(ConformanceContext context) => DialectRepositories.Graph(context);
}

/// <summary>The catalog in the Google People dialect on WireMock.Net.</summary>
[TestFixture]
public sealed class PeopleOnWireMock : IncrementalSyncConformanceOnWireMock
{
    protected override SyncDialect Dialect => SyncDialects.GooglePeople;

    protected override ISyncUnderTest CreateRepository(ConformanceContext context) => DialectRepositories.People(context);
}

/// <summary>The catalog in the Google Drive changes dialect on WireMock.Net.</summary>
[TestFixture]
public sealed class DriveOnWireMock : IncrementalSyncConformanceOnWireMock
{
    protected override SyncDialect Dialect => SyncDialects.GoogleDrive;

    protected override ISyncUnderTest CreateRepository(ConformanceContext context) => DialectRepositories.Drive(context);
}

/// <summary>The catalog in the Google Calendar dialect through <see cref="SyncHttpPageSource{TItem}"/> on WireMock.Net.</summary>
[TestFixture]
public sealed class CalendarOnWireMock : IncrementalSyncConformanceOnWireMock
{
    protected override ISyncUnderTest CreateRepository(ConformanceContext context) => DialectRepositories.Calendar(context);
}
