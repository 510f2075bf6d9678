using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Threading.Tasks;
using CsCheck;
using Microsoft.Data.Sqlite;
using NUnit.Framework;
using SyncGen.Testing.Stores;
using SyncGen.Tests.Shared;

namespace SyncGen.Runtime.Tests.Stores;

/// <summary>
/// The SQLite change feed against a plain in-memory model, over random histories on a real file: after every step the
/// retained feed is exactly the rows the model says it holds, each with the item as its commit left it, and the mirror is
/// the model's.
/// </summary>
/// <remarks>
/// The histories mix what changes the mirror under the feed's rows: incremental and full passes with the feed, the same on
/// a second store of the file without it (which appends nothing but must keep what the feed's rows announce), passes
/// disposed without a commit, a parent collection's commit that removes the collection, and pruning by a consumer's
/// acknowledgements and a small cap; a sibling collection with its own feed and consumer shares the file (and the kept
/// versions' rowids, which pruning frees), and every other check reads through a read-only store. Keys come from a..f
/// and titles from four short strings, so keys repeat within a pass and an upsert often leaves the stored JSON as it was.
/// </remarks>
[TestFixture]
public sealed class SqliteFeedModelTests
{
    private const string Collection = "events";
    private const string Sibling = "tasks";
    private const string Consumer = "reader";
    private static readonly string[] Keys = ["a", "b", "c", "d", "e", "f"];
    private static readonly string[] Titles = ["x", "y", "xy", "yx"];

    private SqliteTestDirectory _files = null!;

    private enum StepKind
    {
        FeedIncremental,
        FeedFull,
        OtherIncremental,
        OtherFull,
        Abandoned,
        SiblingPass,
        RemoveCollection,
        Acknowledge,
    }

    /// <summary>One change of a page: an upsert of <see cref="Key"/> with <see cref="Title"/>, or a delete when it is null.</summary>
    private readonly record struct Op(string Key, string? Title)
    {
        public override string ToString() => Title is null ? "-" + Key : Key + "=" + Title;
    }

    /// <summary>
    /// One step of a history. <see cref="Pick"/> chooses what an acknowledgement acknowledges and in which collection,
    /// whether a sibling's or an abandoned pass is full, and whether a removal takes the sibling too.
    /// </summary>
    private sealed record Step(StepKind Kind, Op[][] Pages, int Pick)
    {
        public bool PickedFull => Pick % 2 != 0;

        /// <summary>An acknowledgement of the sibling's feed (one in three), whose pruning frees kept versions' rowids ours may meet.</summary>
        public bool PickedSibling => Pick % 3 == 0;

        public override string ToString() => Kind switch
        {
            StepKind.RemoveCollection => PickedFull ? "RemoveBoth" : "Remove",
            StepKind.Acknowledge => PickedSibling ? $"AckSibling({Pick})" : $"Ack({Pick})",
            StepKind.SiblingPass or StepKind.Abandoned => $"{Kind}{(PickedFull ? "Full" : "Incremental")}[{PagesText}]",
            _ => $"{Kind}[{PagesText}]",
        };

        private string PagesText => string.Join(" | ", Pages.Select(page => string.Join(" ", page)));
    }

    /// <summary>A feed row as the model expects it: the title is the item's as its commit left it, null for a removal.</summary>
    private readonly record struct Row(long Seq, string Key, SyncFeedChangeKind Kind, string? Title)
    {
        public override string ToString() => $"{Seq}:{Key}:{Kind}:{Title}";
    }

    [SetUp]
    public void CreateTempDirectory() => _files = new SqliteTestDirectory("syncgen-sqlite-feed-model");

    [TearDown]
    public void DeleteTempDirectory() => _files.Dispose();

    [Test]
    public async Task The_feed_and_the_mirror_follow_the_model_through_any_history()
    {
        var op = Gen.Select(Gen.Int[0, Keys.Length - 1], Gen.Int[0, Titles.Length], (key, title) => new Op(Keys[key], title == Titles.Length ? null : Titles[title]));
        var pages = op.Array[0, 4].Array[1, 3];
        var kind = Gen.Frequency(
            (6, Gen.Const(StepKind.FeedIncremental)),
            (2, Gen.Const(StepKind.FeedFull)),
            (2, Gen.Const(StepKind.OtherIncremental)),
            (1, Gen.Const(StepKind.OtherFull)),
            (1, Gen.Const(StepKind.Abandoned)),
            (2, Gen.Const(StepKind.SiblingPass)),
            (1, Gen.Const(StepKind.RemoveCollection)),
            (2, Gen.Const(StepKind.Acknowledge)));
        var step = Gen.Select(kind, pages, Gen.Int[0, 1000], (k, p, pick) => new Step(k, p, pick));
        // A cap of 0 stands for the default (a million changes: nothing is pruned by the cap).
        var history = Gen.Select(Gen.Int[0, 8], step.Array[30, 60], (cap, steps) => (Cap: cap, Steps: steps));

        await history.SampleAsync(
            async sample => await RunAsync(sample.Cap, sample.Steps),
            iter: Soak.Depth(reduced: 80, full: 5000),
            threads: 1,
            print: sample => $"cap {sample.Cap}: " + string.Join(", ", sample.Steps.Select(s => s.ToString())));
    }

    private async Task RunAsync(int cap, Step[] steps)
    {
        // A file per history, deleted after it: a deep run goes through thousands.
        var path = _files.File(Guid.NewGuid().ToString("N") + ".db");
        try
        {
            await RunAsync(path, cap, steps);
        }
        finally
        {
            SqliteConnection.ClearAllPools();
            foreach (var file in new[] { path, path + "-wal", path + "-shm" })
            {
                File.Delete(file);
            }
        }
    }

    private static async Task RunAsync(string path, int cap, Step[] steps)
    {
        var options = cap == 0 ? new SyncChangeFeedOptions() : new SyncChangeFeedOptions { MaxRetainedChanges = cap };
        var feedStore = SqliteSyncStore<TestItem>.OpenFile(path, Collection);
        feedStore.ChangeFeed = options;
        var otherStore = SqliteSyncStore<TestItem>.OpenFile(path, Collection);
        var parentStore = SqliteSyncStore<TestItem>.OpenFile(path, "calendars");
        // Another collection with a feed in the same file: its kept versions share the table (and its rowids) with ours.
        var siblingStore = SqliteSyncStore<TestItem>.OpenFile(path, Sibling);
        siblingStore.ChangeFeed = options;
        await using (feedStore)
        await using (otherStore)
        await using (parentStore)
        await using (siblingStore)
        {
            // The parent's first commit creates the file, which the read-only store needs.
            await PassAsync(parentStore, SyncPassKind.Full, [], "p0");
            await using var readOnlyStore = SqliteSyncStore<TestItem>.OpenFileReadOnly(path, Collection);
            var maxRetained = cap == 0 ? options.MaxRetainedChanges : cap;
            var model = new Model(maxRetained);
            var sibling = new Model(maxRetained);
            var token = 0;
            for (var i = 0; i < steps.Length; i++)
            {
                var step = steps[i];
                var changes = step.Pages.SelectMany(page => page).ToArray();
                switch (step.Kind)
                {
                    case StepKind.FeedIncremental:
                    case StepKind.FeedFull:
                    case StepKind.OtherIncremental:
                    case StepKind.OtherFull:
                        var full = step.Kind is StepKind.FeedFull or StepKind.OtherFull;
                        var feed = step.Kind is StepKind.FeedIncremental or StepKind.FeedFull;
                        await PassAsync(feed ? feedStore : otherStore, full ? SyncPassKind.Full : SyncPassKind.Incremental, step.Pages, $"t{++token}");
                        model.Commit(changes, full, feed);
                        break;
                    case StepKind.Abandoned:
                        var writer = await feedStore.BeginPassAsync(step.PickedFull ? SyncPassKind.Full : SyncPassKind.Incremental);
                        await using (writer)
                        {
                            foreach (var page in step.Pages)
                            {
                                await writer.ApplyAsync(page.Select(Change).ToArray());
                            }
                        }

                        break;
                    case StepKind.SiblingPass:
                        await PassAsync(siblingStore, step.PickedFull ? SyncPassKind.Full : SyncPassKind.Incremental, step.Pages, $"s{++token}");
                        sibling.Commit(changes, step.PickedFull, feed: true);
                        break;
                    case StepKind.RemoveCollection:
                        var both = step.PickedFull;
                        var parent = await parentStore.BeginPassAsync(SyncPassKind.Incremental);
                        await using (parent)
                        {
                            ((ISyncCollectionRemover)parent).RemoveOnCommit(both ? [Collection, Sibling] : [Collection]);
                            await parent.CommitAsync($"p{++token}");
                        }

                        model.RemoveCollection();
                        if (both)
                        {
                            sibling.RemoveCollection();
                        }

                        break;
                    case StepKind.Acknowledge:
                        var (acknowledging, acknowledged) = step.PickedSibling ? (siblingStore, sibling) : (feedStore, model);
                        var from = acknowledged.Cursor ?? 0;
                        var sequence = from + (step.Pick % (acknowledged.Head - from + 1));
                        await acknowledging.AcknowledgeAsync(Consumer, sequence);
                        acknowledged.Cursor = sequence;
                        break;
                }

                try
                {
                    // Every other step through a read-only store, which reads the file its own way when it is quiet.
                    await CheckAsync(i % 2 == 1 ? readOnlyStore : feedStore, model);
                    await CheckAsync(siblingStore, sibling);
                }
                catch (Exception ex) when (ex is SyncStoreCorruptException or ModelMismatchException)
                {
                    throw new ModelMismatchException($"After step {i} ({step}): {ex.Message}", ex);
                }
            }
        }
    }

    private static SyncChange<TestItem> Change(Op op) =>
        op.Title is null ? SyncChange<TestItem>.Delete(op.Key) : SyncChange<TestItem>.Upsert(op.Key, new TestItem(op.Key, op.Title));

    private static async Task PassAsync(SqliteSyncStore<TestItem> store, SyncPassKind kind, Op[][] pages, string token)
    {
        var writer = await store.BeginPassAsync(kind);
        await using (writer)
        {
            foreach (var page in pages)
            {
                await writer.ApplyAsync(page.Select(Change).ToArray());
            }

            await writer.CommitAsync(token);
        }
    }

    private static async Task CheckAsync(SqliteSyncStore<TestItem> store, Model model)
    {
        long prunedThrough = 0;
        try
        {
            await store.ReadChangesAsync(0, 1);
        }
        catch (SyncFeedPrunedException ex)
        {
            prunedThrough = ex.PrunedThrough;
        }

        var rows = new List<Row>();
        var after = prunedThrough;
        long head;
        do
        {
            // Pages of a few rows: a row's version is found the same way whichever page it is read in.
            var page = await store.ReadChangesAsync(after, 1 + (int)(after % 5));
            head = page.Head;
            foreach (var change in page.Changes)
            {
                if (change.Item is { } item && item.Id != change.Key)
                {
                    throw new ModelMismatchException($"change {change.Sequence} of {change.Key} carries the item of {item.Id}.");
                }

                rows.Add(new Row(change.Sequence, change.Key, change.Kind, change.Item?.Title));
            }

            after = page.Last;
        }
        while (after < head);

        var expected = model.Rows.Where(row => row.Seq > model.PrunedThrough).ToList();
        if (head != model.Head || prunedThrough != model.PrunedThrough || !rows.SequenceEqual(expected))
        {
            throw new ModelMismatchException(
                $"the feed (head {head}, pruned through {prunedThrough}) is [{string.Join(", ", rows)}];"
                + $" the model (head {model.Head}, pruned through {model.PrunedThrough}) says [{string.Join(", ", expected)}].");
        }

        var items = (await store.ReadItemsAsync()).Select(pair => $"{pair.Key}={pair.Value.Title}").Order(StringComparer.Ordinal);
        var mirror = model.Mirror.Select(pair => $"{pair.Key}={pair.Value}");
        if (!items.SequenceEqual(mirror))
        {
            throw new ModelMismatchException($"the mirror is [{string.Join(" ", items)}]; the model says [{string.Join(" ", mirror)}].");
        }
    }

    /// <summary>The store and the model disagree.</summary>
    private sealed class ModelMismatchException(string message, Exception? inner = null) : Exception(message, inner);

    /// <summary>What the store should hold: the mirror, the feed's rows (pruned ones included, cut when compared), the cursor.</summary>
    private sealed class Model(int maxRetained)
    {
        public SortedDictionary<string, string> Mirror { get; } = new(StringComparer.Ordinal);

        public List<Row> Rows { get; } = [];

        public long Head { get; private set; }

        public long PrunedThrough { get; private set; }

        public long? Cursor { get; set; }

        /// <summary>
        /// A parent's commit removed the collection: a feed that ever appended a row announces the removal of each key
        /// (in key order, pruned by the collection's own next commit); the mirror is empty.
        /// </summary>
        public void RemoveCollection()
        {
            if (Head > 0)
            {
                foreach (var key in Mirror.Keys)
                {
                    Rows.Add(new Row(++Head, key, SyncFeedChangeKind.Removed, null));
                }
            }

            Mirror.Clear();
        }

        /// <summary>
        /// A committed pass: the mirror becomes the pass's result; with the feed, each key whose item differs from the one
        /// it had before the pass gets one row, in key order, and the feed is pruned.
        /// </summary>
        public void Commit(Op[] changes, bool full, bool feed)
        {
            var before = new SortedDictionary<string, string>(Mirror, StringComparer.Ordinal);
            if (full)
            {
                Mirror.Clear();
            }

            foreach (var op in changes)
            {
                if (op.Title is null)
                {
                    Mirror.Remove(op.Key);
                }
                else
                {
                    Mirror[op.Key] = op.Title;
                }
            }

            // An incremental pass with no change at all begins no write of the feed: nothing to prune either.
            if (!feed || (!full && changes.Length == 0))
            {
                return;
            }

            foreach (var key in before.Keys.Union(Mirror.Keys).Order(StringComparer.Ordinal))
            {
                var had = before.TryGetValue(key, out var old);
                var has = Mirror.TryGetValue(key, out var now);
                if (had && !has)
                {
                    Rows.Add(new Row(++Head, key, SyncFeedChangeKind.Removed, null));
                }
                else if (!had && has)
                {
                    Rows.Add(new Row(++Head, key, SyncFeedChangeKind.Added, now));
                }
                else if (had && has && old != now)
                {
                    Rows.Add(new Row(++Head, key, SyncFeedChangeKind.Updated, now));
                }
            }

            PrunedThrough = Math.Max(PrunedThrough, Math.Max(Cursor ?? 0, Head - maxRetained));
        }
    }
}
