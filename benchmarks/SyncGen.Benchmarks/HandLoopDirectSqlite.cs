using System;
using System.Collections.Generic;
using System.Text.Json;
using System.Threading;
using System.Threading.Tasks;
using CalendarSync.CalendarApi;
using Microsoft.Data.Sqlite;

namespace SyncGen.Benchmarks;

/// <summary>
/// The loop a competent user writes from Google's guide straight onto SQLite, with no sync library: its own two tables,
/// one connection, one transaction for the whole pass (opened before the first page, committed after the last),
/// prepared upsert and delete statements, a full sync that empties the table first, and the token written last in the
/// same transaction. The items are serialized exactly as <see cref="SqliteSyncStore{TItem}"/> stores them
/// (System.Text.Json, web defaults), so the two baselines store the same bytes.
/// </summary>
/// <remarks>
/// What it leaves out, and what the store has to pay for: the transaction holds the database's write lock while pages
/// come over the network (every other writer of the file waits), one process per file, no crash cleanup.
/// </remarks>
internal static class HandLoopDirectSqlite
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    public static async Task<int> SyncAsync(CalendarService service, string calendarId, string databasePath, int pageSize, CancellationToken cancellationToken = default)
    {
        await using var connection = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = databasePath, Pooling = false }.ToString());
        await connection.OpenAsync(cancellationToken).ConfigureAwait(false);
        using (var schema = connection.CreateCommand())
        {
            schema.CommandText = """
                PRAGMA journal_mode = WAL;
                CREATE TABLE IF NOT EXISTS events (id TEXT NOT NULL PRIMARY KEY, json TEXT NOT NULL);
                CREATE TABLE IF NOT EXISTS sync_state (calendar TEXT NOT NULL PRIMARY KEY, sync_token TEXT NOT NULL);
                """;
            await schema.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }

        string? token;
        using (var read = connection.CreateCommand())
        {
            read.CommandText = "SELECT sync_token FROM sync_state WHERE calendar = $calendar;";
            read.Parameters.AddWithValue("$calendar", calendarId);
            token = await read.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false) as string;
        }

        await using var transaction = (SqliteTransaction)await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
        if (token is null)
        {
            using var wipe = connection.CreateCommand();
            wipe.Transaction = transaction;
            wipe.CommandText = "DELETE FROM events;";
            await wipe.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }

        using var upsert = connection.CreateCommand();
        upsert.Transaction = transaction;
        upsert.CommandText = "INSERT INTO events (id, json) VALUES ($id, $json) ON CONFLICT (id) DO UPDATE SET json = excluded.json;";
        var upsertId = upsert.Parameters.Add("$id", SqliteType.Text);
        var upsertJson = upsert.Parameters.Add("$json", SqliteType.Text);
        upsert.Prepare();
        using var delete = connection.CreateCommand();
        delete.Transaction = transaction;
        delete.CommandText = "DELETE FROM events WHERE id = $id;";
        var deleteId = delete.Parameters.Add("$id", SqliteType.Text);
        delete.Prepare();

        var request = service.Events.List(calendarId);
        request.MaxResults = pageSize;
        request.SyncToken = token;
        var applied = 0;
        while (true)
        {
            var page = await request.ExecuteAsync(cancellationToken).ConfigureAwait(false);
            foreach (var item in page.Items ?? (IList<Event>)Array.Empty<Event>())
            {
                if (item.Status == "cancelled")
                {
                    deleteId.Value = item.Id;
                    await delete.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
                }
                else
                {
                    upsertId.Value = item.Id;
                    upsertJson.Value = JsonSerializer.Serialize(item, Json);
                    await upsert.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
                }

                applied++;
            }

            if (string.IsNullOrEmpty(page.NextPageToken))
            {
                using var save = connection.CreateCommand();
                save.Transaction = transaction;
                save.CommandText = "INSERT INTO sync_state (calendar, sync_token) VALUES ($calendar, $token) ON CONFLICT (calendar) DO UPDATE SET sync_token = excluded.sync_token;";
                save.Parameters.AddWithValue("$calendar", calendarId);
                save.Parameters.AddWithValue("$token", page.NextSyncToken ?? throw new InvalidOperationException("The last page carries no nextSyncToken."));
                await save.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
                await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
                return applied;
            }

            request.PageToken = page.NextPageToken;
        }
    }
}
