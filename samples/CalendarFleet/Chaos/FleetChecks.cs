using System;
using System.Collections.Generic;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using SyncGen.Testing.FakeServer;
using SyncGen.PostgreSql;
using SyncGen.Testing;

namespace CalendarFleet.Chaos;

/// <summary>What the chaos run checks, each from a source the workers cannot influence.</summary>
internal static class FleetChecks
{
    /// <summary>
    /// Records every token the store commits, in commit order and with the database's time, by a trigger on the store's
    /// state table (commits of one collection are serialized by its lease row, so the history's order per collection is
    /// the commit order).
    /// </summary>
    public static async Task InstallTokenHistoryAsync(PostgreSqlSyncDatabase database, CancellationToken cancellationToken)
    {
        var s = database.Options.Schema;
        await using var command = database.DataSource.CreateCommand(
            $"""
            CREATE TABLE IF NOT EXISTS {s}.token_history (
                seq bigserial PRIMARY KEY,
                collection text NOT NULL,
                sync_token text NOT NULL,
                committed_epoch bigint NOT NULL,
                committed_at timestamptz NOT NULL DEFAULT clock_timestamp());
            CREATE OR REPLACE FUNCTION {s}.record_token() RETURNS trigger LANGUAGE plpgsql AS $fn$
            BEGIN
                INSERT INTO {s}.token_history (collection, sync_token, committed_epoch) VALUES (NEW.collection, NEW.sync_token, NEW.committed_epoch);
                RETURN NEW;
            END $fn$;
            DROP TRIGGER IF EXISTS record_token ON {s}.state;
            CREATE TRIGGER record_token AFTER INSERT OR UPDATE ON {s}.state FOR EACH ROW EXECUTE FUNCTION {s}.record_token();
            """);
        await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Commits whose token stands for an older server position, or whose epoch is not newer, than an earlier commit of the same calendar.</summary>
    public static async Task<int> CountTokenRegressionsAsync(PostgreSqlSyncDatabase database, CancellationToken cancellationToken)
    {
        await using var command = database.DataSource.CreateCommand(
            $"SELECT collection, sync_token, committed_epoch FROM {database.Options.Schema}.token_history ORDER BY seq;");
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        var newest = new Dictionary<string, (long Position, long Epoch)>(StringComparer.Ordinal);
        var regressions = 0;
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            var collection = reader.GetString(0);
            var epoch = reader.GetInt64(2);
            if (!FakeCalendar.TryReadSyncToken(reader.GetString(1), out _, out _, out var position))
            {
                regressions++; // not a token of this server at all: count it, never hide it
                continue;
            }

            if (newest.TryGetValue(collection, out var before) && (position < before.Position || epoch <= before.Epoch))
            {
                regressions++;
            }

            newest[collection] = (Math.Max(position, before.Position), Math.Max(epoch, before.Epoch));
        }

        return regressions;
    }

    /// <summary>
    /// Passes seen by the server and how many of them interleave with an earlier pass of the same calendar. A pass is the
    /// set of requests carrying one tag (quotaUser); it spans from its first to its last request in arrival order.
    /// </summary>
    public static (int Passes, int Overlaps) AnalyzeJournal(IReadOnlyList<RecordedRequest> journal)
    {
        var spans = new Dictionary<(string Calendar, string Tag), (long First, long Last)>();
        foreach (var request in journal)
        {
            if (request.CalendarId is not { } calendar || request.GetQueryValue("quotaUser") is not { } tag)
            {
                continue;
            }

            var key = (calendar, tag);
            spans[key] = spans.TryGetValue(key, out var span)
                ? (Math.Min(span.First, request.Sequence), Math.Max(span.Last, request.Sequence))
                : (request.Sequence, request.Sequence);
        }

        var overlaps = 0;
        foreach (var calendar in spans.GroupBy(pair => pair.Key.Calendar))
        {
            var latestEnd = long.MinValue;
            foreach (var span in calendar.Select(pair => pair.Value).OrderBy(span => span.First))
            {
                if (span.First < latestEnd)
                {
                    overlaps++;
                }

                latestEnd = Math.Max(latestEnd, span.Last);
            }
        }

        return (spans.Count, overlaps);
    }

    /// <summary>Calendars whose mirror holds exactly the server's live events (ids and summaries), no more, no fewer.</summary>
    public static async Task<int> CountConvergedAsync(PostgreSqlSyncDatabase database, FakeCalendarServer server, IReadOnlyList<string> calendars, CancellationToken cancellationToken)
    {
        var mirrors = new Dictionary<string, List<(string Key, string? Summary)>>(StringComparer.Ordinal);
        await using (var command = database.DataSource.CreateCommand(
            $"SELECT collection, key, item->>'summary' FROM {database.Options.Schema}.items ORDER BY collection, key COLLATE \"C\";"))
        {
            await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            {
                var collection = reader.GetString(0);
                if (!mirrors.TryGetValue(collection, out var items))
                {
                    mirrors[collection] = items = new List<(string, string?)>();
                }

                items.Add((reader.GetString(1), reader.IsDBNull(2) ? null : reader.GetString(2)));
            }
        }

        var converged = 0;
        foreach (var calendar in calendars)
        {
            var live = server.GetCalendar(calendar).LiveEvents.Select(e => (e.Id, (string?)e.Summary)).OrderBy(e => e.Id, StringComparer.Ordinal).ToList();
            var mirror = mirrors.TryGetValue(calendar, out var items) ? items.OrderBy(e => e.Key, StringComparer.Ordinal).ToList() : [];
            if (live.SequenceEqual(mirror))
            {
                converged++;
            }
        }

        return converged;
    }
}
