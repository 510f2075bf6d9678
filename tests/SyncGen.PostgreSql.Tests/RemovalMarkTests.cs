using System.Threading;
using System.Threading.Tasks;
using Npgsql;
using NUnit.Framework;
using SyncGen.Testing.Stores;

namespace SyncGen.PostgreSql.Tests;

/// <summary>
/// A child collection removed by its parent's commit carries a removal mark: a pass of it that took no lease before the
/// removal (a job firing between the parent's commit and the deletion of the child's job, or the child's first full
/// pass) is refused instead of bringing the removed mirror and token back, until the parent lists the child again.
/// </summary>
[TestFixture]
[CancelAfter(60_000)]
public sealed class RemovalMarkTests : TwoWorkerFixture
{
    protected override string CollectionPrefix => "removal-mark";

    private string Child => Collection + "-child";

    [TestCase(0, TestName = "A_staged_child_pass_begun_after_the_parent_removed_the_child_is_refused_and_writes_nothing")]
    [TestCase(1000, TestName = "A_buffered_child_pass_begun_after_the_parent_removed_the_child_is_refused_at_commit_and_writes_nothing")]
    public async Task Pass_begun_after_the_removal_is_refused(int maxBuffered)
    {
        var cancellationToken = TestContext.CurrentContext.CancellationToken;
        await using var childWorker = ChildWorker(maxBuffered);
        var child = childWorker.OpenStore<TestItem>(Child);
        await using (var first = await child.BeginPassAsync(SyncPassKind.Full, cancellationToken))
        {
            await first.ApplyAsync([Up("e1", "Event")], cancellationToken);
            await first.CommitAsync("child-1", cancellationToken);
        }

        await ParentCommitAsync(maxBuffered, remove: true, cancellationToken);

        // The child's job fires after the parent's commit and before the parent's reconcile deletes it: no token, a full pass.
        var error = Assert.ThrowsAsync<SyncCollectionRemovedException>(() => FullPassAsync(child, cancellationToken))!;

        using (Assert.EnterMultipleScope())
        {
            Assert.That(error.Collection, Is.EqualTo(Child));
            Assert.That(error.RemovedBy, Is.EqualTo(Collection));
            Assert.That(error.Message, Does.Contain(Child).And.Contain(Collection));
            Assert.That(await child.ReadItemsAsync(cancellationToken), Is.Empty, "the removed child's mirror stays removed");
            Assert.That(await child.ReadSyncTokenAsync(cancellationToken), Is.Null, "the removed child's token stays removed");
            Assert.That(await RowsAsync("items", cancellationToken), Is.Zero, "no row of the refused pass is left");
            Assert.That(await RowsAsync("staging", cancellationToken), Is.Zero, "no staged row of the refused pass is left");
        }
    }

    [TestCase(0, TestName = "A_staged_first_full_child_pass_begun_before_the_parent_removed_the_child_is_refused")]
    [TestCase(1000, TestName = "A_buffered_first_full_child_pass_begun_before_the_parent_removed_the_child_is_refused")]
    public async Task First_pass_begun_before_the_removal_is_refused(int maxBuffered)
    {
        var cancellationToken = TestContext.CurrentContext.CancellationToken;
        await using var childWorker = ChildWorker(maxBuffered);
        var child = childWorker.OpenStore<TestItem>(Child);

        // The child's first pass has read its start (no token, no lease to fence) when the parent's commit removes it.
        await using var first = await child.BeginPassAsync(SyncPassKind.Full, cancellationToken);
        await ParentCommitAsync(maxBuffered, remove: true, cancellationToken);

        Assert.That(
            async () =>
            {
                await first.ApplyAsync([Up("e1", "Event")], cancellationToken);
                await first.CommitAsync("child-1", cancellationToken);
            },
            Throws.TypeOf<SyncCollectionRemovedException>().With.Property(nameof(SyncCollectionRemovedException.RemovedBy)).EqualTo(Collection));
        await first.DisposeAsync();
        using (Assert.EnterMultipleScope())
        {
            Assert.That(await child.ReadSyncTokenAsync(cancellationToken), Is.Null, "the removed child's token stays removed");
            Assert.That(await RowsAsync("items", cancellationToken), Is.Zero, "no row of the refused pass is left");
        }
    }

    [TestCase(0, TestName = "A_staged_child_pass_running_when_the_parent_removes_the_child_is_refused_at_commit_as_removed")]
    [TestCase(1000, TestName = "A_buffered_child_pass_running_when_the_parent_removes_the_child_is_refused_at_commit_as_removed")]
    public async Task Running_pass_is_refused_as_removed(int maxBuffered)
    {
        var cancellationToken = TestContext.CurrentContext.CancellationToken;
        await using var childWorker = ChildWorker(maxBuffered);
        var child = childWorker.OpenStore<TestItem>(Child);
        await FullPassAsync(child, cancellationToken);
        await using var running = await child.BeginPassAsync(SyncPassKind.Incremental, cancellationToken);
        await running.ApplyAsync([Up("e2", "Late event")], cancellationToken);

        await ParentCommitAsync(maxBuffered, remove: true, cancellationToken);

        // The lease fence alone refuses it too, but as a lost lease: the job would log a takeover that never happened.
        Assert.That(async () => await running.CommitAsync("child-2", cancellationToken), Throws.TypeOf<SyncCollectionRemovedException>());
        Assert.That(await child.ReadSyncTokenAsync(cancellationToken), Is.Null, "the removed child's token stays removed");
    }

    [TestCase(0, TestName = "A_child_the_parent_lists_again_in_a_staged_commit_syncs_again")]
    [TestCase(1000, TestName = "A_child_the_parent_lists_again_in_a_buffered_commit_syncs_again")]
    public async Task Child_listed_again_syncs_again(int maxBuffered)
    {
        var cancellationToken = TestContext.CurrentContext.CancellationToken;
        await using var childWorker = ChildWorker(maxBuffered);
        var child = childWorker.OpenStore<TestItem>(Child);
        await ParentCommitAsync(maxBuffered, remove: true, cancellationToken);
        Assert.That(() => FullPassAsync(child, cancellationToken), Throws.TypeOf<SyncCollectionRemovedException>(), "the mark is there");

        await ParentCommitAsync(maxBuffered, remove: false, cancellationToken);
        await FullPassAsync(child, cancellationToken);

        using (Assert.EnterMultipleScope())
        {
            Assert.That(await child.ReadSyncTokenAsync(cancellationToken), Is.EqualTo("child-1"));
            Assert.That(await child.ReadItemsAsync(cancellationToken), Has.Count.EqualTo(1));
        }
    }

    private PostgreSqlSyncDatabase ChildWorker(int maxBuffered) =>
        new(WorkerA.DataSource, new PostgreSqlSyncStoreOptions { Holder = "child-worker", MaxBufferedChanges = maxBuffered });

    private static async Task FullPassAsync(PostgreSqlSyncStore<TestItem> child, CancellationToken cancellationToken)
    {
        await using var pass = await child.BeginPassAsync(SyncPassKind.Full, cancellationToken);
        await pass.ApplyAsync([Up("e1", "Event")], cancellationToken);
        await pass.CommitAsync("child-1", cancellationToken);
    }

    /// <summary>A commit of the parent (staged with <paramref name="maxBuffered"/> 0) that removes the child, or lists it again.</summary>
    private async Task ParentCommitAsync(int maxBuffered, bool remove, CancellationToken cancellationToken)
    {
        await using var parents = new PostgreSqlSyncDatabase(WorkerB.DataSource, new PostgreSqlSyncStoreOptions { Holder = "parent-worker", MaxBufferedChanges = maxBuffered });
        await using var parent = await parents.OpenStore<TestItem>(Collection).BeginPassAsync(SyncPassKind.Full, cancellationToken);
        SyncChange<TestItem>[] listed = remove ? [Up("other", "Other calendar")] : [Up("other", "Other calendar"), Up("child", "Child calendar")];
        await parent.ApplyAsync(listed, cancellationToken);
        if (remove)
        {
            ((ISyncCollectionRemover)parent).RemoveOnCommit([Child]);
        }
        else
        {
            ((ISyncCollectionRemover)parent).KeepOnCommit([Child]);
        }

        await parent.CommitAsync("list-" + remove, cancellationToken);
    }

    private async Task<long> RowsAsync(string table, CancellationToken cancellationToken)
    {
        await using var command = WorkerA.DataSource.CreateCommand($"SELECT count(*) FROM syncgen.{table} WHERE collection = $1;");
        command.Parameters.AddWithValue(Child);
        return (long)(await command.ExecuteScalarAsync(cancellationToken))!;
    }
}
