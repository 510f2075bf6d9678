using System;
using System.IO;
using System.Security.Cryptography;
using System.Threading.Tasks;
using Microsoft.Data.Sqlite;
using NUnit.Framework;

namespace SyncGen.Runtime.Tests.Stores;

/// <summary>Issue 9 points 3 and 6 on real files: read-only opening, foreign databases, the layout mark, file modes.</summary>
public sealed class SqliteStoreFileTests
{
    private string _directory = "";
    private string _path = "";

    [SetUp]
    public void CreateTempDirectory()
    {
        _directory = Directory.CreateTempSubdirectory("syncgen-sqlite-file-").FullName;
        _path = Path.Combine(_directory, "store.db");
    }

    [TearDown]
    public void DeleteTempDirectory()
    {
        SqliteConnection.ClearAllPools();
        Directory.Delete(_directory, recursive: true);
    }

    private static string Hash(string path) => Convert.ToHexString(SHA256.HashData(File.ReadAllBytes(path)));

    private async Task ExecuteAsync(string sql)
    {
        await using var connection = new SqliteConnection($"Data Source={_path};Pooling=False");
        await connection.OpenAsync();
        await using var command = connection.CreateCommand();
        command.CommandText = sql;
        await command.ExecuteNonQueryAsync();
    }

    private async Task CommitAsync(ISyncStore<TestItem> store, string token, params string[] keys)
    {
        await using var writer = await store.BeginPassAsync(SyncPassKind.Full);
        await writer.ApplyAsync(Array.ConvertAll(keys, k => SyncChange<TestItem>.Upsert(k, new TestItem(k, "title"))));
        await writer.CommitAsync(token);
    }

    [Test]
    public async Task A_read_only_store_reads_the_committed_state_and_writes_nothing()
    {
        await CommitAsync(SqliteSyncStore<TestItem>.OpenFile(_path, "events"), "t1", "a", "b");
        SqliteConnection.ClearAllPools();
        var before = Hash(_path);

        var store = SqliteSyncStore<TestItem>.OpenFileReadOnly(_path, "events");

        Assert.That(await store.ReadSyncTokenAsync(), Is.EqualTo("t1"));
        Assert.That(await store.ReadItemsAsync(), Has.Count.EqualTo(2));
        Assert.ThrowsAsync<InvalidOperationException>(async () => await store.BeginPassAsync(SyncPassKind.Full));
        SqliteConnection.ClearAllPools();
        Assert.That(Hash(_path), Is.EqualTo(before));
    }

    [Test]
    public async Task A_read_only_open_of_another_programs_database_is_refused_unless_allowed_and_writes_nothing()
    {
        await ExecuteAsync("CREATE TABLE notes (id INTEGER PRIMARY KEY, text TEXT); INSERT INTO notes (text) VALUES ('x');");
        var before = Hash(_path);

        // Refused as the writable open refuses it: reading it as "never synced" would show an empty mirror of a file
        // that is not a mirror at all.
        var refused = Assert.ThrowsAsync<SyncStoreUnusableException>(async () => await SqliteSyncStore<TestItem>.OpenFileReadOnly(_path, "events").ReadSyncTokenAsync());
        Assert.That(refused!.Message, Does.Contain("notes").And.Contain(_path));

        var store = SqliteSyncStore<TestItem>.OpenFileReadOnly(_path, "events", allowOtherTables: true);

        Assert.That(await store.ReadSyncTokenAsync(), Is.Null);
        Assert.That(await store.ReadItemsAsync(), Is.Empty);
        SqliteConnection.ClearAllPools();
        Assert.That(Hash(_path), Is.EqualTo(before));
        Assert.That(File.Exists(_path + "-wal"), Is.False);
    }

    [Test]
    public async Task A_writable_open_refuses_another_programs_database_unless_allowed()
    {
        await ExecuteAsync("CREATE TABLE notes (id INTEGER PRIMARY KEY, text TEXT);");
        var before = Hash(_path);

        var refused = Assert.ThrowsAsync<SyncStoreUnusableException>(async () => await SqliteSyncStore<TestItem>.OpenFile(_path, "events").ReadSyncTokenAsync());
        Assert.That(refused!.Message, Does.Contain("notes").And.Contain(_path));
        SqliteConnection.ClearAllPools();
        Assert.That(Hash(_path), Is.EqualTo(before));

        var shared = SqliteSyncStore<TestItem>.OpenFile(_path, "events", allowOtherTables: true);
        await CommitAsync(shared, "t1", "a");
        Assert.That(await shared.ReadSyncTokenAsync(), Is.EqualTo("t1"));
    }

    [Test]
    public async Task A_store_from_before_the_layout_mark_is_adopted_and_marked()
    {
        await ExecuteAsync("""
            CREATE TABLE syncgen_items (collection TEXT NOT NULL, key TEXT NOT NULL, json TEXT NOT NULL, PRIMARY KEY (collection, key));
            CREATE TABLE syncgen_state (collection TEXT NOT NULL PRIMARY KEY, sync_token TEXT);
            INSERT INTO syncgen_state VALUES ('events', 'old-token');
            """);

        var store = SqliteSyncStore<TestItem>.OpenFile(_path, "events");

        Assert.That(await store.ReadSyncTokenAsync(), Is.EqualTo("old-token"));
        await using var connection = new SqliteConnection($"Data Source={_path};Pooling=False");
        await connection.OpenAsync();
        await using var command = connection.CreateCommand();
        command.CommandText = "PRAGMA user_version;";
        Assert.That(await command.ExecuteScalarAsync(), Is.EqualTo(3L), "the layout this build writes");
    }

    [Test]
    [System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
    public async Task A_new_store_file_is_owner_only_and_an_existing_one_keeps_its_mode()
    {
        await CommitAsync(SqliteSyncStore<TestItem>.OpenFile(_path, "events"), "t1", "a");

        Assert.That(File.GetUnixFileMode(_path), Is.EqualTo(UnixFileMode.UserRead | UnixFileMode.UserWrite));
        Assert.That(File.GetUnixFileMode(_path + "-wal") & (UnixFileMode.GroupRead | UnixFileMode.OtherRead), Is.EqualTo(UnixFileMode.None));

        var shared = Path.Combine(_directory, "shared.db");
        await File.WriteAllBytesAsync(shared, Array.Empty<byte>());
        File.SetUnixFileMode(shared, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead);
        await CommitAsync(SqliteSyncStore<TestItem>.OpenFile(shared, "events"), "t1", "a");
        Assert.That(File.GetUnixFileMode(shared), Is.EqualTo(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead));
    }

    [Test]
    public void A_missing_file_or_a_directory_is_refused_by_a_read_only_open()
    {
        Assert.That(() => SqliteSyncStore<TestItem>.OpenFileReadOnly(_path, "events"), Throws.TypeOf<SyncStoreUnusableException>().With.Message.Contains("does not exist"));
        Assert.That(() => SqliteSyncStore<TestItem>.OpenFileReadOnly(_directory, "events"), Throws.TypeOf<SyncStoreUnusableException>().With.Message.Contains("directory"));
    }

    [Test]
    public async Task After_its_first_pass_a_store_opens_nothing_for_a_pass_with_nothing_to_write_and_refuses_an_unusable_file_at_the_first_write()
    {
        var store = SqliteSyncStore<TestItem>.OpenFile(_path, "events");
        await CommitAsync(store, "t1", "a");
        Assert.That(await store.ReadSyncTokenAsync(), Is.EqualTo("t1"));

        // The file becomes a directory, and the pool's idle connections (which still hold the old file) are closed: from
        // now on, any connection the store opens fails.
        SqliteConnection.ClearAllPools();
        foreach (var file in Directory.GetFiles(_directory))
        {
            File.Delete(file);
        }

        Directory.CreateDirectory(_path);

        // A pass that finds nothing and ends on the token read at the start of the call needs no connection.
        var unchanged = await store.BeginPassAsync(SyncPassKind.Incremental);
        await unchanged.ApplyAsync(Array.Empty<SyncChange<TestItem>>());
        await unchanged.CommitAsync("t1");
        Assert.That(async () => await unchanged.ApplyAsync(Array.Empty<SyncChange<TestItem>>()), Throws.InvalidOperationException.With.Message.Contains("already committed"));

        // One with changes opens its connection at its first page and is refused there, naming the file.
        await using var changed = await store.BeginPassAsync(SyncPassKind.Incremental);
        var refused = Assert.ThrowsAsync<SyncStoreUnusableException>(async () => await changed.ApplyAsync(new[] { SyncChange<TestItem>.Upsert("b", new TestItem("b", "title")) }));
        Assert.That(refused!.Message, Does.Contain(_path));

        // As is one whose commit must write (another token), and the call's own token read.
        await using var newToken = await store.BeginPassAsync(SyncPassKind.Incremental);
        Assert.ThrowsAsync<SyncStoreUnusableException>(async () => await newToken.CommitAsync("t2"));
        Assert.ThrowsAsync<SyncStoreUnusableException>(async () => await store.ReadSyncTokenAsync());
    }

    [Test]
    public async Task A_file_overwritten_with_other_bytes_between_passes_is_refused_with_the_typed_error_by_every_operation()
    {
        var store = SqliteSyncStore<TestItem>.OpenFile(_path, "events");
        await CommitAsync(store, "t1", "a");

        // Another program overwrites the file (its WAL and shared memory gone with the pool's connections): the store
        // has already checked the file's layout, so the next operations meet the bytes in their own statements.
        SqliteConnection.ClearAllPools();
        foreach (var file in Directory.GetFiles(_directory))
        {
            File.Delete(file);
        }

        await File.WriteAllBytesAsync(_path, System.Text.Encoding.ASCII.GetBytes(new string('x', 8192)));

        var read = Assert.ThrowsAsync<SyncStoreUnusableException>(async () => await store.ReadSyncTokenAsync());
        Assert.That(read!.Message, Does.Contain(_path).And.Contain("not a SQLite database"));
        Assert.ThrowsAsync<SyncStoreUnusableException>(async () => await store.ReadItemsAsync());

        await using var changed = await store.BeginPassAsync(SyncPassKind.Incremental);
        var apply = Assert.ThrowsAsync<SyncStoreUnusableException>(async () => await changed.ApplyAsync(new[] { SyncChange<TestItem>.Upsert("b", new TestItem("b", "title")) }));
        Assert.That(apply!.Message, Does.Contain("not a SQLite database"));

        await using var newToken = await store.BeginPassAsync(SyncPassKind.Incremental);
        Assert.ThrowsAsync<SyncStoreUnusableException>(async () => await newToken.CommitAsync("t2"));

        await using var full = await store.BeginPassAsync(SyncPassKind.Full);
        Assert.ThrowsAsync<SyncStoreUnusableException>(async () => await full.CommitAsync("t3"));
    }
}
