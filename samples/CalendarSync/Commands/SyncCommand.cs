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
        var baseUrl = new Option<string?>("--base-url") { Description = "API root of a Calendar v3 server, e.g. http://127.0.0.1:8080/calendar/v3 (default: Google's, with --credentials). No query or fragment." };
        var calendar = CommonOptions.Calendar();
        var store = CommonOptions.Store();
        var credentials = new Option<FileInfo?>("--credentials") { Description = "Google credential JSON file (service account or authorized user) to sync a real calendar." };
        var timeout = new Option<int>("--timeout")
        {
            Description = "Seconds one page request may take, body included, before it is retried as a timeout (1 to 86400).",
            DefaultValueFactory = _ => 30,
        };
        var verbose = new Option<bool>("--verbose") { Description = "Log every page and retry to stderr." };
        var allCalendars = CommonOptions.AllCalendars("Mirror the calendar list and the events of every listed calendar, each with its own token, instead of one --calendar.");
        var command = new Command("sync", "Run one sync pass (full or incremental) into the store. " + ExitCodes.Help) { baseUrl, calendar, store, credentials, timeout, verbose, allCalendars };
        command.SetAction((parse, cancellationToken) => RunAsync(
            new Arguments(parse.GetValue(baseUrl), parse.GetValue(calendar)!, parse.GetRequiredValue(store), parse.GetValue(credentials), parse.GetValue(timeout), parse.GetValue(verbose))
            {
                AllCalendars = parse.GetValue(allCalendars),
                CalendarGiven = CommonOptions.Given(parse, calendar),
            },
            cancellationToken));
        return command;
    }

    private const int MaxTimeoutSeconds = 86_400;

    private sealed record Arguments(string? BaseUrl, string CalendarId, FileInfo StoreFile, FileInfo? CredentialsFile, int TimeoutSeconds, bool Verbose)
    {
        public bool AllCalendars { get; init; }

        public bool CalendarGiven { get; init; }
    }

    private static async Task<int> RunAsync(Arguments arguments, CancellationToken cancellationToken)
    {
        try
        {
            var baseUri = Validate(arguments);
            var retry = RetryDelay.FromEnvironment();
            var credential = arguments.CredentialsFile is null ? null : await LoadCredentialAsync(arguments.CredentialsFile, cancellationToken).ConfigureAwait(false);
            // Logs go to stderr and only with --verbose: without it, a failure is exactly one line on stderr.
            using var loggerFactory = LoggerFactory.Create(builder => builder
                .AddSimpleConsole(o => o.SingleLine = true)
                .AddConsole(o => o.LogToStandardErrorThreshold = LogLevel.Trace)
                .SetMinimumLevel(arguments.Verbose ? LogLevel.Debug : LogLevel.None));
            var timeout = TimeSpan.FromSeconds(arguments.TimeoutSeconds);

            // Google.Apis' own client timeout stays a little above SyncGen's, so a stalled request is reported (and
            // retried) as SyncGen's timeout.
            using var service = CalendarService.Create(baseUri, credential, timeout + TimeSpan.FromSeconds(5));
            var options = new SyncOptions { RequestTimeout = timeout, Retry = retry };
            if (arguments.AllCalendars)
            {
                await using var all = new AllCalendarsRepository(service, arguments.StoreFile.FullName, options, CalendarEventsRepository.MirroredFields, loggerFactory);
                var results = await all.SyncAsync(cancellationToken).ConfigureAwait(false);
                Console.Out.WriteLine(Summary.Describe(results));
                return Summary.ReportFailures(results);
            }

            // Disposed at the end of the command: the store keeps a connection open between calls until then.
            await using var store = SqliteSyncStore<Event>.OpenFile(arguments.StoreFile.FullName, arguments.CalendarId);

            // Every commit records what it changed, for the changes command.
            store.ChangeFeed = new SyncChangeFeedOptions();
            // The mask matches the sample's Event model: nothing it keeps is dropped, everything else stays on the server.
            var repository = new CalendarEventsRepository(service, arguments.CalendarId, store, loggerFactory.CreateLogger<CalendarEventsRepository>())
            {
                Fields = CalendarEventsRepository.MirroredFields,
                Options = options,
            };
            var result = await repository.SyncAsync(cancellationToken).ConfigureAwait(false);
            Console.Out.WriteLine(Summary.Describe(result));
            return ExitCodes.Success;
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            Console.Error.WriteLine("error: sync cancelled; store unchanged");
            return ExitCodes.Cancelled;
        }
        catch (Exception exception)
        {
            return ExitCodes.Report(exception, arguments.StoreFile);
        }
    }

    /// <summary>Checks the flags before anything is opened; returns the API root to use.</summary>
    private static string Validate(Arguments arguments)
    {
        if (arguments.BaseUrl is null && arguments.CredentialsFile is null)
        {
            throw new UsageException("give --base-url (a Calendar v3 server) or --credentials (a real Google calendar)");
        }

        CommonOptions.CheckAllCalendars(arguments.AllCalendars, arguments.CalendarGiven);
        if (!arguments.AllCalendars && string.IsNullOrWhiteSpace(arguments.CalendarId))
        {
            throw new UsageException("--calendar must name a calendar id (e.g. primary); it was empty");
        }

        // HttpClient and the retry's timer take at most about 24 days; a page that may take a day is already no timeout.
        if (arguments.TimeoutSeconds is < 1 or > MaxTimeoutSeconds)
        {
            throw new UsageException($"--timeout must be 1 to {MaxTimeoutSeconds} seconds (a day); it was {arguments.TimeoutSeconds}");
        }

        if (arguments.BaseUrl is not { } baseUrl)
        {
            return CalendarService.GoogleBaseUri;
        }

        if (!Uri.TryCreate(baseUrl, UriKind.Absolute, out var parsed) || parsed.Scheme is not ("http" or "https"))
        {
            throw new UsageException($"--base-url '{baseUrl}' is not an absolute http(s) URL");
        }

        // Request paths are appended to the root: a query or fragment would end up in the middle of every URL.
        if (!string.IsNullOrEmpty(parsed.Query) || baseUrl.Contains('#', StringComparison.Ordinal))
        {
            throw new UsageException($"--base-url '{baseUrl}' has a query or fragment; give only the API root (scheme, host, port and path)");
        }

        if (arguments.CredentialsFile is not null && !SameOriginCredential.IsSafeForCredentials(parsed))
        {
            throw new UsageException($"--base-url '{baseUrl}' is plain http: credentials are sent only over https (or http to a loopback address)");
        }

        return baseUrl;
    }

    private static async Task<IConfigurableHttpClientInitializer> LoadCredentialAsync(FileInfo file, CancellationToken cancellationToken)
    {
        try
        {
            // The file says what it is ("service_account" or "authorized_user"); CredentialFactory refuses other types.
            await using var stream = file.OpenRead();
            using var document = await JsonDocument.ParseAsync(stream, cancellationToken: cancellationToken).ConfigureAwait(false);
            var type = document.RootElement.ValueKind == JsonValueKind.Object && document.RootElement.TryGetProperty("type", out var t) && t.ValueKind == JsonValueKind.String
                ? t.GetString()
                : null;
            if (type is null)
            {
                throw new CredentialsException($"--credentials {file.FullName}: no \"type\" field; expected a service account or authorized user JSON file");
            }

            var credential = await CredentialFactory.FromFileAsync(file.FullName, type, cancellationToken).ConfigureAwait(false);
            return credential.CreateScoped(CalendarService.CalendarReadonlyScope);
        }
        catch (Exception exception) when (exception is not (CredentialsException or OperationCanceledException))
        {
            // A broken private_key is a FormatException, a wrong type an InvalidOperationException, a missing file an IOException.
            var what = exception switch
            {
                FileNotFoundException or DirectoryNotFoundException => "the file does not exist",
                JsonException => "the file is not JSON",
                FormatException => "its private_key is not a valid PEM key",
                _ => exception.Message.Replace('\n', ' ').Trim(),
            };
            throw new CredentialsException($"--credentials {file.FullName}: {what}", exception);
        }
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

    public static Option<bool> AllCalendars(string description) => new("--all-calendars") { Description = description };

    /// <summary>Whether the user wrote the option (not its default).</summary>
    public static bool Given(ParseResult parse, Option option) => parse.GetResult(option) is { Implicit: false };

    /// <summary>Refuses <c>--all-calendars</c> beside an explicit <c>--calendar</c>, which it replaces.</summary>
    public static void CheckAllCalendars(bool allCalendars, bool calendarGiven)
    {
        if (allCalendars && calendarGiven)
        {
            throw new UsageException("--all-calendars covers every listed calendar; leave out --calendar");
        }
    }

    public static Option<FileInfo> Store() => new("--store") { Description = "SQLite file holding the mirror and its sync token.", Required = true };
}
