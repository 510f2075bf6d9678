using System;
using System.Linq;
using SyncGen;

namespace CalendarSync.Commands;

/// <summary>One line describing a sync result.</summary>
internal static class Summary
{
    public static string Describe(SyncResult result) =>
        $"{(result.WasFullSync ? "full" : "incremental")} sync: {result.Pages} pages, {result.Upserts} upserts, {result.Deletes} deletes"
        + (result.ExpiriesRecovered > 0 ? $", recovered from {result.ExpiriesRecovered} expired token(s)" : "")
        + (result.Retries > 0 ? $", {result.Retries} retries" : "")
        + $", {result.Duration.TotalMilliseconds:F0} ms";

    /// <summary>One line for an all-calendars sync: the list's pass, then how many calendars were synced, failed and removed.</summary>
    public static string Describe(SyncFanOutResult result) =>
        $"calendar list {Describe(result.Parent)}; {result.Children.Count} calendars synced ({result.Children.Count(c => c.Result.WasFullSync)} in full), "
        + $"{result.Failures.Count} failed, {result.RemovedChildren.Count} removed";

    /// <summary>Calendars that failed: one line on stderr naming each, and the server exit code; success when none did.</summary>
    public static int ReportFailures(SyncFanOutResult result)
    {
        if (result.Failures.Count == 0)
        {
            return ExitCodes.Success;
        }

        Console.Error.WriteLine("error: " + string.Join("; ", result.Failures.Select(f => $"calendar '{f.Id}' failed, its mirror is unchanged: {ExitCodes.OneLine(f.Error.Message)}")));
        return ExitCodes.Server;
    }
}
