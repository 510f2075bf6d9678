using System;
using System.Linq;
using System.Net;
using System.Net.Http;
using System.Threading;
using System.Threading.Tasks;
using NUnit.Framework;
using SyncGen.AspNetCore.Webhooks;
using SyncGen.Testing.FakeServer;
using SyncGen.Testing.Push;

namespace SyncGen.AspNetCore.Tests.Webhooks;

/// <summary>Calendar watch channels end to end: the kit's fake Calendar notifies the webhook over real HTTP, which triggers Quartz passes.</summary>
[TestFixture]
public sealed class CalendarChannelTests
{
    private const string Calendar = "cal-1";

    private static async Task<(FakeCalendarServer Server, PushHost Host)> StartAsync(CancellationToken cancellationToken, Action<SyncGenPushOptions>? configure = null, TimeSpan? interval = null, Func<string, bool>? watched = null, params string[] calendars)
    {
        watched ??= _ => true;
        calendars = calendars.Length == 0 ? [Calendar] : calendars;
        var server = await FakeCalendarServer.StartAsync(cancellationToken: cancellationToken);
        var host = await PushHost.StartAsync(
            collection => server.GetCalendar(collection).Position,
            calendars,
            collection => watched(collection) ? GoogleWatchTarget.Calendar(server.BaseUri, "calendars/" + Uri.EscapeDataString(collection) + "/events") : null,
            configure,
            interval,
            cancellationToken);
        await PushHost.EventuallyAsync(async () => server.Channels.Live.Count == calendars.Length && (await host.Channels.ListAsync(cancellationToken)).All(c => c.ResourceId is not null), cancellationToken);
        await server.Channels.WhenDeliveredAsync(cancellationToken);
        return (server, host);
    }

    [Test]
    [CancelAfter(60_000)]
    public async Task A_collection_gets_a_watch_channel_whose_sync_message_is_confirmed_without_a_pass(CancellationToken cancellationToken)
    {
        var (server, host) = await StartAsync(cancellationToken);
        await using (server)
        await using (host)
        {
            var stored = (await host.Channels.ListAsync(cancellationToken)).Single();
            var live = server.Channels.Live.Single();
            var sync = server.Channels.Deliveries.Single();
            using (Assert.EnterMultipleScope())
            {
                Assert.That(live.Id, Is.EqualTo(stored.Id));
                Assert.That(live.Resource, Is.EqualTo("calendars/cal-1/events"));
                Assert.That(live.Address, Is.EqualTo(host.Route("google")));
                Assert.That(live.Token, Has.Length.GreaterThanOrEqualTo(40), "a random secret token is registered");
                Assert.That(stored.ResourceId, Is.EqualTo(live.ResourceId));
                Assert.That(stored.ExpiresAt.ToUnixTimeMilliseconds(), Is.EqualTo(live.Expiration.ToUnixTimeMilliseconds()), "the expiry Google answered is kept");
                Assert.That(sync.Kind, Is.EqualTo("sync"));
                Assert.That(sync.StatusCode, Is.EqualTo(200));
                Assert.That(host.Count("syncgen.webhook.notifications", "confirmed"), Is.EqualTo(1));
                Assert.That(host.Dispatcher.Pending, Is.Zero, "sync only confirms the channel");
                Assert.That(host.Count("syncgen.webhook.passes_triggered"), Is.Zero);
            }
        }
    }

    [Test]
    [CancelAfter(60_000)]
    public async Task A_change_triggers_a_pass_and_a_burst_of_notifications_becomes_one_pass(CancellationToken cancellationToken)
    {
        // The fake server posts the twenty notifications at once, but a loaded machine may spread their arrival over
        // hundreds of milliseconds: a one-second window keeps the burst within the few passes asserted below.
        var (server, host) = await StartAsync(cancellationToken, push => push.CoalesceWindow = TimeSpan.FromSeconds(1));
        await using (server)
        await using (host)
        {
            var calendar = server.GetCalendar(Calendar);
            for (var i = 0; i < 20; i++)
            {
                calendar.Upsert(new FakeEvent($"e{i}", "burst", DateTimeOffset.UnixEpoch, DateTimeOffset.UnixEpoch.AddHours(1)));
            }

            await PushHost.EventuallyAsync(() => Task.FromResult(host.Runner.Mirrored(Calendar) == calendar.Position), cancellationToken);
            await server.Channels.WhenDeliveredAsync(cancellationToken);
            await PushHost.EventuallyAsync(() => Task.FromResult(host.Dispatcher.Pending == 0), cancellationToken);
            var exists = server.Channels.Deliveries.Where(d => d.Kind == "exists").ToList();
            using (Assert.EnterMultipleScope())
            {
                Assert.That(exists, Has.Count.EqualTo(20));
                Assert.That(exists.Select(d => d.StatusCode), Is.All.EqualTo(200), "answered 200 before any sync work");
                Assert.That(host.Count("syncgen.webhook.notifications", "accepted"), Is.EqualTo(20));
                Assert.That(host.Count("syncgen.webhook.passes_triggered"), Is.InRange(1, 4), "twenty notifications within milliseconds are coalesced");
                Assert.That(host.Runner.Passes(Calendar), Is.InRange(1, 4));
            }
        }
    }

    [Test]
    [CancelAfter(60_000)]
    public async Task Forged_unknown_malformed_and_huge_notifications_are_refused_counted_and_trigger_nothing(CancellationToken cancellationToken)
    {
        var (server, host) = await StartAsync(cancellationToken, push => push.MaxBodyBytes = 1024);
        await using (server)
        await using (host)
        {
            var live = server.Channels.Live.Single();
            var google = host.Route("google");
            var wrongToken = await server.Channels.ForgeAsync(google, live.Id, live.Token + "x");
            var noToken = await server.Channels.ForgeAsync(google, live.Id, null);
            var unknown = await server.Channels.ForgeAsync(google, "syncgen-not-a-channel", live.Token);
            var wrongResource = await server.Channels.ForgeAsync(google, live.Id, live.Token, resourceId: "another-resource");

            using var http = new HttpClient();
            using var missingHeaders = new HttpRequestMessage(HttpMethod.Post, google);
            missingHeaders.Headers.Add("X-Goog-Channel-ID", live.Id);
            missingHeaders.Headers.Add("X-Goog-Channel-Token", live.Token);
            var malformed = (await http.SendAsync(missingHeaders, cancellationToken)).StatusCode;

            using var withBody = Genuine(google, live, "exists");
            withBody.Content = new StringContent("{}");
            var bodied = (await http.SendAsync(withBody, cancellationToken)).StatusCode;

            using var huge = Genuine(google, live, "exists");
            huge.Content = new StringContent(new string('x', 100_000));
            var tooLarge = (await http.SendAsync(huge, cancellationToken)).StatusCode;

            using (Assert.EnterMultipleScope())
            {
                Assert.That(wrongToken, Is.EqualTo(403));
                Assert.That(noToken, Is.EqualTo(403));
                Assert.That(unknown, Is.EqualTo(404));
                Assert.That(wrongResource, Is.EqualTo(403));
                Assert.That(malformed, Is.EqualTo(HttpStatusCode.BadRequest));
                Assert.That(bodied, Is.EqualTo(HttpStatusCode.BadRequest));
                Assert.That(tooLarge, Is.EqualTo(HttpStatusCode.RequestEntityTooLarge));
                Assert.That(host.Count("syncgen.webhook.notifications", "refused", "wrong_token"), Is.EqualTo(2));
                Assert.That(host.Count("syncgen.webhook.notifications", "refused", "unknown_channel"), Is.EqualTo(1));
                Assert.That(host.Count("syncgen.webhook.notifications", "refused", "wrong_resource"), Is.EqualTo(1));
                Assert.That(host.Count("syncgen.webhook.notifications", "refused", "malformed"), Is.EqualTo(2));
                Assert.That(host.Count("syncgen.webhook.notifications", "refused", "too_large"), Is.EqualTo(1));
                Assert.That(host.Count("syncgen.webhook.notifications", "accepted"), Is.Zero);
                Assert.That(host.Dispatcher.Pending, Is.Zero, "nothing was asked of the scheduler");
                Assert.That(host.Count("syncgen.webhook.passes_triggered"), Is.Zero);
                Assert.That(host.Runner.Passes(Calendar), Is.Zero, "no user code ran");
            }

            // The same request with the right headers and no body is accepted: the refusals above were for what they said.
            using var genuine = Genuine(google, live, "exists");
            Assert.That((await http.SendAsync(genuine, cancellationToken)).StatusCode, Is.EqualTo(HttpStatusCode.OK));
        }
    }

    [Test]
    [CancelAfter(60_000)]
    public async Task A_channel_due_for_renewal_is_replaced_by_a_new_one_before_the_old_one_is_stopped(CancellationToken cancellationToken)
    {
        // Channels live 4 s and are renewed 3 s before: the first is due about a second after it is created.
        var (server, host) = await StartAsync(cancellationToken, push =>
        {
            push.ChannelLifetime = TimeSpan.FromSeconds(4);
            push.RenewBefore = TimeSpan.FromSeconds(3);
        });
        await using (server)
        await using (host)
        {
            var first = server.Channels.Live.Single();
            // Google stops the channel before it answers; the host forgets it once the answer arrives.
            await PushHost.EventuallyAsync(async () => server.Channels.Stopped.Contains(first.Id)
                && !(await host.Channels.ListAsync(cancellationToken)).Any(c => c.Id == first.Id), cancellationToken);
            var stored = await host.Channels.ListAsync(cancellationToken);
            var live = server.Channels.Live;
            using (Assert.EnterMultipleScope())
            {
                Assert.That(server.Channels.Calls.Count(call => call.Key == "watch"), Is.GreaterThanOrEqualTo(2), "a new channel was created");
                Assert.That(server.Channels.Calls.Take(3).Select(call => call.Key), Is.EqualTo(new[] { "watch", "watch", "stop" }), "the new channel before the old one stopped: no gap");
                Assert.That(live.Select(c => c.Id), Does.Not.Contain(first.Id));
                Assert.That(live, Is.Not.Empty, "a channel is live after the old one stopped");
                Assert.That(stored.Select(c => c.Id), Does.Not.Contain(first.Id), "the stopped channel is forgotten");
                Assert.That(stored.Select(c => c.Id), Is.SubsetOf(server.Channels.Live.Select(c => c.Id).Concat(server.Channels.Stopped)));
            }

            // A late notification on the stopped channel is refused, one on the new channel triggers a pass.
            Assert.That(await server.Channels.ForgeAsync(host.Route("google"), first.Id, first.Token), Is.EqualTo(404));
            server.GetCalendar(Calendar).AddMany(3);
            await PushHost.EventuallyAsync(() => Task.FromResult(host.Runner.Mirrored(Calendar) == server.GetCalendar(Calendar).Position), cancellationToken);
        }
    }

    [Test]
    [CancelAfter(60_000)]
    public async Task A_collection_that_goes_away_has_its_channel_stopped_and_its_notifications_refused(CancellationToken cancellationToken)
    {
        var gone = false;
        var (server, host) = await StartAsync(cancellationToken, watched: _ => !Volatile.Read(ref gone));
        await using (server)
        await using (host)
        {
            var live = server.Channels.Live.Single();
            Volatile.Write(ref gone, true); // the application no longer watches the collection: the next renewal check stops its channel
            await PushHost.EventuallyAsync(async () => (await host.Channels.ListAsync(cancellationToken)).Count == 0, cancellationToken);
            var status = await server.Channels.ForgeAsync(host.Route("google"), live.Id, live.Token);
            using (Assert.EnterMultipleScope())
            {
                Assert.That(server.Channels.Stopped, Is.EqualTo(new[] { live.Id }), "channels/stop was called with the channel and its resource id");
                Assert.That(server.Channels.Live, Is.Empty);
                Assert.That(await host.Channels.ListAsync(cancellationToken), Is.Empty);
                Assert.That(status, Is.EqualTo(404));
                Assert.That(host.Runner.Passes(Calendar), Is.Zero);
            }
        }
    }

    [Test]
    [CancelAfter(60_000)]
    public async Task A_channel_expired_by_the_server_is_refused_and_replaced(CancellationToken cancellationToken)
    {
        var (server, host) = await StartAsync(cancellationToken, push =>
        {
            push.ChannelLifetime = TimeSpan.FromSeconds(2);
            push.RenewBefore = TimeSpan.FromMilliseconds(500);
        });
        await using (server)
        await using (host)
        {
            var first = server.Channels.Live.Single();
            server.Channels.Expire(first.Id);

            // Past its expiry, the webhook refuses the channel even with its right token; the worker has replaced it by then.
            await PushHost.EventuallyAsync(async () => DateTimeOffset.UtcNow > first.Expiration && server.Channels.Live.Count == 1 && (await host.Channels.ListAsync(cancellationToken)).All(c => c.Id != first.Id), cancellationToken);
            Assert.That(await server.Channels.ForgeAsync(host.Route("google"), first.Id, first.Token), Is.EqualTo(404));
            server.GetCalendar(Calendar).AddMany(2);
            await PushHost.EventuallyAsync(() => Task.FromResult(host.Runner.Mirrored(Calendar) == server.GetCalendar(Calendar).Position), cancellationToken);
        }
    }

    private static HttpRequestMessage Genuine(Uri address, FakeWatchChannel channel, string state)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, address);
        request.Headers.Add("X-Goog-Channel-ID", channel.Id);
        request.Headers.Add("X-Goog-Channel-Token", channel.Token);
        request.Headers.Add("X-Goog-Resource-ID", channel.ResourceId);
        request.Headers.Add("X-Goog-Resource-State", state);
        request.Headers.Add("X-Goog-Message-Number", "7");
        return request;
    }
}
