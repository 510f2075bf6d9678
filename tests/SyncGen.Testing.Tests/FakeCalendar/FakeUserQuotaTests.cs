using System;
using System.Net.Http;
using System.Threading.Tasks;
using NUnit.Framework;
using SyncGen.Testing.FakeServer;

namespace SyncGen.Testing.Tests.FakeCalendar;

/// <summary>The fake server's per-user quota, over real HTTP, on a clock the test moves.</summary>
[TestFixture]
public sealed class FakeUserQuotaTests
{
    [Test]
    public async Task A_user_over_quota_gets_403_rateLimitExceeded_until_the_window_moves_on_and_other_users_do_not()
    {
        var clock = new ManualClock(new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero));
        var quota = new FakeUserQuota(3, TimeSpan.FromMinutes(1), calendarId => calendarId.Split('.')[0]);
        await using var server = await FakeCalendarServer.StartAsync(new FakeCalendarServerOptions { Quota = quota, TimeProvider = clock });
        using var http = new HttpClient();

        for (var i = 0; i < 3; i++)
        {
            using var admitted = await http.GetAsync(server.EventsUri($"alice.{i}"));
            Assert.That((int)admitted.StatusCode, Is.EqualTo(200));
        }

        using (var refused = await http.GetAsync(server.EventsUri("alice.0")))
        {
            Assert.That((int)refused.StatusCode, Is.EqualTo(403));
            Assert.That(await refused.Content.ReadAsStringAsync(), Does.Contain("\"reason\":\"rateLimitExceeded\""));
        }

        using (var otherUser = await http.GetAsync(server.EventsUri("bob.0")))
        {
            Assert.That((int)otherUser.StatusCode, Is.EqualTo(200), "another user has a quota of its own");
        }

        clock.Now += TimeSpan.FromMinutes(1);
        using (var later = await http.GetAsync(server.EventsUri("alice.1")))
        {
            Assert.That((int)later.StatusCode, Is.EqualTo(200), "a minute later the window holds none of the earlier requests");
        }

        Assert.That(quota.Refused, Is.EqualTo(1));
        Assert.That(quota.MaxInWindow, Is.EqualTo(4), "the refused request counted too");
    }

    private sealed class ManualClock(DateTimeOffset start) : TimeProvider
    {
        public DateTimeOffset Now { get; set; } = start;

        public override DateTimeOffset GetUtcNow() => Now;
    }
}
