using System;
using System.Collections.Concurrent;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using SyncGen.Hosting;

namespace SyncGen.AspNetCore.Webhooks;

/// <summary>
/// Turns accepted notifications into triggered passes after the webhook has answered: gathers a burst for one
/// collection into one Quartz firing, and runs lifecycle work (renewals) off the request.
/// </summary>
/// <remarks>
/// Coalescing is safe because a collection leaves the pending set just before its firing is requested: a notification
/// that arrives after that asks for a new firing, and Quartz runs it after the one in flight, so the change it announces
/// is always read by a pass that starts after it.
/// </remarks>
internal sealed partial class PushDispatcher(
    SyncCollectionScheduler scheduler,
    IOptions<SyncGenPushOptions> options,
    ILogger<PushDispatcher> logger) : IHostedService
{
    private readonly ConcurrentDictionary<string, byte> _pending = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<Task, byte> _running = new();
    private readonly CancellationTokenSource _stopping = new();

    /// <summary>How many collections wait for their coalesce window to end: what an accepted notification has asked for and not yet handed to Quartz.</summary>
    internal int Pending => _pending.Count;

    /// <summary>Asks for a pass of <paramref name="collection"/>, joined with any other asked for within the coalesce window.</summary>
    public void RequestPass(string collection)
    {
        if (_stopping.IsCancellationRequested || !_pending.TryAdd(collection, 0))
        {
            return;
        }

        Run(async stopping =>
        {
            try
            {
                await Task.Delay(options.Value.CoalesceWindow, stopping).ConfigureAwait(false);
            }
            finally
            {
                _pending.TryRemove(collection, out _);
            }

            if (await scheduler.TriggerNowAsync(collection, stopping).ConfigureAwait(false))
            {
                WebhookTelemetry.PassesTriggered.Add(1);
                Log.Triggered(logger, collection);
            }
            else
            {
                Log.NoJob(logger, collection);
            }
        });
    }

    /// <summary>Runs <paramref name="work"/> in the background (a renewal asked for by a lifecycle notification); failures are logged.</summary>
    public void Run(Func<CancellationToken, Task> work)
    {
        var task = Task.Run(async () =>
        {
            try
            {
                await work(_stopping.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (_stopping.IsCancellationRequested)
            {
                // Shutting down: the safety-net poll of another worker, or of this one after restart, covers it.
            }
            catch (Exception exception)
            {
                Log.Failed(logger, exception);
            }
        });
        _running.TryAdd(task, 0);
        _ = task.ContinueWith(done => _running.TryRemove(done, out _), CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
    }

    public Task StartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        await _stopping.CancelAsync().ConfigureAwait(false);
        await Task.WhenAll(_running.Keys).WaitAsync(cancellationToken).ConfigureAwait(false);
    }

    private static partial class Log
    {
        [LoggerMessage(300, LogLevel.Debug, "{Collection}: pass triggered by push")]
        public static partial void Triggered(ILogger logger, string collection);

        [LoggerMessage(301, LogLevel.Warning, "{Collection}: a notification asked for a pass but the collection has no job in the scheduler")]
        public static partial void NoJob(ILogger logger, string collection);

        [LoggerMessage(302, LogLevel.Error, "Push work failed; the collection's polling interval still covers it")]
        public static partial void Failed(ILogger logger, Exception exception);
    }
}
