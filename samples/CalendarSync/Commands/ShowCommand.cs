using System;
using System.Collections.Generic;
using System.CommandLine;
using System.IO;
using System.Linq;
using System.Text.Json;
using System.Threading;
using System.Threading.Tasks;
using CalendarSync.CalendarApi;
using CalendarSync.Repository;
using SyncGen;

namespace CalendarSync.Commands;

/// <summary><c>show</c>: prints the mirror and sync token held in a store.</summary>
internal static class ShowCommand
{
    public static Command Create()
    {
        var calendar = CommonOptions.Calendar();
        var store = CommonOptions.Store();
        var json = new Option<bool>("--json") { Description = "Print one JSON object: {\"syncToken\", \"events\": [{\"id\", \"summary\", \"status\", \"updated\"}]}." };
        var allCalendars = CommonOptions.AllCalendars(
            "Print the calendar list and every listed calendar's events, written by sync --all-calendars; with --json one object "
            + "{\"calendarList\": {\"syncToken\", \"items\": [{\"id\", \"summary\"}]}, \"calendars\": [{\"id\", \"syncToken\", \"events\": [...]}]}.");
        var command = new Command("show", "Print the events and sync token held in the store; the file is opened read-only and never changed. " + ExitCodes.Help) { calendar, store, json, allCalendars };
        command.SetAction((parse, cancellationToken) => parse.GetValue(allCalendars)
            ? RunAllAsync(CommonOptions.Given(parse, calendar), parse.GetRequiredValue(store), parse.GetValue(json), cancellationToken)
            : RunAsync(parse.GetValue(calendar)!, parse.GetRequiredValue(store), parse.GetValue(json), cancellationToken));
        return command;
    }

    /// <summary>The calendar list and each listed calendar's events, in the list's order (ordinal by id).</summary>
    private static async Task<int> RunAllAsync(bool calendarGiven, FileInfo storeFile, bool json, CancellationToken cancellationToken)
    {
        try
        {
            CommonOptions.CheckAllCalendars(allCalendars: true, calendarGiven);
            await using var list = SqliteSyncStore<CalendarListEntry>.OpenFileReadOnly(storeFile.FullName, AllCalendarsRepository.CalendarListCollection);
            var listToken = await list.ReadSyncTokenAsync(cancellationToken).ConfigureAwait(false);
            var entries = await list.ReadItemsAsync(cancellationToken).ConfigureAwait(false);
            var calendars = new List<(string Id, string? Token, IReadOnlyList<KeyValuePair<string, Event>> Events)>();
            foreach (var (id, _) in entries)
            {
                await using var events = SqliteSyncStore<Event>.OpenFileReadOnly(storeFile.FullName, id);
                calendars.Add((id, await events.ReadSyncTokenAsync(cancellationToken).ConfigureAwait(false), await events.ReadItemsAsync(cancellationToken).ConfigureAwait(false)));
            }

            if (json)
            {
                var output = new
                {
                    calendarList = new { syncToken = listToken, items = entries.Select(pair => new { id = pair.Key, summary = pair.Value.Summary }) },
                    calendars = calendars.Select(c => new { id = c.Id, syncToken = c.Token, events = c.Events.Select(EventJson) }),
                };
                Console.Out.WriteLine(JsonSerializer.Serialize(output));
            }
            else
            {
                Console.Out.WriteLine($"calendar list token: {listToken ?? "(none: no sync has completed)"}; {entries.Count} calendars");
                foreach (var (id, token, events) in calendars)
                {
                    Console.Out.WriteLine($"{id}: sync token: {token ?? "(none)"}; {events.Count} events");
                    WriteEvents(events);
                }
            }

            return 0;
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            Console.Error.WriteLine("error: cancelled");
            return ExitCodes.Cancelled;
        }
        catch (Exception exception)
        {
            return ExitCodes.Report(exception, storeFile);
        }
    }

    private static object EventJson(KeyValuePair<string, Event> pair) =>
        new { id = pair.Key, summary = pair.Value.Summary, status = pair.Value.Status, updated = pair.Value.Updated };

    private static void WriteEvents(IReadOnlyList<KeyValuePair<string, Event>> items)
    {
        foreach (var (id, item) in items)
        {
            Console.Out.WriteLine($"  {id}  {item.Updated}  {item.Status}  {item.Summary}");
        }
    }

    private static async Task<int> RunAsync(string calendarId, FileInfo storeFile, bool json, CancellationToken cancellationToken)
    {
        try
        {
            if (string.IsNullOrWhiteSpace(calendarId))
            {
                throw new UsageException("--calendar must name a calendar id (e.g. primary); it was empty");
            }

            await using var store = SqliteSyncStore<Event>.OpenFileReadOnly(storeFile.FullName, calendarId);
            var token = await store.ReadSyncTokenAsync(cancellationToken).ConfigureAwait(false);
            var items = await store.ReadItemsAsync(cancellationToken).ConfigureAwait(false);
            if (json)
            {
                var output = new
                {
                    syncToken = token,
                    events = items.Select(EventJson),
                };
                Console.Out.WriteLine(JsonSerializer.Serialize(output));
            }
            else
            {
                Console.Out.WriteLine($"sync token: {token ?? "(none: no sync has completed)"}; {items.Count} events");
                WriteEvents(items);
            }

            return 0;
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            Console.Error.WriteLine("error: cancelled");
            return ExitCodes.Cancelled;
        }
        catch (Exception exception)
        {
            return ExitCodes.Report(exception, storeFile);
        }
    }
}
