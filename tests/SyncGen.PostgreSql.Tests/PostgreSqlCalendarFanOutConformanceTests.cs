using System;
using System.Net.Http;
using System.Threading.Tasks;
using NUnit.Framework;
using SyncGen.Testing.Conformance.FanOut;

namespace SyncGen.PostgreSql.Tests;

/// <summary>
/// The kit's fan-out scenarios on PostgreSQL: one database, the calendar list and every calendar's events as collections
/// of it. Run twice: passes buffered until commit (one statement) and every page staged (a transaction of several).
/// </summary>
[TestFixture(4096)]
[TestFixture(0)]
public sealed class PostgreSqlCalendarFanOutConformanceTests(int maxBufferedChanges) : CalendarFanOutConformance
{
    private PostgreSqlSyncDatabase _database = null!;

    [OneTimeSetUp]
    public void OpenDatabase() => _database = PostgreSqlSyncDatabase.Create(PostgreSqlCluster.ConnectionString, new PostgreSqlSyncStoreOptions { MaxBufferedChanges = maxBufferedChanges });

    [OneTimeTearDown]
    public async Task CloseDatabaseAsync() => await _database.DisposeAsync();

    protected override ICalendarFanOutUnderTest CreateRepository(FanOutContext context)
    {
        // Collections are per test: the database is shared by every test of the run.
        var prefix = PostgreSqlCluster.NewCollection() + "/";
        var http = new HttpClient();
        var list = _database.OpenStore<Entry>(prefix + "calendarList");
        var fanOut = new SyncFanOut<Entry, Event>(
            list,
            collection => _database.OpenStore<Event>(collection),
            (store, ct) => new SyncHttpPageSource<Entry>(http, SyncDialects.GoogleCalendarList, GoogleCalendarCollections.Endpoint(context.ApiRoot, GoogleCalendarCollections.CalendarList))
                .SyncAsync(store, context.Options, cancellationToken: ct),
            (id, store, ct) => new SyncHttpPageSource<Event>(http, SyncDialects.GoogleCalendar, GoogleCalendarCollections.Endpoint(context.ApiRoot, GoogleCalendarCollections.Events, id))
                .SyncAsync(store, context.Options, cancellationToken: ct))
        {
            Name = "calendarList",
            ChildCollection = id => prefix + id,
        };
        return CalendarFanOutUnderTest.Create(fanOut.SyncAsync, list, id => _database.OpenStore<Event>(prefix + id), e => e.Summary, e => e.Summary, new Disposer(http));
    }

    private sealed record Entry(string Id, string? Summary);

    private sealed record Event(string Id, string? Summary);

    private sealed class Disposer(HttpClient http) : IAsyncDisposable
    {
        public ValueTask DisposeAsync()
        {
            http.Dispose();
            return ValueTask.CompletedTask;
        }
    }
}
