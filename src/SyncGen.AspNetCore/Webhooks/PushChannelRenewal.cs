using System;
using System.Collections.Generic;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using SyncGen.Hosting;

namespace SyncGen.AspNetCore.Webhooks;

/// <summary>
/// At start and every <see cref="SyncGenPushOptions.RenewalCheckInterval"/>: gives every watched collection a channel,
/// renews those due, and stops those of collections that are no longer watched.
/// </summary>
internal sealed partial class PushChannelRenewal(
    PushChannelManager manager,
    PushChannelStore store,
    IOptions<SyncGenPushOptions> options,
    IOptions<SyncWorkerOptions> worker,
    TimeProvider time,
    IHostApplicationLifetime lifetime,
    ILogger<PushChannelRenewal> logger) : BackgroundService
{
    private readonly SyncGenPushOptions _options = options.Value;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        // Not before the server listens: a provider validates the address (Graph) or notifies it (Google) at once.
        var started = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        using (lifetime.ApplicationStarted.Register(() => started.TrySetResult()))
        {
            await started.Task.WaitAsync(stoppingToken).ConfigureAwait(false);
        }

        using var timer = new PeriodicTimer(_options.RenewalCheckInterval, time);
        do
        {
            try
            {
                await CheckAsync(stoppingToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception exception)
            {
                Log.CheckFailed(logger, exception);
            }
        }
        while (await timer.WaitForNextTickAsync(stoppingToken).ConfigureAwait(false));
    }

    private async Task CheckAsync(CancellationToken cancellationToken)
    {
        var channels = (await store.ListAsync(cancellationToken).ConfigureAwait(false)).ToLookup(channel => channel.Collection, StringComparer.Ordinal);
        var due = time.GetUtcNow() + _options.RenewBefore;
        var collections = new HashSet<string>(worker.Value.Collections, StringComparer.Ordinal);
        collections.UnionWith(channels.Select(group => group.Key));
        foreach (var collection in collections.Order(StringComparer.Ordinal))
        {
            try
            {
                if (_options.Targets(collection) is null || !worker.Value.Collections.Contains(collection))
                {
                    if (channels[collection].Any())
                    {
                        await manager.StopAsync(collection, cancellationToken).ConfigureAwait(false);
                    }
                }
                else if (!channels[collection].Any(channel => channel.ExpiresAt > due))
                {
                    await manager.EnsureAsync(collection, cancellationToken).ConfigureAwait(false);
                }
            }
            catch (Exception exception) when (exception is not OperationCanceledException)
            {
                // One collection's provider trouble must not keep the others from being renewed.
                Log.CollectionFailed(logger, collection, exception);
            }
        }
    }

    private static partial class Log
    {
        [LoggerMessage(330, LogLevel.Error, "Push channel check failed; trying again at the next one")]
        public static partial void CheckFailed(ILogger logger, Exception exception);

        [LoggerMessage(331, LogLevel.Warning, "{Collection}: could not create or renew its push channel; it stays polled, trying again at the next check")]
        public static partial void CollectionFailed(ILogger logger, string collection, Exception exception);
    }
}
