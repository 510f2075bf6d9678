using System;
using System.Collections.Generic;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using NUnit.Framework;
using SyncGen.Infrastructure;
using SyncGen.Testing.Stores;

namespace SyncGen.PostgreSql.Tests;

/// <summary>
/// <see cref="SyncOptions.SendFirstRequestEarly"/> over the fenced lease: the early request travels while the pass
/// begins (reading the lease row's version), and the token is read after that; the pass commits only if the row is unchanged. "Workers" are separate <see cref="PostgreSqlSyncDatabase"/> instances.
/// </summary>
[TestFixture]
[CancelAfter(60_000)]
public sealed class EarlyFirstRequestTests : TwoWorkerFixture
{
    protected override string CollectionPrefix => "early";

    /// <summary>A repository whose server answers each request with the next of <paramref name="answers"/>; null waits to be cancelled.</summary>
    private static SyncDefinition<TestItem> Repository(Queue<Func<SyncCursor, SyncPage<TestItem>?>> answers, List<string?> sentTokens, TaskCompletionSource cancelled) => new()
    {
        RepositoryName = "EarlyFirstRequestTests",
        Gate = new SyncGate(),
        GetKey = item => item.Id,
        IsDeleted = _ => false,
        OpenPass = _ => async (cursor, cancellationToken) =>
        {
            Func<SyncCursor, SyncPage<TestItem>?> answer;
            lock (answers)
            {
                sentTokens.Add(cursor.SyncToken);
                answer = answers.Dequeue();
            }

            if (answer(cursor) is { } page)
            {
                return page;
            }

            using (cancellationToken.Register(() => cancelled.TrySetResult()))
            {
                await Task.Delay(Timeout.Infinite, cancellationToken);
            }

            throw new InvalidOperationException("unreachable");
        },
    };

    /// <summary>
    /// After worker A's early request is answered and before A's pass takes the lease, worker B takes it and commits a
    /// pass deleting "a". A must see B's pass: the early answer, older than it, must not bring "a" back nor store a
    /// token from before B's.
    /// </summary>
    [Test]
    public async Task A_pass_committed_by_another_worker_before_the_lease_is_taken_is_not_overwritten_by_the_older_early_answer(CancellationToken cancellationToken)
    {
        var cancelled = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var answered = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var sent = new List<string?>();
        var answers = new Queue<Func<SyncCursor, SyncPage<TestItem>?>>();
        answers.Enqueue(_ => SyncPage<TestItem>.Create([new TestItem("a", "A1")], null, "token-1"));
        answers.Enqueue(_ =>
        {
            // The early request, from token-1: "a" was renamed.
            answered.TrySetResult();
            return SyncPage<TestItem>.Create([new TestItem("a", "A2")], null, "token-2");
        });
        answers.Enqueue(cursor => SyncPage<TestItem>.Create([], null, cursor.SyncToken == "token-3" ? "token-4" : "unexpected-" + cursor.SyncToken));
        var repository = Repository(answers, sent, cancelled);
        var storeA = WorkerA.OpenStore<TestItem>(Collection);
        await new SyncEngine<TestItem>(repository, storeA).RunAsync(cancellationToken: cancellationToken);

        var storeB = WorkerB.OpenStore<TestItem>(Collection);
        var racing = new BeforeFirstBegin<TestItem>(storeA, async () =>
        {
            await answered.Task;
            var deleting = await storeB.BeginPassAsync(SyncPassKind.Incremental, cancellationToken);
            await using (deleting)
            {
                await deleting.ApplyAsync([SyncChange<TestItem>.Delete("a")], cancellationToken);
                await deleting.CommitAsync("token-3", cancellationToken);
            }
        });

        var result = await new SyncEngine<TestItem>(repository, racing).RunAsync(cancellationToken: cancellationToken);

        Assert.That(sent, Is.EqualTo(new[] { null, "token-1", "token-3" }), "after the early request, one from the token B stored");
        Assert.That(result.SyncToken, Is.EqualTo("token-4"));
        Assert.That(await storeA.ReadSyncTokenAsync(cancellationToken), Is.EqualTo("token-4"));
        Assert.That(await storeA.ReadItemsAsync(cancellationToken), Is.Empty, "B's deletion of a stays");
    }

    [Test]
    public async Task While_another_worker_holds_the_lease_the_call_fails_with_SyncLeaseHeldException_and_the_early_request_is_cancelled(CancellationToken cancellationToken)
    {
        var cancelled = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var sent = new List<string?>();
        var answers = new Queue<Func<SyncCursor, SyncPage<TestItem>?>>();
        answers.Enqueue(_ => SyncPage<TestItem>.Create([new TestItem("a", "A1")], null, "token-1"));
        answers.Enqueue(_ => null);
        var repository = Repository(answers, sent, cancelled);
        var storeA = WorkerA.OpenStore<TestItem>(Collection);
        await new SyncEngine<TestItem>(repository, storeA).RunAsync(cancellationToken: cancellationToken);

        // Worker B is in the middle of a pass that has staged a page, so it holds the lease.
        await using var stagingWorker = PostgreSqlSyncDatabase.Create(PostgreSqlCluster.ConnectionString, new PostgreSqlSyncStoreOptions { Holder = "worker-b", MaxBufferedChanges = 0 });
        var running = await stagingWorker.OpenStore<TestItem>(Collection).BeginPassAsync(SyncPassKind.Incremental, cancellationToken);
        await using (running)
        {
            await running.ApplyAsync([SyncChange<TestItem>.Upsert("b", new TestItem("b", "B2"))], cancellationToken);
            var held = Assert.ThrowsAsync<SyncLeaseHeldException>(() => new SyncEngine<TestItem>(repository, storeA).RunAsync(cancellationToken: cancellationToken));

            Assert.That(held!.Holder, Is.EqualTo("worker-b"));
            Assert.That(cancelled.Task.IsCompleted, Is.True, "the early request was cancelled before the call returned");
            Assert.That(sent, Is.EqualTo(new[] { null, "token-1" }), "the early request went out with the remembered token");
        }

        Assert.That(await storeA.ReadSyncTokenAsync(cancellationToken), Is.EqualTo("token-1"));
        Assert.That((await storeA.ReadItemsAsync(cancellationToken)).Select(pair => pair.Value), Is.EqualTo(new[] { new TestItem("a", "A1") }));
    }

    [Test]
    public async Task After_another_worker_committed_the_lease_taken_for_the_discarded_early_request_is_handed_back_and_the_call_runs_from_the_stored_token(CancellationToken cancellationToken)
    {
        var cancelled = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var sent = new List<string?>();
        var answers = new Queue<Func<SyncCursor, SyncPage<TestItem>?>>();
        answers.Enqueue(_ => SyncPage<TestItem>.Create([new TestItem("a", "A1")], null, "token-1"));
        answers.Enqueue(_ => null);
        answers.Enqueue(_ => SyncPage<TestItem>.Create([new TestItem("c", "C3")], null, "token-3"));
        var repository = Repository(answers, sent, cancelled);
        var storeA = WorkerA.OpenStore<TestItem>(Collection);
        await new SyncEngine<TestItem>(repository, storeA).RunAsync(cancellationToken: cancellationToken);

        // Worker B syncs meanwhile: token-2.
        var other = await WorkerB.OpenStore<TestItem>(Collection).BeginPassAsync(SyncPassKind.Incremental, cancellationToken);
        await using (other)
        {
            await other.ApplyAsync([SyncChange<TestItem>.Upsert("b", new TestItem("b", "B2"))], cancellationToken);
            await other.CommitAsync("token-2", cancellationToken);
        }

        var result = await new SyncEngine<TestItem>(repository, storeA).RunAsync(cancellationToken: cancellationToken);

        Assert.That(cancelled.Task.IsCompleted, Is.True, "the early request was cancelled");
        Assert.That(sent, Is.EqualTo(new[] { null, "token-1", "token-2" }));
        Assert.That(result.SyncToken, Is.EqualTo("token-3"));
        Assert.That(await storeA.ReadSyncTokenAsync(cancellationToken), Is.EqualTo("token-3"));
        Assert.That((await storeA.ReadItemsAsync(cancellationToken)).Select(pair => pair.Key), Is.EqualTo(new[] { "a", "b", "c" }));
        Assert.That((await WorkerA.ReadLeaseAsync(Collection, cancellationToken))!.IsLive, Is.False, "no lease left behind");
    }

    /// <summary>A store that runs <paramref name="before"/> once, when the engine first asks to begin a pass.</summary>
    private sealed class BeforeFirstBegin<TItem>(ISyncStore<TItem> inner, Func<Task> before) : ISyncStore<TItem>
    {
        private int _begun;

        public ValueTask<string?> ReadSyncTokenAsync(CancellationToken cancellationToken = default) => inner.ReadSyncTokenAsync(cancellationToken);

        public async ValueTask<ISyncPassWriter<TItem>> BeginPassAsync(SyncPassKind kind, CancellationToken cancellationToken = default)
        {
            if (Interlocked.Exchange(ref _begun, 1) == 0)
            {
                await before();
            }

            return await inner.BeginPassAsync(kind, cancellationToken);
        }

        public ValueTask<IReadOnlyList<KeyValuePair<string, TItem>>> ReadItemsAsync(CancellationToken cancellationToken = default) => inner.ReadItemsAsync(cancellationToken);
    }
}
