using System;
using System.Linq;
using System.Net.Http;
using System.Threading;
using System.Threading.Tasks;
using NUnit.Framework;
using SyncGen.Testing.FakeServer;

namespace SyncGen.Testing.Tests.FakeSync;

/// <summary>
/// <c>WhenRequestsAnsweredAsync</c> on both embedded servers, through real HTTP: a request is journaled after its answer
/// (or reset) went out, so a test reading <c>Requests</c> right after its client call must wait for it first.
/// </summary>
public sealed class WhenRequestsAnsweredTests
{
    [Test]
    public async Task The_sync_servers_journal_holds_a_reset_request_once_the_wait_completes()
    {
        await using var server = await FakeSyncServer.StartAsync(SyncDialects.GoogleDrive);
        server.Faults.Enqueue(Fault.Abort());
        using var http = new HttpClient();

        Assert.That(async () => await http.GetAsync(server.Endpoint), Throws.InstanceOf<HttpRequestException>());
        await server.WhenRequestsAnsweredAsync();

        Assert.That(server.Requests.Select(r => (r.Path, r.StatusCode, r.Fault?.Kind)), Is.EqualTo(new[] { (server.Endpoint.AbsolutePath, 0, (FaultKind?)FaultKind.Abort) }));
    }

    [Test]
    public async Task The_calendar_servers_journal_holds_a_reset_request_once_the_wait_completes()
    {
        await using var server = await FakeCalendarServer.StartAsync();
        server.Primary.AddMany(1);
        server.Faults.Enqueue(Fault.Abort());
        using var http = new HttpClient();

        Assert.That(async () => await http.GetAsync(server.EventsUri()), Throws.InstanceOf<HttpRequestException>());
        await server.WhenRequestsAnsweredAsync();

        Assert.That(server.Requests.Select(r => (r.CalendarId, r.StatusCode, r.Fault?.Kind)), Is.EqualTo(new[] { ("primary", 0, (FaultKind?)FaultKind.Abort) }));
    }

    [Test]
    public async Task The_wait_completes_at_once_when_no_request_is_being_answered()
    {
        await using var sync = await FakeSyncServer.StartAsync(SyncDialects.GooglePeople);
        await using var calendar = await FakeCalendarServer.StartAsync();
        using var http = new HttpClient();
        using var answered = await http.GetAsync(calendar.EventsUri());

        Assert.That(sync.WhenRequestsAnsweredAsync().IsCompletedSuccessfully, Is.True, "nothing was ever asked");
        await calendar.WhenRequestsAnsweredAsync();
        Assert.That(calendar.WhenRequestsAnsweredAsync().IsCompletedSuccessfully, Is.True, "the one request was answered");
        Assert.That(calendar.Requests.Select(r => r.StatusCode), Is.EqualTo(new[] { 200 }));
    }

    [Test]
    public async Task The_sync_servers_wait_holds_while_a_delayed_request_is_answered_and_completes_when_its_client_leaves()
    {
        await using var server = await FakeSyncServer.StartAsync(SyncDialects.GooglePeople);
        server.Faults.Enqueue(Fault.Delay(TimeSpan.FromMinutes(10)));
        using var http = new HttpClient();
        using var leave = new CancellationTokenSource();

        var call = http.GetAsync(server.Endpoint, leave.Token);
        var wait = await WaitPendingAsync(() => server.WhenRequestsAnsweredAsync(), call);

        Assert.That(wait.IsCompleted, Is.False, "the delayed request is still being answered");
        Assert.That(server.Requests, Is.Empty, "a request is journaled only once answered");

        leave.Cancel();
        Assert.That(async () => await call, Throws.InstanceOf<OperationCanceledException>());
        await wait;

        Assert.That(server.Requests.Select(r => (r.StatusCode, r.Fault?.Kind)), Is.EqualTo(new[] { (0, (FaultKind?)FaultKind.Delay) }));
    }

    [Test]
    public async Task The_calendar_servers_wait_holds_while_a_delayed_request_is_answered_and_completes_when_its_client_leaves()
    {
        await using var server = await FakeCalendarServer.StartAsync();
        server.Faults.Enqueue(Fault.Delay(TimeSpan.FromMinutes(10)));
        using var http = new HttpClient();
        using var leave = new CancellationTokenSource();

        var call = http.GetAsync(server.EventsUri(), leave.Token);
        var wait = await WaitPendingAsync(() => server.WhenRequestsAnsweredAsync(), call);

        Assert.That(wait.IsCompleted, Is.False, "the delayed request is still being answered");
        Assert.That(server.Requests, Is.Empty, "a request is journaled only once answered");

        leave.Cancel();
        Assert.That(async () => await call, Throws.InstanceOf<OperationCanceledException>());
        await wait;

        Assert.That(server.Requests.Select(r => (r.CalendarId, r.Fault?.Kind)), Is.EqualTo(new[] { ("primary", (FaultKind?)FaultKind.Delay) }));
    }

    [Test]
    public async Task A_cancelled_wait_ends_cancelled_while_a_request_is_still_being_answered()
    {
        await using var server = await FakeSyncServer.StartAsync(SyncDialects.GoogleCalendar);
        server.Faults.Enqueue(Fault.Delay(TimeSpan.FromMinutes(10)));
        using var http = new HttpClient();
        using var leave = new CancellationTokenSource();
        using var stopWaiting = new CancellationTokenSource();

        var call = http.GetAsync(server.Endpoint, leave.Token);
        var wait = await WaitPendingAsync(() => server.WhenRequestsAnsweredAsync(stopWaiting.Token), call);
        stopWaiting.Cancel();

        Assert.That(async () => await wait, Throws.InstanceOf<OperationCanceledException>());
        Assert.That(server.Requests, Is.Empty, "the delayed request is still being answered");
        Assert.That(server.WhenRequestsAnsweredAsync().IsCompleted, Is.False);

        leave.Cancel();
        Assert.That(async () => await call, Throws.InstanceOf<OperationCanceledException>());
    }

    [Test]
    public async Task A_wait_asked_with_a_cancelled_token_is_cancelled_even_when_idle()
    {
        await using var sync = await FakeSyncServer.StartAsync(SyncDialects.GoogleDrive);
        await using var calendar = await FakeCalendarServer.StartAsync();
        using var cancelled = new CancellationTokenSource();
        cancelled.Cancel();

        Assert.That(sync.WhenRequestsAnsweredAsync(cancelled.Token).IsCanceled, Is.True);
        Assert.That(calendar.WhenRequestsAnsweredAsync(cancelled.Token).IsCanceled, Is.True);
    }

    /// <summary>
    /// The server's wait once <paramref name="call"/>'s request is being answered. The request is counted only once its
    /// handler runs, which the client cannot observe, so this asks again until the wait is pending (or the call ended,
    /// which fails the test rather than spinning on).
    /// </summary>
    private static async Task<Task> WaitPendingAsync(Func<Task> whenAnswered, Task call)
    {
        while (true)
        {
            var wait = whenAnswered();
            if (!wait.IsCompleted)
            {
                return wait;
            }

            Assert.That(call.IsCompleted, Is.False, "the delayed call ended before its request was seen being answered");
            await Task.Delay(1);
        }
    }
}
