using System;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using NUnit.Framework;
using SyncGen.AspNetCore.Webhooks;
using SyncGen.Testing.FakeServer;
using SyncGen.Testing.Push;

namespace SyncGen.AspNetCore.Tests.Webhooks;

/// <summary>
/// The kit's push catalog against the webhook, for the fake Calendar and the fake Graph: twenty changes under each
/// scenario, and every mirror converges with no forged notification accepted. Where notifications are lost the worker
/// polls every 2 s (the safety net); elsewhere it polls once a day, so push alone must carry the mirror.
/// </summary>
[TestFixture]
public sealed class PushScenarioTests
{
    private const int Changes = 20;
    private static readonly TimeSpan SafetyNet = TimeSpan.FromSeconds(2);

    [TestCaseSource(typeof(PushScenarioCatalog), nameof(PushScenarioCatalog.All))]
    [CancelAfter(60_000)]
    public async Task Calendar_mirror_converges_under(PushScenario scenario, CancellationToken cancellationToken)
    {
        const string calendarId = "cal-s";
        await using var server = await FakeCalendarServer.StartAsync(cancellationToken: cancellationToken);
        var calendar = server.GetCalendar(calendarId);
        await using var host = await PushHost.StartAsync(
            collection => server.GetCalendar(collection).Position,
            [calendarId],
            collection => GoogleWatchTarget.Calendar(server.BaseUri, "calendars/" + collection + "/events"),
            interval: scenario.NeedsSafetyNet ? SafetyNet : TimeSpan.FromDays(1),
            cancellationToken: cancellationToken);
        await PushHost.EventuallyAsync(async () => (await host.Channels.ListAsync(cancellationToken)).Any(c => c.ResourceId is not null), cancellationToken);
        var channel = server.Channels.Live.Single();
        scenario.Apply(server.Channels.Faults);

        for (var i = 0; i < Changes; i++)
        {
            if (scenario.EndsChannels && i == Changes / 4)
            {
                server.Channels.ExpireAll();
            }

            calendar.Upsert(new FakeEvent($"e{i}", $"change {i}", DateTimeOffset.UnixEpoch, DateTimeOffset.UnixEpoch.AddHours(1)));
            for (var forged = 0; forged < scenario.ForgedPerChange; forged++)
            {
                await server.Channels.ForgeAsync(host.Route("google"), forged % 2 == 0 ? channel.Id : "syncgen-forged-" + i, channel.Token + "-forged");
            }

            await Task.Delay(25, cancellationToken); // changes spread over half a second, as users make them
        }

        await server.Channels.WhenDeliveredAsync(cancellationToken);
        if (scenario.NeedsSafetyNet)
        {
            // Once push has done all it will, one more change that no notification announces: only the poll can find it.
            await host.WhenPushSettledAsync(calendarId, cancellationToken);
            server.Channels.Faults.DropRate = 1;
            calendar.Upsert(new FakeEvent("unannounced", "found by polling", DateTimeOffset.UnixEpoch, DateTimeOffset.UnixEpoch.AddHours(1)));
        }

        await PushHost.EventuallyAsync(() => Task.FromResult(host.Runner.Mirrored(calendarId) == calendar.Position), cancellationToken);
        AssertNoForgeryAccepted(host, scenario);
    }

    [TestCaseSource(typeof(PushScenarioCatalog), nameof(PushScenarioCatalog.All))]
    [CancelAfter(60_000)]
    public async Task Graph_mirror_converges_under(PushScenario scenario, CancellationToken cancellationToken)
    {
        const string collection = "users";
        await using var graph = await FakeSyncServer.StartAsync(SyncDialects.MicrosoftGraph);
        await using var host = await PushHost.StartAsync(
            _ => graph.Position,
            [collection],
            _ => new GraphSubscriptionTarget(new Uri(graph.BaseUri, "subscriptions"), "users"),
            interval: scenario.NeedsSafetyNet ? SafetyNet : TimeSpan.FromDays(1),
            cancellationToken: cancellationToken);
        await PushHost.EventuallyAsync(async () => (await host.Channels.ListAsync(cancellationToken)).Count == 1, cancellationToken);
        var subscription = graph.Subscriptions.Live.Single();
        scenario.Apply(graph.Subscriptions.Faults);

        for (var i = 0; i < Changes; i++)
        {
            if (scenario.EndsChannels && i == Changes / 4)
            {
                graph.Subscriptions.Expire(subscription.Id);
            }

            graph.Upsert($"u{i}", $"change {i}");
            for (var forged = 0; forged < scenario.ForgedPerChange; forged++)
            {
                await graph.Subscriptions.ForgeAsync(host.Route("graph"), forged % 2 == 0 ? subscription.Id : "sub-forged-" + i, "forged-client-state");
            }

            await Task.Delay(25, cancellationToken);
        }

        await graph.Subscriptions.WhenDeliveredAsync(cancellationToken);
        if (scenario.NeedsSafetyNet)
        {
            await host.WhenPushSettledAsync(collection, cancellationToken);
            graph.Subscriptions.Faults.DropRate = 1;
            graph.Upsert("unannounced", "found by polling");
        }

        await PushHost.EventuallyAsync(() => Task.FromResult(host.Runner.Mirrored(collection) == graph.Position), cancellationToken);
        AssertNoForgeryAccepted(host, scenario);
    }

    private static void AssertNoForgeryAccepted(PushHost host, PushScenario scenario)
    {
        var forged = Changes * scenario.ForgedPerChange;
        var refused = host.Count("syncgen.webhook.notifications", "refused", "wrong_token") + host.Count("syncgen.webhook.notifications", "refused", "unknown_channel");
        using (Assert.EnterMultipleScope())
        {
            Assert.That(refused, Is.EqualTo(forged), "every forged notification was refused");
            Assert.That(host.Count("syncgen.webhook.notifications", "accepted"), Is.LessThanOrEqualTo(Changes * (1 + scenario.DuplicateRate)), "only real notifications were accepted");
        }
    }
}
