using System;
using System.Linq;
using System.Net;
using System.Net.Http;
using System.Threading;
using System.Threading.Tasks;
using NUnit.Framework;
using SyncGen.AspNetCore.Webhooks;
using SyncGen.Testing.FakeServer;

namespace SyncGen.AspNetCore.Tests.Webhooks;

/// <summary>Microsoft Graph subscriptions end to end against the kit's fake Graph: handshake, changes, lifecycle events, renewal.</summary>
[TestFixture]
public sealed class GraphSubscriptionTests
{
    private const string Users = "users";

    private static async Task<(FakeSyncServer Graph, PushHost Host)> StartAsync(CancellationToken cancellationToken, Action<SyncGenPushOptions>? configure = null)
    {
        var graph = await FakeSyncServer.StartAsync(SyncDialects.MicrosoftGraph);
        var host = await PushHost.StartAsync(
            _ => graph.Position,
            [Users],
            _ => new GraphSubscriptionTarget(new Uri(graph.BaseUri, "subscriptions"), "users", "updated,deleted"),
            configure,
            cancellationToken: cancellationToken);
        await PushHost.EventuallyAsync(async () => graph.Subscriptions.Live.Count == 1 && (await host.Channels.ListAsync(cancellationToken)).Count == 1, cancellationToken);
        return (graph, host);
    }

    [Test]
    [CancelAfter(60_000)]
    public async Task A_subscription_passes_the_validation_handshake_and_a_change_triggers_a_pass(CancellationToken cancellationToken)
    {
        var (graph, host) = await StartAsync(cancellationToken);
        await using (graph)
        await using (host)
        {
            var subscription = graph.Subscriptions.Live.Single();
            var stored = (await host.Channels.ListAsync(cancellationToken)).Single();
            graph.Upsert("u1", "Ada Lovelace");
            graph.Upsert("u2", "Alan Turing");
            await PushHost.EventuallyAsync(() => Task.FromResult(host.Runner.Mirrored(Users) == graph.Position), cancellationToken);
            await graph.Subscriptions.WhenDeliveredAsync(cancellationToken);
            var deliveries = graph.Subscriptions.Deliveries;
            using (Assert.EnterMultipleScope())
            {
                Assert.That(deliveries.Where(d => d.Kind == "validation").Select(d => d.StatusCode), Is.EqualTo(new[] { 200, 200 }), "both URLs echoed the token");
                Assert.That(subscription.NotificationUrl, Is.EqualTo(host.Route("graph")));
                Assert.That(subscription.LifecycleNotificationUrl, Is.EqualTo(host.Route("graph/lifecycle")));
                Assert.That(subscription.ClientState, Has.Length.GreaterThanOrEqualTo(40));
                Assert.That(stored.Id, Is.EqualTo(subscription.Id));
                Assert.That(stored.Provider, Is.EqualTo(PushProvider.Graph));
                Assert.That(deliveries.Where(d => d.Kind == "change").Select(d => d.StatusCode), Is.EqualTo(new[] { 202, 202 }));
                Assert.That(host.Count("syncgen.webhook.notifications", "accepted"), Is.EqualTo(2));
            }
        }
    }

    [Test]
    [CancelAfter(30_000)]
    public async Task The_validation_request_is_echoed_as_plain_text(CancellationToken cancellationToken)
    {
        var (graph, host) = await StartAsync(cancellationToken);
        await using (graph)
        await using (host)
        {
            using var http = new HttpClient();
            using var answer = await http.PostAsync(new Uri(host.Route("graph/lifecycle") + "?validationToken=" + Uri.EscapeDataString("a <b>&c")), null, cancellationToken);
            using (Assert.EnterMultipleScope())
            {
                Assert.That(answer.StatusCode, Is.EqualTo(HttpStatusCode.OK));
                Assert.That(answer.Content.Headers.ContentType?.MediaType, Is.EqualTo("text/plain"));
                Assert.That(await answer.Content.ReadAsStringAsync(cancellationToken), Is.EqualTo("a <b>&c"));
            }
        }
    }

    [Test]
    [CancelAfter(60_000)]
    public async Task ReauthorizationRequired_renews_the_subscription_in_place(CancellationToken cancellationToken)
    {
        var (graph, host) = await StartAsync(cancellationToken, push => push.ChannelLifetime = TimeSpan.FromHours(2));
        await using (graph)
        await using (host)
        {
            var before = graph.Subscriptions.Live.Single();
            graph.Subscriptions.MaxLifetime = TimeSpan.FromHours(3); // so that the renewal's new expiry is visibly later
            Assert.That(await graph.Subscriptions.SendLifecycleAsync(before.Id, "reauthorizationRequired"), Is.EqualTo(202));
            // Graph moves the expiry before it answers the renewal; the host stores it after the answer arrives.
            await PushHost.EventuallyAsync(async () => graph.Subscriptions.Live.Single().ExpirationDateTime > before.ExpirationDateTime
                && (await host.Channels.ListAsync(cancellationToken)).Single().ExpiresAt > before.ExpirationDateTime, cancellationToken);
            var stored = (await host.Channels.ListAsync(cancellationToken)).Single();
            using (Assert.EnterMultipleScope())
            {
                Assert.That(graph.Subscriptions.Live.Single().Id, Is.EqualTo(before.Id), "renewed, not replaced");
                Assert.That(stored.ExpiresAt, Is.EqualTo(graph.Subscriptions.Live.Single().ExpirationDateTime).Within(TimeSpan.FromMilliseconds(1)));
                Assert.That(host.Count("syncgen.webhook.notifications", "lifecycle"), Is.EqualTo(1));
            }
        }
    }

    [Test]
    [CancelAfter(60_000)]
    public async Task SubscriptionRemoved_subscribes_again_and_syncs(CancellationToken cancellationToken)
    {
        var (graph, host) = await StartAsync(cancellationToken);
        await using (graph)
        await using (host)
        {
            var removed = graph.Subscriptions.Live.Single();
            graph.Upsert("u1", "changed while no subscription existed");
            await graph.Subscriptions.WhenDeliveredAsync(cancellationToken);
            await PushHost.EventuallyAsync(() => Task.FromResult(host.Runner.Passes(Users) == 1), cancellationToken);
            Assert.That(await graph.Subscriptions.RemoveAsync(removed.Id), Is.EqualTo(202));
            await PushHost.EventuallyAsync(async () => graph.Subscriptions.Live.Count == 1 && (await host.Channels.ListAsync(cancellationToken)).Single().Id != removed.Id, cancellationToken);
            await PushHost.EventuallyAsync(() => Task.FromResult(host.Runner.Passes(Users) >= 2), cancellationToken);
            Assert.That((await host.Channels.ListAsync(cancellationToken)).Single().Id, Is.EqualTo(graph.Subscriptions.Live.Single().Id));
        }
    }

    [Test]
    [CancelAfter(60_000)]
    public async Task Missed_triggers_a_pass(CancellationToken cancellationToken)
    {
        var (graph, host) = await StartAsync(cancellationToken);
        await using (graph)
        await using (host)
        {
            var subscription = graph.Subscriptions.Live.Single();
            graph.Subscriptions.Faults.DropRate = 1; // the change notification is lost; Graph says so with `missed`
            graph.Upsert("u1", "lost");
            await graph.Subscriptions.WhenDeliveredAsync(cancellationToken);
            Assert.That(host.Runner.Passes(Users), Is.Zero);
            Assert.That(await graph.Subscriptions.SendLifecycleAsync(subscription.Id, "missed"), Is.EqualTo(202));
            await PushHost.EventuallyAsync(() => Task.FromResult(host.Runner.Mirrored(Users) == graph.Position), cancellationToken);
        }
    }

    [Test]
    [CancelAfter(60_000)]
    public async Task A_wrong_clientState_an_unknown_subscription_and_a_malformed_batch_are_refused_and_trigger_nothing(CancellationToken cancellationToken)
    {
        var (graph, host) = await StartAsync(cancellationToken);
        await using (graph)
        await using (host)
        {
            var subscription = graph.Subscriptions.Live.Single();
            var wrong = await graph.Subscriptions.ForgeAsync(host.Route("graph"), subscription.Id, "not-the-client-state");
            var unknown = await graph.Subscriptions.ForgeAsync(host.Route("graph"), "sub-unknown", subscription.ClientState);
            using var http = new HttpClient();
            using var malformed = await http.PostAsync(host.Route("graph"), new StringContent("{\"value\":[{\"clientState\":1}]}"), cancellationToken);
            using var notJson = await http.PostAsync(host.Route("graph/lifecycle"), new StringContent("<xml/>"), cancellationToken);
            using (Assert.EnterMultipleScope())
            {
                Assert.That(wrong, Is.EqualTo(403));
                Assert.That(unknown, Is.EqualTo(404));
                Assert.That(malformed.StatusCode, Is.EqualTo(HttpStatusCode.BadRequest));
                Assert.That(notJson.StatusCode, Is.EqualTo(HttpStatusCode.BadRequest));
                Assert.That(host.Count("syncgen.webhook.notifications", "refused", "wrong_token"), Is.EqualTo(1));
                Assert.That(host.Count("syncgen.webhook.notifications", "refused", "unknown_channel"), Is.EqualTo(1));
                Assert.That(host.Count("syncgen.webhook.notifications", "refused", "malformed"), Is.EqualTo(2));
                Assert.That(host.Dispatcher.Pending, Is.Zero);
                Assert.That(host.Runner.Passes(Users), Is.Zero);
            }
        }
    }
}
