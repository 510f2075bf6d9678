using System.Threading.Tasks;
using NUnit.Framework;

namespace SyncGen.Testing.Stores;

// The contract of the optional pass state: the query fingerprint committed with the token (ISyncQueryFingerprintStore)
// and the checkpoint of a dead pass (ISyncResumableStore). A store that implements neither skips these tests.
public abstract partial class SyncStoreContractTests
{
    private static SyncPassCheckpoint Checkpoint(string nextPageToken, int pagesStaged) => new()
    {
        Kind = SyncPassKind.Full,
        QueryFingerprint = "fp",
        NextPageToken = nextPageToken,
        PagesStaged = pagesStaged,
    };

    private ISyncQueryFingerprintStore FingerprintStore(ISyncStore<TestItem> store) =>
        store as ISyncQueryFingerprintStore ?? throw new IgnoreException($"{store.GetType().Name} keeps no query fingerprint.");

    private ISyncResumableStore<TestItem> ResumableStore(ISyncStore<TestItem> store) =>
        store as ISyncResumableStore<TestItem> ?? throw new IgnoreException($"{store.GetType().Name} does not keep dead passes.");

    private static async Task CommitWithFingerprintAsync(ISyncStore<TestItem> store, SyncPassKind kind, string token, string? fingerprint, params SyncChange<TestItem>[][] pages)
    {
        var writer = await store.BeginPassAsync(kind);
        await using (writer)
        {
            foreach (var page in pages)
            {
                await writer.ApplyAsync(page);
            }

            ((ISyncQueryFingerprintWriter)writer).SetQueryFingerprint(fingerprint);
            await writer.CommitAsync(token);
        }
    }

    /// <summary>Contract: the fingerprint is committed with the token and read back by another instance.</summary>
    [Test]
    public async Task QueryFingerprint_IsCommittedWithTheToken_AndSurvivesANewInstance()
    {
        var store = FingerprintStore(Store);
        Assert.That(await store.ReadQueryFingerprintAsync(), Is.Null, "an empty store has no fingerprint");

        await CommitWithFingerprintAsync(Store, SyncPassKind.Full, "t1", "fp1", [Up("a", "A1")]);
        Assert.That(await FingerprintStore(CreateStore()).ReadQueryFingerprintAsync(), Is.EqualTo("fp1"));

        await CommitWithFingerprintAsync(Store, SyncPassKind.Full, "t2", "fp2", [Up("a", "A2")]);
        Assert.That(await FingerprintStore(CreateStore()).ReadQueryFingerprintAsync(), Is.EqualTo("fp2"));
    }

    /// <summary>Contract: a pass that is not committed leaves the stored fingerprint as it was.</summary>
    [Test]
    public async Task QueryFingerprint_OfAnUncommittedPass_IsNotStored()
    {
        await CommitWithFingerprintAsync(Store, SyncPassKind.Full, "t1", "fp1", [Up("a", "A1")]);

        var writer = await Store.BeginPassAsync(SyncPassKind.Full);
        await using (writer)
        {
            await writer.ApplyAsync([Up("b", "B1")]);
            ((ISyncQueryFingerprintWriter)writer).SetQueryFingerprint("fp2");
        }

        Assert.That(await FingerprintStore(CreateStore()).ReadQueryFingerprintAsync(), Is.EqualTo("fp1"));
    }

    /// <summary>
    /// Contract: a token stored without fingerprint (by an earlier version) gets one from the next commit, even an
    /// incremental pass without changes that ends on the same token (which a store may otherwise leave unwritten).
    /// </summary>
    [Test]
    public async Task QueryFingerprint_IsWrittenByAnUnchangedIncrementalPass_OnATokenThatHadNone()
    {
        await CommitPassAsync(Store, SyncPassKind.Full, "t1", [Up("a", "A1")]);
        var store = FingerprintStore(Store);
        Assert.That(await store.ReadQueryFingerprintAsync(), Is.Null);

        await Store.ReadSyncTokenAsync();
        await CommitWithFingerprintAsync(Store, SyncPassKind.Incremental, "t1", "fp1", []);

        Assert.That(await FingerprintStore(CreateStore()).ReadQueryFingerprintAsync(), Is.EqualTo("fp1"));
        await AssertTokenAndItemsAsync(CreateStore(), "t1", Kv("a", "A1"));
    }

    /// <summary>
    /// Contract: a pass disposed uncommitted after checkpointed pages leaves its checkpoint, and resuming it gives a
    /// writer that holds every page it staged. A store that buffers pages may keep an earlier checkpoint (the last page
    /// it wrote) or none; resuming from what it returns must still give a mirror with nothing lost or doubled.
    /// </summary>
    [Test]
    public async Task DeadPass_IsResumedFromItsCheckpoint_WithEverythingItStaged()
    {
        await SeedAsync();
        ResumableStore(Store);
        var pages = new[] { new[] { Up("a", "A2"), Up("x", "X2") }, new[] { Up("y", "Y2"), Del("x") }, new[] { Up("z", "Z2") } };
        var writer = await Store.BeginPassAsync(SyncPassKind.Full);
        await using (writer)
        {
            var checkpoints = (ISyncCheckpointWriter<TestItem>)writer;
            await checkpoints.ApplyAsync(pages[0], Checkpoint("p2", 1));
            await checkpoints.ApplyAsync(pages[1], Checkpoint("p3", 2));
        }

        await AssertSeededAsync(CreateStore());
        var checkpoint = await ResumableStore(CreateStore()).ReadCheckpointAsync();
        Assert.That(checkpoint, Is.EqualTo(Checkpoint("p3", 2)).Or.EqualTo(Checkpoint("p2", 1)).Or.Null);
        var resumed = checkpoint is null ? null : await ResumableStore(CreateStore()).ResumePassAsync(checkpoint);
        var from = checkpoint?.PagesStaged ?? 0;
        var continued = resumed ?? await Store.BeginPassAsync(SyncPassKind.Full);
        await using (continued)
        {
            for (var page = from; page < pages.Length; page++)
            {
                await continued.ApplyAsync(pages[page]);
            }

            await continued.CommitAsync("t2");
        }

        await AssertTokenAndItemsAsync(CreateStore(), "t2", Kv("a", "A2"), Kv("y", "Y2"), Kv("z", "Z2"));
        Assert.That(await ResumableStore(CreateStore()).ReadCheckpointAsync(), Is.Null, "a commit drops the checkpoint");
    }

    /// <summary>Contract: a new pass that commits drops a dead pass's checkpoint and what it staged; a stale checkpoint resumes nothing.</summary>
    [Test]
    public async Task NewPass_DropsTheDeadPassCheckpoint_AndAStaleCheckpointResumesNothing()
    {
        await SeedAsync();
        var store = ResumableStore(Store);
        var writer = await Store.BeginPassAsync(SyncPassKind.Full);
        await using (writer)
        {
            await ((ISyncCheckpointWriter<TestItem>)writer).ApplyAsync([Up("x", "X")], Checkpoint("p2", 1));
        }

        var dead = await store.ReadCheckpointAsync();
        await CommitPassAsync(Store, SyncPassKind.Full, "t2", [Up("a", "A2")]);

        Assert.That(await ResumableStore(CreateStore()).ReadCheckpointAsync(), Is.Null);
        Assert.That(await ResumableStore(CreateStore()).ResumePassAsync(dead ?? Checkpoint("p2", 1)), Is.Null);
        await AssertTokenAndItemsAsync(CreateStore(), "t2", Kv("a", "A2"));
    }

    private static async Task AssertTokenAndItemsAsync(ISyncStore<TestItem> store, string token, params System.Collections.Generic.KeyValuePair<string, TestItem>[] items)
    {
        var stored = await store.ReadSyncTokenAsync();
        var all = await ItemsAsync(store);
        Assert.Multiple(() =>
        {
            Assert.That(stored, Is.EqualTo(token));
            Assert.That(all, Is.EqualTo(items));
        });
    }
}
