using System;
using System.Collections.Generic;
using System.Diagnostics.Metrics;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using SyncGen.PostgreSql;

namespace SyncGen.Hosting;

/// <summary>
/// The fleet's gauges: per collection group, how many collections, the worst freshness, the oldest token and how many are
/// failing. They report a snapshot read every <see cref="SyncFleetMetricsOptions.RefreshInterval"/>, so an exporter
/// collecting often costs the database nothing more.
/// </summary>
internal sealed partial class SyncFleetMetrics : BackgroundService
{
    private readonly PostgreSqlSyncDatabase _database;
    private readonly SyncFleetMetricsOptions _options;
    private readonly ILogger<SyncFleetMetrics> _logger;
    private IReadOnlyList<GroupSnapshot> _groups = [];

    public SyncFleetMetrics(PostgreSqlSyncDatabase database, IOptions<SyncFleetMetricsOptions> options, IMeterFactory meters, ILogger<SyncFleetMetrics> logger)
    {
        _database = database;
        _options = options.Value;
        _logger = logger;

        // A meter of the host's factory, named as SyncGen's own: AddMeter("SyncGen") collects both, and disposing the
        // host removes these gauges with it.
        var meter = meters.Create(SyncTelemetry.Name);
        meter.CreateObservableGauge("syncgen.fleet.collections", () => Observe(g => g.Collections), "{collection}", "Collections known to the store, per syncgen.collection_group.");
        meter.CreateObservableGauge("syncgen.fleet.failing", () => Observe(g => g.Failing), "{collection}", "Collections whose last sync call failed, per syncgen.collection_group.");
        meter.CreateObservableGauge("syncgen.fleet.freshness.max", () => Observe(g => g.MaxFreshnessSeconds), "s", "Time since the stalest collection of the group was last known up to date (collections never synced excluded).");
        meter.CreateObservableGauge("syncgen.fleet.token_age.max", () => Observe(g => g.MaxTokenAgeSeconds), "s", "Age of the group's oldest token chain (time since its full pass), to compare with the API's token lifetime.");
    }

    /// <summary>Reads the fleet now and replaces the snapshot the gauges report.</summary>
    internal async Task RefreshAsync(CancellationToken cancellationToken)
    {
        var fleet = await _database.ReadStatusAsync(cancellationToken).ConfigureAwait(false);
        Volatile.Write(ref _groups, fleet.Collections
            .GroupBy(c => _options.GroupOf(c.Collection), StringComparer.Ordinal)
            .Select(g => new GroupSnapshot(
                g.Key,
                g.Count(),
                g.Count(c => c.IsFailing),
                g.Max(c => c.Freshness)?.TotalSeconds,
                g.Max(c => c.TokenAge)?.TotalSeconds))
            .ToList());
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(_options.RefreshInterval);
        do
        {
            try
            {
                await RefreshAsync(stoppingToken).ConfigureAwait(false);
            }
            catch (Exception exception) when (exception is not OperationCanceledException)
            {
                // The gauges keep the last snapshot; the worker itself reports the outage through its runs.
                Log.RefreshFailed(_logger, exception);
            }
        }
        while (await timer.WaitForNextTickAsync(stoppingToken).ConfigureAwait(false));
    }

    private IEnumerable<Measurement<double>> Observe(Func<GroupSnapshot, double?> value)
    {
        foreach (var group in Volatile.Read(ref _groups))
        {
            if (value(group) is { } measured)
            {
                yield return new Measurement<double>(measured, new KeyValuePair<string, object?>("syncgen.collection_group", group.Name));
            }
        }
    }

    private sealed record GroupSnapshot(string Name, double Collections, double Failing, double? MaxFreshnessSeconds, double? MaxTokenAgeSeconds);

    private static partial class Log
    {
        [LoggerMessage(130, LogLevel.Warning, "The fleet gauges could not read the status; they report the last snapshot")]
        public static partial void RefreshFailed(ILogger logger, Exception exception);
    }
}
