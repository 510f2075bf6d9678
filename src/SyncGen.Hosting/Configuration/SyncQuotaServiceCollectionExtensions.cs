using System;
using Microsoft.Extensions.DependencyInjection;
using SyncGen.PostgreSql;

namespace SyncGen.Hosting;

/// <summary>Registers the fleet-wide request quota.</summary>
public static class SyncQuotaServiceCollectionExtensions
{
    /// <summary>Adds an <see cref="ISyncQuota"/> kept in the registered <see cref="PostgreSqlSyncDatabase"/>, shared by every worker on that database.</summary>
    /// <remarks>
    /// Runners build their <see cref="System.Net.Http.HttpClient"/> with a <see cref="SyncQuotaHandler"/> over it, naming
    /// each request's budgets (e.g. the project and the calendar's user). See docs/scale.md.
    /// </remarks>
    /// <param name="services">The host's services; a <see cref="PostgreSqlSyncDatabase"/> must be registered.</param>
    /// <param name="configure">Batch size, slot lease and polling settings; defaults when <see langword="null"/>.</param>
    /// <returns><paramref name="services"/>.</returns>
    public static IServiceCollection AddSyncGenQuota(this IServiceCollection services, Action<PostgreSqlSyncQuotaOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(services);
        var options = new PostgreSqlSyncQuotaOptions();
        configure?.Invoke(options);
        services.AddSingleton<ISyncQuota>(provider => new PostgreSqlSyncQuota(provider.GetRequiredService<PostgreSqlSyncDatabase>(), options));
        return services;
    }
}
