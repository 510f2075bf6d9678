using System;
using System.CommandLine;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Net.Sockets;
using System.Text.Json;
using System.Threading;
using System.Threading.Tasks;
using Npgsql;
using SyncGen;
using SyncGen.PostgreSql;

namespace CalendarFleet.Status;

/// <summary>
/// <c>status</c>: the facts of the status page in the terminal: per calendar when it was last up to date, its failures
/// and last error, its token's age, its lease. With <c>--json</c> one line for scripts.
/// </summary>
internal static class StatusCommand
{
    public static Command Create()
    {
        var connection = new Option<string>("--connection") { Description = "Npgsql connection string of the fleet's database.", Required = true };
        var schema = new Option<string>("--schema") { Description = "PostgreSQL schema of the mirrors.", DefaultValueFactory = _ => "fleet" };
        var staleAfter = new Option<double>("--stale-seconds") { Description = "Seconds without a successful call after which a calendar is stale.", DefaultValueFactory = _ => 900 };
        var json = new Option<bool>("--json") { Description = "One JSON line instead of a table." };
        var command = new Command("status", "Show every calendar's freshness, failures, token age and lease.") { connection, schema, staleAfter, json };
        command.SetAction((parse, cancellationToken) =>
        {
            var connectionString = FleetArguments.ConnectionString(parse.GetRequiredValue(connection));
            var options = new PostgreSqlSyncStoreOptions { Schema = parse.GetRequiredValue(schema) };
            var stale = FleetArguments.Seconds("--stale-seconds", parse.GetValue(staleAfter));
            return RunAsync(connectionString, options, stale, parse.GetValue(json), Console.Out, cancellationToken);
        });
        return command;
    }

    private static async Task<int> RunAsync(string connectionString, PostgreSqlSyncStoreOptions options, TimeSpan staleAfter, bool json, TextWriter output, CancellationToken cancellationToken)
    {
        SyncFleetStatus fleet;
        await using (var database = PostgreSqlSyncDatabase.Create(connectionString, options))
        {
            try
            {
                fleet = await database.ReadStatusAsync(cancellationToken).ConfigureAwait(false);
            }
            catch (Exception exception) when (exception is NpgsqlException or SocketException or TimeoutException)
            {
                await Console.Error.WriteLineAsync($"error: the fleet's database cannot be read: {exception.Message.ReplaceLineEndings(" ")}").ConfigureAwait(false);
                return 1;
            }
            catch (SyncStoreSchemaException exception)
            {
                await Console.Error.WriteLineAsync($"error: {exception.Message}").ConfigureAwait(false);
                return 1;
            }
        }

        if (json)
        {
            await output.WriteLineAsync(Json(fleet, staleAfter)).ConfigureAwait(false);
        }
        else
        {
            await WriteTableAsync(output, fleet, staleAfter).ConfigureAwait(false);
        }

        return 0;
    }

    /// <summary>The calendar's state as the status page names it: failing, then never synced, stale or healthy.</summary>
    private static string State(SyncCollectionStatus c, TimeSpan staleAfter) =>
        c.IsFailing ? "failing" : c.Freshness is not { } f ? "never" : f > staleAfter ? "stale" : "healthy";

    private static string Json(SyncFleetStatus fleet, TimeSpan staleAfter)
    {
        using var buffer = new MemoryStream();
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            writer.WriteString("readAt", fleet.ReadAt);
            writer.WriteStartArray("collections");
            foreach (var c in fleet.Collections)
            {
                writer.WriteStartObject();
                writer.WriteString("id", c.Collection);
                writer.WriteString("state", State(c, staleAfter));
                WriteTime(writer, "lastCommittedAt", c.LastCommittedAt);
                WriteTime(writer, "lastPassAt", c.LastPassAt);
                WriteSeconds(writer, "freshnessSeconds", c.Freshness);
                WriteSeconds(writer, "tokenAgeSeconds", c.TokenAge);
                writer.WriteNumber("consecutiveFailures", c.ConsecutiveFailures);
                if (c.LastFailureAt is null)
                {
                    writer.WriteNull("lastError");
                }
                else
                {
                    writer.WriteString("lastError", $"{c.LastFailureClass}: {c.LastFailureMessage}");
                }

                WriteTime(writer, "lastErrorAt", c.LastFailureAt);
                if (c.LastPassKind is { } kind)
                {
                    writer.WriteString("lastPassKind", kind == SyncPassKind.Full ? "full" : "incremental");
                }
                else
                {
                    writer.WriteNull("lastPassKind");
                }

                writer.WriteString("leaseHolder", c.LeaseHolder);
                writer.WriteBoolean("leaseLive", c.LeaseIsLive);
                WriteTime(writer, "channelExpiresAt", c.ChannelExpiresAt);
                writer.WriteEndObject();
            }

            writer.WriteEndArray();
            writer.WriteEndObject();
        }

        return System.Text.Encoding.UTF8.GetString(buffer.ToArray());
    }

    private static void WriteTime(Utf8JsonWriter writer, string name, DateTimeOffset? at)
    {
        if (at is { } value)
        {
            writer.WriteString(name, value.ToUniversalTime());
        }
        else
        {
            writer.WriteNull(name);
        }
    }

    private static void WriteSeconds(Utf8JsonWriter writer, string name, TimeSpan? span)
    {
        if (span is { } value)
        {
            writer.WriteNumber(name, Math.Round(value.TotalSeconds, 3));
        }
        else
        {
            writer.WriteNull(name);
        }
    }

    private static async Task WriteTableAsync(TextWriter output, SyncFleetStatus fleet, TimeSpan staleAfter)
    {
        var states = fleet.Collections.Select(c => State(c, staleAfter)).ToList();
        await output.WriteLineAsync(string.Create(CultureInfo.InvariantCulture,
            $"{fleet.Collections.Count} calendars at {fleet.ReadAt.UtcDateTime:yyyy-MM-dd HH:mm:ss}Z: {states.Count(s => s == "failing")} failing, {states.Count(s => s == "stale")} stale, {states.Count(s => s == "never")} never synced, {states.Count(s => s == "healthy")} healthy")).ConfigureAwait(false);
        await output.WriteLineAsync($"{"calendar",-16} {"state",-8} {"up to date",12} {"failures",8} {"token age",10}  {"lease",-24} last error").ConfigureAwait(false);
        foreach (var (c, state) in fleet.Collections.Zip(states))
        {
            var lease = c.LeaseHolder is null ? "-" : c.LeaseIsLive ? $"held by {c.LeaseHolder}" : "free";
            var error = c.IsFailing ? $"{c.LastFailureClass}: {c.LastFailureMessage}" : "";
            await output.WriteLineAsync(string.Create(CultureInfo.InvariantCulture,
                $"{c.Collection,-16} {state,-8} {Age(c.Freshness),12} {c.ConsecutiveFailures,8} {Age(c.TokenAge),10}  {lease,-24} {error}")).ConfigureAwait(false);
        }
    }

    private static string Age(TimeSpan? span) => span is not { } value ? "never"
        : value.TotalSeconds < 90 ? string.Create(CultureInfo.InvariantCulture, $"{value.TotalSeconds:0} s")
        : value.TotalMinutes < 90 ? string.Create(CultureInfo.InvariantCulture, $"{value.TotalMinutes:0} min")
        : value.TotalHours < 36 ? string.Create(CultureInfo.InvariantCulture, $"{value.TotalHours:0.0} h")
        : string.Create(CultureInfo.InvariantCulture, $"{value.TotalDays:0.0} d");
}
