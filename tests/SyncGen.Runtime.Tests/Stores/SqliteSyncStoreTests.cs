using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Threading.Tasks;
using Microsoft.Data.Sqlite;
using NUnit.Framework;

namespace SyncGen.Runtime.Tests.Stores;

[TestFixture]
public sealed class SqliteSyncStoreTests : PersistentSyncStoreContractTests
{
    private SqliteTestDirectory _files = null!;
    private string _path = "";

    [SetUp]
    public void CreateTempDirectory()
    {
        _files = new SqliteTestDirectory("syncgen-sqlite-tests");
        _path = _files.File();
    }

    [TearDown]
    public void DeleteTempDirectory() => _files.Dispose();

    protected override ISyncStore<TestItem> CreateStore() => CreateStoreWithFeed(new SyncChangeFeedOptions());

    protected override ISyncStore<TestItem> CreateStoreWithFeed(SyncChangeFeedOptions options)
    {
        var store = SqliteSyncStore<TestItem>.OpenFile(_path, "events");
        store.ChangeFeed = options;
        return store;
    }

    protected override ISyncStore<TestItem> CreateStore(System.Text.Json.JsonSerializerOptions serializerOptions)
    {
        var store = SqliteSyncStore<TestItem>.OpenFile(_path, "events", serializerOptions);
        store.ChangeFeed = new SyncChangeFeedOptions();
        return store;
    }

    protected override ISyncStore<System.Text.Json.JsonElement> CreateJsonElementStore() => SqliteSyncStore<System.Text.Json.JsonElement>.OpenFile(_path, "elements");

    private async Task<T> ScalarAsync<T>(string sql)
    {
        await using var connection = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = _path, Pooling = false }.ToString());
        await connection.OpenAsync();
        await using var command = connection.CreateCommand();
        command.CommandText = sql;
        return (T)(await command.ExecuteScalarAsync())!;
    }

    private async Task ExecuteAsync(string sql)
    {
        await using var connection = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = _path, Pooling = false }.ToString());
        await connection.OpenAsync();
        await using var command = connection.CreateCommand();
        command.CommandText = sql;
        await command.ExecuteNonQueryAsync();
    }

    [Test]
    public async Task Native_library_loads_and_the_database_is_in_wal_mode()
    {
        await SeedAsync();

        var version = await ScalarAsync<string>("SELECT sqlite_version();");
        var journalMode = await ScalarAsync<string>("PRAGMA journal_mode;");

        using (Assert.EnterMultipleScope())
        {
            Assert.That(version, Does.Match(@"^3\.\d+\.\d+"));
            Assert.That(journalMode, Is.EqualTo("wal"));
        }
    }

    [Test]
    public async Task Two_collections_in_one_file_are_independent()
    {
        var a = SqliteSyncStore<TestItem>.OpenFile(_path, "A");
        var b = SqliteSyncStore<TestItem>.OpenFile(_path, "B");
        await CommitPassAsync(a, SyncPassKind.Full, "a1", [Up("x", "AX1"), Up("y", "AY1")]);
        await CommitPassAsync(b, SyncPassKind.Full, "b1", [Up("x", "BX1"), Up("z", "BZ1")]);

        await CommitPassAsync(a, SyncPassKind.Full, "a2", [Up("w", "AW2")]);
        await CommitPassAsync(b, SyncPassKind.Incremental, "b2", [Del("x")]);

        using (Assert.EnterMultipleScope())
        {
            Assert.That(await a.ReadSyncTokenAsync(), Is.EqualTo("a2"));
            Assert.That(await ItemsAsync(a), Is.EqualTo(new[] { Kv("w", "AW2") }));
            Assert.That(await b.ReadSyncTokenAsync(), Is.EqualTo("b2"));
            Assert.That(await ItemsAsync(b), Is.EqualTo(new[] { Kv("z", "BZ1") }));
            Assert.That(await SqliteSyncStore<TestItem>.OpenFile(_path, "C").ReadSyncTokenAsync(), Is.Null);
        }
    }

    [Test]
    public async Task An_open_pass_holds_no_write_lock_on_other_collections()
    {
        var slow = SqliteSyncStore<TestItem>.OpenFile(_path, "slow");
        var fast = SqliteSyncStore<TestItem>.OpenFile(_path, "fast");
        var writer = await slow.BeginPassAsync(SyncPassKind.Full);
        await using (writer)
        {
            await writer.ApplyAsync([Up("s", "S1")]);

            // Would wait for the busy timeout (30 s) if the open pass held a write transaction.
            var commit = CommitPassAsync(fast, SyncPassKind.Full, "f1", [Up("f", "F1")]);
            var finished = await Task.WhenAny(commit, Task.Delay(TimeSpan.FromSeconds(5)));
            Assert.That(finished, Is.SameAs(commit));
            await commit;

            await writer.CommitAsync("s1");
        }

        using (Assert.EnterMultipleScope())
        {
            Assert.That(await ItemsAsync(fast), Is.EqualTo(new[] { Kv("f", "F1") }));
            Assert.That(await ItemsAsync(slow), Is.EqualTo(new[] { Kv("s", "S1") }));
        }
    }

    [Test]
    public async Task Concurrent_commits_from_eight_stores_on_one_file_all_succeed_with_correct_final_state()
    {
        const int stores = 8;
        const int passes = 10;

        // The same passes, run one after another on the reference store, give the expected final state.
        static async Task RunPassesAsync(ISyncStore<TestItem> store, int index)
        {
            await CommitPassAsync(store, SyncPassKind.Full, $"c{index}-t0", Enumerable.Range(0, 50).Select(i => Up($"k{i:D3}", $"c{index}-v0")).ToArray());
            for (var pass = 1; pass < passes; pass++)
            {
                var kind = pass % 4 == 0 ? SyncPassKind.Full : SyncPassKind.Incremental;
                var page1 = Enumerable.Range(0, 25 + pass).Select(i => Up($"k{i:D3}", $"c{index}-v{pass}")).ToArray();
                var page2 = new[] { Del($"k{pass + 30:D3}"), Up($"new{pass}", $"c{index}-v{pass}"), Del($"new{pass - 1}") };
                await CommitPassAsync(store, kind, $"c{index}-t{pass}", page1, page2);
                _ = await store.ReadItemsAsync();
            }
        }

        // Task.Run: Microsoft.Data.Sqlite completes synchronously, so without it the workers would not overlap. Each
        // worker opens its own store instance, as separate repositories (or processes) would.
        await Task.WhenAll(Enumerable.Range(0, stores).Select(index => Task.Run(() => RunPassesAsync(SqliteSyncStore<TestItem>.OpenFile(_path, $"collection-{index}"), index))));

        for (var index = 0; index < stores; index++)
        {
            var expected = new InMemorySyncStore<TestItem>();
            await RunPassesAsync(expected, index);
            var store = SqliteSyncStore<TestItem>.OpenFile(_path, $"collection-{index}");
            using (Assert.EnterMultipleScope())
            {
                Assert.That(await store.ReadSyncTokenAsync(), Is.EqualTo($"c{index}-t{passes - 1}"));
                Assert.That(await ItemsAsync(store), Is.EqualTo(await ItemsAsync(expected)));
                Assert.That(await ItemsAsync(store), Has.Count.EqualTo(34 + 1));
            }
        }

        Assert.That(await PassTablesInTheFileAsync(), Is.Empty, "no pass leaves anything in the file");
    }

    [Test]
    public async Task Writer_abandoned_without_dispose_does_not_affect_the_next_pass_and_leaves_nothing_in_the_file()
    {
        await SeedAsync();

        // Simulates a process that died mid-pass: the writer is simply dropped, never committed nor disposed.
        var crashed = await Store.BeginPassAsync(SyncPassKind.Full);
        await crashed.ApplyAsync([Up("zombie", "Z"), Del("a")]);

        var restarted = CreateStore();
        await CommitPassAsync(restarted, SyncPassKind.Incremental, "t2", [Up("c", "C2")]);

        using (Assert.EnterMultipleScope())
        {
            // The crashed pass's buffer lives in its connection's temp database, never in the file.
            Assert.That(await PassTablesInTheFileAsync(), Is.Empty);
            Assert.That(await restarted.ReadSyncTokenAsync(), Is.EqualTo("t2"));
            Assert.That(await ItemsAsync(restarted), Is.EqualTo(new[] { Kv("a", "A1"), Kv("b", "B1"), Kv("c", "C2") }));
        }
    }

    [Test]
    public async Task A_pass_idle_longer_than_the_retention_still_commits_everything()
    {
        var connectionString = new SqliteConnectionStringBuilder { DataSource = _path }.ToString();
        var impatient = new SqliteSyncStore<TestItem>(connectionString, "events") { AbandonedPassRetention = TimeSpan.FromMilliseconds(50) };
        var slow = await impatient.BeginPassAsync(SyncPassKind.Full);
        await using (slow)
        {
            await slow.ApplyAsync([Up("a", "A1")]);

            // The pass idles past the retention, measured on the wall clock that the cleanup's cutoff reads.
            var idleSince = DateTimeOffset.UtcNow;
            while (DateTimeOffset.UtcNow - idleSince <= impatient.AbandonedPassRetention)
            {
                await Task.Delay(impatient.AbandonedPassRetention);
            }

            // Another pass commits meanwhile, which is when abandoned passes are cleaned.
            await CommitPassAsync(SqliteSyncStore<TestItem>.OpenFile(_path, "other"), SyncPassKind.Full, "o1", [Up("o", "O1")]);
            await slow.ApplyAsync([Up("b", "B1")]);
            await slow.CommitAsync("t1");
        }

        Assert.That(await ItemsAsync(impatient), Is.EqualTo(new[] { Kv("a", "A1"), Kv("b", "B1") }));
    }

    [Test]
    public async Task Staged_rows_of_abandoned_passes_of_an_earlier_version_are_cleaned_by_a_later_commit()
    {
        // A file written by the store's earlier versions, which staged passes in the database: one pass abandoned long
        // ago by a crashed process, one still fresh (it may belong to a process of the old version still running).
        var old = DateTimeOffset.UtcNow.AddDays(-2).ToUnixTimeMilliseconds();
        var fresh = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        await ExecuteAsync($"""
            CREATE TABLE syncgen_passes (pass_id TEXT NOT NULL PRIMARY KEY, collection TEXT NOT NULL, kind TEXT NOT NULL, started_utc INTEGER NOT NULL, touched_utc INTEGER NOT NULL);
            CREATE TABLE syncgen_staging (pass_id TEXT NOT NULL, seq INTEGER NOT NULL, key TEXT NOT NULL, json TEXT NULL, PRIMARY KEY (pass_id, seq));
            INSERT INTO syncgen_passes VALUES ('crashed', 'events', 'Full', {old}, {old}), ('running', 'events', 'Full', {fresh}, {fresh});
            INSERT INTO syncgen_staging VALUES ('crashed', 0, 'zombie', '{"{"}"id":"zombie"{"}"}'), ('running', 0, 'live', NULL);
            """);

        await CommitPassAsync(Store, SyncPassKind.Full, "t1", [Up("a", "A1")]);

        using (Assert.EnterMultipleScope())
        {
            Assert.That(await ScalarAsync<string>("SELECT group_concat(pass_id) FROM syncgen_passes;"), Is.EqualTo("running"));
            Assert.That(await ScalarAsync<string>("SELECT group_concat(key) FROM syncgen_staging;"), Is.EqualTo("live"));
            Assert.That(await ItemsAsync(Store), Is.EqualTo(new[] { Kv("a", "A1") }));
        }
    }

    [Test]
    public async Task Dispose_without_commit_drops_the_buffer_before_the_connection_goes_back_to_the_pool()
    {
        // The store's connections come from this pool, so the connection opened last below is the pass's own.
        SqliteConnection.ClearAllPools();
        var connectionString = new SqliteConnectionStringBuilder { DataSource = _path, Mode = SqliteOpenMode.ReadWriteCreate, Pooling = true }.ToString();
        var store = new SqliteSyncStore<TestItem>(connectionString, "events");
        var writer = await store.BeginPassAsync(SyncPassKind.Full);
        await writer.ApplyAsync([Up("a", "A1"), Up("b", "B1")]);

        await writer.DisposeAsync();

        await using var pooled = new SqliteConnection(connectionString);
        await pooled.OpenAsync();
        await using var command = pooled.CreateCommand();
        command.CommandText = "SELECT COUNT(*) FROM sqlite_temp_schema;";
        Assert.That((long)(await command.ExecuteScalarAsync())!, Is.Zero, "the pooled connection carries no buffer of the disposed pass");
    }

    [TestCase(false, TestName = "Incremental_pass_with_no_change_and_the_stored_token_takes_no_write_lock(the instance that read the token)")]
    [TestCase(true, TestName = "Incremental_pass_with_no_change_and_the_stored_token_takes_no_write_lock(a new instance)")]
    public async Task Incremental_pass_with_no_change_and_the_stored_token_takes_no_write_lock(bool newInstance)
    {
        await SeedAsync();
        var store = newInstance ? CreateStore() : Store;
        await using var other = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = _path, Pooling = false }.ToString());
        await other.OpenAsync();

        // Another process holds the write lock: any write transaction of the store would wait for it (30 s).
        var lockHolder = (SqliteTransaction)await other.BeginTransactionAsync(System.Data.IsolationLevel.Serializable);
        await using (lockHolder)
        {
            var commit = CommitPassAsync(store, SyncPassKind.Incremental, "t1", [], []);
            var finished = await Task.WhenAny(commit, Task.Delay(TimeSpan.FromSeconds(5)));
            Assert.That(finished, Is.SameAs(commit), "nothing to write: the pass must not wait for the write lock");
            await commit;
        }

        await AssertSeededAsync(store);

        // A new token is a change: it is written.
        await CommitPassAsync(store, SyncPassKind.Incremental, "t2", []);
        Assert.That(await store.ReadSyncTokenAsync(), Is.EqualTo("t2"));
    }

    [Test]
    public async Task Full_pass_with_no_items_and_the_stored_token_still_empties_the_mirror()
    {
        await SeedAsync();

        await CommitPassAsync(Store, SyncPassKind.Full, "t1", []);

        using (Assert.EnterMultipleScope())
        {
            Assert.That(await Store.ReadSyncTokenAsync(), Is.EqualTo("t1"));
            Assert.That(await ItemsAsync(Store), Is.Empty);
        }
    }

    [Test]
    public async Task Incremental_pass_whose_changes_cancel_out_still_stores_its_token()
    {
        await SeedAsync();

        // Pages were applied (the buffer is not empty) but leave the mirror as it was: the token still moves.
        await CommitPassAsync(Store, SyncPassKind.Incremental, "t2", [Up("n", "N1")], [Del("n")]);

        using (Assert.EnterMultipleScope())
        {
            Assert.That(await Store.ReadSyncTokenAsync(), Is.EqualTo("t2"));
            Assert.That(await ItemsAsync(Store), Is.EqualTo(new[] { Kv("a", "A1"), Kv("b", "B1") }));
        }
    }

    /// <summary>Tables in the file that hold a pass's changes: a pass buffer, or the staging tables of earlier versions.</summary>
    private async Task<List<string>> PassTablesInTheFileAsync()
    {
        await using var connection = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = _path, Pooling = false }.ToString());
        await connection.OpenAsync();
        await using var command = connection.CreateCommand();
        command.CommandText = @"SELECT name FROM sqlite_schema WHERE type = 'table' AND (name LIKE 'syncgen\_pass%' ESCAPE '\' OR name = 'syncgen_staging');";
        var names = new List<string>();
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync())
        {
            names.Add(reader.GetString(0));
        }

        return names;
    }

    [Test]
    public async Task Corrupt_stored_item_throws_the_typed_exception()
    {
        await SeedAsync();
        await ExecuteAsync("UPDATE syncgen_items SET json = '{\"id\": ' WHERE key = 'b';");

        var error = Assert.ThrowsAsync<SyncStoreCorruptException>(async () => await Store.ReadItemsAsync());

        using (Assert.EnterMultipleScope())
        {
            Assert.That(error!.Location, Does.Contain(_path).And.Contain("'events'").And.Contain("'b'"));
            Assert.That(error.Detail, Does.Contain("TestItem"));
        }
    }

    [Test]
    public void Connection_string_constructor_works_like_open_file()
    {
        var connectionString = new SqliteConnectionStringBuilder { DataSource = _path }.ToString();

        Assert.That(async () =>
        {
            var store = new SqliteSyncStore<TestItem>(connectionString, "events");
            await CommitPassAsync(store, SyncPassKind.Full, "t1", [Up("a", "A1")]);
            return await ItemsAsync(CreateStore());
        }, Is.EqualTo(new[] { Kv("a", "A1") }));
    }

    [TestCase("", "connectionString")]
    [TestCase("Data Source=:memory:", "connectionString")]
    [TestCase("Data Source=x;Mode=Memory", "connectionString")]
    [TestCase("Data Source=", "connectionString")]
    [TestCase("Not A Key=1", "connectionString")]
    public void Constructor_rejects_unusable_connection_strings(string connectionString, string parameter)
    {
        var error = Assert.Throws<ArgumentException>(() => _ = new SqliteSyncStore<TestItem>(connectionString, "events"));

        Assert.That(error!.ParamName, Is.EqualTo(parameter));
    }

    [TestCase("")]
    [TestCase(" ")]
    [TestCase(null)]
    public void Constructor_rejects_a_blank_collection(string? collection)
    {
        var error = Assert.Throws<ArgumentException>(() => _ = SqliteSyncStore<TestItem>.OpenFile(_path, collection!));

        Assert.That(error!.ParamName, Is.EqualTo("collection"));
    }

    /// <summary>
    /// The store buffers a pass as runs of upserts and deletes and replays them run by run at commit (issue 12). Random
    /// passes over a few keys, so that keys repeat within a page, across pages and across runs of either kind, must
    /// leave exactly what the in-memory store, applying change after change, leaves.
    /// </summary>
    [TestCase(1, SyncPassKind.Full)]
    [TestCase(2, SyncPassKind.Full)]
    [TestCase(3, SyncPassKind.Incremental)]
    [TestCase(4, SyncPassKind.Incremental)]
    [TestCase(5, SyncPassKind.Incremental)]
    public async Task Random_passes_with_repeated_keys_and_deletes_leave_what_change_by_change_application_leaves(int seed, SyncPassKind kind)
    {
        var random = new Random(seed);
        var sqlite = Store;
        var model = new InMemorySyncStore<TestItem>();
        SyncChange<TestItem>[][] RandomPass() => Enumerable.Range(0, random.Next(1, 6))
            .Select(_ => Enumerable.Range(0, random.Next(0, 40))
                .Select(i =>
                {
                    var key = "k" + random.Next(0, 12);
                    return random.Next(0, 3) == 0 ? Del(key) : Up(key, key + "-" + random.Next());
                })
                .ToArray())
            .ToArray();

        var seedPass = RandomPass();
        await CommitPassAsync(sqlite, SyncPassKind.Full, "t0", seedPass);
        await CommitPassAsync(model, SyncPassKind.Full, "t0", seedPass);
        for (var round = 1; round <= 6; round++)
        {
            var pass = RandomPass();
            await CommitPassAsync(sqlite, kind, "t" + round, pass);
            await CommitPassAsync(model, kind, "t" + round, pass);

            Assert.That(await ItemsAsync(sqlite), Is.EqualTo(await ItemsAsync(model)), $"round {round} (seed {seed})");
        }
    }

    /// <summary>
    /// The store binds each item's JSON as UTF-8 bytes (issue 12); the column must still hold text, so that SQL over the
    /// file (json_extract, LIKE, a reader that expects text) sees the JSON, and text outside ASCII survives byte for byte.
    /// </summary>
    [TestCase(SyncPassKind.Full)]
    [TestCase(SyncPassKind.Incremental)]
    public async Task Stored_json_is_utf8_text_readable_by_sql(SyncPassKind kind)
    {
        await SeedAsync();
        await CommitPassAsync(Store, kind, "t2", [Up("a", "Café ☕ 𝄞 \"quoted\"")]);

        var type = await ScalarAsync<string>("SELECT typeof(json) FROM syncgen_items WHERE key = 'a';");
        var title = await ScalarAsync<string>("SELECT json_extract(json, '$.title') FROM syncgen_items WHERE key = 'a';");

        using (Assert.EnterMultipleScope())
        {
            Assert.That(type, Is.EqualTo("text"));
            Assert.That(title, Is.EqualTo("Café ☕ 𝄞 \"quoted\""));
            Assert.That((await ItemsAsync(Store)).Single(kv => kv.Key == "a").Value.Title, Is.EqualTo("Café ☕ 𝄞 \"quoted\""));
        }
    }

    /// <summary>
    /// Items are serialized row by row while the page is written to the pass buffer (issue 12): an item that fails to
    /// serialize half-way through a page must still leave nothing of that page, and the pass must go on as if the page
    /// had never been applied. Keys outside ASCII are bound as UTF-8 text and come back byte for byte.
    /// </summary>
    [TestCase(SyncPassKind.Full)]
    [TestCase(SyncPassKind.Incremental)]
    public async Task An_item_that_fails_to_serialize_mid_page_leaves_nothing_of_its_page_and_the_pass_goes_on(SyncPassKind kind)
    {
        var store = SqliteSyncStore<Fragile>.OpenFile(_path, "fragile");
        var writer = await store.BeginPassAsync(kind);
        await using (writer)
        {
            await writer.ApplyAsync([SyncChange<Fragile>.Upsert("a", new("a", false)), SyncChange<Fragile>.Upsert("ключ-𝄞", new("ключ-𝄞", false))]);
            var error = Assert.ThrowsAsync<InvalidOperationException>(async () => await writer.ApplyAsync(
                [SyncChange<Fragile>.Upsert("c", new("c", false)), SyncChange<Fragile>.Delete("a"), SyncChange<Fragile>.Upsert("d", new("d", true)), SyncChange<Fragile>.Upsert("e", new("e", false))]));
            Assert.That(error!.Message, Is.EqualTo("d does not serialize"));
            await writer.ApplyAsync([SyncChange<Fragile>.Upsert("f", new("f", false))]);
            await writer.CommitAsync("t1");
        }

        var items = await store.ReadItemsAsync();
        Assert.That(items.Select(kv => kv.Key), Is.EqualTo(new[] { "a", "f", "ключ-𝄞" }), "nothing of the failed page: not c, e, nor its delete of a");
        Assert.That(items.Select(kv => kv.Value.Id), Is.EqualTo(new[] { "a", "f", "ключ-𝄞" }));
        Assert.That(await ScalarAsync<long>("SELECT count(*) FROM syncgen_items WHERE collection = 'fragile' AND key = 'ключ-𝄞';"), Is.EqualTo(1));
        Assert.That(await store.ReadSyncTokenAsync(), Is.EqualTo("t1"));
    }

    /// <summary>
    /// A key is stored exactly, whatever its length: one holding U+0000 must not be cut there (two keys differing only
    /// after it would collide, and a delete of one would remove the other). Short and long keys take different paths
    /// when bound, hence both; the empty key must stay an empty key, not NULL.
    /// </summary>
    [TestCase(SyncPassKind.Full)]
    [TestCase(SyncPassKind.Incremental)]
    public async Task Keys_holding_Nul_short_or_long_are_stored_exactly_and_stay_distinct(SyncPassKind kind)
    {
        var stem = new string('k', 600);
        string[] keys = ["", "a\0b", "a\0c", "a", stem, stem + "\0x", stem + "\0y", new string('é', 400) + "\0z"];
        await CommitPassAsync(Store, kind, "t1", keys.Select((key, i) => SyncChange<TestItem>.Upsert(key, new TestItem("id" + i, "T" + i))).ToArray());

        var items = await ItemsAsync(Store);

        var expected = keys.Order(StringComparer.Ordinal).ToArray();
        Assert.That(items.Select(pair => pair.Key), Is.EqualTo(expected));
        Assert.That(items.Select(pair => pair.Value.Title), Is.EqualTo(expected.Select(key => "T" + Array.IndexOf(keys, key))));

        // A delete reaches exactly its own key.
        await CommitPassAsync(Store, SyncPassKind.Incremental, "t2", [Del("a\0b"), Del(stem + "\0x")]);
        Assert.That((await ItemsAsync(Store)).Select(pair => pair.Key), Is.EqualTo(expected.Except(["a\0b", stem + "\0x"])));
    }

    public sealed record Fragile(string Id, bool Explode)
    {
        public string Check => Explode ? throw new InvalidOperationException($"{Id} does not serialize") : "ok";
    }
}
