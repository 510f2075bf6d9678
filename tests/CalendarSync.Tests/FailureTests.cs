using System.Linq;
using System.Threading.Tasks;
using NUnit.Framework;
using SyncGen;
using SyncGen.Testing.FakeServer;

namespace CalendarSync.Tests;

/// <summary>
/// docs/protocol.md edge case 10 and the token rule: whatever goes wrong, the call fails with a typed error naming the
/// request, and the stored token and items are exactly as before.
/// </summary>
public class FailureTests : CalendarSyncTestBase
{
    private CalendarSync.Repository.CalendarEventsRepository _repository = null!;
    private StoreState _before = null!;

    /// <summary>A committed mirror of 30 events and 12 pending changes, so every failure has something to lose.</summary>
    private async Task ArrangeIncrementalAsync()
    {
        Calendar.AddMany(30);
        _repository = Repository(pageSize: 5);
        await _repository.SyncAsync();
        foreach (var e in Calendar.LiveEvents.Take(12).ToList())
        {
            Calendar.Upsert(e with { Summary = "pending " + e.Id });
        }

        _before = await ReadStateAsync();
        Server.ClearRequests();
    }

    [Test]
    public async Task Failure_on_page_3_of_a_full_sync_stores_no_token_and_no_items()
    {
        Calendar.AddMany(30);
        var repository = Repository(pageSize: 5);
        Server.Faults.Enqueue(Fault.Status(400, "invalid", "Invalid Value"), r => r.PageNumber == 3);

        var exception = Assert.ThrowsAsync<SyncRequestFailedException>(() => repository.SyncAsync());

        Assert.That(exception!.StatusCode, Is.EqualTo(400));
        Assert.That(exception.Attempts, Is.EqualTo(1), "400 is never retried");
        Assert.That(exception.Request.PageNumber, Is.EqualTo(3));
        Assert.That(exception.Message, Does.Contain("page 3"));
        var state = await ReadStateAsync();
        Assert.That(state.Token, Is.Null);
        Assert.That(state.Items, Is.Empty, "the two pages staged before the failure are not visible");
    }

    [TestCase(400, "syncTokenWithRequestRestrictions")]
    [TestCase(401, "authError")]
    [TestCase(404, "notFound")]
    public async Task Client_errors_on_page_2_are_not_retried_and_change_nothing(int status, string reason)
    {
        await ArrangeIncrementalAsync();
        Server.Faults.Enqueue(Fault.Status(status, reason), r => r.PageNumber == 2);

        var exception = Assert.ThrowsAsync<SyncRequestFailedException>(() => _repository.SyncAsync());

        Assert.That(exception!.StatusCode, Is.EqualTo(status));
        Assert.That(exception.Reason, Is.EqualTo(reason));
        Assert.That((await EventRequestsAsync()), Has.Count.EqualTo(2), "page 1, then page 2 once: no retry, nothing after the error");
        Assert.That(await ReadStateAsync(), Is.EqualTo(_before));
    }

    [Test]
    public async Task A_page_with_neither_token_is_a_protocol_error()
    {
        await ArrangeIncrementalAsync();
        Server.Faults.Enqueue(Fault.NoTokens(), r => r.PageNumber == 2);

        var exception = Assert.ThrowsAsync<SyncProtocolException>(() => _repository.SyncAsync());

        Assert.That(exception!.Violation, Is.EqualTo(SyncProtocolViolation.MissingTokens));
        Assert.That(exception.Request.PageNumber, Is.EqualTo(2));
        Assert.That(exception.Message, Does.Contain("neither a next page token nor a next sync token"));
        Assert.That(await ReadStateAsync(), Is.EqualTo(_before));
    }

    [Test]
    public async Task A_page_token_loop_is_detected_instead_of_followed_forever()
    {
        await ArrangeIncrementalAsync();
        Server.Faults.Enqueue(Fault.PageTokenLoop(), r => r.PageNumber == 2);

        var exception = Assert.ThrowsAsync<SyncProtocolException>(() => _repository.SyncAsync());

        Assert.That(exception!.Violation, Is.EqualTo(SyncProtocolViolation.PageTokenLoop));
        Assert.That((await EventRequestsAsync()), Has.Count.EqualTo(2), "the repeated token is never requested again");
        Assert.That(await ReadStateAsync(), Is.EqualTo(_before));
    }

    [Test]
    public async Task Malformed_json_is_a_protocol_error()
    {
        await ArrangeIncrementalAsync();
        Server.Faults.Enqueue(Fault.MalformedJson(), r => r.PageNumber == 2);

        var exception = Assert.ThrowsAsync<SyncProtocolException>(() => _repository.SyncAsync());

        Assert.That(exception!.Violation, Is.EqualTo(SyncProtocolViolation.MalformedResponse));
        Assert.That(exception.Request.PageNumber, Is.EqualTo(2));
        Assert.That(await ReadStateAsync(), Is.EqualTo(_before));
    }

    [Test]
    public async Task A_truncated_body_is_a_protocol_error()
    {
        await ArrangeIncrementalAsync();
        Server.Faults.Enqueue(Fault.TruncatedBody(0.6), r => r.PageNumber == 3);

        var exception = Assert.ThrowsAsync<SyncProtocolException>(() => _repository.SyncAsync());

        Assert.That(exception!.Violation, Is.EqualTo(SyncProtocolViolation.MalformedResponse));
        Assert.That(exception.Request.PageNumber, Is.EqualTo(3));
        Assert.That(await ReadStateAsync(), Is.EqualTo(_before));
    }

    [Test]
    public async Task After_a_failure_the_next_call_converges()
    {
        await ArrangeIncrementalAsync();
        Server.Faults.Enqueue(Fault.MalformedJson(), r => r.PageNumber == 2);
        Assert.ThrowsAsync<SyncProtocolException>(() => _repository.SyncAsync());

        var result = await _repository.SyncAsync();

        Assert.That(result.Kind, Is.EqualTo(SyncPassKind.Incremental));
        Assert.That(result.Upserts, Is.EqualTo(12));
        await AssertMirrorEqualsServerAsync();
    }
}
