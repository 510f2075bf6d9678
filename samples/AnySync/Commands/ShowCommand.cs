using System;
using System.CommandLine;
using System.IO;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Threading;
using System.Threading.Tasks;
using CalendarSync.Commands;
using SyncGen;

namespace AnySync.Commands;

/// <summary><c>show</c>: prints the mirror and sync token held in a store, as the server wrote each item.</summary>
internal static class ShowCommand
{
    public static Command Create()
    {
        var store = CommonOptions.Store();
        var json = new Option<bool>("--json") { Description = "Print one line of JSON: {\"syncToken\", \"items\": [{\"key\", \"item\"}]}, items ordered by key." };
        var command = new Command("show", "Print the items and sync token held in the store; the file is opened read-only and never changed. " + Program.ExitCodesHelp) { store, json };
        command.SetAction((parse, cancellationToken) => RunAsync(parse.GetRequiredValue(store), parse.GetValue(json), cancellationToken));
        return command;
    }

    private static async Task<int> RunAsync(FileInfo storeFile, bool json, CancellationToken cancellationToken)
    {
        try
        {
            await using var store = SqliteSyncStore<JsonElement>.OpenFileReadOnly(storeFile.FullName, CommonOptions.Collection);
            var token = await store.ReadSyncTokenAsync(cancellationToken).ConfigureAwait(false);
            var items = await store.ReadItemsAsync(cancellationToken).ConfigureAwait(false);
            if (!json)
            {
                Console.Out.WriteLine($"sync token: {token ?? "(none: no sync has completed)"}; {items.Count} items");
                foreach (var (key, item) in items)
                {
                    Console.Out.WriteLine($"  {key}  {item.GetRawText()}");
                }

                return ExitCodes.Success;
            }

            using var output = Console.OpenStandardOutput();
            using (var writer = new Utf8JsonWriter(output, new JsonWriterOptions { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping }))
            {
                writer.WriteStartObject();
                writer.WriteString("syncToken", token);
                writer.WriteStartArray("items");
                foreach (var (key, item) in items)
                {
                    writer.WriteStartObject();
                    writer.WriteString("key", key);
                    writer.WritePropertyName("item");
                    item.WriteTo(writer);
                    writer.WriteEndObject();
                }

                writer.WriteEndArray();
                writer.WriteEndObject();
            }

            output.Write("\n"u8);
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
