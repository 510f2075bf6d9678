using System;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using Npgsql;
using NUnit.Framework;
using SyncGen.Testing.Stores;

namespace SyncGen.PostgreSql.Tests;

/// <summary>
/// The fenced lease: every pass that writes takes the collection's lease with a new, larger epoch; a pass whose epoch is no
/// longer the collection's writes nothing. "Workers" are separate <see cref="PostgreSqlSyncDatabase"/> instances (own pools,
/// own holder names), as separate processes would be. They buffer nothing (<see cref="PostgreSqlSyncStoreOptions.MaxBufferedChanges"/>
/// 0), so a pass holds the lease from its first page with changes; <see cref="BufferedPassFenceTests"/> covers passes that
/// take it only at commit.
/// </summary>
[TestFixture]
[CancelAfter(60_000)]
public sealed class FencedLeaseTests : TwoWorkerFixture
{
    private static readonly TimeSpan ShortLease = TimeSpan.FromMilliseconds(800);

    protected override string CollectionPrefix => "fence";

    protected override PostgreSqlSyncStoreOptions Options(string holder) => new() { Holder = holder, LeaseDuration = ShortLease, MaxBufferedChanges = 0 };

    private static async Task CommitAsync(PostgreSqlSyncStore<TestItem> store, SyncPassKind kind, string token, CancellationToken cancellationToken, params SyncChange<TestItem>[] changes)
    {
        await using var writer = await store.BeginPassAsync(kind, cancellationToken);
        await writer.ApplyAsync(changes, cancellationToken);
        await writer.CommitAsync(token, cancellationToken);
    }

    private Task WaitUntilLeaseExpiredAsync(CancellationToken cancellationToken) => WaitUntilLeaseExpiredAsync(WorkerA, cancellationToken);

    private async Task WaitUntilLeaseExpiredAsync(PostgreSqlSyncDatabase observer, CancellationToken cancellationToken)
    {
        // The database's clock decides expiry: wait until the lease says it ends, then ask the database again (the
        // fixture's time limit bounds the wait).
        while (await observer.ReadLeaseAsync(Collection, cancellationToken) is { IsLive: true } lease)
        {
            var left = lease.ExpiresAt - DateTimeOffset.UtcNow;
            await Task.Delay(left > TimeSpan.Zero ? left : TimeSpan.FromMilliseconds(10), cancellationToken);
        }
    }

    [Test]
    public async Task Worker_paused_after_its_last_page_past_its_lease_is_refused_at_commit_and_the_token_never_goes_back(CancellationToken cancellationToken)
    {
        var storeA = WorkerA.OpenStore<TestItem>(Collection);
        var storeB = WorkerB.OpenStore<TestItem>(Collection);
        await CommitAsync(storeA, SyncPassKind.Full, "token-1", cancellationToken, Up("a", "A1"), Up("b", "B1"));

        // Worker A runs an incremental pass from token-1 to its last page, then stalls (a GC pause, a partition).
        var stale = await storeA.BeginPassAsync(SyncPassKind.Incremental, cancellationToken);
        await using (stale)
        {
            await stale.ApplyAsync([Up("a", "A-stale"), SyncChange<TestItem>.Delete("b")], cancellationToken);
            var staleEpoch = (await WorkerA.ReadLeaseAsync(Collection, cancellationToken))!.Epoch;
            await WaitUntilLeaseExpiredAsync(cancellationToken);

            // Worker B takes the lease over and completes a newer pass.
            await CommitAsync(storeB, SyncPassKind.Incremental, "token-3", cancellationToken, Up("a", "A3"), Up("c", "C3"));
            var afterB = await WorkerB.ReadStateAsync(Collection, cancellationToken);

            // Worker A wakes up and commits: refused, typed, nothing written.
            var refused = Assert.ThrowsAsync<SyncLeaseLostException>(async () => await stale.CommitAsync("token-2", cancellationToken));

            var state = await WorkerA.ReadStateAsync(Collection, cancellationToken);
            var items = await storeA.ReadItemsAsync(cancellationToken);
            using (Assert.EnterMultipleScope())
            {
                Assert.That(refused!.Collection, Is.EqualTo(Collection));
                Assert.That(refused.PassEpoch, Is.EqualTo(staleEpoch));
                Assert.That(refused.CurrentEpoch, Is.GreaterThan(staleEpoch));
                Assert.That(refused, Is.InstanceOf<SyncException>(), "a sync error like any other: the engine and the host treat it as a failed call");
                Assert.That(state!.SyncToken, Is.EqualTo("token-3"), "the token never goes back");
                Assert.That(state, Is.EqualTo(afterB), "nothing of the refused pass was written");
                Assert.That(items.Select(pair => pair.Value), Is.EqualTo(new[] { new TestItem("a", "A3"), new TestItem("b", "B1"), new TestItem("c", "C3") }));
            }
        }
    }

    [Test]
    public async Task Stale_worker_applying_a_page_after_the_takeover_is_refused_and_stages_nothing(CancellationToken cancellationToken)
    {
        var storeA = WorkerA.OpenStore<TestItem>(Collection);
        var storeB = WorkerB.OpenStore<TestItem>(Collection);
        var stale = await storeA.BeginPassAsync(SyncPassKind.Full, cancellationToken);
        await using (stale)
        {
            await stale.ApplyAsync([Up("a", "A1")], cancellationToken);
            await WaitUntilLeaseExpiredAsync(cancellationToken);
            var newer = await storeB.BeginPassAsync(SyncPassKind.Full, cancellationToken);
            await using (newer)
            {
                var refused = Assert.ThrowsAsync<SyncLeaseLostException>(async () => await stale.ApplyAsync([Up("x", "X")], cancellationToken));
                await newer.ApplyAsync([Up("b", "B2")], cancellationToken);
                await newer.CommitAsync("token-2", cancellationToken);

                Assert.That(refused!.Message, Does.Contain("apply"));
            }
        }

        using (Assert.EnterMultipleScope())
        {
            Assert.That(await storeA.ReadSyncTokenAsync(cancellationToken), Is.EqualTo("token-2"));
            Assert.That((await storeA.ReadItemsAsync(cancellationToken)).Select(pair => pair.Key), Is.EqualTo(new[] { "b" }));
            Assert.That(await StagedRowsAsync(cancellationToken), Is.Zero, "the stale pass's pages were swept when the lease was taken over");
        }
    }

    [Test]
    public async Task Pass_started_while_another_holds_a_live_lease_is_refused_with_the_holder_and_writes_nothing(CancellationToken cancellationToken)
    {
        var storeA = WorkerA.OpenStore<TestItem>(Collection);
        var storeB = WorkerB.OpenStore<TestItem>(Collection);
        await WorkerB.ReadLeaseAsync(Collection, cancellationToken); // B's first connection opens before the short lease starts
        var running = await storeA.BeginPassAsync(SyncPassKind.Full, cancellationToken);
        await using (running)
        {
            await running.ApplyAsync([Up("a", "A1")], cancellationToken);

            var held = Assert.ThrowsAsync<SyncLeaseHeldException>(async () => await storeB.BeginPassAsync(SyncPassKind.Full, cancellationToken));

            using (Assert.EnterMultipleScope())
            {
                Assert.That(held!.Holder, Is.EqualTo("worker-a"));
                Assert.That(held.Epoch, Is.EqualTo((await WorkerA.ReadLeaseAsync(Collection, cancellationToken))!.Epoch), "the refused start did not bump the epoch");
            }

            await running.CommitAsync("token-1", cancellationToken);
        }

        // A committed pass hands the lease back at once: the other worker need not wait for it to expire.
        await CommitAsync(storeB, SyncPassKind.Incremental, "token-2", cancellationToken, Up("b", "B2"));
        Assert.That((await storeB.ReadItemsAsync(cancellationToken)).Select(pair => pair.Key), Is.EqualTo(new[] { "a", "b" }));
    }

    [Test]
    public async Task Epoch_GrowsWithEveryPassThatWrites_CommittedOrDiscarded(CancellationToken cancellationToken)
    {
        var storeA = WorkerA.OpenStore<TestItem>(Collection);
        var storeB = WorkerB.OpenStore<TestItem>(Collection);
        var epochs = new System.Collections.Generic.List<long>();

        await CommitAsync(storeA, SyncPassKind.Full, "token-1", cancellationToken, Up("a", "A1"));
        epochs.Add((await WorkerA.ReadLeaseAsync(Collection, cancellationToken))!.Epoch);
        await using (var discarded = await storeB.BeginPassAsync(SyncPassKind.Incremental, cancellationToken))
        {
            await discarded.ApplyAsync([Up("b", "B-discarded")], cancellationToken);
        }

        epochs.Add((await WorkerA.ReadLeaseAsync(Collection, cancellationToken))!.Epoch);
        await CommitAsync(storeA, SyncPassKind.Incremental, "token-2", cancellationToken);
        epochs.Add((await WorkerA.ReadLeaseAsync(Collection, cancellationToken))!.Epoch);
        var state = await WorkerA.ReadStateAsync(Collection, cancellationToken);

        using (Assert.EnterMultipleScope())
        {
            Assert.That(epochs, Is.Ordered.Ascending.And.Unique);
            Assert.That(state!.CommittedEpoch, Is.EqualTo(epochs[^1]));
            Assert.That(state.Commits, Is.EqualTo(2));
        }
    }

    [Test]
    public async Task Worker_that_died_mid_pass_blocks_itsCollection_only_until_its_lease_expires(CancellationToken cancellationToken)
    {
        var storeA = WorkerA.OpenStore<TestItem>(Collection);
        var storeB = WorkerB.OpenStore<TestItem>(Collection);
        await CommitAsync(storeA, SyncPassKind.Full, "token-1", cancellationToken, Up("a", "A1"));

        // Worker A stages a page and "dies": its writer is never committed nor disposed, its pool is gone. B's first
        // connection opens before, so that B is refused while the short lease is still live.
        await WorkerB.ReadLeaseAsync(Collection, cancellationToken);
        var orphan = await storeA.BeginPassAsync(SyncPassKind.Full, cancellationToken);
        await orphan.ApplyAsync([Up("z", "Z")], cancellationToken);
        await WorkerA.DisposeAsync();

        Assert.ThrowsAsync<SyncLeaseHeldException>(async () => await storeB.BeginPassAsync(SyncPassKind.Incremental, cancellationToken));
        await WaitUntilLeaseExpiredAsync(WorkerB, cancellationToken);

        await CommitAsync(storeB, SyncPassKind.Incremental, "token-2", cancellationToken, Up("b", "B2"));

        using (Assert.EnterMultipleScope())
        {
            Assert.That((await storeB.ReadItemsAsync(cancellationToken)).Select(pair => pair.Key), Is.EqualTo(new[] { "a", "b" }));
            Assert.That(await StagedRowsAsync(cancellationToken), Is.Zero);
        }
    }

    [Test]
    public async Task ManyCollections_in_one_database_have_independent_mirrors_tokens_and_leases(CancellationToken cancellationToken)
    {
        var first = WorkerA.OpenStore<TestItem>(Collection + "-1");
        var second = WorkerB.OpenStore<TestItem>(Collection + "-2");
        var open = await first.BeginPassAsync(SyncPassKind.Full, cancellationToken);
        await using (open)
        {
            await open.ApplyAsync([Up("a", "A1")], cancellationToken);

            // A live lease on one collection does not block another.
            await CommitAsync(second, SyncPassKind.Full, "token-2", cancellationToken, Up("x", "X2"));
            await open.CommitAsync("token-1", cancellationToken);
        }

        using (Assert.EnterMultipleScope())
        {
            Assert.That(await first.ReadSyncTokenAsync(cancellationToken), Is.EqualTo("token-1"));
            Assert.That(await second.ReadSyncTokenAsync(cancellationToken), Is.EqualTo("token-2"));
            Assert.That((await first.ReadItemsAsync(cancellationToken)).Select(pair => pair.Key), Is.EqualTo(new[] { "a" }));
            Assert.That((await second.ReadItemsAsync(cancellationToken)).Select(pair => pair.Key), Is.EqualTo(new[] { "x" }));
        }
    }

    private async Task<long> StagedRowsAsync(CancellationToken cancellationToken)
    {
        await using var command = WorkerB.DataSource.CreateCommand("SELECT count(*) FROM syncgen.staging WHERE collection = $1;");
        command.Parameters.AddWithValue(Collection);
        return (long)(await command.ExecuteScalarAsync(cancellationToken))!;
    }
}
