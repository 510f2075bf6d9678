using System;
using System.Threading;
using System.Threading.Tasks;
using Npgsql;
using SyncGen.PostgreSql;
using SyncGen.Testing.Stores;

namespace SyncGen.AspNetCore.Tests.Status;

/// <summary>
/// A fleet in its own schema with one collection in each state the page tells apart: healthy, stale, failing, never
/// synced, and People tokens near and past their 7-day lifetime. Time is moved by setting the recorded times back.
/// </summary>
internal static class StatusFleet
{
    public const string Healthy = "cal-healthy";
    public const string Stale = "cal-stale";
    public const string Failing = "cal-failing";
    public const string Never = "cal-never";
    public const string PeopleNear = "people/near";
    public const string PeopleExpired = "people/expired";

    public const string LastError = "HTTP 503 Service Unavailable from https://calendar.example/calendars/cal-failing/events";

    /// <summary>The token lifetimes the page is configured with: People's documented 7 days.</summary>
    public static TimeSpan? TokenLifetime(string collection) =>
        collection.StartsWith("people/", StringComparison.Ordinal) ? SyncTokenLifetimes.GooglePeople : null;

    public static async Task<PostgreSqlSyncDatabase> CreateAsync(CancellationToken cancellationToken)
    {
        var database = PostgreSqlSyncDatabase.Create(
            PostgreSqlCluster.ConnectionString,
            new PostgreSqlSyncStoreOptions { Schema = "page_" + Guid.NewGuid().ToString("N")[..16], Holder = "worker-7" });
        foreach (var collection in new[] { Healthy, Stale, Failing, PeopleNear, PeopleExpired })
        {
            await using (var writer = await database.OpenStore<TestItem>(collection).BeginPassAsync(SyncPassKind.Full, cancellationToken))
            {
                await writer.ApplyAsync([SyncChange<TestItem>.Upsert("e1", new TestItem("e1", "Standup"))], cancellationToken);
                await writer.CommitAsync("token-1", cancellationToken);
            }

            await database.RecordPassSucceededAsync(collection, Result(SyncPassKind.Full), cancellationToken);
        }

        await BackdateAsync(database, Stale, lastPass: TimeSpan.FromHours(3), fullPass: TimeSpan.FromHours(5), cancellationToken);
        await BackdateAsync(database, Failing, lastPass: TimeSpan.FromMinutes(40), fullPass: TimeSpan.FromDays(1), cancellationToken);
        await database.RecordPassFailedAsync(Failing, new TimeoutException("The request timed out after 30 s"), cancellationToken);
        await database.RecordPassFailedAsync(Failing, new InvalidOperationException("connection reset by peer"), cancellationToken);
        await database.RecordPassFailedAsync(Failing, new HttpFailure(LastError), cancellationToken);
        await BackdateAsync(database, PeopleNear, lastPass: TimeSpan.FromMinutes(2), fullPass: TimeSpan.FromDays(6.5), cancellationToken);
        await BackdateAsync(database, PeopleExpired, lastPass: TimeSpan.FromMinutes(3), fullPass: TimeSpan.FromDays(8), cancellationToken);
        await database.SetChannelExpiryAsync(Never, DateTimeOffset.UtcNow.AddDays(6), cancellationToken);
        return database;
    }

    private static SyncResult Result(SyncPassKind kind) => new()
    {
        Kind = kind, StartedAs = kind, Pages = 2, Upserts = 12, Deletes = 1,
        ExpiriesRecovered = 0, Retries = 0, Duration = TimeSpan.FromMilliseconds(850), SyncToken = "token-1",
    };

    private static async Task BackdateAsync(PostgreSqlSyncDatabase database, string collection, TimeSpan lastPass, TimeSpan fullPass, CancellationToken cancellationToken)
    {
        var s = database.Options.Schema;
        await using var batch = database.DataSource.CreateBatch();
        batch.BatchCommands.Add(new NpgsqlBatchCommand($"UPDATE {s}.collection_status SET last_pass_at = now() - $2, full_pass_at = now() - $3 WHERE collection = $1;"));
        batch.BatchCommands.Add(new NpgsqlBatchCommand($"UPDATE {s}.state SET committed_at = now() - $2 WHERE collection = $1;"));
        batch.BatchCommands[0].Parameters.AddWithValue(collection);
        batch.BatchCommands[0].Parameters.AddWithValue(lastPass);
        batch.BatchCommands[0].Parameters.AddWithValue(fullPass);
        batch.BatchCommands[1].Parameters.AddWithValue(collection);
        batch.BatchCommands[1].Parameters.AddWithValue(lastPass);
        await batch.ExecuteNonQueryAsync(cancellationToken);
    }

    /// <summary>Stands in for the HTTP failure a real call would end with; only its type name and message are recorded.</summary>
    private sealed class HttpFailure(string message) : Exception(message);
}
