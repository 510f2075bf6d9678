using System;
using System.IO;
using System.Linq;
using System.Threading.Tasks;
using Microsoft.Data.Sqlite;
using NUnit.Framework;
using SyncGen.Testing.Stores;

namespace SyncGen.Runtime.Tests.Stores;

/// <summary>
/// The SQLite feed's rows that refer to the mirror instead of copying the item: written without JSON, and readable after
/// any later commit changes the mirror row (which keeps the version first), with or without a feed of its own.
/// </summary>
[TestFixture]
public sealed class SqliteFeedReferenceTests
{
    private SqliteTestDirectory _files = null!;
    private string _path = "";

    [SetUp]
    public void CreateTempDirectory()
    {
        _files = new SqliteTestDirectory("syncgen-sqlite-feed-tests");
        _path = _files.File();
    }

    [TearDown]
    public void DeleteTempDirectory() => _files.Dispose();

    [Test]
    public async Task A_first_full_sync_writes_feed_rows_without_a_copy_of_the_items()
    {
        var store = Open("events", feed: true);
        await CommitAsync(store, SyncPassKind.Full, "t1", Up("a", "A1"), Up("b", "B1"));

        using (Assert.EnterMultipleScope())
        {
            Assert.That(await ScalarAsync("SELECT COUNT(*) FROM syncgen_changes WHERE json IS NOT NULL;"), Is.Zero);
            Assert.That(await TitlesAsync(store), Is.EqualTo(new[] { "a:A1", "b:B1" }));
        }
    }

    [Test]
    public async Task A_store_opened_without_the_feed_keeps_the_items_an_earlier_feed_announced()
    {
        await CommitAsync(Open("events", feed: true), SyncPassKind.Full, "t1", Up("a", "A1"), Up("b", "B1"), Up("c", "C1"));

        await CommitAsync(Open("events", feed: false), SyncPassKind.Incremental, "t2", Up("a", "A2"), Del("b"));

        Assert.That(await TitlesAsync(Open("events", feed: true)), Is.EqualTo(new[] { "a:A1", "b:B1", "c:C1" }));
    }

    [Test]
    public async Task A_collection_removed_by_another_collections_commit_keeps_the_items_its_feed_announced()
    {
        await CommitAsync(Open("events", feed: true), SyncPassKind.Full, "t1", Up("a", "A1"));

        var parent = Open("calendars", feed: false);
        var writer = await parent.BeginPassAsync(SyncPassKind.Full);
        await using (writer)
        {
            ((ISyncCollectionRemover)writer).RemoveOnCommit(["events"]);
            await writer.CommitAsync("p1");
        }

        using (Assert.EnterMultipleScope())
        {
            Assert.That(await ScalarAsync("SELECT COUNT(*) FROM syncgen_items WHERE collection = 'events';"), Is.Zero);
            Assert.That(await TitlesAsync(Open("events", feed: true)), Is.EqualTo(new[] { "a:A1" }));
            var changes = (await Open("events", feed: true).ReadChangesAsync(0, 10)).Changes;
            Assert.That(changes.Select(change => (change.Sequence, change.Key, change.Kind)), Is.EqualTo(new[] { (1L, "a", SyncFeedChangeKind.Added), (2L, "a", SyncFeedChangeKind.Removed) }), "the removal is announced, so the feed replays to the empty mirror");
        }
    }

    [Test]
    public async Task An_incremental_pass_on_a_collection_whose_name_holds_quotes_announces_and_keeps_its_changes()
    {
        // The triggers that watch an incremental commit carry the collection's name as an SQL literal.
        const string collection = "o'brien's \"events\"";
        var store = Open(collection, feed: true);
        await CommitAsync(store, SyncPassKind.Full, "t1", Up("a", "A1"), Up("b", "B1"));
        await CommitAsync(Open("other", feed: true), SyncPassKind.Full, "o1", Up("a", "X1"));

        await CommitAsync(store, SyncPassKind.Incremental, "t2", Up("a", "A2"), Del("b"), Up("c", "C1"));
        await CommitAsync(Open("other", feed: true), SyncPassKind.Incremental, "o2", Up("a", "X2"));

        var changes = (await store.ReadChangesAsync(0, 100)).Changes;
        using (Assert.EnterMultipleScope())
        {
            Assert.That(changes.Select(change => $"{change.Sequence}:{change.Key}:{change.Kind}:{change.Item?.Title}"), Is.EqualTo(new[]
            {
                "1:a:Added:A1", "2:b:Added:B1", "3:a:Updated:A2", "4:b:Removed:", "5:c:Added:C1",
            }));
            Assert.That(await TitlesAsync(Open("other", feed: true)), Is.EqualTo(new[] { "a:X1", "a:X2" }));
        }
    }

    [Test]
    public async Task An_incremental_pass_that_deletes_the_newest_row_and_then_inserts_announces_every_insert()
    {
        // c holds the table's largest rowid: once it is deleted, SQLite would give d that rowid again, no longer above the
        // largest one before the pass, so a commit that looked only above it would take d for a row that was there before.
        var store = Open("events", feed: true);
        await CommitAsync(store, SyncPassKind.Full, "t1", Up("a", "A1"), Up("b", "B1"), Up("c", "C1"));

        await CommitAsync(store, SyncPassKind.Incremental, "t2", Del("c"), Up("d", "D1"), Up("c", "C2"));

        Assert.That(await ChangesAsync(store), Is.EqualTo(new[]
        {
            "1:a:Added:A1", "2:b:Added:B1", "3:c:Added:C1", "4:c:Updated:C2", "5:d:Added:D1",
        }));
    }

    [Test]
    public async Task A_key_that_returns_and_changes_again_in_one_pass_is_added_once_and_its_older_rows_still_read()
    {
        var store = Open("events", feed: true);
        await CommitAsync(store, SyncPassKind.Full, "t1", Up("a", "A1"), Up("b", "B1"));
        await CommitAsync(store, SyncPassKind.Incremental, "t2", Del("b"));

        // b comes back and changes twice; e comes and goes within the pass.
        await CommitAsync(store, SyncPassKind.Incremental, "t3", Up("b", "B2"), Up("e", "E1"), Up("b", "B3"), Del("e"));
        await CommitAsync(store, SyncPassKind.Incremental, "t4", Up("b", "B4"));

        Assert.That(await ChangesAsync(store), Is.EqualTo(new[]
        {
            "1:a:Added:A1", "2:b:Added:B1", "3:b:Removed:", "4:b:Added:B3", "5:b:Updated:B4",
        }));
    }

    [Test]
    public async Task A_store_without_a_feed_on_a_file_that_never_had_one_keeps_no_versions()
    {
        var store = Open("events", feed: false);
        await CommitAsync(store, SyncPassKind.Full, "t1", Up("a", "A1"), Up("b", "B1"));

        await CommitAsync(store, SyncPassKind.Incremental, "t2", Up("a", "A2"), Del("b"));

        Assert.That(await ScalarAsync("SELECT COUNT(*) FROM syncgen_kept;"), Is.Zero);
    }

    [Test]
    public async Task A_file_of_layout_1_is_migrated_its_feed_reads_as_before_and_goes_on()
    {
        // Layout 1, as earlier builds wrote it: a rowid feed table whose first row carried its item, kept versions found by
        // an index on their key, no pointer in the mirror. c was removed after an update; a was updated.
        await ExecuteAsync("""
            CREATE TABLE syncgen_items (collection TEXT NOT NULL, key TEXT NOT NULL, json TEXT NOT NULL, PRIMARY KEY (collection, key));
            CREATE TABLE syncgen_state (collection TEXT NOT NULL PRIMARY KEY, sync_token TEXT);
            CREATE TABLE syncgen_changes (collection TEXT NOT NULL, seq INTEGER NOT NULL, key TEXT NOT NULL, kind TEXT NOT NULL, json TEXT NULL, PRIMARY KEY (collection, seq));
            CREATE TABLE syncgen_kept (collection TEXT NOT NULL, key TEXT NOT NULL, seq INTEGER NOT NULL, json TEXT NOT NULL);
            CREATE UNIQUE INDEX syncgen_kept_version ON syncgen_kept (collection, key, seq);
            CREATE TABLE syncgen_feed (collection TEXT NOT NULL PRIMARY KEY, head INTEGER NOT NULL, pruned_through INTEGER NOT NULL);
            CREATE TABLE syncgen_consumers (collection TEXT NOT NULL, consumer TEXT NOT NULL, acked INTEGER NOT NULL, PRIMARY KEY (collection, consumer));
            INSERT INTO syncgen_items VALUES ('events', 'a', '{"Id":"a","Title":"A2"}'), ('events', 'b', '{"Id":"b","Title":"B1"}');
            INSERT INTO syncgen_state VALUES ('events', 't1');
            INSERT INTO syncgen_changes VALUES ('events', 1, 'a', 'added', '{"Id":"a","Title":"A1"}'), ('events', 2, 'b', 'added', NULL),
                ('events', 3, 'c', 'added', NULL), ('events', 4, 'a', 'updated', NULL), ('events', 5, 'c', 'updated', NULL), ('events', 6, 'c', 'removed', NULL);
            INSERT INTO syncgen_kept VALUES ('events', 'a', 4, '{"Id":"a","Title":"A1"}'), ('events', 'c', 5, '{"Id":"c","Title":"C1"}'), ('events', 'c', 6, '{"Id":"c","Title":"C2"}');
            INSERT INTO syncgen_feed VALUES ('events', 6, 0);
            PRAGMA application_id = 1397187950; PRAGMA user_version = 1;
            """);
        var before = new[] { "a:A1", "b:B1", "c:C1", "a:A2", "c:C2" };
        Assert.That(await TitlesAsync(SqliteSyncStore<TestItem>.OpenFileReadOnly(_path, "events")), Is.EqualTo(before), "read-only, unmigrated");

        var store = Open("events", feed: true);
        Assert.That(await TitlesAsync(store), Is.EqualTo(before), "migrated");
        await CommitAsync(store, SyncPassKind.Incremental, "t2", Up("a", "A3"), Del("b"), Up("c", "C3"));
        await CommitAsync(store, SyncPassKind.Incremental, "t3", Up("c", "C4"));

        using (Assert.EnterMultipleScope())
        {
            Assert.That(await TitlesAsync(store), Is.EqualTo(new[] { "a:A1", "b:B1", "c:C1", "a:A2", "c:C2", "a:A3", "c:C3", "c:C4" }));
            Assert.That(await ScalarAsync("PRAGMA user_version;"), Is.EqualTo(3));
            Assert.That(await ScalarAsync("SELECT COUNT(*) FROM sqlite_schema WHERE type = 'index' AND tbl_name = 'syncgen_kept' AND name <> 'syncgen_kept_seq';"), Is.Zero, "the index by key is gone");
        }
    }

    [Test]
    public async Task Versions_kept_across_a_full_resync_a_removal_and_a_return_stay_readable()
    {
        var store = Open("events", feed: true);
        await CommitAsync(store, SyncPassKind.Full, "t1", Up("a", "A1"), Up("b", "B1"), Up("c", "C1"));
        await CommitAsync(store, SyncPassKind.Incremental, "t2", Up("a", "A2"), Del("b"));
        await CommitAsync(store, SyncPassKind.Full, "t3", Up("a", "A3"), Up("b", "B2"));
        await CommitAsync(Open("events", feed: false), SyncPassKind.Incremental, "t4", Up("b", "B3"), Del("a"));
        await CommitAsync(store, SyncPassKind.Incremental, "t5", Up("a", "A4"), Up("b", "B4"));

        Assert.That(await TitlesAsync(store), Is.EqualTo(new[] { "a:A1", "b:B1", "c:C1", "a:A2", "a:A3", "b:B2", "a:A4", "b:B4" }));
    }

    [Test]
    public async Task A_full_resync_without_the_feed_keeps_a_version_whose_pruned_pointer_meets_a_reused_rowid()
    {
        var other = await ReusePrunedKeptRowidAsync();

        await CommitAsync(other, SyncPassKind.Full, "t5", Up("c", "C2"));

        Assert.That(await TitlesAsync(Open("events", feed: true), after: 1), Is.EqualTo(new[] { "b:B1", "c:C1" }));
    }

    [Test]
    public async Task A_removed_collection_keeps_a_version_whose_pruned_pointer_meets_a_reused_rowid()
    {
        await ReusePrunedKeptRowidAsync();

        var parent = Open("calendars", feed: false);
        var writer = await parent.BeginPassAsync(SyncPassKind.Full);
        await using (writer)
        {
            ((ISyncCollectionRemover)writer).RemoveOnCommit(["events"]);
            await writer.CommitAsync("p1");
        }

        Assert.That(await TitlesAsync(Open("events", feed: true), after: 1), Is.EqualTo(new[] { "b:B1", "c:C1" }));
    }

    [Test]
    public async Task A_pass_after_a_consumer_acknowledged_every_row_keeps_no_version()
    {
        var store = Open("events", feed: true);
        await CommitAsync(store, SyncPassKind.Full, "t1", Up("a", "A1"), Up("b", "B1"), Up("c", "C1"));
        await store.AcknowledgeAsync("reader", 3);

        await CommitAsync(store, SyncPassKind.Incremental, "t2", Up("a", "A2"), Del("b"));

        using (Assert.EnterMultipleScope())
        {
            Assert.That(await ScalarAsync("SELECT COUNT(*) FROM syncgen_kept;"), Is.Zero, "no row the feed still holds announces A1 or B1");
            Assert.That(await ChangesAsync(store, after: 3), Is.EqualTo(new[] { "4:a:Updated:A2", "5:b:Removed:" }));
        }
    }

    [Test]
    public async Task A_consumer_behind_keeps_the_versions_its_unread_rows_announce()
    {
        var store = Open("events", feed: true);
        await CommitAsync(store, SyncPassKind.Full, "t1", Up("a", "A1"), Up("b", "B1"), Up("c", "C1"));
        await store.AcknowledgeAsync("fast", 3);
        await store.AcknowledgeAsync("slow", 1);

        await CommitAsync(store, SyncPassKind.Incremental, "t2", Up("a", "A2"), Up("b", "B2"), Del("c"));

        using (Assert.EnterMultipleScope())
        {
            Assert.That(await ScalarAsync("SELECT COUNT(*) FROM syncgen_kept WHERE key IN ('b', 'c');"), Is.EqualTo(2));
            Assert.That(await ChangesAsync(store, after: 1), Is.EqualTo(new[] { "2:b:Added:B1", "3:c:Added:C1", "4:a:Updated:A2", "5:b:Updated:B2", "6:c:Removed:" }));
        }
    }

    [Test]
    public async Task A_key_changed_and_changed_back_in_one_pass_is_not_announced_when_every_row_was_acknowledged()
    {
        var store = Open("events", feed: true);
        await CommitAsync(store, SyncPassKind.Full, "t1", Up("a", "A1"), Up("b", "B1"));
        await store.AcknowledgeAsync("reader", 2);

        await CommitAsync(store, SyncPassKind.Incremental, "t2", Up("a", "A2"), Up("a", "A1"), Up("b", "B2"));

        Assert.That(await ChangesAsync(store, after: 2), Is.EqualTo(new[] { "3:b:Updated:B2" }));
    }

    [Test]
    public async Task Removing_a_version_no_row_needs_keeps_the_older_ones_a_row_still_reads()
    {
        var store = Open("events", feed: true);
        await CommitAsync(store, SyncPassKind.Full, "t1", Up("a", "A1"), Up("b", "B1"));
        await CommitAsync(store, SyncPassKind.Incremental, "t2", Up("b", "B2"));
        await store.AcknowledgeAsync("reader", 2);
        await CommitAsync(Open("events", feed: false), SyncPassKind.Incremental, "t3", Up("b", "B3")); // keeps B2; B3 is announced by no row

        await CommitAsync(store, SyncPassKind.Incremental, "t4", Del("b"));

        Assert.That(await ChangesAsync(store, after: 2), Is.EqualTo(new[] { "3:b:Updated:B2", "4:b:Removed:" }));
    }

    [Test]
    public async Task An_update_moves_the_mark_so_its_version_is_kept_while_its_row_is_unread()
    {
        // A2's row is 3 and A3's is 4: once 3 is acknowledged, A3 is still announced by a row the feed holds, which only a
        // mark that moved with A3's update (to 4, not left at A2's 3) tells.
        var store = Open("events", feed: true);
        await CommitAsync(store, SyncPassKind.Full, "t1", Up("a", "A1"), Up("b", "B1"));
        await CommitAsync(store, SyncPassKind.Incremental, "t2", Up("a", "A2"));
        await CommitAsync(store, SyncPassKind.Incremental, "t3", Up("a", "A3"));
        await store.AcknowledgeAsync("reader", 3);

        await CommitAsync(store, SyncPassKind.Incremental, "t4", Up("a", "A4"));

        Assert.That(await ChangesAsync(store, after: 3), Is.EqualTo(new[] { "4:a:Updated:A3", "5:a:Updated:A4" }));
    }

    [Test]
    public async Task The_last_row_of_a_pass_keeps_its_version_when_the_rows_before_it_are_acknowledged()
    {
        // The pass announces C2 in its third row (6): its mark must reach head plus the pass's changes, not its first row.
        var store = Open("events", feed: true);
        await CommitAsync(store, SyncPassKind.Full, "t1", Up("a", "A1"), Up("b", "B1"), Up("c", "C1"));
        await CommitAsync(store, SyncPassKind.Incremental, "t2", Up("a", "A2"), Up("b", "B2"), Up("c", "C2"));
        await store.AcknowledgeAsync("reader", 5);

        await CommitAsync(store, SyncPassKind.Incremental, "t3", Up("c", "C3"));

        Assert.That(await ChangesAsync(store, after: 5), Is.EqualTo(new[] { "6:c:Updated:C2", "7:c:Updated:C3" }));
    }

    [Test]
    public async Task A_full_resync_over_a_mirror_raises_the_base_mark_to_the_rows_it_appends()
    {
        // The second full pass announces C1 in row 4, above the first pass's base mark (2): C1's mark, NULL, must stand for 4.
        var store = Open("events", feed: true);
        await CommitAsync(store, SyncPassKind.Full, "t1", Up("a", "A1"), Up("b", "B1"));
        await CommitAsync(store, SyncPassKind.Full, "t2", Up("a", "A2"), Up("b", "B1"), Up("c", "C1"));
        await store.AcknowledgeAsync("reader", 3);

        await CommitAsync(store, SyncPassKind.Incremental, "t3", Up("c", "C2"), Del("b"));

        Assert.That(await ChangesAsync(store, after: 3), Is.EqualTo(new[] { "4:c:Added:C1", "5:b:Removed:", "6:c:Updated:C2" }));
    }

    [Test]
    public async Task An_update_that_keeps_nothing_leaves_the_older_versions_a_row_still_reads()
    {
        // B3, written without the feed, is announced by no row: the feed's next update of b keeps it not, and must leave b's
        // pointer on B2 (kept by the commit without the feed, read by row 3) rather than move it.
        var store = Open("events", feed: true);
        await CommitAsync(store, SyncPassKind.Full, "t1", Up("a", "A1"), Up("b", "B1"));
        await CommitAsync(store, SyncPassKind.Incremental, "t2", Up("b", "B2"));
        await store.AcknowledgeAsync("reader", 2);
        await CommitAsync(Open("events", feed: false), SyncPassKind.Incremental, "t3", Up("b", "B3"));

        // Three changes, so that what last_insert_rowid() holds in a trigger that inserted nothing is not B2's rowid: a
        // pointer moved anyway loses B2.
        await CommitAsync(store, SyncPassKind.Incremental, "t4", Up("b", "B4"), Up("a", "A2"), Up("c", "C1"));

        using (Assert.EnterMultipleScope())
        {
            Assert.That(await ChangesAsync(store, after: 2), Is.EqualTo(new[] { "3:b:Updated:B2", "4:a:Updated:A2", "5:b:Updated:B4", "6:c:Added:C1" }));
            Assert.That(await ScalarAsync("SELECT COUNT(*) FROM syncgen_kept WHERE json LIKE '%B3%' OR json LIKE '%A1%';"), Is.Zero, "neither B3 nor A1 is announced by a row the feed holds");
        }
    }

    [Test]
    public async Task A_sibling_collections_marks_do_not_decide_what_this_one_keeps()
    {
        // Both collections' feeds live in one table, tasks' row first: its base mark (1) is below what events is pruned
        // through, and its own pruned number (5) above events' base mark (4). D1, announced by events' row 4, is kept only
        // when both numbers are events' own.
        var tasks = Open("tasks", feed: true);
        var events = Open("events", feed: true);
        await CommitAsync(tasks, SyncPassKind.Full, "s1", Up("a", "T1"));
        await CommitAsync(tasks, SyncPassKind.Incremental, "s2", Up("b", "U1"), Up("c", "V1"), Up("d", "W1"), Up("e", "X1"));
        await tasks.AcknowledgeAsync("reader", 5);
        await CommitAsync(tasks, SyncPassKind.Incremental, "s3", Up("a", "T2"));
        await CommitAsync(events, SyncPassKind.Full, "t1", Up("a", "A1"), Up("b", "B1"), Up("c", "C1"), Up("d", "D1"));
        await events.AcknowledgeAsync("reader", 2);

        await CommitAsync(events, SyncPassKind.Incremental, "t2", Up("d", "D2"));

        using (Assert.EnterMultipleScope())
        {
            Assert.That(await ChangesAsync(events, after: 2), Is.EqualTo(new[] { "3:c:Added:C1", "4:d:Added:D1", "5:d:Updated:D2" }));
            Assert.That(await ChangesAsync(tasks, after: 5), Is.EqualTo(new[] { "6:a:Updated:T2" }));
            Assert.That(await ScalarAsync("SELECT COUNT(*) FROM syncgen_kept WHERE collection = 'tasks';"), Is.Zero, "T1's row was acknowledged");
        }
    }

    [Test]
    public async Task A_layout_2_file_is_migrated_and_keeps_every_version_its_rows_announce()
    {
        await CommitAsync(Open("events", feed: true), SyncPassKind.Full, "t1", Up("a", "A1"), Up("b", "B1"));
        await ExecuteAsync("ALTER TABLE syncgen_items DROP COLUMN announced_through; ALTER TABLE syncgen_feed DROP COLUMN base_through; PRAGMA user_version = 2;");
        Assert.That(await TitlesAsync(SqliteSyncStore<TestItem>.OpenFileReadOnly(_path, "events")), Is.EqualTo(new[] { "a:A1", "b:B1" }), "read-only, unmigrated");

        var store = Open("events", feed: true);
        await store.AcknowledgeAsync("reader", 1);
        await CommitAsync(store, SyncPassKind.Incremental, "t2", Up("a", "A2"), Up("b", "B2"));

        using (Assert.EnterMultipleScope())
        {
            Assert.That(await ScalarAsync("PRAGMA user_version;"), Is.EqualTo(3));
            Assert.That(await ScalarAsync("SELECT COUNT(*) FROM pragma_table_info('syncgen_items') WHERE name = 'announced_through';"), Is.EqualTo(1));
            Assert.That(await TitlesAsync(store, after: 1), Is.EqualTo(new[] { "b:B1", "a:A2", "b:B2" }), "B1, marked by no build, was kept");
        }
    }

    /// <summary>
    /// Leaves b's mirror row pointing at a kept version that pruning deleted, and that rowid reused by a version of c kept
    /// under the number the next commit keeps under; the feed holds 2 (b added, B1) and 3 (c added, C1).
    /// </summary>
    private async Task<SqliteSyncStore<TestItem>> ReusePrunedKeptRowidAsync()
    {
        var store = Open("events", feed: true);
        await CommitAsync(store, SyncPassKind.Incremental, "t1", Up("a", "A1"), Up("b", "B0"), Up("b", "B1")); // keeps B0 under 1
        await store.AcknowledgeAsync("reader", 1);
        await CommitAsync(store, SyncPassKind.Incremental, "t2", Up("c", "C1")); // prunes through 1: B0 goes, the table is empty
        var other = Open("events", feed: false);
        await CommitAsync(other, SyncPassKind.Incremental, "t3", Up("c", "C2")); // keeps C1 under 4, in B0's old rowid
        Assert.That(await TitlesAsync(store, after: 1), Is.EqualTo(new[] { "b:B1", "c:C1" }), "before");
        return other;
    }

    private SqliteSyncStore<TestItem> Open(string collection, bool feed)
    {
        var store = SqliteSyncStore<TestItem>.OpenFile(_path, collection);
        store.ChangeFeed = feed ? new SyncChangeFeedOptions() : null;
        return store;
    }

    private static SyncChange<TestItem> Up(string id, string title) => SyncChange<TestItem>.Upsert(id, new TestItem(id, title));

    private static SyncChange<TestItem> Del(string id) => SyncChange<TestItem>.Delete(id);

    private static async Task CommitAsync(SqliteSyncStore<TestItem> store, SyncPassKind kind, string token, params SyncChange<TestItem>[] changes)
    {
        var writer = await store.BeginPassAsync(kind);
        await using (writer)
        {
            await writer.ApplyAsync(changes);
            await writer.CommitAsync(token);
        }
    }

    /// <summary>The added and updated changes of the feed after <paramref name="after"/>, as "key:title".</summary>
    private static async Task<string[]> TitlesAsync(SqliteSyncStore<TestItem> store, long after = 0)
    {
        var page = await store.ReadChangesAsync(after, 100);
        return page.Changes.Where(change => change.Item is not null).Select(change => change.Key + ":" + change.Item!.Title).ToArray();
    }

    /// <summary>The feed's changes after <paramref name="after"/>, as "seq:key:kind:title".</summary>
    private static async Task<string[]> ChangesAsync(SqliteSyncStore<TestItem> store, long after = 0)
    {
        var page = await store.ReadChangesAsync(after, 100);
        return page.Changes.Select(change => $"{change.Sequence}:{change.Key}:{change.Kind}:{change.Item?.Title}").ToArray();
    }

    private async Task ExecuteAsync(string sql)
    {
        SqliteConnection.ClearAllPools();
        await using var connection = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = _path, Pooling = false }.ToString());
        await connection.OpenAsync();
        await using var command = connection.CreateCommand();
        command.CommandText = sql;
        await command.ExecuteNonQueryAsync();
    }

    private async Task<long> ScalarAsync(string sql)
    {
        await using var connection = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = _path, Pooling = false }.ToString());
        await connection.OpenAsync();
        await using var command = connection.CreateCommand();
        command.CommandText = sql;
        return (long)(await command.ExecuteScalarAsync())!;
    }
}
