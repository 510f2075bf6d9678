using System;
using Microsoft.Extensions.DependencyInjection;
using OpenTelemetry.Metrics;
using SyncGen;
using SyncGen.Hosting;

namespace CalendarFleet.Worker;

/// <summary>Where a worker exports SyncGen's metrics: nowhere, the console, or an OTLP collector.</summary>
internal enum MetricsExporter
{
    /// <summary>No export (the default): the counters exist, nothing collects them.</summary>
    None,

    /// <summary>Printed to standard output at each export interval, for a look by hand.</summary>
    Console,

    /// <summary>Sent over OTLP to the endpoint in OTEL_EXPORTER_OTLP_ENDPOINT (http://localhost:4317 when unset).</summary>
    Otlp,
}

/// <summary>Wires the worker's metrics into OpenTelemetry: the SyncGen meter (engine, worker, fleet gauges) and one exporter.</summary>
internal static class WorkerMetrics
{
    public static MetricsExporter Parse(string value) => value.ToLowerInvariant() switch
    {
        "none" => MetricsExporter.None,
        "console" => MetricsExporter.Console,
        "otlp" => MetricsExporter.Otlp,
        _ => throw new ArgumentException($"--metrics must be none, console or otlp; it was '{value}'"),
    };

    public static void Add(IServiceCollection services, MetricsExporter exporter, TimeSpan exportInterval)
    {
        if (exporter == MetricsExporter.None)
        {
            return;
        }

        // Every worker reports the same fleet gauges; a collector keeps the max (see docs/operate.md).
        services.AddSyncGenFleetMetrics(options => options.RefreshInterval = exportInterval);
        services.AddOpenTelemetry().WithMetrics(metrics =>
        {
            metrics.AddMeter(SyncTelemetry.Name);
            if (exporter == MetricsExporter.Console)
            {
                metrics.AddConsoleExporter((_, reader) => reader.PeriodicExportingMetricReaderOptions.ExportIntervalMilliseconds = (int)exportInterval.TotalMilliseconds);
            }
            else
            {
                metrics.AddOtlpExporter((_, reader) => reader.PeriodicExportingMetricReaderOptions.ExportIntervalMilliseconds = (int)exportInterval.TotalMilliseconds);
            }
        });
    }
}
