using System;
using System.IO;
using System.Net.Http;
using NUnit.Framework;
using SyncGen.Testing.Conformance.FanOut;

namespace SyncGen.Runtime.Tests.FanOut;

/// <summary>The kit's fan-out scenarios on one SQLite file: the calendar list and every calendar's events as collections of it.</summary>
[TestFixture]
public sealed class SqliteCalendarFanOutConformanceTests : CalendarFanOutConformance
{
    private DirectoryInfo _directory = null!;

    [SetUp]
    public void CreateDirectory() => _directory = Directory.CreateTempSubdirectory("syncgen-fanout-");

    [TearDown]
    public void DeleteDirectory() => _directory.Delete(recursive: true);

    protected override ICalendarFanOutUnderTest CreateRepository(FanOutContext context)
    {
        // A file per repository: a WireMock scenario builds two in one test.
        var file = Path.Combine(_directory.FullName, Guid.NewGuid().ToString("N") + ".db");
        var http = new HttpClient();
        var list = SqliteSyncStore<CalendarListEntry>.OpenFile(file, "users/me/calendarList");
        return CalendarFanOutUnderTest.Create(
            CalendarFanOutFactory.Create(http, context, list, id => SqliteSyncStore<CalendarEvent>.OpenFile(file, id)).SyncAsync,
            list,
            id => SqliteSyncStore<CalendarEvent>.OpenFile(file, id),
            e => e.Summary,
            e => e.Summary,
            new DisposeHttp(http),
            list);
    }
}

/// <summary>How the fan-out tests build a fan-out over the dialects: the list, then each calendar's events by its escaped id.</summary>
internal static class CalendarFanOutFactory
{
    public static SyncFanOut<CalendarListEntry, CalendarEvent> Create(HttpClient http, FanOutContext context, ISyncStore<CalendarListEntry> list, Func<string, ISyncStore<CalendarEvent>> calendars, Func<string, string>? collection = null) =>
        new(
            list,
            id => calendars(collection?.Invoke(id) ?? id),
            (store, ct) => new SyncHttpPageSource<CalendarListEntry>(http, SyncDialects.GoogleCalendarList, GoogleCalendarCollections.Endpoint(context.ApiRoot, GoogleCalendarCollections.CalendarList))
                .SyncAsync(store, context.Options, cancellationToken: ct),
            (id, store, ct) => new SyncHttpPageSource<CalendarEvent>(http, SyncDialects.GoogleCalendar, GoogleCalendarCollections.Endpoint(context.ApiRoot, GoogleCalendarCollections.Events, id))
                .SyncAsync(store, context.Options, cancellationToken: ct))
        {
            Name = "calendarList",
            ChildCollection = collection ?? (static id => id),
        };
}

/// <summary>A calendar list entry as mirrored.</summary>
public sealed record CalendarListEntry(string Id, string? Summary, bool? Hidden);

/// <summary>An event as mirrored.</summary>
public sealed record CalendarEvent(string Id, string? Summary, string? Status);

/// <summary>Disposes an <see cref="HttpClient"/> with the adapter.</summary>
internal sealed class DisposeHttp(HttpClient http) : IAsyncDisposable
{
    public System.Threading.Tasks.ValueTask DisposeAsync()
    {
        http.Dispose();
        return System.Threading.Tasks.ValueTask.CompletedTask;
    }
}
