using System;

namespace SyncGen.Hosting;

/// <summary>Settings of the fleet gauges that <see cref="SyncFleetMetricsServiceCollectionExtensions.AddSyncGenFleetMetrics"/> registers.</summary>
public sealed class SyncFleetMetricsOptions
{
    private TimeSpan _refreshInterval = TimeSpan.FromSeconds(30);
    private Func<string, string> _groupOf = static _ => "all";

    /// <summary>How often the gauges' snapshot of the fleet is read from the database.</summary>
    /// <value>30 seconds.</value>
    /// <remarks>One read of every collection's status row per interval and worker, whatever the exporter's own interval.</remarks>
    /// <exception cref="ArgumentOutOfRangeException">The value is not positive.</exception>
    public TimeSpan RefreshInterval
    {
        get => _refreshInterval;
        set => _refreshInterval = value > TimeSpan.Zero ? value : throw new ArgumentOutOfRangeException(nameof(value), value, "The refresh interval must be positive.");
    }

    /// <summary>Maps a collection id to the group its gauges are reported under (the <c>syncgen.collection_group</c> tag).</summary>
    /// <value>One group, <c>all</c>.</value>
    /// <remarks>
    /// A gauge per collection would be a time series per collection: thousands in a fleet. Group by what an alert is about
    /// (a tenant, an API, a region), and find the collection itself on the status page.
    /// </remarks>
    /// <exception cref="ArgumentNullException">The value is null.</exception>
    public Func<string, string> GroupOf
    {
        get => _groupOf;
        set => _groupOf = value ?? throw new ArgumentNullException(nameof(value));
    }
}
