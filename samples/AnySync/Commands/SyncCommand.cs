using System;
using System.Collections.Generic;
using System.CommandLine;
using System.IO;
using System.Linq;
using System.Net.Http;
using System.Text.Json;
using System.Threading;
using System.Threading.Tasks;
using CalendarSync.Commands;
using Microsoft.Extensions.Logging;
using SyncGen;

namespace AnySync.Commands;

/// <summary><c>sync</c>: one sync call of any dialect's endpoint into a SQLite store.</summary>
internal static class SyncCommand
{
    private const int MaxTimeoutSeconds = 86_400;

    public static Command Create()
    {
        var dialect = new Option<string>("--dialect") { Description = $"A built-in dialect ({string.Join(", ", DialectArgument.Names)}) or a dialect manifest file (see docs/dialects.md).", Required = true };
        var endpoint = new Option<string>("--endpoint")
        {
            Description = "The first request of a full pass, absolute http(s), with any fixed query: e.g. .../calendar/v3/calendars/primary/events, .../2/files/list_folder (dropbox), .../gmail/v1/users/me (gmail).",
            Required = true,
        };
        var body = new Option<string?>("--body") { Description = "The first request's body, for dialects that send one (dropbox: e.g. {\"path\": \"\", \"recursive\": true})." };
        var headers = new Option<string[]>("--header") { Description = "A request header, \"Name: value\" (e.g. an Authorization header); repeat for more. Sent over https, or http to a loopback address, only." };
        var store = CommonOptions.Store();
        var timeout = new Option<int>("--timeout")
        {
            Description = "Seconds one page request may take, body included, before it is retried as a timeout (1 to 86400).",
            DefaultValueFactory = _ => 30,
        };
        var verbose = new Option<bool>("--verbose") { Description = "Log every page and retry to stderr." };
        var command = new Command("sync", "Run one sync call (full or incremental) into the store. " + Program.ExitCodesHelp) { dialect, endpoint, body, headers, store, timeout, verbose };
        command.SetAction((parse, cancellationToken) => RunAsync(
            new Arguments(parse.GetRequiredValue(dialect), parse.GetRequiredValue(endpoint), parse.GetValue(body), parse.GetValue(headers) ?? Array.Empty<string>(),
                parse.GetRequiredValue(store), parse.GetValue(timeout), parse.GetValue(verbose)),
            cancellationToken));
        return command;
    }

    private sealed record Arguments(string Dialect, string Endpoint, string? Body, string[] Headers, FileInfo StoreFile, int TimeoutSeconds, bool Verbose);

    private static async Task<int> RunAsync(Arguments arguments, CancellationToken cancellationToken)
    {
        try
        {
            // Every flag is checked before the store is opened or a request sent: a usage error changes nothing.
            var dialect = DialectArgument.Resolve(arguments.Dialect);
            var endpoint = Endpoint(arguments.Endpoint);
            var headers = Headers(arguments.Headers, endpoint);
            if (arguments.TimeoutSeconds is < 1 or > MaxTimeoutSeconds)
            {
                throw new UsageException($"--timeout must be 1 to {MaxTimeoutSeconds} seconds (a day); it was {arguments.TimeoutSeconds}");
            }

            var retry = RetryDelay.FromEnvironment();
            var timeout = TimeSpan.FromSeconds(arguments.TimeoutSeconds);

            // The page source follows redirects itself, on the endpoint's origin only, so headers never leave it.
            using var http = new HttpClient(new SocketsHttpHandler { AllowAutoRedirect = false }) { Timeout = timeout + TimeSpan.FromSeconds(5) };
            foreach (var (name, value) in headers)
            {
                if (!http.DefaultRequestHeaders.TryAddWithoutValidation(name, value))
                {
                    throw new UsageException($"--header '{name}' is a content header or not a request header; it cannot be sent on every request");
                }
            }

            var source = Source(http, dialect, endpoint, arguments.Body);
            using var loggerFactory = LoggerFactory.Create(builder => builder
                .AddSimpleConsole(o => o.SingleLine = true)
                .AddConsole(o => o.LogToStandardErrorThreshold = LogLevel.Trace)
                .SetMinimumLevel(arguments.Verbose ? LogLevel.Debug : LogLevel.None));
            await using var store = SqliteSyncStore<JsonElement>.OpenFile(arguments.StoreFile.FullName, CommonOptions.Collection);
            var result = await source.SyncAsync(store, new SyncOptions { RequestTimeout = timeout, Retry = retry }, loggerFactory.CreateLogger("AnySync"), cancellationToken: cancellationToken)
                .ConfigureAwait(false);
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

    private static Uri Endpoint(string text)
    {
        if (!Uri.TryCreate(text, UriKind.Absolute, out var endpoint) || endpoint.Scheme is not ("http" or "https"))
        {
            throw new UsageException($"--endpoint '{text}' is not an absolute http(s) URL");
        }

        return endpoint;
    }

    /// <summary>Each <c>Name: value</c>; headers carry credentials, so never over plain http to another host.</summary>
    private static List<(string Name, string Value)> Headers(string[] headers, Uri endpoint)
    {
        var parsed = new List<(string, string)>();
        foreach (var header in headers)
        {
            var colon = header.IndexOf(':', StringComparison.Ordinal);
            var name = colon > 0 ? header[..colon].Trim() : string.Empty;
            if (name.Length == 0 || name.Any(c => c <= ' ' || c >= 127 || "()<>@,;:\\\"/[]?={}".Contains(c, StringComparison.Ordinal)))
            {
                throw new UsageException($"--header '{header}' is not \"Name: value\"");
            }

            parsed.Add((name, header[(colon + 1)..].Trim()));
        }

        if (parsed.Count > 0 && endpoint.Scheme == Uri.UriSchemeHttp && !endpoint.IsLoopback)
        {
            throw new UsageException($"--header is sent over https, or http to a loopback address, only; '{endpoint.Host}' is plain http");
        }

        return parsed;
    }

    private static SyncHttpPageSource<JsonElement> Source(HttpClient http, SyncDialect dialect, Uri endpoint, string? body)
    {
        if (body is not null && dialect.RequestStyle is not (SyncRequestStyle.JsonBody or SyncRequestStyle.FormBody))
        {
            throw new UsageException($"--body is for dialects that send a request body; {dialect.Name} sends none");
        }

        try
        {
            return new SyncHttpPageSource<JsonElement>(http, dialect, endpoint) { FirstRequestBody = body };
        }
        catch (ArgumentException exception)
        {
            // A body that is not a JSON object, or a fields mask on the endpoint that drops what the dialect reads.
            throw new UsageException(exception is SyncFieldsMaskException ? $"--endpoint: {exception.Message}" : $"--body: {exception.Message.Split(" (Parameter")[0]}");
        }
    }
}

/// <summary>Options shared by the commands.</summary>
internal static class CommonOptions
{
    /// <summary>The one mirror a store file holds.</summary>
    public const string Collection = "anysync";

    public static Option<FileInfo> Store() => new("--store") { Description = "SQLite file holding the mirror and its sync token.", Required = true };
}
