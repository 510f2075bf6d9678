using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Text.Json;
using System.Threading;
using System.Threading.Tasks;
using CalendarSync.CalendarApi;
using Microsoft.Data.Sqlite;

namespace SyncGen.Reliability.Tests.Support;

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

    public static ChildSync Start(string sampleAssembly, Uri baseUri, string storePath, string calendarId)
    {
        var start = new ProcessStartInfo("dotnet")
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
        return new ChildSync(Process.Start(start) ?? throw new InvalidOperationException("dotnet did not start"));
    }

    /// <summary>Waits for the process to end by itself.</summary>
    public async Task<(int ExitCode, string StdOut, string StdErr)> WaitAsync(TimeSpan timeout)
    {
        using var cancel = new CancellationTokenSource(timeout);
        try
        {
            await _process.WaitForExitAsync(cancel.Token);
        }
        catch (OperationCanceledException)
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync(CancellationToken.None);
            return (-1, await _stdout, $"timed out after {timeout}; " + await _stderr);
        }

        return (_process.ExitCode, await _stdout, await _stderr);
    }

    /// <summary>Kills the process (SIGKILL, no chance to clean up); returns whether it was still running.</summary>
    public async Task<bool> KillAsync()
    {
        var wasRunning = !_process.HasExited;
        try
        {
            _process.Kill(entireProcessTree: true);
        }
        catch (InvalidOperationException)
        {
            wasRunning = false; // it ended between the check and the kill
        }

        await _process.WaitForExitAsync(CancellationToken.None);
        return wasRunning;
    }

    public void Dispose() => _process.Dispose();
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

    /// <summary>The committed token and items of a collection, read straight from the tables.</summary>
    public static MirrorState Read(string path, string collection)
    {
        using var connection = Open(path);
        using var transaction = connection.BeginTransaction(deferred: true); // one snapshot for both reads
        string? token;
        using (var command = connection.CreateCommand())
        {
            command.Transaction = transaction;
            command.CommandText = "SELECT sync_token FROM syncgen_state WHERE collection = $c;";
            command.Parameters.AddWithValue("$c", collection);
            token = command.ExecuteScalar() as string;
        }

        var items = new List<string>();
        using (var command = connection.CreateCommand())
        {
            command.Transaction = transaction;
            command.CommandText = "SELECT key, json FROM syncgen_items WHERE collection = $c ORDER BY key;";
            command.Parameters.AddWithValue("$c", collection);
            using var reader = command.ExecuteReader();
            while (reader.Read())
            {
                var key = reader.GetString(0);
                var item = JsonSerializer.Deserialize<Event>(reader.GetString(1), Web)!;
                items.Add(key == item.Id ? MirrorState.Line(key, item.ETag, item.Summary, item.Status) : $"{key}|stored under the wrong key ({item.Id})");
            }
        }

        items.Sort(StringComparer.Ordinal);
        return new MirrorState(token, items);
    }

    /// <summary>Keys stored more than once in a collection, and collections with more than one state row.</summary>
    public static IReadOnlyList<string> Duplicates(string path)
    {
        using var connection = Open(path);
        using var command = connection.CreateCommand();
        command.CommandText = """
            SELECT collection || '/' || key || ' x' || COUNT(*) FROM syncgen_items GROUP BY collection, key HAVING COUNT(*) > 1
            UNION ALL
            SELECT collection || ' state x' || COUNT(*) FROM syncgen_state GROUP BY collection HAVING COUNT(*) > 1;
            """;
        using var reader = command.ExecuteReader();
        var duplicates = new List<string>();
        while (reader.Read())
        {
            duplicates.Add(reader.GetString(0));
        }

        return duplicates;
    }

    public static long Scalar(string path, string sql)
    {
        using var connection = Open(path);
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        return Convert.ToInt64(command.ExecuteScalar(), System.Globalization.CultureInfo.InvariantCulture);
    }

    /// <summary>SQLite's own consistency check of the file: "ok" when the b-trees and indexes agree.</summary>
    public static string IntegrityCheck(string path)
    {
        using var connection = Open(path);
        using var command = connection.CreateCommand();
        command.CommandText = "PRAGMA integrity_check;";
        return (string)command.ExecuteScalar()!;
    }
}
