using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Diagnostics.Metrics;
using System.Linq;
using System.Net.Http;
using System.Threading.Tasks;
using Microsoft.Extensions.Logging;
using NUnit.Framework;
using SyncGen.Infrastructure;
using SyncGen.Testing.FakeServer;

namespace SyncGen.Runtime.Tests.Engine;

/// <summary>
/// The engine driven by a plain HttpClient fetcher (the "any HTTP JSON API" page source) against the embedded fake
/// Calendar server on 127.0.0.1: expiry, Retry-After and the pluggable classifier work without Google.Apis.
/// </summary>
public class SyncEngineOverHttpTests
{
    private FakeCalendarServer _server = null!;
    private HttpClient _http = null!;
    private HttpJsonFetcher _fetcher = null!;

    [SetUp]
    public async Task StartAsync()
    {
        _server = await FakeCalendarServer.StartAsync();
        _http = new HttpClient();
        _fetcher = new HttpJsonFetcher(_http, _server.EventsUri());
    }

    [TearDown]
    public async Task StopAsync()
    {
        _http.Dispose();
        await _server.DisposeAsync();
    }

    private SyncEngine<JsonEvent> Engine(InMemorySyncStore<JsonEvent> store, SyncOptions? options = null, ILogger? logger = null) =>
        new(HttpJsonFetcher.Definition(_fetcher.Open), store, options ?? FastRetry.Options, logger);

    [Test]
    public async Task Full_then_incremental_with_tombstones()
    {
        _server.Primary.AddMany(10);
        var store = new InMemorySyncStore<JsonEvent>();
        await Engine(store).RunAsync();
        _server.Primary.Delete("evt-000002");
        _server.Primary.Upsert(new FakeEvent("evt-000003", "renamed", new DateTimeOffset(2026, 2, 1, 9, 0, 0, TimeSpan.Zero)));

        var result = await Engine(store).RunAsync();

        Assert.That(result.Kind, Is.EqualTo(SyncPassKind.Incremental));
        Assert.That(result.Deletes, Is.EqualTo(1));
        Assert.That(store.Items.Keys.OrderBy(k => k), Is.EqualTo(_server.Primary.LiveEvents.Select(e => e.Id).OrderBy(k => k)));
        Assert.That(store.Items["evt-000003"].Summary, Is.EqualTo("renamed"));
        Assert.That(store.SyncToken, Is.EqualTo(_server.Primary.CurrentSyncToken));
    }

    [Test]
    public async Task A_410_through_SyncHttpException_recovers_with_a_full_sync()
    {
        _server.Primary.AddMany(6);
        var store = new InMemorySyncStore<JsonEvent>();
        await Engine(store).RunAsync();
        _server.Primary.Delete("evt-000001");
        _server.Primary.ExpireSyncTokens();

        var result = await Engine(store).RunAsync();

        Assert.That(result.ExpiriesRecovered, Is.EqualTo(1));
        Assert.That(result.Kind, Is.EqualTo(SyncPassKind.Full));
        Assert.That(store.Items.Keys, Does.Not.Contain("evt-000001"));
        Assert.That(store.Items, Has.Count.EqualTo(5));
    }

    [Test]
    public async Task Retry_after_from_a_plain_http_response_is_honoured()
    {
        _server.Primary.AddMany(3);
        _server.Faults.Enqueue(Fault.RateLimited(TimeSpan.FromSeconds(1)));
        var store = new InMemorySyncStore<JsonEvent>();

        var result = await Engine(store).RunAsync();

        await _server.WhenRequestsAnsweredAsync(); // the server journals a request after its answer has gone out
        var journal = _server.Requests;
        Assert.That(result.Retries, Is.EqualTo(1));
        Assert.That(journal[1].Time - journal[0].Time, Is.GreaterThanOrEqualTo(TimeSpan.FromMilliseconds(950)));
    }

    [Test]
    public async Task A_classifier_for_another_dialect_decides_what_expiry_is()
    {
        // Under People-API rules a 410 is not an expiry: the call fails and nothing changes.
        _server.Primary.AddMany(3);
        var store = new InMemorySyncStore<JsonEvent>();
        await Engine(store).RunAsync();
        var token = store.SyncToken;
        _server.Primary.ExpireSyncTokens();

        var exception = Assert.ThrowsAsync<SyncRequestFailedException>(() => Engine(store, FastRetry.Options with { ErrorClassifier = SyncErrorClassifier.GooglePeople }).RunAsync());

        Assert.That(exception!.StatusCode, Is.EqualTo(410));
        Assert.That(exception.Reason, Is.EqualTo("fullSyncRequired"));
        Assert.That(store.SyncToken, Is.EqualTo(token));
    }

    [Test]
    public async Task Logs_metrics_and_activities_describe_the_call()
    {
        _server.Primary.AddMany(9);
        _server.Faults.Enqueue(Fault.ServiceUnavailable(), r => r.PageNumber == 2);
        var logger = new ListLogger();
        var measurements = new List<(string Name, long Value)>();
        using var meterListener = new MeterListener();
        meterListener.InstrumentPublished = (instrument, listener) =>
        {
            if (instrument.Meter.Name == SyncTelemetry.Name)
            {
                listener.EnableMeasurementEvents(instrument);
            }
        };
        meterListener.SetMeasurementEventCallback<long>((instrument, value, tags, _) =>
        {
            if (tags.ToArray().Any(t => t.Key == "syncgen.repository" && (string?)t.Value == "Tests.HttpJsonRepository"))
            {
                lock (measurements)
                {
                    measurements.Add((instrument.Name, value));
                }
            }
        });
        meterListener.Start();
        var activities = new List<string>();
        using var activityListener = new ActivityListener
        {
            ShouldListenTo = source => source.Name == SyncTelemetry.Name,
            Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllData,
            ActivityStopped = activity => { lock (activities) { activities.Add(activity.OperationName); } },
        };
        ActivitySource.AddActivityListener(activityListener);

        await Engine(new InMemorySyncStore<JsonEvent>(), logger: logger).RunAsync();

        long Sum(string name) => measurements.Where(m => m.Name == name).Sum(m => m.Value);
        Assert.That(Sum("syncgen.pages"), Is.EqualTo(3));
        Assert.That(Sum("syncgen.items.upserted"), Is.EqualTo(9));
        Assert.That(Sum("syncgen.retries"), Is.EqualTo(1));
        Assert.That(activities, Is.EquivalentTo(new[] { "SyncGen.Pass", "SyncGen.Sync" }));
        Assert.That(logger.Lines, Has.Some.Contains("starting Full sync"));
        Assert.That(logger.Lines, Has.Some.Contains("retry 1").And.Contains("503"));
        Assert.That(logger.Lines, Has.Some.Contains("Full sync done in 3 pages, 9 upserts"));
    }

    [Test]
    public void Bad_options_are_rejected_with_the_setting_named()
    {
        var store = new InMemorySyncStore<JsonEvent>();

        Assert.Multiple(() =>
        {
            Assert.That(() => Engine(store, FastRetry.Options with { MaxExpiriesPerCall = 0 }),
                Throws.TypeOf<ArgumentOutOfRangeException>().With.Message.Contains("MaxExpiriesPerCall"));
            Assert.That(() => Engine(store, FastRetry.Options with { Retry = new SyncRetryOptions { MaxRetries = -1 } }),
                Throws.TypeOf<ArgumentOutOfRangeException>().With.Message.Contains("MaxRetries"));
            Assert.That(() => Engine(store, FastRetry.Options with { Retry = new SyncRetryOptions { BaseDelay = TimeSpan.FromSeconds(5), MaxDelay = TimeSpan.FromSeconds(1) } }),
                Throws.TypeOf<ArgumentOutOfRangeException>().With.Message.Contains("BaseDelay"));
            Assert.That(() => new SyncEngine<JsonEvent>(HttpJsonFetcher.Definition(_fetcher.Open), null!),
                Throws.TypeOf<ArgumentNullException>().With.Message.Contains("ISyncStore"));
        });
    }

    [Test]
    public void Sync_pass_arguments_are_checked()
    {
        Assert.Multiple(() =>
        {
            Assert.That(() => new SyncPass(SyncPassKind.Full, "token", 1), Throws.ArgumentException.With.Property("ParamName").EqualTo("syncToken"));
            Assert.That(() => new SyncPass(SyncPassKind.Incremental, null, 1), Throws.ArgumentException.With.Property("ParamName").EqualTo("syncToken"));
            Assert.That(() => new SyncPass(SyncPassKind.Full, null, 0), Throws.TypeOf<ArgumentOutOfRangeException>());
            Assert.That(new SyncPass(SyncPassKind.Incremental, "t", 2).ToString(), Is.EqualTo("incremental pass #2"));
        });
    }
}
