using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Diagnostics.Metrics;
using System.Linq;
using System.Net;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using SyncGen.AspNetCore.Webhooks;
using SyncGen.Hosting;
using SyncGen.PostgreSql;

namespace SyncGen.AspNetCore.Tests.Webhooks;

/// <summary>
/// A worker with the webhook on Kestrel (127.0.0.1, ephemeral port), Quartz and the channels on the throwaway PostgreSQL,
/// and a runner that "syncs" a collection by reading how far its source has got: the mirror of a collection is
/// converged when the position its last pass read equals the source's.
/// </summary>
internal sealed class PushHost : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly MeterListener _meter = new();
    private readonly ConcurrentDictionary<string, long> _counters = new();

    private readonly string _schedulerName;

    private PushHost(WebApplication app, PositionRunner runner, PostgreSqlSyncDatabase database, string schedulerName)
    {
        _schedulerName = schedulerName;
        _app = app;
        Runner = runner;
        Database = database;
        _meter.InstrumentPublished = (instrument, listener) =>
        {
            if (instrument.Meter.Name == SyncTelemetry.Name && instrument.Name.StartsWith("syncgen.webhook.", StringComparison.Ordinal))
            {
                listener.EnableMeasurementEvents(instrument);
            }
        };
        _meter.SetMeasurementEventCallback<long>((instrument, value, tags, _) =>
        {
            // Only this host's measurements: the test fixture runs one host at a time (NonParallelizable).
            var key = instrument.Name + string.Concat(tags.ToArray().Where(t => t.Key is "syncgen.outcome" or "syncgen.reason").Select(t => "|" + t.Value));
            _counters.AddOrUpdate(key, value, (_, old) => old + value);
        });
        _meter.Start();
    }

    public PositionRunner Runner { get; }

    public PostgreSqlSyncDatabase Database { get; }

    public PushChannelStore Channels => _app.Services.GetRequiredService<PushChannelStore>();

    public PushChannelManager Manager => _app.Services.GetRequiredService<PushChannelManager>();

    internal PushDispatcher Dispatcher => _app.Services.GetRequiredService<PushDispatcher>();

    /// <summary>The webhook's root, e.g. <c>http://127.0.0.1:PORT/syncgen/webhooks/</c>.</summary>
    public Uri Webhook { get; private set; } = new("http://127.0.0.1/");

    public Uri Route(string route) => new(Webhook, route);

    /// <summary>A counter's total since the host started; <paramref name="qualifiers"/> are the outcome and reason tags, in order.</summary>
    public long Count(string name, params string[] qualifiers) =>
        _counters.TryGetValue(name + string.Concat(qualifiers.Select(q => "|" + q)), out var value) ? value : 0;

    public static async Task<PushHost> StartAsync(
        Func<string, long> sourcePosition,
        IEnumerable<string> collections,
        Func<string, PushTarget?> targets,
        Action<SyncGenPushOptions>? configure = null,
        TimeSpan? interval = null,
        CancellationToken cancellationToken = default)
    {
        var connection = await PostgreSqlCluster.Cluster.CreateDatabaseAsync("push_" + Guid.NewGuid().ToString("N")[..8], cancellationToken);
        var database = PostgreSqlSyncDatabase.Create(connection);
        var runner = new PositionRunner(sourcePosition);
        var schedulerName = "push-" + Guid.NewGuid().ToString("N")[..8];
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(kestrel => kestrel.Listen(IPAddress.Loopback, 0));
        builder.Services.AddSingleton(database);
        builder.Services.AddSingleton<ISyncCollectionRunner>(runner);
        builder.Services.AddSyncGenWorker(worker =>
        {
            worker.ConnectionString = connection;
            worker.SchedulerName = schedulerName;
            worker.InstanceId = "node-1";
            worker.Interval = interval ?? TimeSpan.FromDays(1); // push only, unless a test wants the safety net
            worker.IdleWaitTime = TimeSpan.FromSeconds(1);
            worker.BackoffBase = TimeSpan.FromMilliseconds(200);
            foreach (var collection in collections)
            {
                worker.Collections.Add(collection);
            }
        });
        builder.Services.AddSyncGenPush(push =>
        {
            push.Targets = targets;
            push.CoalesceWindow = TimeSpan.FromMilliseconds(100);
            push.RenewalCheckInterval = TimeSpan.FromMilliseconds(200);
            configure?.Invoke(push);
        });
        var app = builder.Build();
        app.MapSyncGenWebhooks();
        var host = new PushHost(app, runner, database, schedulerName);
        await app.StartAsync(cancellationToken);
        var origin = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First().TrimEnd('/');
        host.Webhook = new Uri(origin + SyncGenWebhookEndpointRouteBuilderExtensions.DefaultPrefix + "/");
        return host;
    }

    /// <summary>
    /// Waits until push has nothing more under way for <paramref name="collection"/>: no notification waiting in the
    /// coalesce window, no one-shot firing left in Quartz beside the interval trigger, no pass running. A change made
    /// after that and announced by nothing can only reach the mirror through the interval (the safety net).
    /// </summary>
    public async Task WhenPushSettledAsync(string collection, CancellationToken cancellationToken)
    {
        await using var triggers = Database.DataSource.CreateCommand(
            "SELECT count(*) FROM qrtz_triggers WHERE sched_name = $1 AND job_group = 'syncgen' AND job_name = $2;");
        triggers.Parameters.AddWithValue(_schedulerName);
        triggers.Parameters.AddWithValue(collection);
        await EventuallyAsync(async () =>
            Dispatcher.Pending == 0
            && Runner.Running == 0
            && (long)(await triggers.ExecuteScalarAsync(cancellationToken))! == 1, cancellationToken);
    }

    /// <summary>Waits until <paramref name="condition"/> holds, polling every 50 ms; the test's own timeout bounds it.</summary>
    public static async Task EventuallyAsync(Func<Task<bool>> condition, CancellationToken cancellationToken)
    {
        while (!await condition())
        {
            await Task.Delay(50, cancellationToken);
        }
    }

    public async ValueTask DisposeAsync()
    {
        _meter.Dispose();
        await _app.StopAsync(CancellationToken.None);
        await _app.DisposeAsync();
        await Database.DisposeAsync();
    }
}

/// <summary>A runner whose pass reads the source's position; it records when each pass ran.</summary>
internal sealed class PositionRunner(Func<string, long> sourcePosition) : ISyncCollectionRunner
{
    private readonly ConcurrentDictionary<string, long> _mirrored = new();
    private readonly ConcurrentQueue<(string Collection, DateTimeOffset At)> _passes = new();

    public int Passes(string collection) => _passes.Count(pass => pass.Collection == collection);

    public long Mirrored(string collection) => _mirrored.TryGetValue(collection, out var position) ? position : -1;

    private int _running;

    /// <summary>Passes under way now.</summary>
    public int Running => Volatile.Read(ref _running);

    public async Task<SyncResult> SyncAsync(string collection, CancellationToken cancellationToken)
    {
        Interlocked.Increment(ref _running);
        try
        {
            await Task.Yield(); // a pass is seen running, as a real one is while it pages
            _mirrored[collection] = sourcePosition(collection);
            _passes.Enqueue((collection, DateTimeOffset.UtcNow));
        }
        finally
        {
            Interlocked.Decrement(ref _running);
        }

        return new SyncResult
        {
            Kind = SyncPassKind.Incremental, StartedAs = SyncPassKind.Incremental, Pages = 1, Upserts = 0, Deletes = 0,
            ExpiriesRecovered = 0, Retries = 0, Duration = TimeSpan.Zero, SyncToken = "t",
        };
    }
}
