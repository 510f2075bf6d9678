using System;
using System.IO;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using GraphSync.GraphApi;
using GraphSync.Repository;
using SyncGen;
using SyncGen.Testing.Dialects;
using SyncGen.Testing.FakeServer;

namespace GraphSync.Commands;

/// <summary>
/// The demo: starts SyncGen's embedded server in the Microsoft Graph dialect on 127.0.0.1 and walks through a paged full
/// sync, changes and removals, an incremental sync with nothing new, and an expired delta link with its recovery, all
/// through the real Graph SDK, checking the SQLite mirror against the server after each step.
/// </summary>
internal static class DemoCommand
{
    private const int InitialUsers = 1_200;
    private const int PageSize = 250;

    public static async Task<int> RunAsync(TextWriter output, CancellationToken cancellationToken)
    {
        var folder = Directory.CreateTempSubdirectory("graphsync-demo-");
        try
        {
            await using var server = await FakeSyncServer.StartAsync(FakeDialects.MicrosoftGraph, new FakeSyncServerOptions { DefaultPageSize = PageSize }, cancellationToken).ConfigureAwait(false);
            using var client = DirectoryClient.Create(new Uri(server.BaseUri.OriginalString.TrimEnd('/')));
            var storePath = Path.Combine(folder.FullName, "users.db");
            var store = StoreFile.Open(new FileInfo(storePath));
            var repository = new DirectoryUsersRepository(client.Graph, store);
            var progress = new ConsoleProgress(output);

            output.WriteLine($"Embedded Graph delta server at {server.BaseUri}; first request {repository.Endpoint}; mirror in {storePath}");

            await StepAsync(output, $"1. Full sync of {InitialUsers:N0} users, {PageSize} per page (each @odata.nextLink followed verbatim)", () =>
            {
                for (var i = 1; i <= InitialUsers; i++)
                {
                    server.Upsert($"user-{i:D4}", $"User {i}");
                }
            }, repository, progress, server, store, cancellationToken).ConfigureAwait(false);

            await StepAsync(output, "2. Server renames 5 users, removes 3, adds 2; incremental sync from the stored @odata.deltaLink", () =>
            {
                var live = server.LiveItems;
                foreach (var renamed in live.Take(5))
                {
                    server.Upsert(renamed.Id, NameOf(renamed) + " (renamed)");
                }

                foreach (var removed in live.Skip(10).Take(3))
                {
                    server.Delete(removed.Id);
                }

                server.Upsert("user-new-1", "Ada Lovelace");
                server.Upsert("user-new-2", "Alan Turing");
            }, repository, progress, server, store, cancellationToken).ConfigureAwait(false);

            await StepAsync(output, "3. Nothing changed; incremental sync (the server hands back the same delta link)", () => { },
                repository, progress, server, store, cancellationToken).ConfigureAwait(false);

            await StepAsync(output, "4. Server expires every delta link (410 resyncRequired) and removes 2 users; sync recovers with a full sync", () =>
            {
                foreach (var removed in server.LiveItems.Take(2))
                {
                    server.Delete(removed.Id);
                }

                server.ExpireSyncTokens();
            }, repository, progress, server, store, cancellationToken).ConfigureAwait(false);

            output.WriteLine("Done: every step left the mirror equal to the server.");
            return ExitCodes.Success;
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            Console.Error.WriteLine("error: demo cancelled");
            return ExitCodes.Cancelled;
        }
        catch (DemoMismatchException mismatch)
        {
            Console.Error.WriteLine($"error: {mismatch.Message}");
            return ExitCodes.Server;
        }
        catch (Exception exception)
        {
            return ExitCodes.Report(exception, null);
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
        DirectoryUsersRepository repository,
        ConsoleProgress progress,
        FakeSyncServer server,
        ISyncStore<DirectoryUser> store,
        CancellationToken cancellationToken)
    {
        output.WriteLine();
        output.WriteLine(title);
        changeServer();
        var tokenBefore = await store.ReadSyncTokenAsync(cancellationToken).ConfigureAwait(false);
        var result = await repository.SyncAsync(progress, cancellationToken).ConfigureAwait(false);
        progress.EndLine();
        output.WriteLine($"   {Summary.Describe(result)}");
        output.WriteLine($"   delta link {(tokenBefore == result.SyncToken ? "unchanged" : "advanced")}: {Abbreviate(result.SyncToken)}");

        var mirror = await store.ReadItemsAsync(cancellationToken).ConfigureAwait(false);
        var live = server.LiveItems.OrderBy(u => u.Id, StringComparer.Ordinal).ToList();
        var matches = mirror.Count == live.Count
            && mirror.Zip(live).All(pair => pair.First.Key == pair.Second.Id && pair.First.Value.DisplayName == NameOf(pair.Second));
        output.WriteLine($"   mirror: {mirror.Count:N0} users; server: {live.Count:N0} users; equal: {(matches ? "yes" : "NO")}");
        if (!matches)
        {
            throw new DemoMismatchException($"after step \"{title}\" the mirror ({mirror.Count} users) differs from the server ({live.Count} users)");
        }
    }

    private static string? NameOf(FakeItem user) => user.Fields["displayName"]?.GetValue<string>();

    // The links of one server share their start: keep the end, where the delta token changes.
    private static string Abbreviate(string link) => link.Length <= 72 ? link : link[..48] + "…" + link[^20..];

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
            var line = $"   {(value.PassKind == SyncPassKind.Full ? "full" : "incremental")} pass {value.PassNumber}: page {value.PageNumber}, {value.Upserts} upserts, {value.Deletes} removals";
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
