using System;
using System.CommandLine;
using System.Globalization;
using System.IO;
using System.Text.Json;
using System.Threading;
using System.Threading.Tasks;
using SyncGen;
using SyncGen.Infrastructure;

namespace CalendarSync.Commands;

/// <summary><c>changes</c>: prints what the store's commits changed, from its change feed.</summary>
internal static class ChangesCommand
{
    public static Command Create()
    {
        var calendar = CommonOptions.Calendar();
        var store = CommonOptions.Store();
        var after = new Option<long?>("--after") { Description = "Print the changes after this sequence number (0: from the start)." };
        var consumer = new Option<string?>("--consumer") { Description = "A named consumer: without --after, print the changes after its cursor; with --ack, move its cursor to the last change printed (a new name needs --after)." };
        var ack = new Option<bool>("--ack") { Description = "With --consumer: acknowledge the changes printed (the only flag that writes to the store)." };
        var limit = new Option<int>("--limit") { Description = "The most changes to print.", DefaultValueFactory = _ => 1000 };
        var json = new Option<bool>("--json") { Description = "Print one line: {\"changes\":[{\"seq\",\"key\",\"kind\":\"added|updated|removed\",\"item\":{...}|null}],\"last\":N}." };
        var command = new Command("changes", "Print the store's change feed: what each committed sync added, updated or removed, item as stored. " + ExitCodes.Help)
        {
            calendar, store, after, consumer, ack, limit, json,
        };
        command.SetAction((parse, cancellationToken) => RunAsync(
            new Arguments(parse.GetValue(calendar)!, parse.GetRequiredValue(store), parse.GetValue(after), parse.GetValue(consumer), parse.GetValue(ack), parse.GetValue(limit), parse.GetValue(json)),
            cancellationToken));
        return command;
    }

    private sealed record Arguments(string CalendarId, FileInfo StoreFile, long? After, string? Consumer, bool Ack, int Limit, bool Json);

    private static async Task<int> RunAsync(Arguments arguments, CancellationToken cancellationToken)
    {
        try
        {
            Check(arguments);

            // The items as the store holds them (JsonElement, not the sample's Event): "item" is the committed JSON. Read
            // through a read-only store, so that a refused position has written nothing (not even a new file).
            await using var store = SqliteSyncStore<JsonElement>.OpenFileReadOnly(arguments.StoreFile.FullName, arguments.CalendarId);
            var after = arguments.After ?? await CursorAsync(store, arguments.Consumer!, cancellationToken).ConfigureAwait(false);
            SyncFeedPage<JsonElement> page;
            try
            {
                page = await store.ReadChangesAsync(after, arguments.Limit, cancellationToken).ConfigureAwait(false);
            }
            catch (ArgumentOutOfRangeException)
            {
                var head = (await store.ReadChangesAsync(0, 1, cancellationToken).ConfigureAwait(false)).Head;
                throw new FeedPositionException(string.Create(CultureInfo.InvariantCulture, $"--after {after} is beyond the end of the change feed (its last change is {head})"));
            }
            catch (SyncFeedPrunedException ex)
            {
                throw new FeedPositionException(string.Create(CultureInfo.InvariantCulture, $"the changes after {after} were pruned (through {ex.PrunedThrough}); read the mirror with show, then the changes after {ex.PrunedThrough}"));
            }

            if (arguments.Ack)
            {
                await using var writable = SqliteSyncStore<JsonElement>.OpenFile(arguments.StoreFile.FullName, arguments.CalendarId);
                try
                {
                    await writable.AcknowledgeAsync(arguments.Consumer!, page.Last, cancellationToken).ConfigureAwait(false);
                }
                catch (ArgumentOutOfRangeException)
                {
                    var cursor = await writable.ReadCursorAsync(arguments.Consumer!, cancellationToken).ConfigureAwait(false);
                    throw new FeedPositionException(string.Create(CultureInfo.InvariantCulture,
                        $"consumer '{arguments.Consumer}' already acknowledged {cursor}; acknowledging {page.Last} would move its cursor back"));
                }
            }

            Print(page, arguments.Json);
            return ExitCodes.Success;
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            Console.Error.WriteLine("error: cancelled");
            return ExitCodes.Cancelled;
        }
        catch (Exception exception)
        {
            return ExitCodes.Report(exception, arguments.StoreFile);
        }
    }

    private static void Check(Arguments arguments)
    {
        if (string.IsNullOrWhiteSpace(arguments.CalendarId))
        {
            throw new UsageException("--calendar must name a calendar id (e.g. primary); it was empty");
        }

        if (arguments.After is null && arguments.Consumer is null)
        {
            throw new UsageException("changes needs --after N or --consumer NAME");
        }

        if (arguments.After is < 0)
        {
            throw new UsageException(string.Create(CultureInfo.InvariantCulture, $"--after must be 0 or more; it was {arguments.After}"));
        }

        if (arguments.Limit < 1)
        {
            throw new UsageException(string.Create(CultureInfo.InvariantCulture, $"--limit must be 1 or more; it was {arguments.Limit}"));
        }

        if (arguments.Consumer is { } name && (string.IsNullOrWhiteSpace(name) || name.Length > SyncFeedRules.MaxConsumerLength))
        {
            throw new UsageException(string.Create(CultureInfo.InvariantCulture, $"--consumer must be a name of 1 to {SyncFeedRules.MaxConsumerLength} characters"));
        }

        if (arguments.Ack && arguments.Consumer is null)
        {
            throw new UsageException("--ack needs --consumer NAME: the cursor it moves is the consumer's");
        }
    }

    private static async Task<long> CursorAsync(SqliteSyncStore<JsonElement> store, string consumer, CancellationToken cancellationToken) =>
        await store.ReadCursorAsync(consumer, cancellationToken).ConfigureAwait(false)
        ?? throw new FeedPositionException($"consumer '{consumer}' is unknown to this store; start it with --consumer {consumer} --after N --ack");

    private static void Print(SyncFeedPage<JsonElement> page, bool json)
    {
        if (!json)
        {
            foreach (var change in page.Changes)
            {
                Console.Out.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{change.Sequence}  {SyncFeedRules.Name(change.Kind)}  {change.Key}"));
            }

            Console.Out.WriteLine(string.Create(CultureInfo.InvariantCulture, $"last: {page.Last} (feed head {page.Head})"));
            return;
        }

        using var buffer = new MemoryStream();
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            writer.WriteStartArray("changes");
            foreach (var change in page.Changes)
            {
                writer.WriteStartObject();
                writer.WriteNumber("seq", change.Sequence);
                writer.WriteString("key", change.Key);
                writer.WriteString("kind", SyncFeedRules.Name(change.Kind));
                writer.WritePropertyName("item");
                if (change.Kind == SyncFeedChangeKind.Removed)
                {
                    writer.WriteNullValue();
                }
                else
                {
                    change.Item.WriteTo(writer);
                }

                writer.WriteEndObject();
            }

            writer.WriteEndArray();
            writer.WriteNumber("last", page.Last);
            writer.WriteEndObject();
        }

        Console.Out.WriteLine(System.Text.Encoding.UTF8.GetString(buffer.ToArray()));
    }
}
