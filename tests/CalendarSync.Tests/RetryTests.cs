using System;
using System.Linq;
using System.Threading.Tasks;
using NUnit.Framework;
using SyncGen;
using SyncGen.Testing.FakeServer;

namespace CalendarSync.Tests;

/// <summary>docs/protocol.md edge case 9: what is retried, how often, and how long the client waits.</summary>
public class RetryTests : CalendarSyncTestBase
{
    private static readonly object[] TransientFaults =
    {
        new object[] { Fault.RateLimited(), 429 },
        new object[] { Fault.Status(403, "rateLimitExceeded"), 403 },
        new object[] { Fault.UserRateLimited(), 403 },
        new object[] { Fault.BackendError(), 500 },
        new object[] { Fault.Status(502), 502 },
        new object[] { Fault.ServiceUnavailable(), 503 },
        new object[] { Fault.Status(504), 504 },
        new object[] { Fault.Abort(), 0 },
    };

    [TestCaseSource(nameof(TransientFaults))]
    public async Task Transient_failures_are_retried_and_the_sync_completes(Fault fault, int status)
    {
        Calendar.AddMany(25);
        Server.Faults.Enqueue(fault, r => r.PageNumber == 2, times: 2);

        var result = await Repository(pageSize: 10).SyncAsync();

        Assert.That(result.Retries, Is.EqualTo(2));
        var failed = (await EventRequestsAsync()).Where(r => r.FaultFired).Select(r => r.StatusCode).ToList();
        Assert.That(failed, Is.EqualTo(new[] { status, status }));
        await AssertMirrorEqualsServerAsync();
    }

    [Test]
    public async Task A_forbidden_403_that_is_not_a_rate_limit_is_not_retried()
    {
        Calendar.AddMany(5);
        Server.Faults.Enqueue(Fault.Status(403, "forbidden"));

        var exception = Assert.ThrowsAsync<SyncRequestFailedException>(() => Repository().SyncAsync());

        Assert.That(exception!.Attempts, Is.EqualTo(1));
        Assert.That((await EventRequestsAsync()), Has.Count.EqualTo(1));
    }

    [Test]
    public async Task Retries_stop_at_the_budget_with_a_typed_error()
    {
        Calendar.AddMany(5);
        Server.Faults.Enqueue(Fault.ServiceUnavailable(), times: 50);

        var exception = Assert.ThrowsAsync<SyncRequestFailedException>(() => Repository(options: FastRetries(maxRetries: 3)).SyncAsync());

        Assert.That(exception!.Attempts, Is.EqualTo(4));
        Assert.That(exception.StatusCode, Is.EqualTo(503));
        Assert.That(exception.Message, Does.Contain("gave up after 4 attempts"));
        Assert.That((await EventRequestsAsync()), Has.Count.EqualTo(4));
        Assert.That((await ReadStateAsync()).Token, Is.Null);
    }

    [Test]
    public async Task Retry_after_from_the_server_is_honoured_over_the_computed_backoff()
    {
        Calendar.AddMany(5);
        Server.Faults.Enqueue(Fault.RateLimited(TimeSpan.FromSeconds(1)));

        var result = await Repository().SyncAsync();

        var requests = (await EventRequestsAsync());
        Assert.That(result.Retries, Is.EqualTo(1));
        // The computed backoff is 1-5 ms; only the server's Retry-After explains a gap of a second.
        Assert.That(requests[1].Time - requests[0].Time, Is.GreaterThanOrEqualTo(TimeSpan.FromMilliseconds(950)));
    }

    [Test]
    public async Task A_retry_after_beyond_the_limit_fails_fast_instead_of_stalling()
    {
        Calendar.AddMany(5);
        Server.Faults.Enqueue(Fault.RateLimited(TimeSpan.FromHours(1)));
        var options = FastRetries() with { Retry = FastRetries().Retry with { MaxRetryAfter = TimeSpan.FromSeconds(30) } };

        var exception = Assert.ThrowsAsync<SyncRequestFailedException>(() => Repository(options: options).SyncAsync());

        Assert.That(exception!.StatusCode, Is.EqualTo(429));
        Assert.That((await EventRequestsAsync()), Has.Count.EqualTo(1));
    }
}
