using System.Collections.Concurrent;
using System.Collections.Generic;

namespace SyncGen.Hosting;

/// <summary>The Quartz firings (fire instance ids) this worker's jobs are running now; read by the trigger check.</summary>
internal sealed class RunningFirings
{
    private readonly ConcurrentDictionary<string, byte> _running = new();

    public void Add(string fireInstanceId) => _running.TryAdd(fireInstanceId, 0);

    public void Remove(string fireInstanceId) => _running.TryRemove(fireInstanceId, out _);

    public IReadOnlyCollection<string> Snapshot() => [.. _running.Keys];
}
