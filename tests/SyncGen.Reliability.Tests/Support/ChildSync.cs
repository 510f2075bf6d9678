using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.IO;
using System.Linq;
using System.Text.Json;
using System.Threading;
using System.Threading.Tasks;
using CalendarSync.CalendarApi;
using Microsoft.Data.Sqlite;

namespace SyncGen.Reliability.Tests.Support;

/// <summary>How a child process ended.</summary>
/// <param name="ExitCode">The exit code; 137 (128 + SIGKILL) on Unix, -1 on Windows after a kill.</param>
/// <param name="Killed">Whether the process died from the kill, not on its own.</param>
internal sealed record ChildExit(int ExitCode, bool Killed, string StdOut, string StdErr);

/// <summary>The CalendarSync sample's <c>sync</c> command as a child process: started, awaited or killed.</summary>
internal sealed class ChildSync : IDisposable
{
    private readonly Process _process;
    private readonly Task<string> _stdout;
    private readonly Task<string> _stderr;

    private ChildSync(Process process)
    {
        _process = process;
        _stdout = process.StandardOutput.ReadToEndAsync();
        _stderr = process.StandardError.ReadToEndAsync();
    }

    public bool HasExited => _process.HasExited;

    /// <summary>The exit code of a process that died from <see cref="Process.Kill(bool)"/>.</summary>
    private static int KilledExitCode => OperatingSystem.IsWindows() ? -1 : 128 + 9;

    public static ChildSync Start(string sampleAssembly, Uri baseUri, string storePath, string calendarId)
    {
        // The dotnet that runs the tests (dotnet test sets DOTNET_HOST_PATH), not whichever one comes first on PATH.
        var host = Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } path && File.Exists(path) ? path : "dotnet";
        var start = new ProcessStartInfo(host)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var argument in new[] { sampleAssembly, "sync", "--base-url", baseUri.ToString(), "--store", storePath, "--calendar", calendarId })
        {
            start.ArgumentList.Add(argument);
        }

        // No telemetry banner or first-run work in the child: it would only slow the start down.
        start.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
        start.Environment["DOTNET_NOLOGO"] = "1";
        return new ChildSync(Process.Start(start) ?? throw new InvalidOperationException($"{host} did not start"));
    }

    /// <summary>Waits for the process to end by itself; kills it after <paramref name="timeout"/> (exit code -1 then).</summary>
    public async Task<ChildExit> WaitAsync(TimeSpan timeout, CancellationToken cancellationToken)
    {
        using var cancel = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        cancel.CancelAfter(timeout);
        try
        {
            await _process.WaitForExitAsync(cancel.Token);
        }
        catch (OperationCanceledException)
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync(CancellationToken.None);
            cancellationToken.ThrowIfCancellationRequested();
            return new ChildExit(-1, Killed: true, await _stdout, $"timed out after {timeout}; " + await _stderr);
        }

        return new ChildExit(_process.ExitCode, Killed: false, await _stdout, await _stderr);
    }

    /// <summary>
    /// Kills the process (SIGKILL on Unix: no chance to clean up) and waits for it. <see cref="ChildExit.Killed"/> says
    /// whether the kill ended it: a process that exited on its own just before keeps its own exit code.
    /// </summary>
    public async Task<ChildExit> KillAsync()
    {
        try
        {
            _process.Kill(entireProcessTree: true); // does nothing when the process has already exited
        }
        catch (InvalidOperationException)
        {
            // it exited and was reaped between the runtime's own check and the kill
        }

        await _process.WaitForExitAsync(CancellationToken.None);
        var exitCode = _process.ExitCode;
        return new ChildExit(exitCode, exitCode == KilledExitCode, await _stdout, await _stderr);
    }

    /// <summary>Kills a process still running (with its children) so that no test leaves one behind, then releases it.</summary>
    public void Dispose()
    {
        try
        {
            if (!_process.HasExited)
            {
                _process.Kill(entireProcessTree: true);
                _process.WaitForExit(TimeSpan.FromSeconds(10));
            }
        }
        catch (InvalidOperationException)
        {
            // already gone
        }
        finally
        {
            _process.Dispose();
        }
    }
}

/// <summary>Reads a SyncGen SQLite file directly, with SQL, independently of <see cref="SqliteSyncStore{TItem}"/>.</summary>
internal static class SqliteFile
{
    private static readonly JsonSerializerOptions Web = new(JsonSerializerDefaults.Web);

    public static SqliteConnection Open(string path)
    {
        // Read-write and unpooled: a killed writer may leave a WAL that the next connection must recover.
        var connection = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = path, Mode = SqliteOpenMode.ReadWrite, Pooling = false }.ToString());
        connection.Open();
        using var pragma = connection.CreateCommand();
        pragma.CommandText = "PRAGMA busy_timeout = 30000;";
        pragma.ExecuteNonQuery();
        return connection;
    }

    /// <summary>
    /// The committed token and items of a collection, read straight from the tables. A missing file or table reads as
    /// empty: a process killed between creating the file and creating its tables leaves exactly that.
    /// </summary>
    public static MirrorState Read(string path, string collection)
    {
        if (!File.Exists(path))
        {
            return MirrorState.Empty;
        }

        using var connection = Open(path);
        using var transaction = connection.BeginTransaction(deferred: true); // one snapshot for every read
        var tables = Tables(connection, transaction);
        string? token = null;
        if (tables.Contains("syncgen_state"))
        {
            using var command = connection.CreateCommand();
            command.Transaction = transaction;
            command.CommandText = "SELECT sync_token FROM syncgen_state WHERE collection = $c;";
            command.Parameters.AddWithValue("$c", collection);
            token = command.ExecuteScalar() as string;
        }

        var items = new List<string>();
        if (tables.Contains("syncgen_items"))
        {
            using var command = connection.CreateCommand();
            command.Transaction = transaction;
            command.CommandText = "SELECT key, json FROM syncgen_items WHERE collection = $c;";
            command.Parameters.AddWithValue("$c", collection);
            using var reader = command.ExecuteReader();
            while (reader.Read())
            {
                // The row's key must be the id inside its JSON; a row under another key shows up as a difference.
                var key = reader.GetString(0);
                var item = JsonSerializer.Deserialize<Event>(reader.GetString(1), Web)!;
                items.Add(key == item.Id ? MirrorState.Line(key, item.ETag, item.Summary, item.Status) : $"{key}|stored under the wrong key ({item.Id})");
            }
        }

        items.Sort(StringComparer.Ordinal);
        return new MirrorState(token, items);
    }

    /// <summary>
    /// What a pass left in the file: buffer tables of the current store (there should never be any, a pass buffers in
    /// its connection's temp database) plus the rows staged by the store's earlier versions, when the file has their tables.
    /// </summary>
    public static long LeftoverPassData(string path)
    {
        if (!File.Exists(path))
        {
            return 0;
        }

        using var connection = Open(path);
        var tables = Tables(connection, null);
        return tables.Count(name => name.StartsWith("syncgen_pass_", StringComparison.Ordinal))
            + (tables.Contains("syncgen_staging") ? Scalar(connection, "SELECT COUNT(*) FROM syncgen_staging;") : 0)
            + (tables.Contains("syncgen_passes") ? Scalar(connection, "SELECT COUNT(*) FROM syncgen_passes;") : 0);
    }

    public static long Scalar(string path, string sql)
    {
        using var connection = Open(path);
        return Scalar(connection, sql);
    }

    /// <summary>SQLite's own consistency check of the file: "ok" when the b-trees and indexes agree.</summary>
    public static string IntegrityCheck(string path)
    {
        using var connection = Open(path);
        using var command = connection.CreateCommand();
        command.CommandText = "PRAGMA integrity_check;";
        return (string)command.ExecuteScalar()!;
    }

    private static long Scalar(SqliteConnection connection, string sql)
    {
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        return Convert.ToInt64(command.ExecuteScalar(), System.Globalization.CultureInfo.InvariantCulture);
    }

    private static HashSet<string> Tables(SqliteConnection connection, SqliteTransaction? transaction)
    {
        using var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = "SELECT name FROM sqlite_master WHERE type = 'table';";
        using var reader = command.ExecuteReader();
        var tables = new HashSet<string>(StringComparer.Ordinal);
        while (reader.Read())
        {
            tables.Add(reader.GetString(0));
        }

        return tables;
    }
}
