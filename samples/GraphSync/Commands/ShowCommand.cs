using System;
using System.CommandLine;
using System.IO;
using System.Linq;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Threading;
using System.Threading.Tasks;

namespace GraphSync.Commands;

/// <summary><c>show</c>: prints the mirror and the delta link held in a store.</summary>
internal static class ShowCommand
{
    // Links are full of '&' and '$': print them as they are rather than as \u0026 (stdout is no HTML page).
    private static readonly JsonSerializerOptions Json = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    public static Command Create()
    {
        var store = new Option<FileInfo>("--store") { Description = "SQLite file holding the mirror and its delta link.", Required = true };
        var json = new Option<bool>("--json") { Description = "Print one JSON object: {\"syncToken\": the deltaLink the next sync sends, or null; \"items\": [{\"id\", \"displayName\"}]}." };
        var command = new Command("show", "Print the users and the delta link held in the store; the file is opened read-only and never changed. " + ExitCodes.Help) { store, json };
        command.SetAction((parse, cancellationToken) => RunAsync(parse.GetRequiredValue(store), parse.GetValue(json), cancellationToken));
        return command;
    }

    private static async Task<int> RunAsync(FileInfo storeFile, bool json, CancellationToken cancellationToken)
    {
        try
        {
            var store = StoreFile.OpenReadOnly(storeFile);
            var token = await store.ReadSyncTokenAsync(cancellationToken).ConfigureAwait(false);
            var items = await store.ReadItemsAsync(cancellationToken).ConfigureAwait(false);
            if (json)
            {
                var output = new
                {
                    syncToken = token,
                    items = items.Select(pair => new { id = pair.Key, displayName = pair.Value.DisplayName }),
                };
                Console.Out.WriteLine(JsonSerializer.Serialize(output, Json));
            }
            else
            {
                Console.Out.WriteLine($"delta link: {token ?? "(none: no sync has completed)"}; {items.Count} users");
                foreach (var (id, user) in items)
                {
                    Console.Out.WriteLine($"  {id}  {user.DisplayName}");
                }
            }

            return ExitCodes.Success;
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
