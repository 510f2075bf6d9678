using System;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using NUnit.Framework;
using SyncGen.Testing.Stores;

namespace SyncGen.PostgreSql.Tests;

/// <summary>
/// What a pass writes when it has little or nothing to write: a poll that finds no change and ends on the token it started
/// from writes nothing, and a small pass buffered until its commit keeps the fence: of two passes that began from the
/// same state, only one commits.
/// </summary>
[TestFixture]
[CancelAfter(60_000)]
public sealed class QuietPassTests : TwoWorkerFixture
{
    protected override string CollectionPrefix => "quiet";

    /// <summary>Every row version of the collection: a row written in any way (even to the same values) gets a new xmin and ctid.</summary>
    private async Task<string> RowVersionsAsync(CancellationToken cancellationToken)
    {
        await using var command = WorkerA.DataSource.CreateCommand(
            """
            SELECT concat_ws(' | ',
                (SELECT xmin::text || ctid::text FROM syncgen.leases WHERE collection = $1),
                (SELECT xmin::text || ctid::text FROM syncgen.state WHERE collection = $1),
                (SELECT string_agg(key || xmin::text || ctid::text, ',' ORDER BY key) FROM syncgen.items WHERE collection = $1),
                (SELECT count(*)::text FROM syncgen.staging WHERE collection = $1));
            """);
        command.Parameters.AddWithValue(Collection);
        return (string)(await command.ExecuteScalarAsync(cancellationToken))!;
    }

    [TestCase(4096)]
    [TestCase(0)]
    public async Task A_poll_with_no_change_and_the_same_token_writes_no_row_of_theCollection(int maxBufferedChanges, CancellationToken cancellationToken)
    {
        await using var database = PostgreSqlSyncDatabase.Create(PostgreSqlCluster.ConnectionString, new PostgreSqlSyncStoreOptions { MaxBufferedChanges = maxBufferedChanges });
        var store = database.OpenStore<TestItem>(Collection);
        await using (var full = await store.BeginPassAsync(SyncPassKind.Full, cancellationToken))
        {
            await full.ApplyAsync([Up("a", "A1"), Up("b", "B1")], cancellationToken);
            await full.CommitAsync("token-1", cancellationToken);
        }

        var lease = await database.ReadLeaseAsync(Collection, cancellationToken);
        var state = await database.ReadStateAsync(Collection, cancellationToken);
        var before = await RowVersionsAsync(cancellationToken);

        for (var poll = 0; poll < 3; poll++)
        {
            var token = await store.ReadSyncTokenAsync(cancellationToken);
            await using var pass = await store.BeginPassAsync(SyncPassKind.Incremental, cancellationToken);
            await pass.ApplyAsync([], cancellationToken);
            await pass.CommitAsync(token!, cancellationToken);
        }

        using (Assert.EnterMultipleScope())
        {
            Assert.That(await RowVersionsAsync(cancellationToken), Is.EqualTo(before), "no lease, state, item or staging row was written");
            Assert.That(await database.ReadLeaseAsync(Collection, cancellationToken), Is.EqualTo(lease), "the epoch did not grow");
            Assert.That(await database.ReadStateAsync(Collection, cancellationToken), Is.EqualTo(state), "no commit was counted");
            Assert.That((await store.ReadItemsAsync(cancellationToken)).Select(pair => pair.Value), Is.EqualTo(new[] { new TestItem("a", "A1"), new TestItem("b", "B1") }));
        }
    }

    [Test]
    public async Task A_poll_with_no_change_ending_on_a_new_token_stores_it_without_rewriting_the_items(CancellationToken cancellationToken)
    {
        var store = WorkerA.OpenStore<TestItem>(Collection);
        await using (var full = await store.BeginPassAsync(SyncPassKind.Full, cancellationToken))
        {
            await full.ApplyAsync([Up("a", "A1")], cancellationToken);
            await full.CommitAsync("token-1", cancellationToken);
        }

        var before = await RowVersionsAsync(cancellationToken);
        await using (var poll = await store.BeginPassAsync(SyncPassKind.Incremental, cancellationToken))
        {
            await poll.ApplyAsync([], cancellationToken);
            await poll.CommitAsync("token-2", cancellationToken);
        }

        var after = await RowVersionsAsync(cancellationToken);
        using (Assert.EnterMultipleScope())
        {
            Assert.That(await store.ReadSyncTokenAsync(cancellationToken), Is.EqualTo("token-2"));
            Assert.That((await WorkerA.ReadStateAsync(Collection, cancellationToken))!.Commits, Is.EqualTo(2));
            Assert.That(after.Split(" | ")[2], Is.EqualTo(before.Split(" | ")[2]), "the item rows are untouched");
            Assert.That((await WorkerA.ReadLeaseAsync(Collection, cancellationToken))!.IsLive, Is.False, "the lease was handed back in the same statement");
        }
    }

    [Test]
    public async Task Of_two_small_passes_begun_from_the_same_state_the_later_commit_is_refused_and_writes_nothing(CancellationToken cancellationToken)
    {
        var storeA = WorkerA.OpenStore<TestItem>(Collection);
        var storeB = WorkerB.OpenStore<TestItem>(Collection);
        await using (var full = await storeA.BeginPassAsync(SyncPassKind.Full, cancellationToken))
        {
            await full.ApplyAsync([Up("a", "A1"), Up("b", "B1")], cancellationToken);
            await full.CommitAsync("token-1", cancellationToken);
        }

        // A scheduler ran the same job twice: both passes start from token-1, neither holds the lease while its pages come.
        var first = await storeA.BeginPassAsync(SyncPassKind.Incremental, cancellationToken);
        var second = await storeB.BeginPassAsync(SyncPassKind.Incremental, cancellationToken);
        await using (first)
        await using (second)
        {
            await second.ApplyAsync([SyncChange<TestItem>.Delete("a"), Up("c", "C-second")], cancellationToken);
            await first.ApplyAsync([Up("a", "A2")], cancellationToken);
            await first.CommitAsync("token-2", cancellationToken);
            var afterFirst = await RowVersionsAsync(cancellationToken);

            var refused = Assert.ThrowsAsync<SyncLeaseLostException>(async () => await second.CommitAsync("token-2b", cancellationToken));

            using (Assert.EnterMultipleScope())
            {
                Assert.That(refused!.CurrentEpoch, Is.GreaterThan(refused.PassEpoch));
                Assert.That(await RowVersionsAsync(cancellationToken), Is.EqualTo(afterFirst), "the refused pass wrote nothing");
                Assert.That(await storeB.ReadSyncTokenAsync(cancellationToken), Is.EqualTo("token-2"), "the token never goes back");
                Assert.That((await storeB.ReadItemsAsync(cancellationToken)).Select(pair => pair.Value), Is.EqualTo(new[] { new TestItem("a", "A2"), new TestItem("b", "B1") }));
            }
        }
    }

    [Test]
    public async Task A_poll_with_no_change_that_began_before_another_commit_leaves_the_newer_token(CancellationToken cancellationToken)
    {
        var storeA = WorkerA.OpenStore<TestItem>(Collection);
        var storeB = WorkerB.OpenStore<TestItem>(Collection);
        await using (var full = await storeA.BeginPassAsync(SyncPassKind.Full, cancellationToken))
        {
            await full.ApplyAsync([Up("a", "A1")], cancellationToken);
            await full.CommitAsync("token-1", cancellationToken);
        }

        var token = await storeA.ReadSyncTokenAsync(cancellationToken);
        await using var poll = await storeA.BeginPassAsync(SyncPassKind.Incremental, cancellationToken);
        await using (var newer = await storeB.BeginPassAsync(SyncPassKind.Incremental, cancellationToken))
        {
            await newer.ApplyAsync([Up("b", "B2")], cancellationToken);
            await newer.CommitAsync("token-2", cancellationToken);
        }

        await poll.ApplyAsync([], cancellationToken);
        await poll.CommitAsync(token!, cancellationToken);

        Assert.That(await storeA.ReadSyncTokenAsync(cancellationToken), Is.EqualTo("token-2"));
    }

    [Test]
    public async Task A_small_pass_after_a_worker_died_mid_pass_drops_that_passs_staged_rows_when_it_commits(CancellationToken cancellationToken)
    {
        var storeB = WorkerB.OpenStore<TestItem>(Collection);
        await using (var full = await storeB.BeginPassAsync(SyncPassKind.Full, cancellationToken))
        {
            await full.ApplyAsync([Up("a", "A1")], cancellationToken);
            await full.CommitAsync("token-1", cancellationToken);
        }

        // A worker that stages every page takes the lease, stages one and dies (its writer is never committed nor disposed).
        var dying = PostgreSqlSyncDatabase.Create(PostgreSqlCluster.ConnectionString, new PostgreSqlSyncStoreOptions { Holder = "dying", LeaseDuration = TimeSpan.FromMilliseconds(500), MaxBufferedChanges = 0 });
        var orphan = await dying.OpenStore<TestItem>(Collection).BeginPassAsync(SyncPassKind.Full, cancellationToken);
        await orphan.ApplyAsync([Up("z", "Z")], cancellationToken);
        await dying.DisposeAsync();
        while ((await WorkerB.ReadLeaseAsync(Collection, cancellationToken))!.IsLive)
        {
            await Task.Delay(50, cancellationToken);
        }

        await using (var pass = await storeB.BeginPassAsync(SyncPassKind.Incremental, cancellationToken))
        {
            await pass.ApplyAsync([Up("b", "B2")], cancellationToken);
            await pass.CommitAsync("token-2", cancellationToken);
        }

        using (Assert.EnterMultipleScope())
        {
            Assert.That((await storeB.ReadItemsAsync(cancellationToken)).Select(pair => pair.Key), Is.EqualTo(new[] { "a", "b" }));
            Assert.That((await RowVersionsAsync(cancellationToken)).Split(" | ")[^1], Is.EqualTo("0"), "no staged row left");
        }
    }
}
