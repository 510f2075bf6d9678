using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Threading.Tasks;

namespace CalendarFleet.Chaos;

/// <summary>
/// The worker processes of one run (a chaos run, a push bench): started with their logs in one temporary directory,
/// all killed if this process exits first, and at the end disposed, the logs deleted only once the run passed.
/// </summary>
internal sealed class WorkerGroup : IDisposable
{
    private readonly List<WorkerProcess> _workers = [];
    private readonly string _namePrefix;
    private readonly string _runId;
    private readonly EventHandler _killAll;
    private bool _keepLogs = true; // until the run passed: a failed or interrupted run keeps its worker logs

    /// <param name="logDirectoryPrefix">The prefix of the temporary log directory's name.</param>
    /// <param name="namePrefix">The prefix of each worker's name, which is followed by its number and the run's id.</param>
    /// <param name="runId">The run's id.</param>
    public WorkerGroup(string logDirectoryPrefix, string namePrefix, string runId)
    {
        LogDirectory = Directory.CreateTempSubdirectory(logDirectoryPrefix).FullName;
        _namePrefix = namePrefix;
        _runId = runId;

        // Never leave a worker behind, whatever happens to this process.
        _killAll = (_, _) => _workers.ForEach(worker => worker.KillHard());
        AppDomain.CurrentDomain.ProcessExit += _killAll;
    }

    public string LogDirectory { get; }

    /// <summary>Every worker started, running or not.</summary>
    public IReadOnlyList<WorkerProcess> Workers => _workers;

    public WorkerProcess Start(IReadOnlyList<string> arguments)
    {
        var worker = WorkerProcess.Start($"{_namePrefix}{_workers.Count + 1}-{_runId}", arguments, LogDirectory);
        _workers.Add(worker);
        return worker;
    }

    /// <summary>Stops the run when no worker is left to do its work (they crashed on their own).</summary>
    public void ThrowIfAllExited()
    {
        if (_workers.All(worker => worker.HasExited))
        {
            throw new InvalidOperationException($"every worker process exited on its own; see the logs in {LogDirectory}");
        }
    }

    public Task StopAllAsync(TimeSpan grace) => Task.WhenAll(_workers.Select(worker => worker.StopAsync(grace)));

    /// <summary>Records the run's verdict: the logs are deleted at the end if it passed, unless FLEET_KEEP_LOGS=1.</summary>
    public void RunEnded(bool passed) => _keepLogs = !passed || Environment.GetEnvironmentVariable("FLEET_KEEP_LOGS") == "1";

    public void Dispose()
    {
        AppDomain.CurrentDomain.ProcessExit -= _killAll;
        foreach (var worker in _workers)
        {
            worker.Dispose();
        }

        if (!_keepLogs)
        {
            Directory.Delete(LogDirectory, recursive: true);
        }
    }
}
