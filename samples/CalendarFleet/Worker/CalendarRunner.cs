using System;
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
    ILogger<CalendarEventsRepository> logger) : ISyncCollectionRunner
{
    private static readonly SyncOptions Options = new()
    {
        Retry = new SyncRetryOptions { BaseDelay = TimeSpan.FromMilliseconds(50), MaxDelay = TimeSpan.FromSeconds(1) },
    };

    public async Task<SyncResult> SyncAsync(string collection, CancellationToken cancellationToken)
    {
        var repository = new CalendarEventsRepository(
            http,
            new Uri(settings.ServerUri, "calendars/" + Uri.EscapeDataString(collection) + "/events"),
            database.OpenStore<FleetEvent>(collection),
            passTags)
        {
            Options = Options,
            Logger = logger,
        };
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
}
