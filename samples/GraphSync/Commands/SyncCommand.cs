using System;
using System.CommandLine;
using System.IO;
using System.Threading;
using System.Threading.Tasks;
using GraphSync.GraphApi;
using GraphSync.Repository;
using Microsoft.Extensions.Logging;
using SyncGen;

namespace GraphSync.Commands;

/// <summary><c>sync</c>: one sync pass of the directory's users into a SQLite store.</summary>
internal static class SyncCommand
{
    public static Command Create()
    {
        var baseUrl = new Option<string>("--base-url")
        {
            Description = $"Graph root with its version, e.g. http://127.0.0.1:5000/v1.0 or {DirectoryClient.GraphRoot}; the first pass requests {{base-url}}/users/delta. No query or fragment.",
            Required = true,
        };
        var store = new Option<FileInfo>("--store") { Description = "SQLite file holding the mirror and its delta link.", Required = true };
        var timeout = new Option<int>("--timeout")
        {
            Description = "Seconds one page request may take, body included, before it is retried as a timeout (1 to 86400).",
            DefaultValueFactory = _ => 30,
        };
        var verbose = new Option<bool>("--verbose") { Description = "Log every page and retry to stderr." };
        var command = new Command(
            "sync",
            $"Run one sync pass (full or incremental) into the store. A bearer token in ${DirectoryClient.AccessTokenVariable} is sent to the Graph root's origin only (https, or http to a loopback address). " + ExitCodes.Help)
        {
            baseUrl, store, timeout, verbose,
        };
        command.SetAction((parse, cancellationToken) => RunAsync(
            new Arguments(parse.GetRequiredValue(baseUrl), parse.GetRequiredValue(store), parse.GetValue(timeout), parse.GetValue(verbose), Environment.GetEnvironmentVariable(DirectoryClient.AccessTokenVariable) is { Length: > 0 } token ? token : null),
            cancellationToken));
        return command;
    }

    private const int MaxTimeoutSeconds = 86_400;

    private sealed record Arguments(string BaseUrl, FileInfo StoreFile, int TimeoutSeconds, bool Verbose, string? AccessToken);

    private static async Task<int> RunAsync(Arguments arguments, CancellationToken cancellationToken)
    {
        try
        {
            var graphRoot = Validate(arguments);
            var retry = RetryDelay.FromEnvironment();
            // Logs go to stderr and only with --verbose: without it, a failure is exactly one line on stderr.
            using var loggerFactory = LoggerFactory.Create(builder => builder
                .AddSimpleConsole(o => o.SingleLine = true)
                .AddConsole(o => o.LogToStandardErrorThreshold = LogLevel.Trace)
                .SetMinimumLevel(arguments.Verbose ? LogLevel.Debug : LogLevel.None));
            var timeout = TimeSpan.FromSeconds(arguments.TimeoutSeconds);

            // HttpClient's own timeout stays a little above SyncGen's, so a stalled request is reported (and retried)
            // as SyncGen's timeout.
            using var client = DirectoryClient.Create(graphRoot, arguments.AccessToken, timeout + TimeSpan.FromSeconds(5));
            var store = StoreFile.Open(arguments.StoreFile);
            var repository = new DirectoryUsersRepository(client.Graph, store, new SyncOptions { RequestTimeout = timeout, Retry = retry }, loggerFactory.CreateLogger<DirectoryUsersRepository>());
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

    /// <summary>Checks the flags before anything is opened; returns the Graph root.</summary>
    private static Uri Validate(Arguments arguments)
    {
        // HttpClient and the retry's timer take at most about 24 days; a page that may take a day is already no timeout.
        if (arguments.TimeoutSeconds is < 1 or > MaxTimeoutSeconds)
        {
            throw new UsageException($"--timeout must be 1 to {MaxTimeoutSeconds} seconds (a day); it was {arguments.TimeoutSeconds}");
        }

        var baseUrl = arguments.BaseUrl;
        if (!Uri.TryCreate(baseUrl, UriKind.Absolute, out var parsed) || parsed.Scheme is not ("http" or "https"))
        {
            throw new UsageException($"--base-url '{baseUrl}' is not an absolute http(s) URL");
        }

        // Graph authenticates with a bearer token, never with a user name in the URL; refusing it here also keeps the
        // password out of every message below (and out of the origin the links are compared with).
        if (!string.IsNullOrEmpty(parsed.UserInfo))
        {
            throw new UsageException($"--base-url has a user name or password ({parsed.Scheme}://…@{parsed.Authority}); give only the Graph root, and a token in ${DirectoryClient.AccessTokenVariable}");
        }

        // users/delta is appended to the root: a query or fragment would end up in the middle of the URL.
        if (!string.IsNullOrEmpty(parsed.Query) || baseUrl.Contains('#', StringComparison.Ordinal))
        {
            throw new UsageException($"--base-url '{baseUrl}' has a query or fragment; give only the Graph root with its version (e.g. {DirectoryClient.GraphRoot})");
        }

        if (!string.IsNullOrEmpty(arguments.AccessToken) && !SameOriginTokenProvider.IsSafeForCredentials(parsed))
        {
            throw new UsageException($"--base-url '{baseUrl}' is plain http: the ${DirectoryClient.AccessTokenVariable} token is sent only over https (or http to a loopback address)");
        }

        return parsed;
    }
}
