using System;
using System.CommandLine;
using System.IO;
using System.Linq;
using System.Text.Json;
using System.Threading;
using System.Threading.Tasks;
using CalendarSync.CalendarApi;
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
        var command = new Command("show", "Print the events and sync token held in the store; the file is opened read-only and never changed. " + ExitCodes.Help) { calendar, store, json };
        command.SetAction((parse, cancellationToken) => RunAsync(parse.GetValue(calendar)!, parse.GetRequiredValue(store), parse.GetValue(json), cancellationToken));
        return command;
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
                    events = items.Select(pair => new { id = pair.Key, summary = pair.Value.Summary, status = pair.Value.Status, updated = pair.Value.Updated }),
                };
                Console.Out.WriteLine(JsonSerializer.Serialize(output));
            }
            else
            {
                Console.Out.WriteLine($"sync token: {token ?? "(none: no sync has completed)"}; {items.Count} events");
                foreach (var (id, item) in items)
                {
                    Console.Out.WriteLine($"  {id}  {item.Updated}  {item.Status}  {item.Summary}");
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
}
