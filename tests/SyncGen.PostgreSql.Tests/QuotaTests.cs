using System;
using System.Collections.Generic;
using System.Linq;
using System.Net.Http;
using System.Threading;
using System.Threading.Tasks;
using NUnit.Framework;
using SyncGen.Testing.FakeServer;

namespace SyncGen.PostgreSql.Tests;

/// <summary>
/// The fleet-wide quota: two "workers" (each its own pool and <see cref="PostgreSqlSyncQuota"/>, as two machines would
/// have) send requests through <see cref="SyncQuotaHandler"/> to the kit's fake Calendar server over real HTTP; what the
/// server saw decides.
/// </summary>
[TestFixture]
public sealed class QuotaTests
{
    private FakeCalendarServer _server = null!;
    private PostgreSqlSyncDatabase _databaseA = null!;
    private PostgreSqlSyncDatabase _databaseB = null!;
    private readonly List<HttpClient> _clients = [];

    [SetUp]
    public async Task StartAsync()
    {
        _server = await FakeCalendarServer.StartAsync();
        _databaseA = PostgreSqlSyncDatabase.Create(PostgreSqlCluster.ConnectionString, new PostgreSqlSyncStoreOptions { Holder = "worker-a" });
        _databaseB = PostgreSqlSyncDatabase.Create(PostgreSqlCluster.ConnectionString, new PostgreSqlSyncStoreOptions { Holder = "worker-b" });
    }

    [TearDown]
    public async Task StopAsync()
    {
        _clients.ForEach(client => client.Dispose());
        _clients.Clear();
        await _databaseA.DisposeAsync();
        await _databaseB.DisposeAsync();
        await _server.DisposeAsync();
    }

    [Test]
    public async Task Two_workers_sharing_one_key_never_exceed_it()
    {
        var key = new SyncQuotaKey(NewKey("user"), new SyncQuotaLimit(20, TimeSpan.FromSeconds(1)));
        var workerA = Client(_databaseA, _ => [key]);
        var workerB = Client(_databaseB, _ => [key]);

        // Six requests at a time from each worker for 2.5 s: unmetered, that is hundreds per second.
        using var stop = new CancellationTokenSource(TimeSpan.FromSeconds(2.5));
        var loops = Enumerable.Range(0, 6).SelectMany(i => new[] { HammerAsync(workerA, "cal-a", stop.Token), HammerAsync(workerB, "cal-b", stop.Token) });
        await Task.WhenAll(loops);
        await _server.WhenRequestsAnsweredAsync();

        var arrivals = _server.Requests.Select(r => r.Time).OrderBy(t => t).ToList();
        // The server counts arrivals; a request admitted just before a window may arrive just inside it, so the windows
        // checked are a little shorter than the budget's.
        Assert.That(MaxInWindow(arrivals, TimeSpan.FromSeconds(0.9)), Is.LessThanOrEqualTo(20), "requests the server saw in one window");
        Assert.That(arrivals, Has.Count.GreaterThanOrEqualTo(30), "the budget (2 at once, then 18/s for 2.5 s) was mostly used");
        Assert.That(_server.Requests.Select(r => r.CalendarId).Distinct().Count(), Is.EqualTo(2), "both workers were admitted");
    }

    [Test]
    public async Task A_429_seen_by_one_collection_slows_its_siblings()
    {
        var user = new SyncQuotaKey(NewKey("user"), SyncQuotaLimit.PerMinute(6000));
        var otherUser = new SyncQuotaKey(NewKey("other"), SyncQuotaLimit.PerMinute(6000));
        var workerA = Client(_databaseA, _ => [user]);
        var workerB = Client(_databaseB, request => request.RequestUri!.AbsolutePath.Contains("cal-other", StringComparison.Ordinal) ? [otherUser] : [user]);
        _server.Faults.Enqueue(Fault.RateLimited(TimeSpan.FromSeconds(2)), r => r.CalendarId == "cal-a");

        using (var throttled = await workerA.GetAsync(_server.EventsUri("cal-a")))
        {
            Assert.That((int)throttled.StatusCode, Is.EqualTo(429));
        }

        using (var sibling = await workerB.GetAsync(_server.EventsUri("cal-b")))
        using (var stranger = await workerB.GetAsync(_server.EventsUri("cal-other")))
        {
            Assert.That(sibling.IsSuccessStatusCode && stranger.IsSuccessStatusCode, Is.True);
        }

        await _server.WhenRequestsAnsweredAsync();
        var at = _server.Requests.ToDictionary(r => r.CalendarId!, r => r.Time);
        Assert.That(at["cal-b"] - at["cal-a"], Is.GreaterThanOrEqualTo(TimeSpan.FromSeconds(1.9)), "the sibling on another worker waited out the Retry-After");
        Assert.That(at["cal-other"] - at["cal-b"], Is.LessThan(TimeSpan.FromSeconds(1)), "a collection of another key was not held up");
    }

    [Test]
    public async Task A_403_userRateLimitExceeded_slows_the_user_but_not_the_project()
    {
        var project = new SyncQuotaKey(NewKey("project"), SyncQuotaLimit.PerMinute(60_000));
        var alice = new SyncQuotaKey(NewKey("alice"), SyncQuotaLimit.PerMinute(6000));
        var bob = new SyncQuotaKey(NewKey("bob"), SyncQuotaLimit.PerMinute(6000));
        var worker = Client(_databaseA, request => request.RequestUri!.AbsolutePath.Contains("bob", StringComparison.Ordinal) ? [project, bob] : [project, alice]);
        _server.Faults.Enqueue(Fault.UserRateLimited(TimeSpan.FromSeconds(2)), r => r.CalendarId == "alice-1");

        using (var throttled = await worker.GetAsync(_server.EventsUri("alice-1")))
        {
            Assert.That((int)throttled.StatusCode, Is.EqualTo(403));
            Assert.That(await throttled.Content.ReadAsStringAsync(), Does.Contain("userRateLimitExceeded"), "the body is still there for the sync loop");
        }

        using (await worker.GetAsync(_server.EventsUri("bob-1")))
        using (await worker.GetAsync(_server.EventsUri("alice-2")))
        {
        }

        await _server.WhenRequestsAnsweredAsync();
        var at = _server.Requests.ToDictionary(r => r.CalendarId!, r => r.Time);
        Assert.That(at["bob-1"] - at["alice-1"], Is.LessThan(TimeSpan.FromSeconds(1)), "another user of the project went at once");
        Assert.That(at["alice-2"] - at["alice-1"], Is.GreaterThanOrEqualTo(TimeSpan.FromSeconds(1.9)), "the user waited out the Retry-After");
    }

    [Test]
    public async Task At_most_four_requests_of_a_mailbox_are_in_flight_across_workers()
    {
        var mailbox = new SyncQuotaKey(NewKey("mailbox"), new SyncQuotaLimit(10_000, TimeSpan.FromMinutes(10), maxConcurrent: 4));
        var inFlight = new InFlightCounter();
        var workerA = Client(_databaseA, _ => [mailbox], inFlight);
        var workerB = Client(_databaseB, _ => [mailbox], inFlight);
        _server.Faults.Enqueue(Fault.Delay(TimeSpan.FromMilliseconds(200)), times: 1000);

        var requests = Enumerable.Range(0, 8).SelectMany(i => new[]
        {
            workerA.GetAsync(_server.EventsUri("mail-a")),
            workerB.GetAsync(_server.EventsUri("mail-b")),
        }).ToList();
        foreach (var response in await Task.WhenAll(requests))
        {
            Assert.That(response.IsSuccessStatusCode, Is.True);
            response.Dispose();
        }

        Assert.That(inFlight.Max, Is.LessThanOrEqualTo(4), "requests in flight at once over both workers");
        Assert.That(inFlight.Max, Is.GreaterThanOrEqualTo(2), "the slots were used concurrently");
    }

    [Test]
    public async Task Full_passes_starting_together_are_spread_over_the_jitter_window()
    {
        var key = new SyncQuotaKey(NewKey("user"), SyncQuotaLimit.PerMinute(60_000));
        var worker = Client(_databaseA, _ => [key], jitter: TimeSpan.FromSeconds(1.5));
        var started = DateTimeOffset.UtcNow;

        // Twenty relistings (no syncToken) and twenty incremental requests, all at once.
        var full = Enumerable.Range(0, 20).Select(i => worker.GetAsync(_server.EventsUri($"full-{i}")));
        var incremental = Enumerable.Range(0, 20).Select(i => worker.GetAsync(new Uri(_server.EventsUri($"incr-{i}") + "?syncToken=x")));
        foreach (var response in await Task.WhenAll(full.Concat(incremental)))
        {
            response.Dispose();
        }

        await _server.WhenRequestsAnsweredAsync();
        var fullAt = _server.Requests.Where(r => r.CalendarId!.StartsWith("full-", StringComparison.Ordinal)).Select(r => r.Time - started).OrderBy(t => t).ToList();
        var incrementalAt = _server.Requests.Where(r => r.CalendarId!.StartsWith("incr-", StringComparison.Ordinal)).Select(r => r.Time - started).ToList();
        Assert.That(fullAt[^1] - fullAt[0], Is.GreaterThanOrEqualTo(TimeSpan.FromSeconds(0.75)), "the relistings were spread");
        Assert.That(fullAt.Count(t => t < TimeSpan.FromSeconds(0.5)), Is.LessThan(15), "most relistings did not go at once");
        Assert.That(incrementalAt.Max(), Is.LessThan(fullAt[^1]), "incremental requests were not delayed behind them");
    }

    private static string NewKey(string prefix) => $"test:{prefix}:{Guid.NewGuid():N}";

    private HttpClient Client(PostgreSqlSyncDatabase database, Func<HttpRequestMessage, IReadOnlyList<SyncQuotaKey>> keys, InFlightCounter? counter = null, TimeSpan? jitter = null)
    {
        HttpMessageHandler transport = new SocketsHttpHandler();
        if (counter is not null)
        {
            transport = new CountingHandler(counter) { InnerHandler = transport };
        }

        var handler = new SyncQuotaHandler(new PostgreSqlSyncQuota(database), keys, new SyncQuotaHandlerOptions { FullPassJitter = jitter ?? TimeSpan.Zero })
        {
            InnerHandler = transport,
        };
        var client = new HttpClient(handler);
        _clients.Add(client);
        return client;
    }

    private async Task HammerAsync(HttpClient client, string calendar, CancellationToken stop)
    {
        while (!stop.IsCancellationRequested)
        {
            try
            {
                using var response = await client.GetAsync(_server.EventsUri(calendar), stop);
                Assert.That(response.IsSuccessStatusCode, Is.True);
            }
            catch (OperationCanceledException) when (stop.IsCancellationRequested)
            {
                return;
            }
        }
    }

    private static int MaxInWindow(List<DateTimeOffset> sorted, TimeSpan window)
    {
        var max = 0;
        for (int start = 0, end = 0; end < sorted.Count; end++)
        {
            while (sorted[end] - sorted[start] >= window)
            {
                start++;
            }

            max = Math.Max(max, end - start + 1);
        }

        return max;
    }

    private sealed class InFlightCounter
    {
        private int _now;
        private int _max;

        public int Max => Volatile.Read(ref _max);

        public void Enter()
        {
            var now = Interlocked.Increment(ref _now);
            int seen;
            while (now > (seen = Volatile.Read(ref _max)) && Interlocked.CompareExchange(ref _max, now, seen) != seen)
            {
            }
        }

        public void Leave() => Interlocked.Decrement(ref _now);
    }

    /// <summary>Counts requests between the quota and the wire, over every client that shares the counter.</summary>
    private sealed class CountingHandler(InFlightCounter counter) : DelegatingHandler
    {
        protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            counter.Enter();
            try
            {
                var response = await base.SendAsync(request, cancellationToken);
                await response.Content.LoadIntoBufferAsync(cancellationToken);
                return response;
            }
            finally
            {
                counter.Leave();
            }
        }
    }
}
