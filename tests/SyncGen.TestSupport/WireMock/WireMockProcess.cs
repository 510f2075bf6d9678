using System;
using System.Collections.Generic;
using System.ComponentModel;
using System.Diagnostics;
using System.Globalization;
using System.IO;
using System.Text;
using System.Text.RegularExpressions;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.Extensions.Logging;

namespace SyncGen.TestSupport.WireMock;

/// <summary>
/// The lifecycle of a WireMock started here: the java process on 127.0.0.1, its root directory, the tail of its output,
/// and its end (the process tree killed, a temporary root deleted, also when the test host exits without disposing).
/// </summary>
internal sealed class WireMockProcess : IAsyncDisposable
{
    private const int MaxOutputLines = 200;
    private static readonly Regex PortLine = new(@"^\s*port:\s+(\d+)\s*$", RegexOptions.CultureInvariant);

    private readonly Process _process;
    private readonly string? _temporaryRoot;
    private readonly OutputBuffer _output;
    private readonly ILogger? _logger;
    private readonly EventHandler _processExitHandler;
    private int _disposed;

    private WireMockProcess(Process process, int port, string rootDirectory, string? temporaryRoot, OutputBuffer output, ILogger? logger)
    {
        _process = process;
        Port = port;
        RootDirectory = rootDirectory;
        _temporaryRoot = temporaryRoot;
        _output = output;
        _logger = logger;

        // Never leave a JVM behind when the test host exits without disposing.
        _processExitHandler = (_, _) => KillProcessTree(process);
        AppDomain.CurrentDomain.ProcessExit += _processExitHandler;
    }

    /// <summary>The port WireMock reported listening on.</summary>
    public int Port { get; }

    /// <summary>The process id.</summary>
    public int Id => _process.Id;

    /// <summary>The root directory (<c>--root-dir</c>).</summary>
    public string RootDirectory { get; }

    /// <summary>The last lines the process wrote to stdout and stderr.</summary>
    public IReadOnlyList<string> RecentOutput => _output.Snapshot();

    /// <summary>The recent output as one text, for error messages.</summary>
    public string OutputText => _output.Text();

    /// <summary>Whether the process has exited, with its code.</summary>
    public bool HasExited(out int exitCode)
    {
        var exited = _process.HasExited;
        exitCode = exited ? _process.ExitCode : 0;
        return exited;
    }

    /// <summary>
    /// Starts WireMock from the jar and waits until it reports its port (not yet until its admin API answers).
    /// </summary>
    /// <exception cref="WireMockUnavailableException">Java or the jar is missing, the process exited, or no port within the timeout.</exception>
    public static async Task<WireMockProcess> StartAsync(JavaWireMockOptions options, CancellationToken cancellationToken)
    {
        string jar = WireMockDiscovery.FindJar(options);
        string java = WireMockDiscovery.FindJava(options);
        if (options.Port is < 0 or > 65535)
        {
            throw new ArgumentOutOfRangeException(nameof(options), options.Port, "JavaWireMockOptions.Port must be 0..65535.");
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

        var output = new OutputBuffer(MaxOutputLines);
        var portFound = new TaskCompletionSource<int>(TaskCreationOptions.RunContinuationsAsynchronously);
        var process = new Process { StartInfo = StartInfo(java, jar, root, options), EnableRaisingEvents = true };
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
                    throw new WireMockUnavailableException($"Java at '{java}' could not be started; install a JDK or JRE 17+ or set {JavaWireMockOptions.ExternalUrlVariable}.");
                }
            }
            catch (Win32Exception ex)
            {
                throw new WireMockUnavailableException(
                    $"Java 17+ could not be started from '{java}' ({ex.Message}); install a JDK or JRE 17+ " +
                    $"(e.g. apt-get install openjdk-17-jre-headless) or set {JavaWireMockOptions.ExternalUrlVariable} to a running WireMock.",
                    ex);
            }

            process.BeginOutputReadLine();
            process.BeginErrorReadLine();

            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            timeout.CancelAfter(options.StartTimeout);
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

                return new WireMockProcess(process, await portFound.Task.ConfigureAwait(false), root, temporaryRoot, output, logger);
            }
            catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
                throw new WireMockUnavailableException(
                    $"WireMock did not report its port within {options.StartTimeout.TotalSeconds:0} s (java '{java}', jar '{jar}'). Output:{Environment.NewLine}{output.Text()}");
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

    /// <summary>Kills the process tree, waits for it to exit and deletes a temporary root directory.</summary>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        AppDomain.CurrentDomain.ProcessExit -= _processExitHandler;
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

        _logger?.LogInformation("WireMock process {Pid} stopped.", _process.Id);
        _process.Dispose();
        if (_temporaryRoot is not null)
        {
            TryDeleteDirectory(_temporaryRoot);
        }
    }

    private static ProcessStartInfo StartInfo(string java, string jar, string root, JavaWireMockOptions options)
    {
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

        return startInfo;
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
