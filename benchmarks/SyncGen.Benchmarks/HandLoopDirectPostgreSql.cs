using System;
using System.Collections.Generic;
using System.Text.Json;
using System.Threading;
using System.Threading.Tasks;
using CalendarSync.CalendarApi;
using Npgsql;
using NpgsqlTypes;

namespace SyncGen.Benchmarks;

/// <summary>
/// The loop a competent user writes straight onto PostgreSQL with no sync library: its own two tables, a pooled
/// connection, the token read first, <b>one transaction for the whole pass</b> (opened before the first page, committed
/// after the last), each page as one batched <c>INSERT ... ON CONFLICT</c> from arrays plus one <c>DELETE ... = ANY</c>,
/// a full sync that empties the calendar first, and the token written last in the same transaction. Items are serialized
/// as <see cref="SyncGen.PostgreSql.PostgreSqlSyncStore{TItem}"/> stores them (System.Text.Json, web defaults, jsonb).
/// </summary>
/// <remarks>
/// What it leaves out, and what the store pays for: the transaction stays open while pages come over the network (row
/// locks held, vacuum held back), nothing stops a second worker from running the same calendar at the same time (the
/// later commit silently wins, token included), and no crash cleanup is needed only because nothing is staged.
/// </remarks>
internal static class HandLoopDirectPostgreSql
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    public const string Schema =
        """
        CREATE SCHEMA IF NOT EXISTS hand;
        CREATE TABLE IF NOT EXISTS hand.events (calendar text NOT NULL, id text NOT NULL, json jsonb NOT NULL, PRIMARY KEY (calendar, id));
        CREATE TABLE IF NOT EXISTS hand.sync_state (calendar text PRIMARY KEY, sync_token text NOT NULL);
        """;

    /// <summary>Reads the stored token of <paramref name="calendarId"/>, or null.</summary>
    public static async Task<string?> ReadTokenAsync(NpgsqlDataSource dataSource, string calendarId, CancellationToken cancellationToken = default)
    {
        await using var read = dataSource.CreateCommand("SELECT sync_token FROM hand.sync_state WHERE calendar = $1;");
        read.Parameters.AddWithValue(calendarId);
        return await read.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false) as string;
    }

    /// <summary>One sync call; returns the number of changes applied.</summary>
    public static async Task<int> SyncAsync(CalendarService service, NpgsqlDataSource dataSource, string calendarId, int pageSize, CancellationToken cancellationToken = default)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        string? token;
        await using (var read = new NpgsqlCommand("SELECT sync_token FROM hand.sync_state WHERE calendar = $1;", connection))
        {
            read.Parameters.AddWithValue(calendarId);
            token = await read.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false) as string;
        }

        await using var transaction = await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
        if (token is null)
        {
            await using var wipe = new NpgsqlCommand("DELETE FROM hand.events WHERE calendar = $1;", connection, transaction);
            wipe.Parameters.AddWithValue(calendarId);
            await wipe.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }

        var request = service.Events.List(calendarId);
        request.MaxResults = pageSize;
        request.SyncToken = token;
        var applied = 0;
        var ids = new List<string>();
        var jsons = new List<string>();
        var deletes = new List<string>();
        while (true)
        {
            var page = await request.ExecuteAsync(cancellationToken).ConfigureAwait(false);
            ids.Clear();
            jsons.Clear();
            deletes.Clear();
            foreach (var item in page.Items ?? (IList<Event>)Array.Empty<Event>())
            {
                if (item.Status == "cancelled")
                {
                    deletes.Add(item.Id!);
                }
                else
                {
                    ids.Add(item.Id!);
                    jsons.Add(JsonSerializer.Serialize(item, Json));
                }

                applied++;
            }

            var batch = new NpgsqlBatch(connection, transaction);
            await using (batch.ConfigureAwait(false))
            {
                if (ids.Count > 0)
                {
                    var upsert = new NpgsqlBatchCommand(
                        "INSERT INTO hand.events (calendar, id, json) SELECT $1, u.id, u.json FROM unnest($2::text[], $3::jsonb[]) AS u(id, json) " +
                        "ON CONFLICT (calendar, id) DO UPDATE SET json = excluded.json;");
                    upsert.Parameters.AddWithValue(calendarId);
                    upsert.Parameters.Add(new NpgsqlParameter { Value = ids.ToArray(), NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Text });
                    upsert.Parameters.Add(new NpgsqlParameter { Value = jsons.ToArray(), NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Jsonb });
                    batch.BatchCommands.Add(upsert);
                }

                if (deletes.Count > 0)
                {
                    var delete = new NpgsqlBatchCommand("DELETE FROM hand.events WHERE calendar = $1 AND id = ANY($2::text[]);");
                    delete.Parameters.AddWithValue(calendarId);
                    delete.Parameters.Add(new NpgsqlParameter { Value = deletes.ToArray(), NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Text });
                    batch.BatchCommands.Add(delete);
                }

                if (string.IsNullOrEmpty(page.NextPageToken))
                {
                    var save = new NpgsqlBatchCommand(
                        "INSERT INTO hand.sync_state (calendar, sync_token) VALUES ($1, $2) ON CONFLICT (calendar) DO UPDATE SET sync_token = excluded.sync_token;");
                    save.Parameters.AddWithValue(calendarId);
                    save.Parameters.AddWithValue(page.NextSyncToken!);
                    batch.BatchCommands.Add(save);
                }

                if (batch.BatchCommands.Count > 0)
                {
                    await batch.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
                }
            }

            if (string.IsNullOrEmpty(page.NextPageToken))
            {
                await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
                return applied;
            }

            request.PageToken = page.NextPageToken;
        }
    }
}
