using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Globalization;
using System.Net.Http;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.Extensions.Logging;
using SyncGen.Testing.Conformance;

namespace SyncGen.TestSupport.WireMock;

/// <summary>The Java WireMock (the standalone server) for the repository's protocol tests.</summary>
/// <remarks>
/// Either a process started on 127.0.0.1 from the jar that <c>npm ci</c> installs (package.json pins wiremock 3.13.2), or
/// an already running WireMock named by <c>WIREMOCK_URL</c> / <see cref="JavaWireMockOptions.ExternalUrl"/>. Dispose to
/// stop the process (and its tree); an external server is reset on start and left running. Named apart from
/// WireMock.Net's <c>WireMockServer</c>, so a file can open both namespaces.
/// </remarks>
public sealed class JavaWireMockServer : IAsyncDisposable
{
    private readonly WireMockProcess? _process;
    private readonly HttpClient _http;
    private readonly ILogger? _logger;
    private int _disposed;

    private JavaWireMockServer(Uri baseUri, HttpClient http, WireMockProcess? process, ILogger? logger, TimeSpan startTime)
    {
        BaseUri = baseUri;
        _http = http;
        _process = process;
        _logger = logger;
        StartTime = startTime;
        Admin = new WireMockAdminClient(http, baseUri);
    }

    /// <summary>The base URI of the server, e.g. <c>http://127.0.0.1:41234/</c> (always ends with a slash).</summary>
    public Uri BaseUri { get; }

    /// <summary>The typed admin API client of this server.</summary>
    internal WireMockAdminClient Admin { get; }

    /// <summary>Whether this server is an external one (<c>WIREMOCK_URL</c>) rather than a process started here.</summary>
    public bool IsExternal => _process is null;

    /// <summary>The id of the java process started here, or null for an external server.</summary>
    public int? ProcessId => _process?.Id;

    /// <summary>The root directory the started process uses (<c>--root-dir</c>), or null for an external server.</summary>
    public string? RootDirectory => _process?.RootDirectory;

    /// <summary>How long <see cref="StartAsync"/> took until the admin API answered (and the reset, if external).</summary>
    public TimeSpan StartTime { get; }

    /// <summary>The last lines WireMock wrote to stdout/stderr (at most 200), for diagnostics; empty when external.</summary>
    public IReadOnlyList<string> RecentOutput => _process?.RecentOutput ?? Array.Empty<string>();

    /// <summary>
    /// Starts a WireMock, or connects to the external one named by <see cref="JavaWireMockOptions.ExternalUrl"/> (which
    /// defaults to <c>WIREMOCK_URL</c>) and resets it.
    /// </summary>
    /// <param name="options">Options; defaults are used when null.</param>
    /// <param name="cancellationToken">Cancels the start; a process already started is killed.</param>
    /// <returns>The running server.</returns>
    /// <exception cref="WireMockUnavailableException">
    /// Java or the jar is missing, the process exited or did not answer within <see cref="JavaWireMockOptions.StartTimeout"/>,
    /// or the external server does not answer. The message says what to install or set.
    /// </exception>
    public static async Task<JavaWireMockServer> StartAsync(JavaWireMockOptions? options = null, CancellationToken cancellationToken = default)
    {
        options ??= new JavaWireMockOptions();
        var stopwatch = Stopwatch.StartNew();
        if (options.ExternalUrl is { } externalUrl)
        {
            var (baseUri, http) = await WireMockExternalServer.ConnectAsync(externalUrl, options, cancellationToken).ConfigureAwait(false);
            return new JavaWireMockServer(baseUri, http, null, options.Logger, stopwatch.Elapsed);
        }

        return await StartProcessAsync(options, stopwatch, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Finds the WireMock standalone jar: <see cref="JavaWireMockOptions.JarPath"/> (which defaults to <c>WIREMOCK_JAR</c>),
    /// else <c>node_modules/wiremock/build/wiremock-standalone-*.jar</c> in a directory above
    /// <see cref="AppContext.BaseDirectory"/> or the current directory (highest version first).
    /// </summary>
    /// <param name="options">Options; defaults are used when null.</param>
    /// <returns>The full path of the jar.</returns>
    /// <exception cref="WireMockUnavailableException">No jar was found; the message says how to install it.</exception>
    public static string FindJar(JavaWireMockOptions? options = null) => WireMockDiscovery.FindJar(options);

    /// <summary>
    /// Finds the java executable: <see cref="JavaWireMockOptions.JavaPath"/>, else <c>$JAVA_HOME/bin/java</c>, else
    /// <c>java</c> on PATH.
    /// </summary>
    /// <param name="options">Options; defaults are used when null.</param>
    /// <returns>The full path of java.</returns>
    /// <exception cref="WireMockUnavailableException">Java was not found; the message says how to install it.</exception>
    public static string FindJava(JavaWireMockOptions? options = null) => WireMockDiscovery.FindJava(options);

    /// <summary>Replays the kit's scenarios on this server, through the same mappings as WireMock.Net.</summary>
    /// <param name="ownsServer">Whether disposing the replayer disposes this server.</param>
    /// <returns>The replayer.</returns>
    public WireMockScenarioServer CreateScenarioServer(bool ownsServer = false) => new(new JavaWireMockBackend(this, ownsServer));

    /// <summary>Creates a new <see cref="HttpClient"/> whose base address is <see cref="BaseUri"/>; the caller disposes it.</summary>
    /// <returns>The client.</returns>
    public HttpClient CreateHttpClient() => new() { BaseAddress = BaseUri };

    /// <summary>Stops the process started here (killing its process tree) and deletes its temporary root directory.</summary>
    /// <returns>A task completing when the process has exited.</returns>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        if (_process is not null)
        {
            await _process.DisposeAsync().ConfigureAwait(false);
            _logger?.LogInformation("WireMock at {BaseUri} stopped.", BaseUri);
        }

        _http.Dispose();
    }

    /// <summary>Polls the admin API until it answers; fails early when the process started here has exited.</summary>
    internal static async Task WaitUntilAvailableAsync(
        WireMockAdminClient admin,
        WireMockProcess? process,
        TimeSpan timeout,
        CancellationToken cancellationToken,
        Func<string> timeoutMessage)
    {
        var stopwatch = Stopwatch.StartNew();
        while (true)
        {
            cancellationToken.ThrowIfCancellationRequested();
            using (var attempt = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken))
            {
                attempt.CancelAfter(TimeSpan.FromSeconds(5));
                try
                {
                    if (await admin.IsAvailableAsync(attempt.Token).ConfigureAwait(false))
                    {
                        return;
                    }
                }
                catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
                {
                    // This attempt timed out; try again until the overall timeout.
                }
            }

            if (process is not null && process.HasExited(out int exitCode))
            {
                throw new WireMockUnavailableException(
                    $"WireMock exited with code {exitCode} while starting. Output:{Environment.NewLine}{process.OutputText}");
            }

            if (stopwatch.Elapsed >= timeout)
            {
                throw new WireMockUnavailableException(timeoutMessage());
            }

            await Task.Delay(TimeSpan.FromMilliseconds(50), cancellationToken).ConfigureAwait(false);
        }
    }

    private static async Task<JavaWireMockServer> StartProcessAsync(JavaWireMockOptions options, Stopwatch stopwatch, CancellationToken cancellationToken)
    {
        var process = await WireMockProcess.StartAsync(options, cancellationToken).ConfigureAwait(false);
        var http = new HttpClient { Timeout = TimeSpan.FromSeconds(30) };
        try
        {
            var baseUri = new Uri($"http://127.0.0.1:{process.Port.ToString(CultureInfo.InvariantCulture)}/");
            var admin = new WireMockAdminClient(http, baseUri);
            TimeSpan remaining = options.StartTimeout - stopwatch.Elapsed;
            await WaitUntilAvailableAsync(admin, process, remaining > TimeSpan.Zero ? remaining : TimeSpan.FromSeconds(1), cancellationToken, () =>
                $"WireMock listened on port {process.Port} but its admin API did not answer within {options.StartTimeout.TotalSeconds:0} s. Output:{Environment.NewLine}{process.OutputText}")
                .ConfigureAwait(false);
            options.Logger?.LogInformation("WireMock started at {BaseUri} (pid {Pid}) in {Elapsed} ms.", baseUri, process.Id, stopwatch.ElapsedMilliseconds);
            return new JavaWireMockServer(baseUri, http, process, options.Logger, stopwatch.Elapsed);
        }
        catch
        {
            http.Dispose();
            await process.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }
}
