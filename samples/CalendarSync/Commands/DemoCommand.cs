using System;
using System.IO;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using CalendarSync.CalendarApi;
using CalendarSync.Repository;
using SyncGen;
using SyncGen.Testing.FakeServer;

namespace CalendarSync.Commands;

/// <summary>
/// The demo: starts SyncGen's embedded fake Calendar v3 server on 127.0.0.1 and walks through a paged full sync,
/// changes and deletions, incremental syncs, a forced token expiry and its recovery, checking the SQLite mirror
/// against the server after each step.
/// </summary>
internal static class DemoCommand
{
    private const string CalendarId = "primary";
    private const int InitialEvents = 1_200;

    public static async Task<int> RunAsync(TextWriter output, CancellationToken cancellationToken)
    {
        var folder = Directory.CreateTempSubdirectory("syncgen-demo-");
        try
        {
            await using var server = await FakeCalendarServer.StartAsync(cancellationToken: cancellationToken).ConfigureAwait(false);
            var calendar = server.GetCalendar(CalendarId);
            using var service = CalendarService.Create(server.BaseUri.ToString());
            var storePath = Path.Combine(folder.FullName, "calendar.db");
            // Disposing the store closes the connection it keeps between calls, so the folder can be deleted below.
            await using var store = SqliteSyncStore<Event>.OpenFile(storePath, CalendarId);
            var repository = new CalendarEventsRepository(service, CalendarId, store) { PageSize = 250, Fields = CalendarEventsRepository.MirroredFields };
            var progress = new ConsoleProgress(output);

            output.WriteLine($"Fake Calendar v3 server at {server.BaseUri}; mirror in {storePath}");

            await StepAsync(output, $"1. Full sync of {InitialEvents:N0} events, {repository.PageSize} per page", () =>
            {
                calendar.AddMany(InitialEvents, "evt");
            }, repository, progress, calendar, store, cancellationToken).ConfigureAwait(false);

            await StepAsync(output, "2. Server changes 5 events, deletes 3, adds 2; incremental sync", () =>
            {
                var live = calendar.LiveEvents;
                foreach (var changed in live.Take(5))
                {
                    calendar.Upsert(changed with { Summary = changed.Summary + " (moved)" });
                }

                foreach (var deleted in live.Skip(10).Take(3))
                {
                    calendar.Delete(deleted.Id);
                }

                calendar.Upsert(new FakeEvent("new-1", "Planning", new DateTimeOffset(2026, 3, 2, 9, 0, 0, TimeSpan.Zero)));
                calendar.Upsert(new FakeEvent("new-2", "Retro", new DateTimeOffset(2026, 3, 6, 15, 0, 0, TimeSpan.Zero)));
            }, repository, progress, calendar, store, cancellationToken).ConfigureAwait(false);

            await StepAsync(output, "3. Nothing changed; incremental sync (the server hands back the same token)", () => { },
                repository, progress, calendar, store, cancellationToken).ConfigureAwait(false);

            await StepAsync(output, "4. Server expires every sync token (HTTP 410) and deletes 2 events; sync recovers with a full sync", () =>
            {
                foreach (var deleted in calendar.LiveEvents.Take(2))
                {
                    calendar.Delete(deleted.Id);
                }

                calendar.ExpireSyncTokens();
            }, repository, progress, calendar, store, cancellationToken).ConfigureAwait(false);

            output.WriteLine("Done: every step left the mirror equal to the server.");
            return 0;
        }
        catch (DemoMismatchException mismatch)
        {
            Console.Error.WriteLine($"error: {mismatch.Message}");
            return 1;
        }
        finally
        {
            folder.Delete(recursive: true);
        }
    }

    private static async Task StepAsync(
        TextWriter output,
        string title,
        Action changeServer,
        CalendarEventsRepository repository,
        ConsoleProgress progress,
        FakeCalendar calendar,
        ISyncStore<Event> store,
        CancellationToken cancellationToken)
    {
        output.WriteLine();
        output.WriteLine(title);
        changeServer();
        var tokenBefore = await store.ReadSyncTokenAsync(cancellationToken).ConfigureAwait(false);
        var result = await repository.SyncAsync(progress, cancellationToken).ConfigureAwait(false);
        progress.EndLine();
        output.WriteLine($"   {Summary.Describe(result)}");
        output.WriteLine($"   token {(tokenBefore == result.SyncToken ? "unchanged" : "advanced")}: {Abbreviate(result.SyncToken)}");

        var mirror = await store.ReadItemsAsync(cancellationToken).ConfigureAwait(false);
        var server = calendar.LiveEvents.OrderBy(e => e.Id, StringComparer.Ordinal).ToList();
        var matches = mirror.Count == server.Count
            && mirror.Zip(server).All(pair => pair.First.Key == pair.Second.Id && pair.First.Value.Summary == pair.Second.Summary);
        output.WriteLine($"   mirror: {mirror.Count:N0} events; server: {server.Count:N0} live events; equal: {(matches ? "yes" : "NO")}");
        if (!matches)
        {
            throw new DemoMismatchException($"after step \"{title}\" the mirror ({mirror.Count} events) differs from the server ({server.Count} events)");
        }
    }

    private static string Abbreviate(string token) => token.Length <= 24 ? token : token[..20] + "…";

    private sealed class DemoMismatchException(string message) : Exception(message);

    /// <summary>
    /// One status line per page: rewritten in place on a terminal, one line each when the output is redirected
    /// (a log file should not fill with carriage returns).
    /// </summary>
    private sealed class ConsoleProgress(TextWriter output) : IProgress<SyncProgress>
    {
        private readonly bool _rewrite = output == Console.Out && !Console.IsOutputRedirected;
        private bool _open;

        public void Report(SyncProgress value)
        {
            var line = $"   {(value.PassKind == SyncPassKind.Full ? "full" : "incremental")} pass {value.PassNumber}: page {value.PageNumber}, {value.Upserts} upserts, {value.Deletes} deletes";
            if (_rewrite)
            {
                output.Write("\r" + line + "   ");
                _open = true;
            }
            else
            {
                output.WriteLine(line);
            }
        }

        public void EndLine()
        {
            if (_open)
            {
                output.WriteLine();
                _open = false;
            }
        }
    }
}
