using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.IO;
using System.Threading;
using System.Threading.Tasks;

namespace CalendarFleet.Chaos;

/// <summary>A worker started as a separate process of this same program; its output goes to a log file.</summary>
internal sealed class WorkerProcess : IDisposable
{
    private readonly Process _process;
    private readonly StreamWriter _log;

    private WorkerProcess(string name, Process process, StreamWriter log)
    {
        Name = name;
        _process = process;
        _log = log;
        Started = DateTimeOffset.UtcNow;
    }

    public string Name { get; }

    public DateTimeOffset Started { get; }

    public bool HasExited => _process.HasExited;

    public static WorkerProcess Start(string name, IReadOnlyList<string> workerArguments, string logDirectory)
    {
        var host = Environment.ProcessPath ?? throw new InvalidOperationException("The path of this process is unknown.");
        var start = new ProcessStartInfo(host)
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };

        // Under `dotnet run` or `dotnet CalendarFleet.dll` the host is dotnet itself and needs the program's dll.
        if (string.Equals(Path.GetFileNameWithoutExtension(host), "dotnet", StringComparison.OrdinalIgnoreCase))
        {
            start.ArgumentList.Add(typeof(WorkerProcess).Assembly.Location);
        }

        start.ArgumentList.Add("worker");
        foreach (var argument in workerArguments)
        {
            start.ArgumentList.Add(argument);
        }

        start.ArgumentList.Add("--name");
        start.ArgumentList.Add(name);
        start.ArgumentList.Add("--stop-on-stdin-eof");
        var log = new StreamWriter(Path.Combine(logDirectory, name + ".log")) { AutoFlush = true };
        var process = new Process { StartInfo = start };
        process.OutputDataReceived += (_, e) => Write(log, e.Data);
        process.ErrorDataReceived += (_, e) => Write(log, e.Data);
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return new WorkerProcess(name, process, log);
    }

    /// <summary>SIGKILL: no shutdown, no cleanup, exactly as a crashed machine. Returns whether it was still running.</summary>
    public bool KillHard()
    {
        if (_process.HasExited)
        {
            return false;
        }

        _process.Kill(entireProcessTree: false);
        return true;
    }

    /// <summary>Whether the worker is stopped by <see cref="Pause"/>; a paused worker is never picked to be killed.</summary>
    public bool IsPaused { get; private set; }

    /// <summary>SIGSTOP: the process freezes mid-whatever, as a long GC pause or a suspended VM does. Returns whether it ran.</summary>
    public bool Pause()
    {
        if (_process.HasExited || Signals.kill(_process.Id, Signals.SIGSTOP) != 0)
        {
            return false;
        }

        IsPaused = true;
        return true;
    }

    /// <summary>SIGCONT after <see cref="Pause"/>.</summary>
    public void Resume()
    {
        if (IsPaused && !_process.HasExited)
        {
            _ = Signals.kill(_process.Id, Signals.SIGCONT);
        }

        IsPaused = false;
    }

    /// <summary>Asks for a graceful stop (closes standard input) and waits; kills it if it does not stop in time.</summary>
    public async Task StopAsync(TimeSpan patience)
    {
        if (_process.HasExited)
        {
            return;
        }

        try
        {
            _process.StandardInput.Close();
        }
        catch (IOException)
        {
            // Already gone.
        }

        using var timeout = new CancellationTokenSource(patience);
        try
        {
            await _process.WaitForExitAsync(timeout.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            KillHard();
        }
    }

    public void Dispose()
    {
        Resume();
        if (!_process.HasExited)
        {
            KillHard();
        }

        _process.Dispose();
        lock (_log)
        {
            _log.Dispose();
        }
    }

    private static void Write(StreamWriter log, string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (log)
        {
            try
            {
                log.WriteLine(line);
            }
            catch (ObjectDisposedException)
            {
                // The run is over.
            }
        }
    }

    // .NET sends only SIGKILL (Process.Kill); the chaos run runs on Linux, whose numbers these are.
    private static class Signals
    {
        public const int SIGCONT = 18;
        public const int SIGSTOP = 19;

        [System.Runtime.InteropServices.DllImport("libc", SetLastError = true)]
        public static extern int kill(int pid, int signal);
    }
}
