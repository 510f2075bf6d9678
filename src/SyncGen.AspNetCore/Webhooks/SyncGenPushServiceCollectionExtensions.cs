using System;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace SyncGen.AspNetCore.Webhooks;

/// <summary>Registers push notifications for a SyncGen worker.</summary>
public static class SyncGenPushServiceCollectionExtensions
{
    /// <summary>The name of the <see cref="System.Net.Http.HttpClient"/> that calls the providers' watch and subscription APIs.</summary>
    /// <remarks>Add the application's authentication to it: <c>services.AddHttpClient(HttpClientName).AddHttpMessageHandler(...)</c>.</remarks>
    public const string HttpClientName = "SyncGen.Push";

    /// <summary>Adds the channel lifecycle (create, renew, stop) and the services <c>MapSyncGenWebhooks</c> needs.</summary>
    /// <remarks>
    /// Needs <c>AddSyncGenWorker</c> (passes are triggered through its scheduler, so its interval stays the safety net)
    /// and a <see cref="SyncGen.PostgreSql.PostgreSqlSyncDatabase"/> service (the channels live in its schema). Every
    /// collection of <see cref="SyncGen.Hosting.SyncWorkerOptions.Collections"/> that <see cref="SyncGenPushOptions.Targets"/>
    /// gives a target gets a channel at start.
    /// </remarks>
    /// <param name="services">The host's services.</param>
    /// <param name="configure">Sets the public address and the targets.</param>
    /// <returns>The builder of the HTTP client that calls the providers, to add authentication to.</returns>
    public static IHttpClientBuilder AddSyncGenPush(this IServiceCollection services, Action<SyncGenPushOptions> configure)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(configure);
        var options = new SyncGenPushOptions();
        configure(options);
        options.Validate();
        services.AddSingleton<IOptions<SyncGenPushOptions>>(Options.Create(options));
        services.TryAddSingleton(TimeProvider.System);
        services.AddSingleton<PushChannelStore>();
        services.AddSingleton<WebhookAddress>();
        services.AddSingleton(provider => new PushChannelManager(
            provider.GetRequiredService<PushChannelStore>(),
            provider.GetRequiredService<IOptions<SyncGenPushOptions>>(),
            provider.GetRequiredService<System.Net.Http.IHttpClientFactory>(),
            provider.GetRequiredService<TimeProvider>(),
            provider.GetRequiredService<Microsoft.Extensions.Logging.ILogger<PushChannelManager>>(),
            provider.GetRequiredService<WebhookAddress>()));
        services.AddSingleton<PushDispatcher>();
        services.AddSingleton<WebhookHandler>();
        services.AddHostedService(provider => provider.GetRequiredService<PushDispatcher>());
        services.AddHostedService<PushChannelRenewal>();
        return services.AddHttpClient(HttpClientName);
    }
}
