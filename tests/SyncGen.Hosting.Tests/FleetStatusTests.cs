using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Diagnostics.Metrics;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using NUnit.Framework;
using SyncGen.PostgreSql;

namespace SyncGen.Hosting.Tests;

/// <summary>The worker records each call's outcome in the store, and the fleet gauges report what the store holds.</summary>
[TestFixture]
public sealed class FleetStatusTests
{
    private string _connection = "";

    [OneTimeSetUp]
    public async Task CreateDatabaseAsync() => _connection = await PostgreSqlCluster.Cluster.CreateDatabaseAsync("fleet_status_tests");

    private PostgreSqlSyncDatabase NewDatabase() =>
        PostgreSqlSyncDatabase.Create(_connection, new PostgreSqlSyncStoreOptions { Schema = "fs_" + Guid.NewGuid().ToString("N")[..16] });

    [Test]
    [CancelAfter(60_000)]
    public async Task The_worker_records_failures_in_a_row_then_the_success_that_ends_them_and_times_every_call(CancellationToken cancellationToken)
    {
        await using var database = NewDatabase();
        var runner = new FailingThenSucceeding(failures: 2);
        var durations = new ConcurrentBag<string>();
        using var listener = new MeterListener();
        listener.InstrumentPublished = (instrument, l) =>
        {
            if (instrument.Meter.Name == SyncTelemetry.Name && instrument.Name == "syncgen.worker.run.duration")
            {
                l.EnableMeasurementEvents(instrument);
            }
        };
        listener.SetMeasurementEventCallback<double>((_, _, tags, _) =>
        {
            foreach (var tag in tags)
            {
                if (tag.Key == "syncgen.outcome")
                {
                    durations.Add((string)tag.Value!);
                }
            }
        });
        listener.Start();

        var builder = Host.CreateApplicationBuilder();
        builder.Services.AddSingleton<ISyncCollectionRunner>(runner);
        builder.Services.AddSingleton(database);
        builder.Services.AddSyncGenWorker(options =>
        {
            options.ConnectionString = _connection;
            options.SchedulerName = "status-" + Guid.NewGuid().ToString("N")[..8];
            options.InstanceId = "node-1";
            options.Interval = TimeSpan.FromMilliseconds(200);
            options.BackoffBase = TimeSpan.FromMilliseconds(100);
            options.Collections.Add("flaky");
        });
        using var host = builder.Build();
        await host.StartAsync(cancellationToken);
        SyncCollectionStatus? failing = null;
        SyncCollectionStatus? recovered;
        try
        {
            // Polls the store (what an operator reads) until the success after the failures is recorded.
            while (true)
            {
                var status = (await database.ReadStatusAsync(cancellationToken)).Collections.SingleOrDefault();
                if (failing is null && status is { ConsecutiveFailures: 2 })
                {
                    failing = status;
                    runner.Succeed.TrySetResult(); // the third call waits for this read, so the test never misses the failing state
                }

                if (failing is not null && status is { ConsecutiveFailures: 0, LastPassAt: not null })
                {
                    recovered = status;
                    break;
                }

                await Task.Delay(20, cancellationToken);
            }
        }
        finally
        {
            await host.StopAsync(CancellationToken.None);
        }

        using (Assert.EnterMultipleScope())
        {
            Assert.That(failing.LastFailureClass, Is.EqualTo(nameof(InvalidOperationException)));
            Assert.That(failing.LastFailureMessage, Is.EqualTo("simulated failure 2"));
            Assert.That(failing.LastPassAt, Is.Null, "no call had succeeded yet");
            Assert.That(recovered.LastPassKind, Is.EqualTo(SyncPassKind.Full));
            Assert.That(recovered.LastPassPages, Is.EqualTo(4));
            Assert.That(recovered.LastPassChanges, Is.EqualTo(7));
            Assert.That(recovered.FullPassAt, Is.EqualTo(recovered.LastPassAt), "a full pass starts the token's age");
            Assert.That((await database.ReadFailuresAsync("flaky", cancellationToken)).Select(f => f.Message), Is.EqualTo(new[] { "simulated failure 2", "simulated failure 1" }));
            Assert.That(durations, Does.Contain("failed").And.Contain("succeeded"), "every call's duration is recorded with its outcome");
        }
    }

    [Test]
    [CancelAfter(60_000)]
    public async Task The_fleet_gauges_report_per_group_collections_failures_worst_freshness_and_oldest_token(CancellationToken cancellationToken)
    {
        await using var database = NewDatabase();
        var full = new SyncResult
        {
            Kind = SyncPassKind.Full, StartedAs = SyncPassKind.Full, Pages = 1, Upserts = 1, Deletes = 0,
            ExpiriesRecovered = 0, Retries = 0, Duration = TimeSpan.FromSeconds(1), SyncToken = "t",
        };
        foreach (var collection in new[] { "people/a", "people/b", "calendar/a" })
        {
            await database.RecordPassSucceededAsync(collection, full, cancellationToken);
        }

        await database.RecordPassFailedAsync("people/b", new TimeoutException("slow"), cancellationToken);
        // Time passes: people/a last synced two hours ago, on a token chain started six days ago.
        await using (var age = database.DataSource.CreateCommand(
            $"UPDATE {database.Options.Schema}.collection_status SET last_pass_at = now() - interval '2 hours', full_pass_at = now() - interval '6 days' WHERE collection = 'people/a';"))
        {
            await age.ExecuteNonQueryAsync(cancellationToken);
        }

        var builder = Host.CreateApplicationBuilder();
        builder.Services.AddSingleton(database);
        builder.Services.AddSyncGenFleetMetrics(options => options.GroupOf = collection => collection.Split('/')[0]);
        using var host = builder.Build();
        var metrics = host.Services.GetRequiredService<SyncFleetMetrics>();
        await metrics.RefreshAsync(cancellationToken);

        var factory = host.Services.GetRequiredService<IMeterFactory>();
        var observed = new Dictionary<(string Instrument, string Group), double>();
        using var listener = new MeterListener();
        listener.InstrumentPublished = (instrument, l) =>
        {
            // Only this host's gauges: other tests' hosts may be alive in the same process.
            if (instrument.Meter.Scope == factory && instrument.Name.StartsWith("syncgen.fleet.", StringComparison.Ordinal))
            {
                l.EnableMeasurementEvents(instrument);
            }
        };
        listener.SetMeasurementEventCallback<double>((instrument, value, tags, _) => observed[(instrument.Name, (string)tags[0].Value!)] = value);
        listener.Start();
        listener.RecordObservableInstruments();

        using (Assert.EnterMultipleScope())
        {
            Assert.That(observed[("syncgen.fleet.collections", "people")], Is.EqualTo(2));
            Assert.That(observed[("syncgen.fleet.collections", "calendar")], Is.EqualTo(1));
            Assert.That(observed[("syncgen.fleet.failing", "people")], Is.EqualTo(1));
            Assert.That(observed[("syncgen.fleet.failing", "calendar")], Is.Zero);
            Assert.That(observed[("syncgen.fleet.freshness.max", "people")], Is.InRange(7200, 7260));
            Assert.That(observed[("syncgen.fleet.freshness.max", "calendar")], Is.LessThan(60));
            Assert.That(observed[("syncgen.fleet.token_age.max", "people")], Is.InRange(6 * 86400, 6 * 86400 + 60));
        }
    }

    /// <summary>Fails its first calls, then, once told to, reports a four-page full pass.</summary>
    private sealed class FailingThenSucceeding(int failures) : ISyncCollectionRunner
    {
        private int _calls;

        public TaskCompletionSource Succeed { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public async Task<SyncResult> SyncAsync(string collection, CancellationToken cancellationToken)
        {
            var call = Interlocked.Increment(ref _calls);
            if (call <= failures)
            {
                throw new InvalidOperationException($"simulated failure {call}");
            }

            await Succeed.Task.WaitAsync(cancellationToken);
            return new SyncResult
                {
                    Kind = SyncPassKind.Full, StartedAs = SyncPassKind.Incremental, Pages = 4, Upserts = 5, Deletes = 2,
                    ExpiriesRecovered = 1, Retries = 0, Duration = TimeSpan.FromMilliseconds(30), SyncToken = "t",
                };
        }
    }
}
