using System;
using System.IO;
using System.Net.Http;
using System.Threading.Tasks;
using NUnit.Framework;
using SyncGen.Testing.FakeServer;

namespace SyncGen.Runtime.Tests.FanOut;

/// <summary>Bad input to a fan-out over real HTTP: one typed error naming what was wrong, and nothing written.</summary>
[TestFixture]
public sealed class FanOutBadInputTests
{
    private DirectoryInfo _directory = null!;

    [SetUp]
    public void CreateDirectory() => _directory = Directory.CreateTempSubdirectory("syncgen-fanout-bad-");

    [TearDown]
    public void DeleteDirectory() => _directory.Delete(recursive: true);

    [Test]
    public async Task A_calendar_list_entry_without_an_id_fails_the_list_pass_and_writes_nothing()
    {
        // The events feed and the calendar list share the page shape; the raw page is the list's answer.
        await using var server = await FakeSyncServer.StartAsync(SyncDialects.GoogleCalendar);
        server.Faults.Enqueue(Fault.Raw(200, "application/json", """{"items":[{"id":"primary","summary":"Me"},{"summary":"No id"}],"nextSyncToken":"t1"}"""));
        using var http = new HttpClient();
        var file = Path.Combine(_directory.FullName, "calendars.db");
        await using var list = SqliteSyncStore<CalendarListEntry>.OpenFile(file, "users/me/calendarList");
        var childSyncs = 0;
        var fanOut = new SyncFanOut<CalendarListEntry, CalendarEvent>(
            list,
            id => SqliteSyncStore<CalendarEvent>.OpenFile(file, id),
            (store, ct) => new SyncHttpPageSource<CalendarListEntry>(http, SyncDialects.GoogleCalendarList, server.Endpoint).SyncAsync(store, cancellationToken: ct),
            (id, store, ct) =>
            {
                childSyncs++;
                return Task.FromResult<SyncResult>(null!);
            });

        var error = Assert.ThrowsAsync<SyncProtocolException>(() => fanOut.SyncAsync())!;

        Assert.That(error.Violation, Is.EqualTo(SyncProtocolViolation.MissingItemKey));
        Assert.That(await list.ReadSyncTokenAsync(), Is.Null);
        Assert.That(await list.ReadItemsAsync(), Is.Empty);
        Assert.That(childSyncs, Is.Zero);
    }

    [Test]
    public void A_parent_store_that_cannot_remove_children_in_its_commit_is_refused_by_name()
    {
        var fanOut = new SyncFanOut<CalendarListEntry, CalendarEvent>(
            new InMemorySyncStore<CalendarListEntry>(),
            _ => new InMemorySyncStore<CalendarEvent>(),
            async (store, ct) =>
            {
                await using var writer = await store.BeginPassAsync(SyncPassKind.Full, ct);
                return null!;
            },
            (_, _, _) => Task.FromResult<SyncResult>(null!));

        var error = Assert.ThrowsAsync<InvalidOperationException>(() => fanOut.SyncAsync())!;

        Assert.That(error.Message, Does.Contain("InMemorySyncStore"));
        Assert.That(error.Message, Does.Contain("ISyncCollectionRemover"));
    }
}
