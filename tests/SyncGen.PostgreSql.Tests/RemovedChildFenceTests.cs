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
}
