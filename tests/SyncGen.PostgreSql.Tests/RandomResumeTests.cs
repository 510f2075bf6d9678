using System;
using System.Collections.Generic;
using System.Linq;
using System.Net.Http;
using System.Threading;
using System.Threading.Tasks;
using NUnit.Framework;
using SyncGen.Testing.FakeServer;
using SyncGen.Tests.Shared;

namespace SyncGen.PostgreSql.Tests;

/// <summary>
/// Randomized resumable passes over real HTTP: the collection changes between calls, passes die at random pages (every
/// retry spent), sync tokens expire and page tokens are refused at random; after every call that succeeds, a clean
/// call must leave the mirror equal to the server. On the in-memory store (a pass that died in this process) and on
/// PostgreSQL (new store instances, new page sources, as new processes would have).
/// </summary>
[TestFixture]
[CancelAfter(120_000)]
public sealed class RandomResumeTests
{
    private static readonly int[] Seeds = [1, 2, 3];

    // Refusals left pending by a pass that died add up with an expired token: more expiries per call than the default 3.
    private static SyncOptions Options => new()
    {
        MaxExpiriesPerCall = 10,
        Retry = new SyncRetryOptions { MaxRetries = 1, BaseDelay = TimeSpan.FromMilliseconds(1), MaxDelay = TimeSpan.FromMilliseconds(5) },
    };

    [Test]
    public async Task Random_deaths_expiries_and_refused_page_tokens_always_end_with_the_server_mirror(
        [Values("memory", "postgresql")] string storeKind, [ValueSource(nameof(Seeds))] int seed, CancellationToken cancellationToken)
    {
        var rng = new Random(seed);
        await using var server = await FakeCalendarServer.StartAsync(cancellationToken: cancellationToken);
        server.Primary.AddMany(40);
        using var http = new HttpClient();
        await using var database = PostgreSqlSyncDatabase.Create(PostgreSqlCluster.ConnectionString, new PostgreSqlSyncStoreOptions { MaxBufferedChanges = rng.Next(0, 12) });
        var collection = PostgreSqlCluster.NewCollection("random");
        var memory = new InMemorySyncStore<ResumedPassTests.Event>();
        ISyncStore<ResumedPassTests.Event> Store() => storeKind == "memory" ? memory : database.OpenStore<ResumedPassTests.Event>(collection);
        var source = NewSource();
        SyncHttpPageSource<ResumedPassTests.Event> NewSource() => new(http, SyncDialects.GoogleCalendar, new Uri(server.EventsUri() + "?maxResults=4"));

        int deaths = 0, resumed = 0, refused = 0, next = 1000;
        for (var round = 0; round < Soak.Depth(reduced: 25, full: 200); round++)
        {
            foreach (var _ in Enumerable.Range(0, rng.Next(0, 6)))
            {
                var live = server.Primary.LiveEvents;
                switch (rng.Next(3))
                {
                    case 0 when live.Count > 0:
                        server.Primary.Delete(live[rng.Next(live.Count)].Id);
                        break;
                    case 1 when live.Count > 0:
                        var changed = live[rng.Next(live.Count)];
                        server.Primary.Upsert(changed with { Summary = $"round {round} {changed.Id}" });
                        break;
                    default:
                        server.Primary.AddMany(rng.Next(1, 8), "added", next);
                        next += 10;
                        break;
                }
            }

            if (rng.NextDouble() < 0.35)
            {
                server.Primary.ExpireSyncTokens();
            }

            if (rng.NextDouble() < 0.5)
            {
                server.Faults.Enqueue(new FaultRule(Fault.BackendError()) { Page = rng.Next(2, 11), Times = 2 });
            }

            if (rng.NextDouble() < 0.3)
            {
                server.Faults.Enqueue(new FaultRule(rng.Next(2) == 0 ? Fault.TokenExpired() : Fault.Status(400, "invalid")) { WithPageToken = true, Page = rng.Next(2, 14) });
            }

            if (rng.NextDouble() < 0.5)
            {
                source = NewSource(); // as a new process would
            }

            try
            {
                var result = await source.SyncAsync(Store(), Options, cancellationToken: cancellationToken);
                resumed += result.ResumedAtPage is null ? 0 : 1;
            }
            catch (SyncRequestFailedException failed) when (failed.StatusCode is 500 or 400)
            {
                // A pass died (a 400 on a page token that was not a resumed pass's first is fatal as before).
                deaths++;
                refused += failed.StatusCode == 400 ? 1 : 0;
                continue;
            }

            server.Faults.Clear();
            await source.SyncAsync(Store(), Options, cancellationToken: cancellationToken);
            var items = await Store().ReadItemsAsync(cancellationToken);
            Assert.That(items.ToDictionary(p => p.Key, p => p.Value.Summary), Is.EquivalentTo(server.Primary.LiveEvents.ToDictionary(e => e.Id, e => e.Summary)),
                $"seed {seed}, round {round}");
        }

        TestContext.Out.WriteLine($"seed {seed} on {storeKind}: {deaths} passes died, {resumed} calls resumed a dead pass, {refused} failed on a refused token");
        Assert.That(deaths, Is.GreaterThan(0));
        Assert.That(resumed, Is.GreaterThan(0), "some calls continued a dead pass");
    }
}
