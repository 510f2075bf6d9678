using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Threading;
using System.Threading.Tasks;

namespace SyncGen.TestSupport.PostgreSql;

/// <summary>
/// A throwaway PostgreSQL cluster for tests and demos: <c>initdb</c> in a new temporary directory, then <c>pg_ctl start</c>
/// on a free port of 127.0.0.1 with trust authentication for the <c>postgres</c> user. Dispose to stop it (immediate
/// shutdown) and delete its directory. PostgreSQL refuses to run as root, so under root the tools run as the
/// <c>postgres</c> system user (through <c>runuser</c>). The server binaries are found in <c>SYNCGEN_PG_BIN</c>,
/// <c>/usr/lib/postgresql/*/bin</c> (highest version) or on the PATH; when missing and running as root on a system with
/// apt-get, the <c>postgresql</c> package is installed.
/// </summary>
/// <remarks>
/// The cluster is tuned for tests, not for keeping data: <c>fsync</c>, <c>synchronous_commit</c> and
/// <c>full_page_writes</c> are off unless <see cref="StartAsync"/> is asked for a durable one. A test process that dies
/// without disposing leaves its cluster running; the next <see cref="StartAsync"/> in any process stops clusters whose
/// owning process is gone, and a handler on process exit stops this one.
/// </remarks>
public sealed class ThrowawayPostgreSql : IAsyncDisposable
{
    /// <summary>The environment variable naming a directory holding initdb, pg_ctl and postgres.</summary>
    public const string BinariesVariable = "SYNCGEN_PG_BIN";

    private const string DirectoryPrefix = "syncgen-pg-";
    private const string OwnerFile = "owner.pid";
    private static readonly TimeSpan ToolTimeout = TimeSpan.FromMinutes(2);
    private static readonly TimeSpan InstallTimeout = TimeSpan.FromMinutes(10);

    private readonly string _binaries;
    private readonly bool _asPostgresUser;
    private readonly EventHandler _processExitHandler;
    private int _disposed;

    private ThrowawayPostgreSql(string root, string binaries, bool asPostgresUser, int port)
    {
        RootDirectory = root;
        _binaries = binaries;
        _asPostgresUser = asPostgresUser;
        Port = port;
        _processExitHandler = (_, _) => StopNow();
        AppDomain.CurrentDomain.ProcessExit += _processExitHandler;
    }

    /// <summary>The temporary directory holding the data directory, the socket and the server log.</summary>
    public string RootDirectory { get; }

    /// <summary>The TCP port on 127.0.0.1.</summary>
    public int Port { get; }

    /// <summary>The data directory.</summary>
    public string DataDirectory => Path.Combine(RootDirectory, "data");

    /// <summary>The server log.</summary>
    public string LogFile => Path.Combine(RootDirectory, "server.log");

    /// <summary>An Npgsql connection string for <paramref name="database"/> as the <c>postgres</c> superuser.</summary>
    /// <param name="database">The database; <c>postgres</c> (always present) by default.</param>
    public string ConnectionString(string database = "postgres") =>
        string.Create(CultureInfo.InvariantCulture, $"Host=127.0.0.1;Port={Port};Username=postgres;Database={database};Pooling=true;Timeout=30;Command Timeout=60");

    /// <summary>Starts a cluster; see the class summary.</summary>
    /// <param name="durable">Keep fsync and synchronous commit on (as a production server), for measurements.</param>
    /// <param name="maxConnections">The server's <c>max_connections</c>.</param>
    /// <param name="cancellationToken">Cancels the start; a half-started cluster is stopped and deleted.</param>
    /// <exception cref="PostgreSqlUnavailableException">No binaries, or initdb or pg_ctl failed (the message holds their output).</exception>
    public static async Task<ThrowawayPostgreSql> StartAsync(bool durable = false, int maxConnections = 300, CancellationToken cancellationToken = default)
    {
        if (OperatingSystem.IsWindows())
        {
            throw new PostgreSqlUnavailableException("The throwaway PostgreSQL cluster runs on Linux and macOS only; on Windows point the tests at a server of your own.");
        }

        var asPostgresUser = Environment.IsPrivilegedProcess;
        var binaries = await FindOrInstallBinariesAsync(asPostgresUser, cancellationToken).ConfigureAwait(false);
        await StopOrphansAsync(binaries, asPostgresUser).ConfigureAwait(false);

        for (var attempt = 1; ; attempt++)
        {
            var root = Path.Combine(Path.GetTempPath(), DirectoryPrefix + Guid.NewGuid().ToString("N")[..12]);
            Directory.CreateDirectory(root, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute
                | UnixFileMode.GroupRead | UnixFileMode.GroupExecute | UnixFileMode.OtherRead | UnixFileMode.OtherExecute);
            await File.WriteAllTextAsync(Path.Combine(root, OwnerFile), Environment.ProcessId.ToString(CultureInfo.InvariantCulture), cancellationToken).ConfigureAwait(false);
            if (asPostgresUser)
            {
                await RunAsync("chown", ["postgres:", root], asPostgresUser: false, cancellationToken).ConfigureAwait(false);
            }

            var port = FreePort();
            var cluster = new ThrowawayPostgreSql(root, binaries, asPostgresUser, port);
            try
            {
                await cluster.InitAndStartAsync(durable, maxConnections, cancellationToken).ConfigureAwait(false);
                return cluster;
            }
            catch (PostgreSqlUnavailableException) when (attempt < 3 && !cancellationToken.IsCancellationRequested)
            {
                // Most likely the free port was taken between probing and binding: try another one.
                await cluster.DisposeAsync().ConfigureAwait(false);
            }
            catch
            {
                await cluster.DisposeAsync().ConfigureAwait(false);
                throw;
            }
        }
    }

    /// <summary>Creates a database (owned by <c>postgres</c>) and returns its connection string.</summary>
    /// <param name="name">Lower-case letters, digits and underscores.</param>
    /// <param name="cancellationToken">Cancels the creation.</param>
    public async Task<string> CreateDatabaseAsync(string name, CancellationToken cancellationToken = default)
    {
        if (string.IsNullOrEmpty(name) || !name.All(c => c is (>= 'a' and <= 'z') or (>= '0' and <= '9') or '_'))
        {
            throw new ArgumentException($"A database name of lower-case letters, digits and underscores is expected; '{name}' is not.", nameof(name));
        }

        await RunAsync(Tool("createdb"), ["-h", "127.0.0.1", "-p", Port.ToString(CultureInfo.InvariantCulture), "-U", "postgres", name], _asPostgresUser, cancellationToken).ConfigureAwait(false);
        return ConnectionString(name);
    }

    /// <summary>Restarts the server as an operator would (<c>pg_ctl restart -m fast</c>): every session is ended, the port stays.</summary>
    /// <remarks>For availability tests: clients see their connections dropped and, until the server is back, refused.</remarks>
    /// <param name="cancellationToken">Cancels the wait for the restart.</param>
    public Task RestartAsync(CancellationToken cancellationToken = default) =>
        RunAsync(Tool("pg_ctl"), ["-D", DataDirectory, "-l", LogFile, "-m", "fast", "-w", "-t", "60", "restart"], _asPostgresUser, cancellationToken);

    /// <summary>Stops the server (immediate shutdown) and deletes its directory.</summary>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        AppDomain.CurrentDomain.ProcessExit -= _processExitHandler;
        await StopAndDeleteAsync(_binaries, RootDirectory, _asPostgresUser).ConfigureAwait(false);
    }

    private async Task InitAndStartAsync(bool durable, int maxConnections, CancellationToken cancellationToken)
    {
        await RunAsync(
            Tool("initdb"),
            ["-D", DataDirectory, "-U", "postgres", "-A", "trust", "-E", "UTF8", "--locale=C", "--no-sync"],
            _asPostgresUser,
            cancellationToken).ConfigureAwait(false);

        var settings = new List<string>
        {
            $"-p {Port}",
            "-c listen_addresses=127.0.0.1",
            $"-c unix_socket_directories='{RootDirectory}'",
            $"-c max_connections={maxConnections}",
            "-c shared_buffers=64MB",
        };
        if (!durable)
        {
            settings.Add("-c fsync=off -c synchronous_commit=off -c full_page_writes=off");
        }

        await RunAsync(
            Tool("pg_ctl"),
            ["-D", DataDirectory, "-l", LogFile, "-w", "-t", "60", "-o", string.Join(' ', settings), "start"],
            _asPostgresUser,
            cancellationToken).ConfigureAwait(false);
    }

    private string Tool(string name) => Path.Combine(_binaries, name);

    private void StopNow()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 0)
        {
            StopAndDeleteAsync(_binaries, RootDirectory, _asPostgresUser).AsTask().GetAwaiter().GetResult();
        }
    }

    private static async ValueTask StopAndDeleteAsync(string binaries, string root, bool asPostgresUser)
    {
        var data = Path.Combine(root, "data");
        if (File.Exists(Path.Combine(data, "postmaster.pid")))
        {
            try
            {
                await RunAsync(Path.Combine(binaries, "pg_ctl"), ["-D", data, "-m", "immediate", "-w", "-t", "30", "stop"], asPostgresUser, CancellationToken.None).ConfigureAwait(false);
            }
            catch (PostgreSqlUnavailableException)
            {
                // Already stopped, or stopping failed: the directory is deleted below either way.
            }
        }

        try
        {
            Directory.Delete(root, recursive: true);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            // A temporary directory left behind is harmless; the orphan sweep retries.
        }
    }

    /// <summary>Stops clusters left behind by test processes that died without disposing them.</summary>
    private static async Task StopOrphansAsync(string binaries, bool asPostgresUser)
    {
        string[] roots;
        try
        {
            roots = Directory.GetDirectories(Path.GetTempPath(), DirectoryPrefix + "*");
        }
        catch (IOException)
        {
            return;
        }

        foreach (var root in roots)
        {
            var ownerFile = Path.Combine(root, OwnerFile);
            if (!File.Exists(ownerFile)
                || !int.TryParse(File.ReadAllText(ownerFile), NumberStyles.None, CultureInfo.InvariantCulture, out var owner)
                || IsAlive(owner))
            {
                continue;
            }

            await StopAndDeleteAsync(binaries, root, asPostgresUser).ConfigureAwait(false);
        }
    }

    private static bool IsAlive(int processId)
    {
        try
        {
            using var process = Process.GetProcessById(processId);
            return !process.HasExited;
        }
        catch (ArgumentException)
        {
            return false;
        }
        catch (InvalidOperationException)
        {
            return false;
        }
    }

    private static async Task<string> FindOrInstallBinariesAsync(bool asRoot, CancellationToken cancellationToken)
    {
        if (FindBinaries() is { } found)
        {
            return found;
        }

        if (asRoot && File.Exists("/usr/bin/apt-get"))
        {
            // Test assemblies run in parallel and may all get here: the lock timeout makes the later ones wait for the
            // first install instead of failing on dpkg's lock (after which their install is a no-op).
            string[] install = ["-o", "DPkg::Lock::Timeout=600", "install", "-y", "-q", "postgresql"];
            try
            {
                await RunAsync("apt-get", install, asPostgresUser: false, cancellationToken, InstallTimeout).ConfigureAwait(false);
            }
            catch (PostgreSqlUnavailableException)
            {
                // The package lists may be missing or stale on a fresh machine.
                await RunAsync("apt-get", ["-o", "DPkg::Lock::Timeout=600", "update", "-q"], asPostgresUser: false, cancellationToken, InstallTimeout).ConfigureAwait(false);
                await RunAsync("apt-get", install, asPostgresUser: false, cancellationToken, InstallTimeout).ConfigureAwait(false);
            }

            if (FindBinaries() is { } installed)
            {
                return installed;
            }
        }

        throw new PostgreSqlUnavailableException(
            "The PostgreSQL server binaries (initdb, pg_ctl, postgres) were not found in $" + BinariesVariable +
            ", /usr/lib/postgresql/*/bin or the PATH. Install them (Debian/Ubuntu: apt-get install postgresql; the tests then start their own cluster) " +
            "or set " + BinariesVariable + " to their directory.");
    }

    private static string? FindBinaries()
    {
        static bool Complete(string directory) => File.Exists(Path.Combine(directory, "initdb")) && File.Exists(Path.Combine(directory, "pg_ctl"));

        if (Environment.GetEnvironmentVariable(BinariesVariable) is { Length: > 0 } configured)
        {
            return Complete(configured)
                ? configured
                : throw new PostgreSqlUnavailableException($"{BinariesVariable} is '{configured}', which holds no initdb and pg_ctl.");
        }

        if (Directory.Exists("/usr/lib/postgresql"))
        {
            var versioned = Directory.GetDirectories("/usr/lib/postgresql")
                .Select(dir => (Dir: Path.Combine(dir, "bin"), Version: int.TryParse(Path.GetFileName(dir), NumberStyles.None, CultureInfo.InvariantCulture, out var v) ? v : 0))
                .Where(candidate => Complete(candidate.Dir))
                .OrderByDescending(candidate => candidate.Version)
                .Select(candidate => candidate.Dir)
                .FirstOrDefault();
            if (versioned is not null)
            {
                return versioned;
            }
        }

        foreach (var directory in (Environment.GetEnvironmentVariable("PATH") ?? "").Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries))
        {
            if (Complete(directory))
            {
                // Resolve a symlinked initdb (as Debian's /usr/bin wrappers or /usr/local/bin links) to its real directory,
                // where postgres itself lives too.
                var initdb = new FileInfo(Path.Combine(directory, "initdb"));
                return initdb.ResolveLinkTarget(returnFinalTarget: true) is { } target ? Path.GetDirectoryName(target.FullName)! : directory;
            }
        }

        return null;
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    private static async Task RunAsync(string fileName, IReadOnlyList<string> arguments, bool asPostgresUser, CancellationToken cancellationToken, TimeSpan? limit = null)
    {
        var toolTimeout = limit ?? ToolTimeout;
        var start = new ProcessStartInfo
        {
            // runuser lives in sbin, which a CI job's PATH may lack.
            FileName = asPostgresUser ? (File.Exists("/usr/sbin/runuser") ? "/usr/sbin/runuser" : "runuser") : fileName,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
            WorkingDirectory = Path.GetTempPath(),
        };
        if (asPostgresUser)
        {
            foreach (var argument in new[] { "-u", "postgres", "--", fileName })
            {
                start.ArgumentList.Add(argument);
            }
        }

        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        start.Environment["DEBIAN_FRONTEND"] = "noninteractive";
        start.Environment["LC_ALL"] = "C";
        var command = string.Join(' ', start.ArgumentList.Prepend(start.FileName));
        using var process = new Process { StartInfo = start };
        var output = new StringBuilder();
        process.OutputDataReceived += (_, e) => { if (e.Data is not null) { lock (output) { output.AppendLine(e.Data); } } };
        process.ErrorDataReceived += (_, e) => { if (e.Data is not null) { lock (output) { output.AppendLine(e.Data); } } };
        try
        {
            process.Start();
        }
        catch (System.ComponentModel.Win32Exception ex)
        {
            throw new PostgreSqlUnavailableException($"Could not run `{command}`: {ex.Message}", ex);
        }

        process.StandardInput.Close(); // never wait for input (CI has no stdin)
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(toolTimeout);
        try
        {
            await process.WaitForExitAsync(timeout.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            if (cancellationToken.IsCancellationRequested)
            {
                throw;
            }

            throw new PostgreSqlUnavailableException($"`{command}` did not finish within {toolTimeout}.");
        }

        if (process.ExitCode != 0)
        {
            string text;
            lock (output)
            {
                text = output.ToString();
            }

            throw new PostgreSqlUnavailableException($"`{command}` exited with {process.ExitCode}:{Environment.NewLine}{text}");
        }
    }
}
