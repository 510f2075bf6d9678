using System.Diagnostics;
using System.Diagnostics.Metrics;

namespace SyncGen;

/// <summary>The <see cref="ActivitySource"/> and <see cref="Meter"/> SyncGen reports through, both named <c>SyncGen</c>.</summary>
/// <remarks>
/// Subscribe with OpenTelemetry (<c>AddSource("SyncGen")</c>, <c>AddMeter("SyncGen")</c>) or a listener.
/// </remarks>
public static class SyncTelemetry
{
    /// <summary>The name of the activity source and the meter.</summary>
    public const string Name = "SyncGen";

    /// <summary>Traces one activity per sync call and one per pass.</summary>
    public static ActivitySource ActivitySource { get; } = new(Name, typeof(SyncTelemetry).Assembly.GetName().Version?.ToString());

    /// <summary>The meter of the counters and histogram below.</summary>
    public static Meter Meter { get; } = new(Name, typeof(SyncTelemetry).Assembly.GetName().Version?.ToString());

    internal static Counter<long> Pages { get; } = Meter.CreateCounter<long>("syncgen.pages", "{page}", "Pages fetched and applied.");

    internal static Counter<long> Upserts { get; } = Meter.CreateCounter<long>("syncgen.items.upserted", "{item}", "Items inserted or updated.");

    internal static Counter<long> Deletes { get; } = Meter.CreateCounter<long>("syncgen.items.deleted", "{item}", "Deletions received.");

    internal static Counter<long> Skipped { get; } = Meter.CreateCounter<long>("syncgen.entries.skipped", "{entry}", "Entries skipped because they are not about an item of the collection.");

    internal static Counter<long> Expiries { get; } = Meter.CreateCounter<long>("syncgen.token.expiries", "{expiry}", "Expired sync tokens seen.");

    internal static Counter<long> Retries { get; } = Meter.CreateCounter<long>("syncgen.retries", "{retry}", "Requests retried after a transient failure.");

    internal static Histogram<double> Duration { get; } = Meter.CreateHistogram<double>("syncgen.sync.duration", "s", "Duration of sync calls.");
}
