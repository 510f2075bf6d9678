using System;
using System.Collections.Generic;
using System.ComponentModel;
using System.Diagnostics;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Net.Http;
using System.Text;
using System.Text.RegularExpressions;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.Extensions.Logging;

namespace SyncGen.Testing.WireMock;

/// <summary>
/// A real WireMock (the Java standalone server) for protocol tests: either a process started on 127.0.0.1 from the jar that
/// <c>npm ci</c> installs (package.json pins wiremock 3.13.2), or an already running WireMock named by
/// <c>WIREMOCK_URL</c> / <see cref="WireMockServerOptions.ExternalUrl"/>. Dispose to stop the process (and its tree);
/// an external server is reset on start and left running.
/// </summary>
public sealed class WireMockServer : IAsyncDisposable
{
    private const int MaxOutputLines = 200;
    private static readonly Regex PortLine = new(@"^\s*port:\s+(\d+)\s*$", RegexOptions.CultureInvariant);

    private readonly Process? _process;
    private readonly HttpClient _http;
    private readonly string? _temporaryRoot;
    private readonly ILogger? _logger;
    private readonly OutputBuffer? _output;
    private readonly EventHandler? _processExitHandler;
    private int _disposed;

    private WireMockServer(
        Uri baseUri,
        HttpClient http,
        Process? process,
        string? temporaryRoot,
        string? rootDirectory,
        ILogger? logger,
        OutputBuffer? output,
        TimeSpan startTime)
    {
        BaseUri = baseUri;
        _http = http;
        _process = process;
        _temporaryRoot = temporaryRoot;
        RootDirectory = rootDirectory;
        _logger = logger;
        _output = output;
        StartTime = startTime;
        Admin = new WireMockAdminClient(http, baseUri);
        if (process is not null)
        {
            // Never leave a JVM behind when the test host exits without disposing.
            _processExitHandler = (_, _) => KillProcessTree(process);
            AppDomain.CurrentDomain.ProcessExit += _processExitHandler;
        }
    }

    /// <summary>The base URI of the server, e.g. <c>http://127.0.0.1:41234/</c> (always ends with a slash).</summary>
    public Uri BaseUri { get; }

    /// <summary>The typed admin API client of this server.</summary>
    public WireMockAdminClient Admin { get; }

    /// <summary>Whether this server is an external one (<c>WIREMOCK_URL</c>) rather than a process started here.</summary>
    public bool IsExternal => _process is null;

    /// <summary>The id of the java process started here, or null for an external server.</summary>
    public int? ProcessId => _process?.Id;

    /// <summary>The root directory the started process uses (<c>--root-dir</c>), or null for an external server.</summary>
    public string? RootDirectory { get; }

    /// <summary>How long <see cref="StartAsync"/> took until the admin API answered (and the reset, if external).</summary>
    public TimeSpan StartTime { get; }

    /// <summary>The last lines WireMock wrote to stdout/stderr (at most 200), for diagnostics; empty when external.</summary>
    public IReadOnlyList<string> RecentOutput => _output?.Snapshot() ?? Array.Empty<string>();

    /// <summary>
    /// Starts a WireMock, or connects to the external one named by <see cref="WireMockServerOptions.ExternalUrl"/> (which
    /// defaults to <c>WIREMOCK_URL</c>) and resets it.
    /// </summary>
    /// <param name="options">Options; defaults are used when null.</param>
    /// <param name="cancellationToken">Cancels the start; a process already started is killed.</param>
    /// <returns>The running server.</returns>
    /// <exception cref="WireMockUnavailableException">
    /// Java or the jar is missing, the process exited or did not answer within <see cref="WireMockServerOptions.StartTimeout"/>,
    /// or the external server does not answer. The message says what to install or set.
    /// </exception>
    public static async Task<WireMockServer> StartAsync(WireMockServerOptions? options = null, CancellationToken cancellationToken = default)
    {
        options ??= new WireMockServerOptions();
        return options.ExternalUrl is { } externalUrl
            ? await ConnectExternalAsync(externalUrl, options, cancellationToken).ConfigureAwait(false)
            : await StartProcessAsync(options, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Finds the WireMock standalone jar: <see cref="WireMockServerOptions.JarPath"/> (which defaults to <c>WIREMOCK_JAR</c>),
    /// else <c>node_modules/wiremock/build/wiremock-standalone-*.jar</c> in a directory above
    /// <see cref="AppContext.BaseDirectory"/> or the current directory (highest version first).
    /// </summary>
    /// <param name="options">Options; defaults are used when null.</param>
    /// <returns>The full path of the jar.</returns>
    /// <exception cref="WireMockUnavailableException">No jar was found; the message says how to install it.</exception>
    public static string FindJar(WireMockServerOptions? options = null)
    {
        options ??= new WireMockServerOptions();
        if (options.JarPath is { } configured)
        {
            string full = Path.GetFullPath(configured);
            if (File.Exists(full))
            {
                return full;
            }

            throw new WireMockUnavailableException(
                $"The WireMock jar was not found at '{full}' (from WireMockServerOptions.JarPath or {WireMockServerOptions.JarPathVariable}). " +
                $"Run `npm ci` in the repository root (package.json pins wiremock 3.13.2, which ships node_modules/wiremock/build/wiremock-standalone-3.13.2.jar), " +
                $"set {WireMockServerOptions.JarPathVariable} to an existing wiremock-standalone jar, or set {WireMockServerOptions.ExternalUrlVariable} to a running WireMock.");
        }

        var searched = new List<string>();
        foreach (string start in new[] { AppContext.BaseDirectory, Directory.GetCurrentDirectory() }.Distinct(StringComparer.Ordinal))
        {
            for (DirectoryInfo? dir = new DirectoryInfo(start); dir is not null; dir = dir.Parent)
            {
                string build = Path.Combine(dir.FullName, "node_modules", "wiremock", "build");
                searched.Add(build);
                if (!Directory.Exists(build))
                {
                    continue;
                }

                string? jar = Directory.GetFiles(build, "wiremock-standalone-*.jar")
                    .OrderByDescending(p => ParseJarVersion(p))
                    .ThenByDescending(p => p, StringComparer.Ordinal)
                    .FirstOrDefault();
                if (jar is not null)
                {
                    return jar;
                }
            }
        }

        throw new WireMockUnavailableException(
            "The WireMock jar was not found (no node_modules/wiremock/build/wiremock-standalone-*.jar above " +
            $"'{AppContext.BaseDirectory}' or the current directory). Run `npm ci` in the repository root (package.json pins wiremock 3.13.2), " +
            $"or set {WireMockServerOptions.JarPathVariable} to a wiremock-standalone jar, or set {WireMockServerOptions.ExternalUrlVariable} to a running WireMock.");
    }

    /// <summary>
    /// Finds the java executable: <see cref="WireMockServerOptions.JavaPath"/>, else <c>$JAVA_HOME/bin/java</c>, else
    /// <c>java</c> on PATH.
    /// </summary>
    /// <param name="options">Options; defaults are used when null.</param>
    /// <returns>The full path of java.</returns>
    /// <exception cref="WireMockUnavailableException">Java was not found; the message says how to install it.</exception>
    public static string FindJava(WireMockServerOptions? options = null)
    {
        options ??= new WireMockServerOptions();
        string exe = OperatingSystem.IsWindows() ? "java.exe" : "java";
        if (options.JavaPath is { } configured)
        {
            if (File.Exists(configured))
            {
                return Path.GetFullPath(configured);
            }

            throw new WireMockUnavailableException(
                $"Java was not found at '{configured}' (WireMockServerOptions.JavaPath). Install a JDK/JRE 17+ " +
                $"(e.g. apt-get install openjdk-17-jre-headless), or set {WireMockServerOptions.ExternalUrlVariable} to a running WireMock.");
        }

        string? javaHome = Environment.GetEnvironmentVariable("JAVA_HOME");
        if (!string.IsNullOrWhiteSpace(javaHome))
        {
            string candidate = Path.Combine(javaHome, "bin", exe);
            if (File.Exists(candidate))
            {
                return candidate;
            }
        }

        string path = Environment.GetEnvironmentVariable("PATH") ?? string.Empty;
        foreach (string dir in path.Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries))
        {
            string candidate = Path.Combine(dir.Trim('"'), exe);
            if (File.Exists(candidate))
            {
                return candidate;
            }
        }

        throw new WireMockUnavailableException(
            "Java 17+ was not found on PATH (nor in $JAVA_HOME/bin); install a JDK or JRE 17+ " +
            $"(e.g. apt-get install openjdk-17-jre-headless) or set {WireMockServerOptions.ExternalUrlVariable} to a running WireMock.");
    }

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
            if (_processExitHandler is not null)
            {
                AppDomain.CurrentDomain.ProcessExit -= _processExitHandler;
            }

            KillProcessTree(_process);
            using (var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10)))
            {
                try
                {
                    await _process.WaitForExitAsync(timeout.Token).ConfigureAwait(false);
                }
                catch (OperationCanceledException)
                {
                    _logger?.LogWarning("WireMock process {Pid} did not exit within 10 s of being killed.", _process.Id);
                }
            }

            _logger?.LogInformation("WireMock at {BaseUri} (pid {Pid}) stopped.", BaseUri, _process.Id);
            _process.Dispose();
        }

        _http.Dispose();
        if (_temporaryRoot is not null)
        {
            TryDeleteDirectory(_temporaryRoot);
        }
    }

    private static async Task<WireMockServer> ConnectExternalAsync(string externalUrl, WireMockServerOptions options, CancellationToken cancellationToken)
    {
        var stopwatch = Stopwatch.StartNew();
        if (!Uri.TryCreate(externalUrl.EndsWith('/') ? externalUrl : externalUrl + "/", UriKind.Absolute, out Uri? baseUri)
            || (baseUri.Scheme != Uri.UriSchemeHttp && baseUri.Scheme != Uri.UriSchemeHttps))
        {
            throw new WireMockUnavailableException(
                $"{WireMockServerOptions.ExternalUrlVariable} (or WireMockServerOptions.ExternalUrl) is '{externalUrl}', which is not an absolute http(s) URL such as http://localhost:8080/.");
        }

        var http = new HttpClient { Timeout = TimeSpan.FromSeconds(30) };
        try
        {
            var admin = new WireMockAdminClient(http, baseUri);
            await WaitUntilAvailableAsync(admin, null, null, options.StartTimeout, cancellationToken, () =>
                $"The WireMock at {baseUri} ({WireMockServerOptions.ExternalUrlVariable} or WireMockServerOptions.ExternalUrl) did not answer " +
                $"GET /__admin/mappings within {options.StartTimeout.TotalSeconds:0} s; start it or unset {WireMockServerOptions.ExternalUrlVariable} to run the local jar.")
                .ConfigureAwait(false);
            await admin.ResetAsync(cancellationToken).ConfigureAwait(false);
            options.Logger?.LogInformation("Using external WireMock at {BaseUri}.", baseUri);
            return new WireMockServer(baseUri, http, null, null, null, options.Logger, null, stopwatch.Elapsed);
        }
        catch
        {
            http.Dispose();
            throw;
        }
    }

    private static async Task<WireMockServer> StartProcessAsync(WireMockServerOptions options, CancellationToken cancellationToken)
    {
        var stopwatch = Stopwatch.StartNew();
        string jar = FindJar(options);
        string java = FindJava(options);
        if (options.Port is < 0 or > 65535)
        {
            throw new ArgumentOutOfRangeException(nameof(options), options.Port, "WireMockServerOptions.Port must be 0..65535.");
        }

        string? temporaryRoot = null;
        string root;
        if (options.RootDirectory is { } configuredRoot)
        {
            root = Path.GetFullPath(configuredRoot);
            Directory.CreateDirectory(root);
        }
        else
        {
            temporaryRoot = Path.Combine(Path.GetTempPath(), "syncgen-wiremock-" + Guid.NewGuid().ToString("N"));
            root = temporaryRoot;
            Directory.CreateDirectory(Path.Combine(root, "mappings"));
            Directory.CreateDirectory(Path.Combine(root, "__files"));
        }

        var startInfo = new ProcessStartInfo(java)
        {
            UseShellExecute = false,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = false,
            CreateNoWindow = true,
            WorkingDirectory = root,
            StandardOutputEncoding = Encoding.UTF8,
            StandardErrorEncoding = Encoding.UTF8,
        };
        foreach (string argument in options.JvmArguments)
        {
            startInfo.ArgumentList.Add(argument);
        }

        startInfo.ArgumentList.Add("-jar");
        startInfo.ArgumentList.Add(jar);
        startInfo.ArgumentList.Add("--port");
        startInfo.ArgumentList.Add(options.Port.ToString(CultureInfo.InvariantCulture));
        startInfo.ArgumentList.Add("--bind-address");
        startInfo.ArgumentList.Add("127.0.0.1");
        startInfo.ArgumentList.Add("--disable-banner");
        startInfo.ArgumentList.Add("--root-dir");
        startInfo.ArgumentList.Add(root);
        foreach (string argument in options.ExtraArguments)
        {
            startInfo.ArgumentList.Add(argument);
        }

        var output = new OutputBuffer(MaxOutputLines);
        var portFound = new TaskCompletionSource<int>(TaskCreationOptions.RunContinuationsAsynchronously);
        var process = new Process { StartInfo = startInfo, EnableRaisingEvents = true };
        ILogger? logger = options.Logger;
        process.OutputDataReceived += (_, e) =>
        {
            if (e.Data is null)
            {
                return;
            }

            output.Add(e.Data);
            logger?.LogDebug("wiremock: {Line}", e.Data);
            Match match = PortLine.Match(e.Data);
            if (match.Success && int.TryParse(match.Groups[1].Value, NumberStyles.None, CultureInfo.InvariantCulture, out int port))
            {
                portFound.TrySetResult(port);
            }
        };
        process.ErrorDataReceived += (_, e) =>
        {
            if (e.Data is not null)
            {
                output.Add(e.Data);
                logger?.LogDebug("wiremock (stderr): {Line}", e.Data);
            }
        };

        try
        {
            try
            {
                if (!process.Start())
                {
                    throw new WireMockUnavailableException($"Java at '{java}' could not be started; install a JDK or JRE 17+ or set {WireMockServerOptions.ExternalUrlVariable}.");
                }
            }
            catch (Win32Exception ex)
            {
                throw new WireMockUnavailableException(
                    $"Java 17+ could not be started from '{java}' ({ex.Message}); install a JDK or JRE 17+ " +
                    $"(e.g. apt-get install openjdk-17-jre-headless) or set {WireMockServerOptions.ExternalUrlVariable} to a running WireMock.",
                    ex);
            }

            process.BeginOutputReadLine();
            process.BeginErrorReadLine();

            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            timeout.CancelAfter(options.StartTimeout);
            int actualPort;
            try
            {
                Task exited = process.WaitForExitAsync(timeout.Token);
                Task winner = await Task.WhenAny(portFound.Task, exited).ConfigureAwait(false);
                if (winner != portFound.Task)
                {
                    await exited.ConfigureAwait(false); // throws on timeout/cancel
                    throw new WireMockUnavailableException(
                        $"WireMock exited with code {process.ExitCode} before listening (java '{java}', jar '{jar}'); Java 17+ is required. Output:{Environment.NewLine}{output.Text()}");
                }

                actualPort = await portFound.Task.ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
                throw new WireMockUnavailableException(
                    $"WireMock did not report its port within {options.StartTimeout.TotalSeconds:0} s (java '{java}', jar '{jar}'). Output:{Environment.NewLine}{output.Text()}");
            }

            var baseUri = new Uri($"http://127.0.0.1:{actualPort.ToString(CultureInfo.InvariantCulture)}/");
            var http = new HttpClient { Timeout = TimeSpan.FromSeconds(30) };
            try
            {
                var admin = new WireMockAdminClient(http, baseUri);
                TimeSpan remaining = options.StartTimeout - stopwatch.Elapsed;
                await WaitUntilAvailableAsync(admin, process, output, remaining > TimeSpan.Zero ? remaining : TimeSpan.FromSeconds(1), cancellationToken, () =>
                    $"WireMock listened on port {actualPort} but its admin API did not answer within {options.StartTimeout.TotalSeconds:0} s. Output:{Environment.NewLine}{output.Text()}")
                    .ConfigureAwait(false);
                logger?.LogInformation("WireMock started at {BaseUri} (pid {Pid}) in {Elapsed} ms.", baseUri, process.Id, stopwatch.ElapsedMilliseconds);
                return new WireMockServer(baseUri, http, process, temporaryRoot, root, logger, output, stopwatch.Elapsed);
            }
            catch
            {
                http.Dispose();
                throw;
            }
        }
        catch
        {
            KillProcessTree(process);
            process.Dispose();
            if (temporaryRoot is not null)
            {
                TryDeleteDirectory(temporaryRoot);
            }

            throw;
        }
    }

    private static async Task WaitUntilAvailableAsync(
        WireMockAdminClient admin,
        Process? process,
        OutputBuffer? output,
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

            if (process is not null && process.HasExited)
            {
                throw new WireMockUnavailableException(
                    $"WireMock exited with code {process.ExitCode} while starting. Output:{Environment.NewLine}{output?.Text()}");
            }

            if (stopwatch.Elapsed >= timeout)
            {
                throw new WireMockUnavailableException(timeoutMessage());
            }

            await Task.Delay(TimeSpan.FromMilliseconds(50), cancellationToken).ConfigureAwait(false);
        }
    }

    private static void KillProcessTree(Process process)
    {
        try
        {
            if (!process.HasExited)
            {
                process.Kill(entireProcessTree: true);
            }
        }
        catch (InvalidOperationException)
        {
            // Already exited or never started.
        }
        catch (Win32Exception)
        {
            // Exiting concurrently.
        }
    }

    private static void TryDeleteDirectory(string path)
    {
        try
        {
            if (Directory.Exists(path))
            {
                Directory.Delete(path, recursive: true);
            }
        }
        catch (IOException)
        {
            // Best effort: a temp folder left behind is harmless.
        }
        catch (UnauthorizedAccessException)
        {
            // Best effort.
        }
    }

    private static Version ParseJarVersion(string path)
    {
        string name = Path.GetFileNameWithoutExtension(path);
        string text = name.Substring("wiremock-standalone-".Length);
        int dash = text.IndexOf('-', StringComparison.Ordinal);
        if (dash >= 0)
        {
            text = text.Substring(0, dash);
        }

        return Version.TryParse(text, out Version? version) ? version : new Version(0, 0);
    }

    /// <summary>A bounded, thread-safe tail of the process output.</summary>
    private sealed class OutputBuffer
    {
        private readonly Queue<string> _lines = new();
        private readonly int _capacity;
        private readonly object _gate = new();

        public OutputBuffer(int capacity) => _capacity = capacity;

        public void Add(string line)
        {
            lock (_gate)
            {
                _lines.Enqueue(line);
                while (_lines.Count > _capacity)
                {
                    _lines.Dequeue();
                }
            }
        }

        public IReadOnlyList<string> Snapshot()
        {
            lock (_gate)
            {
                return _lines.ToArray();
            }
        }

        public string Text() => string.Join(Environment.NewLine, Snapshot());
    }
}
