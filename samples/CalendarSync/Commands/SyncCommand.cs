using System;
using System.CommandLine;
using System.IO;
using System.Text.Json;
using System.Threading;
using System.Threading.Tasks;
using CalendarSync.CalendarApi;
using CalendarSync.Repository;
using Google.Apis.Auth.OAuth2;
using Google.Apis.Http;
using Microsoft.Extensions.Logging;
using SyncGen;

namespace CalendarSync.Commands;

/// <summary><c>sync</c>: one sync pass of one calendar into a SQLite store.</summary>
internal static class SyncCommand
{
    public static Command Create()
    {
        var baseUrl = new Option<string?>("--base-url") { Description = "API root of a Calendar v3 server, e.g. http://127.0.0.1:8080/calendar/v3 (default: Google's, with --credentials)." };
        var calendar = CommonOptions.Calendar();
        var store = CommonOptions.Store();
        var credentials = new Option<FileInfo?>("--credentials") { Description = "Google credential JSON file (service account or authorized user) to sync a real calendar." };
        var verbose = new Option<bool>("--verbose") { Description = "Log every page and retry to stderr." };
        var command = new Command("sync", "Run one sync pass (full or incremental) into the store.") { baseUrl, calendar, store, credentials, verbose };
        command.SetAction((parse, cancellationToken) => RunAsync(
            parse.GetValue(baseUrl), parse.GetValue(calendar)!, parse.GetRequiredValue(store), parse.GetValue(credentials), parse.GetValue(verbose), cancellationToken));
        return command;
    }

    private static async Task<int> RunAsync(string? baseUrl, string calendarId, FileInfo storeFile, FileInfo? credentialsFile, bool verbose, CancellationToken cancellationToken)
    {
        try
        {
            if (baseUrl is null && credentialsFile is null)
            {
                throw new ArgumentException("give --base-url (a Calendar v3 server) or --credentials (a real Google calendar)");
            }

            if (baseUrl is not null && !Uri.TryCreate(baseUrl, UriKind.Absolute, out var parsed) | (parsed is not null && parsed.Scheme is not ("http" or "https")))
            {
                throw new ArgumentException($"--base-url '{baseUrl}' is not an absolute http(s) URL");
            }

            var credential = credentialsFile is null ? null : await LoadCredentialAsync(credentialsFile, cancellationToken).ConfigureAwait(false);
            // Logs go to stderr and only with --verbose: without it, a failure is exactly one line on stderr.
            using var loggerFactory = LoggerFactory.Create(builder => builder
                .AddSimpleConsole(o => o.SingleLine = true)
                .AddConsole(o => o.LogToStandardErrorThreshold = LogLevel.Trace)
                .SetMinimumLevel(verbose ? LogLevel.Debug : LogLevel.None));
            using var service = CalendarService.Create(baseUrl ?? CalendarService.GoogleBaseUri, credential);
            var store = SqliteSyncStore<Event>.OpenFile(storeFile.FullName, calendarId);
            // The mask matches the sample's Event model: nothing it keeps is dropped, everything else stays on the server.
            var repository = new CalendarEventsRepository(service, calendarId, store, loggerFactory.CreateLogger<CalendarEventsRepository>())
            {
                Fields = CalendarEventsRepository.MirroredFields,
            };
            var result = await repository.SyncAsync(cancellationToken).ConfigureAwait(false);
            Console.Out.WriteLine(Summary.Describe(result));
            return 0;
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            Console.Error.WriteLine("error: sync cancelled; the store is unchanged");
            return 130;
        }
        catch (SyncException exception)
        {
            Console.Error.WriteLine($"error: {exception.Message}");
            return 1;
        }
        catch (Exception exception) when (exception is ArgumentException or IOException or UnauthorizedAccessException or JsonException or InvalidOperationException)
        {
            Console.Error.WriteLine($"error: {exception.Message}");
            return 2;
        }
    }

    private static async Task<IConfigurableHttpClientInitializer> LoadCredentialAsync(FileInfo file, CancellationToken cancellationToken)
    {
        // The file says what it is ("service_account" or "authorized_user"); CredentialFactory refuses other types.
        await using var stream = file.OpenRead();
        using var document = await JsonDocument.ParseAsync(stream, cancellationToken: cancellationToken).ConfigureAwait(false);
        var type = document.RootElement.TryGetProperty("type", out var t) ? t.GetString() : null;
        if (type is null)
        {
            throw new ArgumentException($"--credentials {file.FullName}: no \"type\" field; expected a service account or authorized user JSON file");
        }

        var credential = await CredentialFactory.FromFileAsync(file.FullName, type, cancellationToken).ConfigureAwait(false);
        return credential.CreateScoped(CalendarService.CalendarReadonlyScope);
    }
}

/// <summary>Options shared by the commands.</summary>
internal static class CommonOptions
{
    public static Option<string> Calendar() => new("--calendar")
    {
        Description = "Calendar id; requests go to {base-url}/calendars/{id}/events.",
        DefaultValueFactory = _ => "primary",
    };

    public static Option<FileInfo> Store() => new("--store") { Description = "SQLite file holding the mirror and its sync token.", Required = true };
}
