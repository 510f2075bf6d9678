using System;
using System.Linq;
using System.Net.Http;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.Extensions.Logging;
using SyncGen;
using SyncGen.Hosting;
using SyncGen.PostgreSql;

namespace CalendarFleet.Worker;

/// <summary>
/// Syncs one calendar: its PostgreSQL store, a generated repository over HttpClient, one call. A pass refused by the fence
/// is also written to the fleet's own <c>refusals</c> table, so that the chaos run can count them across workers that
/// may since have been killed.
/// </summary>
internal sealed class CalendarRunner(
    PostgreSqlSyncDatabase database,
    HttpClient http,
    FleetSettings settings,
    PassTags passTags,
    string workerName,
    ILogger<CalendarEventsRepository> logger) : ISyncCollectionRunner, ISyncParentCollectionRunner
{
    private static readonly SyncOptions Options = new()
    {
        Retry = new SyncRetryOptions { BaseDelay = TimeSpan.FromMilliseconds(50), MaxDelay = TimeSpan.FromSeconds(1) },
    };

    /// <summary>The collection of the user's calendar list; a calendar id never contains a slash, so none collides with it.</summary>
    public const string CalendarListCollection = "users/me/calendarList";

    public bool IsParent(string collection) => collection == CalendarListCollection;

    public async Task<SyncParentResult> SyncParentAsync(string collection, CancellationToken cancellationToken)
    {
        // Only the list is synced here: each listed calendar is a job of its own, which the worker creates and deletes
        // from the ids returned. A calendar dropped from the list loses its events and token in the list's commit.
        var fanOut = new SyncFanOut<FleetCalendarListEntry, FleetEvent>(
            database.OpenStore<FleetCalendarListEntry>(collection),
            calendarId => database.OpenStore<FleetEvent>(calendarId),
            (store, ct) => new FleetCalendarListRepository(http, new Uri(settings.ServerUri, CalendarListCollection), store) { Options = Options, Logger = logger }.SyncAsync(ct),
            (calendarId, store, ct) => EventsRepository(calendarId, store).SyncAsync(ct))
        {
            Name = "calendar list",
            ChildIdProblem = id => id == CalendarListCollection ? "it is the calendar list's own collection name" : SyncPathSegment.Problem(id),
        };
        var parent = await fanOut.SyncParentAsync(cancellationToken).ConfigureAwait(false);
        return new SyncParentResult(parent.Parent, parent.Listed);
    }

    public async Task<SyncResult> SyncAsync(string collection, CancellationToken cancellationToken)
    {
        if (settings.CalendarList && !await ListedAsync(collection, cancellationToken).ConfigureAwait(false))
        {
            // Dropped from the list after this job fired but before the list's job deleted it: syncing now would bring
            // back the mirror the list's commit just removed.
            throw new InvalidOperationException($"calendar '{collection}' is no longer in the calendar list; its job is being deleted");
        }

        var repository = EventsRepository(collection, database.OpenStore<FleetEvent>(collection));
        try
        {
            return await repository.SyncAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (SyncLeaseLostException lost)
        {
            await using var record = database.DataSource.CreateCommand(
                $"INSERT INTO {settings.StoreSchema}.refusals (worker, collection, pass_epoch, current_epoch) VALUES ($1, $2, $3, $4);");
            record.Parameters.AddWithValue(workerName);
            record.Parameters.AddWithValue(collection);
            record.Parameters.AddWithValue(lost.PassEpoch);
            record.Parameters.AddWithValue((object?)lost.CurrentEpoch ?? DBNull.Value);
            await record.ExecuteNonQueryAsync(CancellationToken.None).ConfigureAwait(false);
            throw;
        }
    }

    private CalendarEventsRepository EventsRepository(string calendarId, ISyncStore<FleetEvent> store) =>
        new(http, new Uri(settings.ServerUri, "calendars/" + Uri.EscapeDataString(calendarId) + "/events"), store, passTags)
        {
            Options = Options,
            Logger = logger,
        };

    private async Task<bool> ListedAsync(string calendarId, CancellationToken cancellationToken)
    {
        var list = await database.OpenStore<FleetCalendarListEntry>(CalendarListCollection).ReadItemsAsync(cancellationToken).ConfigureAwait(false);
        return list.Any(entry => entry.Key == calendarId);
    }
}
