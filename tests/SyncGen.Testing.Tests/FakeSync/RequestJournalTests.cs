using System;
using System.Linq;
using System.Net.Http;
using System.Threading;
using System.Threading.Tasks;
using NUnit.Framework;
using SyncGen.Testing.FakeServer;

namespace SyncGen.Testing.Tests.FakeSync;

/// <summary>
/// The embedded servers journal a request after its answer went out, so a client can see the answer (a reset above all)
/// before the journal holds it. The scenario runner waits for every request being answered before it reads a call's
/// journal; without that wait the crash's last reset landed in the restart's journal (crash-mid-pass-then-restart, 1 run
/// in 18 under load).
/// </summary>
public class RequestJournalTests
{
    [Test]
    public async Task A_request_being_answered_holds_the_wait_until_it_is_journalled()
    {
        var state = new EmbeddedServerState();
        state.BeginRequest();
        state.BeginRequest();

        var idle = state.WhenIdleAsync(CancellationToken.None);
        Assert.That(idle.IsCompleted, Is.False, "two requests are being answered");

        state.Record(Recorded(1));
        Assert.That(idle.IsCompleted, Is.False, "one request is still being answered");

        state.Record(Recorded(2));
        await idle;
        Assert.That(state.Requests.Select(r => r.Sequence), Is.EqualTo(new long[] { 1, 2 }));
        Assert.That(state.WhenIdleAsync(CancellationToken.None).IsCompleted, Is.True, "nothing is being answered");
    }

    [Test]
    public void The_wait_ends_with_its_cancellation_when_a_request_is_never_journalled()
    {
        var state = new EmbeddedServerState();
        state.BeginRequest();
        using var cancel = new CancellationTokenSource();

        var idle = state.WhenIdleAsync(cancel.Token);
        cancel.Cancel();

        Assert.That(async () => await idle, Throws.InstanceOf<OperationCanceledException>());
    }

    [Test]
    public async Task A_reset_request_is_in_the_journal_once_the_server_has_answered_everything()
    {
        await using var server = await FakeSyncServer.StartAsync(SyncDialects.GooglePeople);
        server.Upsert("people/c1", "Ada");
        server.Faults.Enqueue(Fault.Abort());
        using var http = new HttpClient();

        Assert.That(async () => await http.GetAsync(server.Endpoint), Throws.InstanceOf<HttpRequestException>());
        await server.WhenRequestsAnsweredAsync(CancellationToken.None);

        Assert.That(server.Requests.Select(r => (r.StatusCode, r.Fault?.Kind)), Is.EqualTo(new[] { (0, (FaultKind?)FaultKind.Abort) }));
    }

    private static RecordedRequest Recorded(long sequence) =>
        new(new FakeCalendarRequest(sequence, "GET", "/people/me/connections", "me", Array.Empty<System.Collections.Generic.KeyValuePair<string, string>>()), DateTimeOffset.UnixEpoch, 200, null);
}
