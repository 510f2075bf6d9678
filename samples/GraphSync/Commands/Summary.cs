using SyncGen;

namespace GraphSync.Commands;

/// <summary>One line describing a sync result.</summary>
internal static class Summary
{
    public static string Describe(SyncResult result) =>
        $"{(result.WasFullSync ? "full" : "incremental")} sync: {result.Pages} pages, {result.Upserts} upserts, {result.Deletes} removals"
        + (result.ExpiriesRecovered > 0 ? $", recovered from {result.ExpiriesRecovered} expired delta link(s)" : "")
        + (result.Retries > 0 ? $", {result.Retries} retries" : "")
        + $", {result.Duration.TotalMilliseconds:F0} ms";
}
