using System;
using System.Linq;
using System.Threading.Tasks;
using NUnit.Framework;
using SyncGen;
using SyncGen.Testing.FakeServer;

namespace CalendarSync.Tests;

/// <summary>docs/protocol.md edge cases 5 and 7: 410 on any page, bounded recovery, the store replaced not merged.</summary>
public class ExpiryTests : CalendarSyncTestBase
{
    [Test]
    public async Task Expired_token_on_page_1_runs_a_full_sync_that_replaces_the_mirror()
    {
        Calendar.AddMany(30);
        var repository = Repository(pageSize: 10);
        await repository.SyncAsync();
        // Deleted while tokens expire: the full sync carries no tombstone, so only replacing the mirror drops it.
        Calendar.Delete("evt-000007");
        Calendar.ExpireSyncTokens();
        Server.ClearRequests();

        var result = await repository.SyncAsync();

        Assert.That(result.StartedAs, Is.EqualTo(SyncPassKind.Incremental));
        Assert.That(result.Kind, Is.EqualTo(SyncPassKind.Full));
        Assert.That(result.ExpiriesRecovered, Is.EqualTo(1));
        var requests = (await EventRequestsAsync());
        Assert.That(requests[0].StatusCode, Is.EqualTo(410));
        Assert.That(requests.Skip(1).Select(r => r.SyncToken), Has.All.Null, "the dead token is not sent again");
        Assert.That((await ReadStateAsync()).Items.Select(i => i.Split('|')[0]), Does.Not.Contain("evt-000007"));
        await AssertMirrorEqualsServerAsync();
        Assert.That(result.SyncToken, Is.EqualTo(Calendar.CurrentSyncToken));
    }

    [Test]
    public async Task Expired_token_on_page_n_discards_the_staged_pages_and_recovers()
    {
        Calendar.AddMany(40);
        var repository = Repository(pageSize: 10);
        await repository.SyncAsync();
        foreach (var e in Calendar.LiveEvents.Take(25).ToList())
        {
            Calendar.Upsert(e with { Summary = "v2 " + e.Summary });
        }

        Server.Faults.Enqueue(Fault.TokenExpired(), r => r.IsIncremental && r.PageNumber == 3);

        var result = await repository.SyncAsync();

        Assert.That(result.ExpiriesRecovered, Is.EqualTo(1));
        Assert.That(result.Kind, Is.EqualTo(SyncPassKind.Full));
        Assert.That(result.Upserts, Is.EqualTo(40));
        await AssertMirrorEqualsServerAsync();
    }

    [Test]
    public async Task Expiry_on_the_recovery_full_sync_is_recovered_again_within_the_bound()
    {
        Calendar.AddMany(20);
        var repository = Repository(pageSize: 10);
        await repository.SyncAsync();
        Calendar.ExpireSyncTokens();
        Server.Faults.Enqueue(Fault.TokenExpired(), r => !r.IsIncremental && r.PageNumber == 2);

        var result = await repository.SyncAsync();

        Assert.That(result.ExpiriesRecovered, Is.EqualTo(2));
        await AssertMirrorEqualsServerAsync();
    }

    [Test]
    public async Task A_server_that_keeps_answering_410_fails_with_a_typed_error_and_loses_nothing()
    {
        Calendar.AddMany(20);
        var repository = Repository(pageSize: 10);
        await repository.SyncAsync();
        var before = await ReadStateAsync();
        Server.Faults.Enqueue(Fault.TokenExpired(), times: 100);
        Server.ClearRequests();

        var exception = Assert.ThrowsAsync<SyncExpiryLoopException>(() => repository.SyncAsync());

        Assert.That(exception!.Expiries, Is.EqualTo(3));
        Assert.That(exception.Message, Does.Contain("3 times"));
        Assert.That((await EventRequestsAsync()), Has.Count.EqualTo(3), "bounded: one request per attempt, no recursion");
        Assert.That(await ReadStateAsync(), Is.EqualTo(before), "token and items exactly as before the call");
    }

    [Test]
    public async Task A_410_with_reason_deleted_is_not_a_token_expiry()
    {
        Calendar.AddMany(5);
        var repository = Repository();
        await repository.SyncAsync();
        var before = await ReadStateAsync();
        Server.Faults.Enqueue(Fault.Status(410, "deleted", "Resource has been deleted"));

        var exception = Assert.ThrowsAsync<SyncRequestFailedException>(() => repository.SyncAsync());

        Assert.That(exception!.StatusCode, Is.EqualTo(410));
        Assert.That(exception.Reason, Is.EqualTo("deleted"));
        Assert.That(await ReadStateAsync(), Is.EqualTo(before));
    }
}
