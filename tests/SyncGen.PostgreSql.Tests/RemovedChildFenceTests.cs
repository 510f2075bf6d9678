using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using NUnit.Framework;
using SyncGen.Testing.Stores;

namespace SyncGen.PostgreSql.Tests;

/// <summary>
/// A child collection removed by its parent's commit (a calendar dropped from the list) while a pass of that child is
/// running on another worker: the running pass must not commit afterwards and bring the removed mirror and token back.
/// </summary>
[TestFixture]
[CancelAfter(60_000)]
public sealed class RemovedChildFenceTests : TwoWorkerFixture
{
    protected override string CollectionPrefix => "removed-child";

    [TestCase(0, TestName = "A_child_pass_holding_its_lease_when_the_parent_removes_the_child_is_refused_at_commit")]
    [TestCase(1000, TestName = "A_buffered_child_pass_running_when_the_parent_removes_the_child_is_refused_at_commit")]
    public async Task Running_child_pass_cannot_bring_back_a_removed_child(int maxBuffered)
    {
        var cancellationToken = TestContext.CurrentContext.CancellationToken;
        await using var childWorker = new PostgreSqlSyncDatabase(WorkerA.DataSource, new PostgreSqlSyncStoreOptions { Holder = "child-worker", MaxBufferedChanges = maxBuffered });
        var child = childWorker.OpenStore<TestItem>(Collection + "-child");
        await using (var first = await child.BeginPassAsync(SyncPassKind.Full, cancellationToken))
        {
            await first.ApplyAsync([Up("e1", "Event")], cancellationToken);
            await first.CommitAsync("child-1", cancellationToken);
        }

        // The child's next pass has read its start and written a page when the parent's commit removes the child.
        await using var running = await child.BeginPassAsync(SyncPassKind.Incremental, cancellationToken);
        await running.ApplyAsync([Up("e2", "Late event")], cancellationToken);

        await using (var parent = await WorkerB.OpenStore<TestItem>(Collection).BeginPassAsync(SyncPassKind.Full, cancellationToken))
        {
            ((ISyncCollectionRemover)parent).RemoveOnCommit([Collection + "-child"]);
            await parent.CommitAsync("list-1", cancellationToken);
        }

        Assert.That(async () => await running.CommitAsync("child-2", cancellationToken), Throws.InstanceOf<SyncException>());
        using (Assert.EnterMultipleScope())
        {
            Assert.That(await child.ReadItemsAsync(cancellationToken), Is.Empty, "the removed child's mirror stays removed");
            Assert.That(await child.ReadSyncTokenAsync(cancellationToken), Is.Null, "the removed child's token stays removed");
        }
    }

    [TestCase(0, TestName = "A_child_removed_by_its_parent_announces_the_removal_of_each_item_in_its_feed")]
    [TestCase(1000, TestName = "A_child_removed_by_a_buffered_parent_commit_announces_the_removal_of_each_item_in_its_feed")]
    public async Task Removed_child_feed_announces_the_removals(int maxBuffered)
    {
        var cancellationToken = TestContext.CurrentContext.CancellationToken;
        await using var withFeed = new PostgreSqlSyncDatabase(WorkerA.DataSource, new PostgreSqlSyncStoreOptions { Holder = "feed-worker" });
        await using var parents = new PostgreSqlSyncDatabase(WorkerB.DataSource, new PostgreSqlSyncStoreOptions { Holder = "parent-worker", MaxBufferedChanges = maxBuffered });
        var child = withFeed.OpenStore<TestItem>(Collection + "-feed-child");
        child.ChangeFeed = new SyncChangeFeedOptions();
        var quiet = withFeed.OpenStore<TestItem>(Collection + "-quiet-child");
        foreach (var store in new[] { child, quiet })
        {
            await using var first = await store.BeginPassAsync(SyncPassKind.Full, cancellationToken);
            await first.ApplyAsync([Up("b", "B1"), Up("a", "A1")], cancellationToken);
            await first.CommitAsync("child-1", cancellationToken);
        }

        await using (var parent = await parents.OpenStore<TestItem>(Collection).BeginPassAsync(SyncPassKind.Full, cancellationToken))
        {
            await parent.ApplyAsync([Up("calendar", "Calendar")], cancellationToken);
            ((ISyncCollectionRemover)parent).RemoveOnCommit([Collection + "-feed-child", Collection + "-quiet-child"]);
            await parent.CommitAsync("list-1", cancellationToken);
        }

        var feed = await child.ReadChangesAsync(0, 10, cancellationToken);
        using (Assert.EnterMultipleScope())
        {
            Assert.That(feed.Changes.Select(change => (change.Sequence, change.Key, change.Kind)), Is.EqualTo(new[]
            {
                (1L, "a", SyncFeedChangeKind.Added), (2L, "b", SyncFeedChangeKind.Added), (3L, "a", SyncFeedChangeKind.Removed), (4L, "b", SyncFeedChangeKind.Removed),
            }), "replaying the feed gives the empty mirror");
            Assert.That(feed.Head, Is.EqualTo(4));
            Assert.That((await quiet.ReadChangesAsync(0, 10, cancellationToken)).Head, Is.Zero, "a child without a feed gets none");
        }
    }
}
