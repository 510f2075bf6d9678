using System;
using System.Collections.Generic;
using System.Linq;
using SyncGen.Testing.FakeServer;

namespace CalendarFleet.Bench;

/// <summary>
/// Change made → change committed, for every change of a run: a change of calendar C at log position P, made at T, is
/// committed by the first commit of C whose sync token stands for a position of at least P (the store's commit history,
/// stamped by the database's clock on this same machine). A change no commit covers is missed.
/// </summary>
internal sealed class ChangeLatencies
{
    private readonly List<(string Calendar, long Position, DateTimeOffset MadeAt)> _changes = [];

    public int Count => _changes.Count;

    public void Made(string calendar, long position, DateTimeOffset madeAt) => _changes.Add((calendar, position, madeAt));

    /// <summary>The latencies of the covered changes (milliseconds, sorted) and the number of changes no commit covers.</summary>
    /// <param name="commits">Every commit in commit order: calendar, token, when.</param>
    public (double[] SortedMs, int Missed) Measure(IEnumerable<(string Calendar, string Token, DateTimeOffset At)> commits)
    {
        // Per calendar, commits in order with the highest position seen so far: the first commit at or past P.
        var byCalendar = new Dictionary<string, List<(long Position, DateTimeOffset At)>>(StringComparer.Ordinal);
        foreach (var (calendar, token, at) in commits)
        {
            if (!FakeCalendar.TryReadSyncToken(token, out _, out _, out var position))
            {
                continue;
            }

            if (!byCalendar.TryGetValue(calendar, out var list))
            {
                byCalendar[calendar] = list = [];
            }

            if (list.Count == 0 || position > list[^1].Position)
            {
                list.Add((position, at));
            }
        }

        var latencies = new List<double>(_changes.Count);
        var missed = 0;
        foreach (var (calendar, position, madeAt) in _changes)
        {
            var list = byCalendar.GetValueOrDefault(calendar);
            var index = list is null ? -1 : FirstAtOrPast(list, position);
            if (index < 0)
            {
                missed++;
                continue;
            }

            latencies.Add(Math.Max(0, (list![index].At - madeAt).TotalMilliseconds));
        }

        latencies.Sort();
        return (latencies.ToArray(), missed);
    }

    /// <summary>The nearest-rank percentile of sorted values; 0 for none.</summary>
    public static double Percentile(double[] sorted, double percent) =>
        sorted.Length == 0 ? 0 : sorted[Math.Clamp((int)Math.Ceiling(percent / 100 * sorted.Length) - 1, 0, sorted.Length - 1)];

    private static int FirstAtOrPast(List<(long Position, DateTimeOffset At)> list, long position)
    {
        int low = 0, high = list.Count - 1, found = -1;
        while (low <= high)
        {
            var middle = (low + high) / 2;
            if (list[middle].Position >= position)
            {
                found = middle;
                high = middle - 1;
            }
            else
            {
                low = middle + 1;
            }
        }

        return found;
    }
}
