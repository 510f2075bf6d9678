using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Diagnostics;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using NUnit.Framework;
using SyncGen.PostgreSql;
using SyncGen.Testing.Stores;

namespace SyncGen.Hosting.Tests;

/// <summary>The worker host in process, on the throwaway PostgreSQL: shutdown during a pass, and backoff after failures.</summary>
[TestFixture]
public sealed class WorkerHostTests
{
    private string _connection = "";

    [OneTimeSetUp]
    public async Task CreateDatabaseAsync() => _connection = await PostgreSqlCluster.Cluster.CreateDatabaseAsync("hosting_tests");

    private IHost BuildHost(ISyncCollectionRunner runner, Action<SyncWorkerOptions> configure)
    {
        var builder = Host.CreateApplicationBuilder();
        builder.Services.AddSingleton(runner);
        builder.Services.AddSyncGenWorker(options =>
        {
            options.ConnectionString = _connection;
            options.SchedulerName = "test-" + Guid.NewGuid().ToString("N")[..8];
            options.InstanceId = "node-1";
            configure(options);
        });
        return builder.Build();
    }

    [Test]
    [CancelAfter(60_000)]
    public async Task Shutdown_during_a_pass_cancels_it_nothing_is_committed_and_the_lease_is_handed_back(CancellationToken cancellationToken)
    {
        // Nothing buffered: the pass holds the lease from its first page, as a big pass would.
        await using var database = PostgreSqlSyncDatabase.Create(_connection, new PostgreSqlSyncStoreOptions { MaxBufferedChanges = 0 });
        var collection = "shutdown-" + Guid.NewGuid().ToString("N")[..8];
        var store = database.OpenStore<TestItem>(collection);
        var runner = new StallingRunner(store);
        using var host = BuildHost(runner, options =>
        {
            options.Interval = TimeSpan.FromMilliseconds(200);
            options.Collections.Add(collection);
        });

        await host.StartAsync(cancellationToken);
        await runner.PageApplied.Task.WaitAsync(cancellationToken);
        var stopping = Stopwatch.StartNew();
        await host.StopAsync(cancellationToken);
        stopping.Stop();

        var lease = await database.ReadLeaseAsync(collection, cancellationToken);
        using (Assert.EnterMultipleScope())
        {
            Assert.That(runner.SawCancellation, Is.True, "the running sync call was told to stop");
            Assert.That(stopping.Elapsed, Is.LessThan(TimeSpan.FromSeconds(20)), "shutdown waited for the cancelled pass, not for a lease or a timeout");
            Assert.That(await store.ReadSyncTokenAsync(cancellationToken), Is.Null, "the half-done pass committed nothing");
            Assert.That(await store.ReadItemsAsync(cancellationToken), Is.Empty);
            Assert.That(lease!.IsLive, Is.False, "the discarded pass handed its lease back");
        }
    }

    [Test]
    [CancelAfter(60_000)]
    public async Task Failing_collection_is_retried_with_growing_delays_while_others_keep_their_interval(CancellationToken cancellationToken)
    {
        var runner = new FlakyRunner(failingCollection: "flaky", failures: 4);
        var backoffBase = TimeSpan.FromMilliseconds(400);
        using var host = BuildHost(runner, options =>
        {
            options.Interval = TimeSpan.FromMilliseconds(250);
            options.BackoffBase = backoffBase;
            options.BackoffMax = TimeSpan.FromSeconds(10);
            options.Collections.Add("flaky");
            options.Collections.Add("healthy");
        });

        await host.StartAsync(cancellationToken);
        try
        {
            // 4 failures, then successes.
            while (runner.Calls("flaky").Count < 7)
            {
                await Task.Delay(50, cancellationToken);
            }
        }
        finally
        {
            await host.StopAsync(CancellationToken.None);
        }

        var flaky = runner.Calls("flaky");
        var gaps = flaky.Zip(flaky.Skip(1), (a, b) => b - a).ToList();
        var healthyDuringBackoff = runner.Calls("healthy").Count(at => at > flaky[0] && at < flaky[4]);
        using (Assert.EnterMultipleScope())
        {
            // After failure n the next call waits at least half of base * 2^(n-1) ("equal jitter").
            for (var failure = 1; failure <= 4; failure++)
            {
                var floor = backoffBase * Math.Pow(2, failure - 1) / 2;
                Assert.That(gaps[failure - 1], Is.GreaterThanOrEqualTo(floor - TimeSpan.FromMilliseconds(20)), $"delay after failure {failure}");
            }

            Assert.That(gaps[3], Is.GreaterThan(gaps[0]), "delays grow");
            Assert.That(gaps[5], Is.LessThan(TimeSpan.FromMilliseconds(1600)), "after a success the collection is back on its interval");
            Assert.That(healthyDuringBackoff, Is.GreaterThanOrEqualTo(3), "one failing collection does not hold up the others");
        }
    }

    [Test]
    [CancelAfter(60_000)]
    public async Task Collection_leased_by_another_worker_is_retried_just_after_the_lease_expires_not_on_the_failure_backoff(CancellationToken cancellationToken)
    {
        // Another worker's pass holds the real lease for 2 s; our worker's first call is refused with SyncLeaseHeldException.
        await using var other = PostgreSqlSyncDatabase.Create(_connection, new PostgreSqlSyncStoreOptions { Holder = "other-worker", LeaseDuration = TimeSpan.FromSeconds(2), MaxBufferedChanges = 0 });
        await using var ours = PostgreSqlSyncDatabase.Create(_connection, new PostgreSqlSyncStoreOptions { Holder = "this-worker" });
        var collection = "leased-" + Guid.NewGuid().ToString("N")[..8];
        var runner = new StoreRunner(ours.OpenStore<TestItem>(collection));
        using var host = BuildHost(runner, options =>
        {
            options.Interval = TimeSpan.FromMinutes(10); // only the first firing and the lease retry can run in this test
            options.BackoffBase = TimeSpan.FromMinutes(5); // a failure backoff would push the retry far past the test
            options.Collections.Add(collection);
        });

        // Make the first firing happen now instead of somewhere in the 10-minute spread, while the other worker holds the lease.
        await host.StartAsync(cancellationToken);
        var held = await other.OpenStore<TestItem>(collection).BeginPassAsync(SyncPassKind.Full, cancellationToken);
        await held.ApplyAsync([SyncChange<TestItem>.Upsert("b", new TestItem("b", "B"))], cancellationToken); // a pass holds the lease once it writes
        var lease = (await other.ReadLeaseAsync(collection, cancellationToken))!;
        try
        {
            var scheduler = await host.Services.GetRequiredService<Quartz.ISchedulerFactory>().GetScheduler(cancellationToken);
            await scheduler.TriggerJob(new Quartz.JobKey(collection, "syncgen"), null, cancellationToken);
            while (runner.Results.Count < 2)
            {
                await Task.Delay(50, cancellationToken);
            }
        }
        finally
        {
            await host.StopAsync(CancellationToken.None);
            await held.DisposeAsync();
        }

        var results = runner.Results.ToArray();
        using (Assert.EnterMultipleScope())
        {
            Assert.That(results[0].Outcome, Is.EqualTo(nameof(SyncLeaseHeldException)));
            Assert.That(results[1].Outcome, Is.EqualTo("committed"));
            Assert.That(results[1].At, Is.GreaterThanOrEqualTo(lease.ExpiresAt - TimeSpan.FromMilliseconds(50)), "not before the holder's lease expired");
            Assert.That(results[1].At - lease.ExpiresAt, Is.LessThan(TimeSpan.FromSeconds(15)), "soon after it, not after the 5-minute failure backoff");
        }
    }

    /// <summary>Runs a one-page full pass through a real store and records each outcome and its time.</summary>
    private sealed class StoreRunner(PostgreSqlSyncStore<TestItem> store) : ISyncCollectionRunner
    {
        public ConcurrentQueue<(DateTimeOffset At, string Outcome)> Results { get; } = new();

        public async Task<SyncResult> SyncAsync(string collection, CancellationToken cancellationToken)
        {
            try
            {
                await using var writer = await store.BeginPassAsync(SyncPassKind.Full, cancellationToken);
                await writer.ApplyAsync([SyncChange<TestItem>.Upsert("a", new TestItem("a", "A"))], cancellationToken);
                await writer.CommitAsync("t1", cancellationToken);
            }
            catch (SyncLeaseHeldException)
            {
                Results.Enqueue((DateTimeOffset.UtcNow, nameof(SyncLeaseHeldException)));
                throw;
            }

            Results.Enqueue((DateTimeOffset.UtcNow, "committed"));
            return new SyncResult
            {
                Kind = SyncPassKind.Full, StartedAs = SyncPassKind.Full, Pages = 1, Upserts = 1, Deletes = 0,
                ExpiriesRecovered = 0, Retries = 0, Duration = TimeSpan.Zero, SyncToken = "t1",
            };
        }
    }

    /// <summary>Stages one page through the real store, then waits for the shutdown like a slow server.</summary>
    private sealed class StallingRunner(PostgreSqlSyncStore<TestItem> store) : ISyncCollectionRunner
    {
        public TaskCompletionSource PageApplied { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public bool SawCancellation { get; private set; }

        public async Task<SyncResult> SyncAsync(string collection, CancellationToken cancellationToken)
        {
            await using var writer = await store.BeginPassAsync(SyncPassKind.Full, cancellationToken);
            await writer.ApplyAsync([SyncChange<TestItem>.Upsert("a", new TestItem("a", "half"))], cancellationToken);
            PageApplied.TrySetResult();
            try
            {
                await Task.Delay(Timeout.Infinite, cancellationToken);
            }
            catch (OperationCanceledException)
            {
                SawCancellation = true;
                throw;
            }

            throw new InvalidOperationException("unreachable");
        }
    }

    private sealed class FlakyRunner(string failingCollection, int failures) : ISyncCollectionRunner
    {
        private readonly ConcurrentDictionary<string, List<TimeSpan>> _calls = new();
        private readonly Stopwatch _clock = Stopwatch.StartNew();

        public IReadOnlyList<TimeSpan> Calls(string collection)
        {
            var calls = _calls.GetOrAdd(collection, _ => []);
            lock (calls)
            {
                return calls.ToArray();
            }
        }

        public Task<SyncResult> SyncAsync(string collection, CancellationToken cancellationToken)
        {
            var calls = _calls.GetOrAdd(collection, _ => []);
            int count;
            lock (calls)
            {
                calls.Add(_clock.Elapsed);
                count = calls.Count;
            }

            if (collection == failingCollection && count <= failures)
            {
                throw new InvalidOperationException($"simulated failure {count}");
            }

            return Task.FromResult(new SyncResult
            {
                Kind = SyncPassKind.Incremental,
                StartedAs = SyncPassKind.Incremental,
                Pages = 1,
                Upserts = 0,
                Deletes = 0,
                ExpiriesRecovered = 0,
                Retries = 0,
                Duration = TimeSpan.Zero,
                SyncToken = "t",
            });
        }
    }
}
