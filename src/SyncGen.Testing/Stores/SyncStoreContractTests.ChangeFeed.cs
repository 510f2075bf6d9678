using System;
using System.Collections.Generic;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using NUnit.Framework;

namespace SyncGen.Testing.Stores;

/// <summary>
/// The change feed's contract (<see cref="ISyncChangeFeed{TItem}"/>): run for every store whose <c>CreateStore()</c> returns
/// a store with its feed on; a store that does not implement the interface skips these tests.
/// </summary>
public abstract partial class SyncStoreContractTests
{
    /// <summary>
    /// Opens the store under test over this test's storage with the feed options given, or null (the default) when the
    /// store cannot be configured so: the tests of retention by cap are then skipped.
    /// </summary>
    /// <param name="options">The feed's options.</param>
    /// <returns>A store over the same storage as <c>CreateStore()</c>, or null.</returns>
    protected virtual ISyncStore<TestItem>? CreateStoreWithFeed(SyncChangeFeedOptions options) => null;

    /// <summary>The feed of <paramref name="store"/>; skips the test when the store keeps none.</summary>
    /// <param name="store">The store.</param>
    /// <returns>The store as a feed.</returns>
    protected static ISyncChangeFeed<TestItem> FeedOf(ISyncStore<TestItem> store)
    {
        if (store is not ISyncChangeFeed<TestItem> feed)
        {
            Assert.Ignore($"{store.GetType().Name} does not implement ISyncChangeFeed.");
            throw new InvalidOperationException(); // not reached
        }

        return feed;
    }

    /// <summary>Every change of the feed after <paramref name="after"/>, read in pages of <paramref name="pageSize"/>.</summary>
    /// <param name="feed">The feed.</param>
    /// <param name="after">The position to read after.</param>
    /// <param name="pageSize">The limit of each read.</param>
    /// <returns>The changes, oldest first.</returns>
    protected static async Task<List<SyncFeedChange<TestItem>>> AllChangesAsync(ISyncChangeFeed<TestItem> feed, long after = 0, int pageSize = 1000)
    {
        var all = new List<SyncFeedChange<TestItem>>();
        while (true)
        {
            var page = await feed.ReadChangesAsync(after, pageSize);
            all.AddRange(page.Changes);
            if (page.Changes.Count == 0 || page.Last == page.Head)
            {
                return all;
            }

            after = page.Last;
        }
    }

    /// <summary>The changes as (key, kind, title) triples, for comparisons that ignore sequence numbers.</summary>
    /// <param name="changes">The changes.</param>
    /// <returns>The triples.</returns>
    protected static List<(string Key, SyncFeedChangeKind Kind, string? Title)> Shapes(IEnumerable<SyncFeedChange<TestItem>> changes) =>
        changes.Select(change => (change.Key, change.Kind, change.Item?.Title)).ToList();

    /// <summary>Contract: the feed of a store that never committed is empty, at head 0.</summary>
    [Test]
    public async Task Feed_OfANewStore_IsEmpty()
    {
        var page = await FeedOf(Store).ReadChangesAsync(0, 10);

        Assert.Multiple(() =>
        {
            Assert.That(page.Changes, Is.Empty);
            Assert.That(page.Last, Is.Zero);
            Assert.That(page.Head, Is.Zero);
        });
    }

    /// <summary>Contract: a first full pass announces every item as added, in strictly increasing sequence from 1.</summary>
    [Test]
    public async Task Feed_FirstFullPass_AnnouncesEveryItemAsAdded()
    {
        await SeedAsync();

        var changes = await AllChangesAsync(FeedOf(Store));

        Assert.Multiple(() =>
        {
            Assert.That(Shapes(changes), Is.EquivalentTo(new[] { ("a", SyncFeedChangeKind.Added, (string?)"A1"), ("b", SyncFeedChangeKind.Added, "B1") }));
            Assert.That(changes.Select(change => change.Sequence), Is.EqualTo(new long[] { 1, 2 }));
        });
    }

    /// <summary>Contract: an incremental pass announces each key's net change once, and nothing for a key it left as it was.</summary>
    [Test]
    public async Task Feed_IncrementalPass_AnnouncesTheNetChangeOfEachKey()
    {
        await CommitPassAsync(Store, SyncPassKind.Full, "t1", [Up("kept", "K1"), Up("edited", "E1"), Up("gone", "G1"), Up("same", "S1")]);

        await CommitPassAsync(
            Store,
            SyncPassKind.Incremental,
            "t2",
            [Up("edited", "E2"), Up("new", "N1"), Up("flash", "F1")],
            [Del("gone"), Del("flash"), Del("never"), Up("edited", "E3"), Up("same", "S1"), Up("new", "N2")]);

        var changes = await AllChangesAsync(FeedOf(Store), after: 4);
        Assert.That(Shapes(changes), Is.EquivalentTo(new[]
        {
            ("edited", SyncFeedChangeKind.Updated, (string?)"E3"),
            ("gone", SyncFeedChangeKind.Removed, null),
            ("new", SyncFeedChangeKind.Added, "N2"),
        }));
    }

    /// <summary>Contract: a key that one incremental pass changes and then changes back, or deletes and then restores, is not announced.</summary>
    [Test]
    public async Task Feed_IncrementalPass_AKeyThatEndsAsItStarted_IsNotAnnounced()
    {
        await CommitPassAsync(Store, SyncPassKind.Full, "t1", [Up("a", "A1"), Up("b", "B1"), Up("c", "C1")]);

        await CommitPassAsync(Store, SyncPassKind.Incremental, "t2", [Up("a", "A2"), Del("b"), Up("c", "C2")], [Up("a", "A1"), Up("b", "B1"), Del("c"), Up("c", "C3")]);
        await CommitPassAsync(Store, SyncPassKind.Incremental, "t3", [Up("a", "A4")]);

        var changes = await AllChangesAsync(FeedOf(Store));
        Assert.That(changes.Select(change => (change.Sequence, change.Key, change.Kind, change.Item?.Title)), Is.EqualTo(new (long, string, SyncFeedChangeKind, string?)[]
        {
            (1, "a", SyncFeedChangeKind.Added, "A1"),
            (2, "b", SyncFeedChangeKind.Added, "B1"),
            (3, "c", SyncFeedChangeKind.Added, "C1"),
            (4, "c", SyncFeedChangeKind.Updated, "C3"),
            (5, "a", SyncFeedChangeKind.Updated, "A4"),
        }));
    }

    /// <summary>Contract: a full resync (after a token expired) announces only what differs from the mirror it replaces.</summary>
    [Test]
    public async Task Feed_FullResync_AnnouncesOnlyWhatDiffersFromTheReplacedMirror()
    {
        await CommitPassAsync(Store, SyncPassKind.Full, "t1", [Up("a", "A1"), Up("b", "B1"), Up("c", "C1")]);

        await CommitPassAsync(Store, SyncPassKind.Full, "t2", [Up("a", "A1"), Up("b", "B2")], [Up("d", "D1"), Del("a"), Up("a", "A1")]);

        var changes = await AllChangesAsync(FeedOf(Store), after: 3);
        Assert.Multiple(() =>
        {
            Assert.That(Shapes(changes), Is.EquivalentTo(new[]
            {
                ("b", SyncFeedChangeKind.Updated, (string?)"B2"),
                ("c", SyncFeedChangeKind.Removed, null),
                ("d", SyncFeedChangeKind.Added, "D1"),
            }));
            Assert.That(changes.Select(change => change.Sequence), Is.EqualTo(new long[] { 4, 5, 6 }));
        });
    }

    /// <summary>Contract: a change keeps the item as that commit left it, after later passes update, resync and remove the key.</summary>
    [Test]
    public async Task Feed_EachChange_KeepsItsItem_AfterLaterPassesChangeAndRemoveTheKey()
    {
        await CommitPassAsync(Store, SyncPassKind.Full, "t1", [Up("a", "A1"), Up("b", "B1"), Up("c", "C1")]);
        await CommitPassAsync(Store, SyncPassKind.Incremental, "t2", [Up("a", "A2"), Up("c", "C1")]);
        await CommitPassAsync(Store, SyncPassKind.Full, "t3", [Up("a", "A3"), Up("b", "B1")]);
        await CommitPassAsync(Store, SyncPassKind.Incremental, "t4", [Del("a"), Del("b")]);

        var changes = await AllChangesAsync(FeedOf(Store));
        Assert.That(Shapes(changes), Is.EquivalentTo(new[]
        {
            ("a", SyncFeedChangeKind.Added, (string?)"A1"),
            ("b", SyncFeedChangeKind.Added, "B1"),
            ("c", SyncFeedChangeKind.Added, "C1"),
            ("a", SyncFeedChangeKind.Updated, "A2"),
            ("a", SyncFeedChangeKind.Updated, "A3"),
            ("c", SyncFeedChangeKind.Removed, null),
            ("a", SyncFeedChangeKind.Removed, null),
            ("b", SyncFeedChangeKind.Removed, null),
        }));
    }

    /// <summary>Contract: a full pass with no items announces every stored item as removed.</summary>
    [Test]
    public async Task Feed_EmptyFullPass_AnnouncesEveryItemAsRemoved()
    {
        await SeedAsync();

        await CommitPassAsync(Store, SyncPassKind.Full, "t2");

        var changes = await AllChangesAsync(FeedOf(Store), after: 2);
        Assert.That(Shapes(changes), Is.EquivalentTo(new[] { ("a", SyncFeedChangeKind.Removed, (string?)null), ("b", SyncFeedChangeKind.Removed, null) }));
    }

    /// <summary>Contract: a discarded pass, a refused commit and a cancelled commit append nothing.</summary>
    [Test]
    public async Task Feed_PassesThatDoNotCommit_AppendNothing()
    {
        await SeedAsync();
        var feed = FeedOf(Store);

        await using (var discarded = await Store.BeginPassAsync(SyncPassKind.Incremental))
        {
            await discarded.ApplyAsync([Up("c", "C1"), Del("a")]);
        }

        var cancelled = await Store.BeginPassAsync(SyncPassKind.Full);
        await using (cancelled)
        {
            await cancelled.ApplyAsync([Up("x", "X1")]);
            Assert.CatchAsync<OperationCanceledException>(async () => await cancelled.CommitAsync("t9", new CancellationToken(canceled: true)));
            Assert.CatchAsync<ArgumentException>(async () => await cancelled.CommitAsync(""));
        }

        var page = await feed.ReadChangesAsync(0, 100);
        Assert.Multiple(() =>
        {
            Assert.That(page.Head, Is.EqualTo(2));
            Assert.That(Shapes(page.Changes), Is.EquivalentTo(new[] { ("a", SyncFeedChangeKind.Added, (string?)"A1"), ("b", SyncFeedChangeKind.Added, "B1") }));
        });
    }

    /// <summary>Contract: an incremental pass with no net change appends nothing, even when the token moves.</summary>
    [Test]
    public async Task Feed_PassWithoutNetChange_AppendsNothing()
    {
        await SeedAsync();

        await CommitPassAsync(Store, SyncPassKind.Incremental, "t2", [Up("a", "A1"), Up("z", "Z1"), Del("z")]);

        var page = await FeedOf(Store).ReadChangesAsync(2, 100);
        Assert.Multiple(() =>
        {
            Assert.That(page.Changes, Is.Empty);
            Assert.That(page.Head, Is.EqualTo(2));
            Assert.That(page.Last, Is.EqualTo(2));
        });
    }

    /// <summary>Contract: reads page by the limit, from any position up to the head, and a new instance reads the same feed.</summary>
    [Test]
    public async Task Feed_ReadsPageByLimit_AndSurviveANewInstance()
    {
        await CommitPassAsync(Store, SyncPassKind.Full, "t1", [Up("a", "A1"), Up("b", "B1"), Up("c", "C1")]);
        await CommitPassAsync(Store, SyncPassKind.Incremental, "t2", [Up("d", "D1"), Del("a")]);

        var reopened = FeedOf(CreateStore());
        var first = await reopened.ReadChangesAsync(0, 2);
        var second = await reopened.ReadChangesAsync(first.Last, 2);
        var third = await reopened.ReadChangesAsync(second.Last, 2);
        var atHead = await reopened.ReadChangesAsync(5, 2);

        Assert.Multiple(() =>
        {
            Assert.That(first.Changes.Select(change => change.Sequence), Is.EqualTo(new long[] { 1, 2 }));
            Assert.That(second.Changes.Select(change => change.Sequence), Is.EqualTo(new long[] { 3, 4 }));
            Assert.That(third.Changes.Select(change => change.Sequence), Is.EqualTo(new long[] { 5 }));
            Assert.That(third.Head, Is.EqualTo(5));
            Assert.That(atHead.Changes, Is.Empty);
            Assert.That(Shapes(second.Changes.Skip(1).Concat(third.Changes)), Is.EquivalentTo(new[] { ("a", SyncFeedChangeKind.Removed, (string?)null), ("d", SyncFeedChangeKind.Added, "D1") }));
        });
    }

    /// <summary>Contract: a read after a negative position or one beyond the head, or with a limit below 1, is refused.</summary>
    [Test]
    public async Task Feed_ReadOutsideTheFeed_IsRefused()
    {
        await SeedAsync();
        var feed = FeedOf(Store);

        Assert.Multiple(() =>
        {
            Assert.ThrowsAsync<ArgumentOutOfRangeException>(async () => await feed.ReadChangesAsync(-1, 10));
            Assert.ThrowsAsync<ArgumentOutOfRangeException>(async () => await feed.ReadChangesAsync(3, 10));
            Assert.ThrowsAsync<ArgumentOutOfRangeException>(async () => await feed.ReadChangesAsync(0, 0));
        });
    }

    /// <summary>Contract: a consumer's cursor is kept in the store, only moves forward and stays within the feed.</summary>
    [Test]
    public async Task Feed_ConsumerCursor_IsKept_MovesOnlyForward_AndStaysWithinTheFeed()
    {
        await SeedAsync();
        var feed = FeedOf(Store);

        Assert.That(await feed.ReadCursorAsync("mailer"), Is.Null);
        await feed.AcknowledgeAsync("mailer", 1);
        await feed.AcknowledgeAsync("mailer", 1);
        await feed.AcknowledgeAsync("indexer", 2);

        var reopened = FeedOf(CreateStore());
        Assert.Multiple(async () =>
        {
            Assert.That(await reopened.ReadCursorAsync("mailer"), Is.EqualTo(1));
            Assert.That(await reopened.ReadCursorAsync("indexer"), Is.EqualTo(2));
            Assert.That(await reopened.ReadCursorAsync("nobody"), Is.Null);
            Assert.ThrowsAsync<ArgumentOutOfRangeException>(async () => await reopened.AcknowledgeAsync("indexer", 1));
            Assert.ThrowsAsync<ArgumentOutOfRangeException>(async () => await reopened.AcknowledgeAsync("mailer", 3));
            Assert.ThrowsAsync<ArgumentOutOfRangeException>(async () => await reopened.AcknowledgeAsync("new", -1));
            Assert.ThrowsAsync<ArgumentException>(async () => await reopened.AcknowledgeAsync(" ", 0));
            Assert.ThrowsAsync<ArgumentException>(async () => await reopened.ReadCursorAsync(new string('c', 201)));
        });
        Assert.That(await reopened.ReadCursorAsync("mailer"), Is.EqualTo(1), "a refused acknowledgement changes nothing");
    }

    /// <summary>Contract: a commit prunes what every consumer acknowledged, and a read of a pruned position says so.</summary>
    [Test]
    public async Task Feed_Commit_PrunesWhatEveryConsumerAcknowledged()
    {
        await CommitPassAsync(Store, SyncPassKind.Full, "t1", [Up("a", "A1"), Up("b", "B1"), Up("c", "C1")]);
        var feed = FeedOf(Store);
        await feed.AcknowledgeAsync("fast", 3);
        await feed.AcknowledgeAsync("slow", 1);

        await CommitPassAsync(Store, SyncPassKind.Incremental, "t2", [Up("d", "D1")]);

        var pruned = Assert.ThrowsAsync<SyncFeedPrunedException>(async () => await feed.ReadChangesAsync(0, 10));
        var kept = await AllChangesAsync(feed, after: 1);
        Assert.Multiple(() =>
        {
            Assert.That(pruned!.PrunedThrough, Is.EqualTo(1));
            Assert.That(kept.Select(change => change.Sequence), Is.EqualTo(new long[] { 2, 3, 4 }));
        });
    }

    /// <summary>Contract: the feed keeps no more than its cap, acknowledged or not.</summary>
    [Test]
    public async Task Feed_KeepsNoMoreThanItsCap()
    {
        var store = CreateStoreWithFeed(new SyncChangeFeedOptions { MaxRetainedChanges = 2 });
        if (store is null)
        {
            Assert.Ignore("The store under test cannot be configured with feed options (override CreateStoreWithFeed).");
        }

        var feed = FeedOf(store!);
        await feed.AcknowledgeAsync("never-keeps-up", 0);
        await CommitPassAsync(store!, SyncPassKind.Full, "t1", [Up("a", "A1"), Up("b", "B1"), Up("c", "C1")]);
        await CommitPassAsync(store!, SyncPassKind.Incremental, "t2", [Del("a")]);

        var kept = await AllChangesAsync(feed, after: 2);
        Assert.Multiple(() =>
        {
            Assert.That(kept.Select(change => change.Sequence), Is.EqualTo(new long[] { 3, 4 }));
            Assert.ThrowsAsync<SyncFeedPrunedException>(async () => await feed.ReadChangesAsync(1, 10));
        });
    }

    /// <summary>Contract: replaying the feed from 0 onto an empty mirror gives the committed mirror, over a seeded random history with resyncs and discarded passes.</summary>
    [Test]
    public async Task Feed_ReplayedFromZero_GivesTheMirror_OverARandomHistory()
    {
        var random = new Random(23);
        var feed = FeedOf(Store);
        var model = new SortedDictionary<string, string>(StringComparer.Ordinal);
        for (var pass = 0; pass < 12; pass++)
        {
            var kind = pass == 0 || random.Next(4) == 0 ? SyncPassKind.Full : SyncPassKind.Incremental;
            var writer = await Store.BeginPassAsync(kind);
            await using (writer)
            {
                for (var page = random.Next(0, 3); page > 0; page--)
                {
                    var changes = Enumerable.Range(0, random.Next(1, 6))
                        .Select(_ => random.Next(3) == 0 ? Del("k" + random.Next(8)) : Up("k" + random.Next(8), "v" + random.Next(3)))
                        .ToArray();
                    await writer.ApplyAsync(changes);
                }

                if (random.Next(5) != 0)
                {
                    await writer.CommitAsync("t" + pass);
                }
            }

            var replayed = new SortedDictionary<string, string>(StringComparer.Ordinal);
            foreach (var change in await AllChangesAsync(feed, pageSize: 3))
            {
                if (change.Kind == SyncFeedChangeKind.Removed)
                {
                    Assert.That(replayed.Remove(change.Key), Is.True, $"change {change.Sequence} removes {change.Key}, which the feed never added");
                }
                else
                {
                    Assert.That(replayed.ContainsKey(change.Key), Is.EqualTo(change.Kind == SyncFeedChangeKind.Updated), $"change {change.Sequence} ({change.Kind} {change.Key})");
                    replayed[change.Key] = change.Item!.Title;
                }
            }

            model.Clear();
            foreach (var (key, item) in await Store.ReadItemsAsync())
            {
                model[key] = item.Title;
            }

            Assert.That(replayed, Is.EqualTo(model), $"after pass {pass}");
        }
    }
}
