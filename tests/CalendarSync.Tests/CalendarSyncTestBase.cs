using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Threading.Tasks;
using CalendarSync.CalendarApi;
using CalendarSync.Repository;
using NUnit.Framework;
using SyncGen;
using SyncGen.Testing.FakeServer;

namespace CalendarSync.Tests;

/// <summary>
/// Each test gets a fresh fake Calendar v3 server on 127.0.0.1 and a fresh SQLite file: the generated repository
/// runs exactly as a user runs it, over real HTTP through Google.Apis into a real database.
/// </summary>
public abstract class CalendarSyncTestBase
{
    protected FakeCalendarServer Server { get; private set; } = null!;

    protected FakeCalendar Calendar => Server.Primary;

    protected CalendarService Service { get; private set; } = null!;

    protected string StorePath { get; private set; } = null!;

    private DirectoryInfo _folder = null!;

    [SetUp]
    public async Task StartServerAsync()
    {
        Server = await FakeCalendarServer.StartAsync();
        Service = CalendarService.Create(Server.BaseUri.ToString(), timeout: TimeSpan.FromSeconds(20));
        _folder = Directory.CreateTempSubdirectory("calendarsync-tests-");
        StorePath = Path.Combine(_folder.FullName, "calendar.db");
    }

    [TearDown]
    public async Task StopServerAsync()
    {
        Service.Dispose();
        await Server.DisposeAsync();
        _folder.Delete(recursive: true);
    }

    /// <summary>Retries without real waiting, so fault tests stay fast; the rules under test are unchanged.</summary>
    protected static SyncOptions FastRetries(int maxRetries = 5) => new()
    {
        Retry = new SyncRetryOptions { MaxRetries = maxRetries, BaseDelay = TimeSpan.FromMilliseconds(1), MaxDelay = TimeSpan.FromMilliseconds(5) },
    };

    protected SqliteSyncStore<Event> OpenStore() => SqliteSyncStore<Event>.OpenFile(StorePath, "primary");

    protected CalendarEventsRepository Repository(ISyncStore<Event>? store = null, int pageSize = 100, SyncOptions? options = null, DateTimeOffset? fullSyncFrom = null) =>
        new(Service, "primary", store ?? OpenStore()) { PageSize = pageSize, Options = options ?? FastRetries(), FullSyncFrom = fullSyncFrom };

    /// <summary>The store's committed state, in a form that compares by value.</summary>
    protected async Task<StoreState> ReadStateAsync(ISyncStore<Event>? store = null)
    {
        store ??= OpenStore();
        var token = await store.ReadSyncTokenAsync();
        var items = await store.ReadItemsAsync();
        return new StoreState(token, items.Select(pair => $"{pair.Key}|{pair.Value.Status}|{pair.Value.Summary}").ToList());
    }

    /// <summary>Asserts that the mirror holds exactly the server's live events, with their current summaries.</summary>
    protected async Task AssertMirrorEqualsServerAsync(ISyncStore<Event>? store = null)
    {
        var state = await ReadStateAsync(store);
        var expected = Calendar.LiveEvents
            .OrderBy(e => e.Id, StringComparer.Ordinal)
            .Select(e => $"{e.Id}|confirmed|{e.Summary}")
            .ToList();
        Assert.That(state.Items, Is.EqualTo(expected), "the mirror must equal the server's live events");
    }

    /// <summary>
    /// Requests of the journal that reached the events endpoint, once every request has been answered: the server journals
    /// a request after its answer has gone out, so the client may see the answer first.
    /// </summary>
    protected async Task<IReadOnlyList<RecordedRequest>> EventRequestsAsync()
    {
        await Server.WhenRequestsAnsweredAsync();
        return Server.Requests.Where(r => r.CalendarId == "primary").ToList();
    }

    protected static DateTimeOffset At(int day, int hour = 9) => new(2026, 3, day, hour, 0, 0, TimeSpan.Zero);

    protected sealed record StoreState(string? Token, IReadOnlyList<string> Items)
    {
        public bool Equals(StoreState? other) => other is not null && Token == other.Token && Items.SequenceEqual(other.Items);

        public override int GetHashCode() => HashCode.Combine(Token, Items.Count);
    }
}
