using System;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace SyncGen.Hosting;

/// <summary>Registers the fleet gauges.</summary>
public static class SyncFleetMetricsServiceCollectionExtensions
{
    /// <summary>
    /// Adds gauges of the whole fleet on a meter named <see cref="SyncTelemetry.Name"/>: collections, failing collections,
    /// worst freshness and oldest token age, per collection group.
    /// </summary>
    /// <remarks>
    /// They read the <see cref="SyncGen.PostgreSql.PostgreSqlSyncDatabase"/> registered as a singleton, on a meter of the host's
    /// <see cref="System.Diagnostics.Metrics.IMeterFactory"/> (<c>Host.CreateApplicationBuilder</c> and
    /// <c>WebApplication.CreateBuilder</c> register one). Every worker that
    /// adds them reports the same fleet: aggregate them with max, not sum, or add them to one process only.
    /// </remarks>
    /// <param name="services">The host's services.</param>
    /// <param name="configure">Sets the refresh interval and the grouping; defaults when <see langword="null"/>.</param>
    /// <returns><paramref name="services"/>.</returns>
    public static IServiceCollection AddSyncGenFleetMetrics(this IServiceCollection services, Action<SyncFleetMetricsOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(services);
        services.AddOptions<SyncFleetMetricsOptions>().Configure(options => configure?.Invoke(options));
        services.TryAddSingleton<SyncFleetMetrics>();
        services.AddHostedService(provider => provider.GetRequiredService<SyncFleetMetrics>());
        return services;
    }
}
