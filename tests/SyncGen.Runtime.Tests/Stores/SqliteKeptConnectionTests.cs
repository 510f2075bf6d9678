using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.IO;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.Data.Sqlite;
using NUnit.Framework;

namespace SyncGen.Runtime.Tests.Stores;

/// <summary>
/// The store contract for a <see cref="SqliteSyncStore{TItem}"/> that keeps its connection between operations
/// (<see cref="SqliteSyncStore{TItem}.IdleConnectionTimeout"/>), and how that connection lets go of the file.
/// </summary>
[TestFixture]
public sealed class SqliteKeptConnectionTests : PersistentSyncStoreContractTests
{
    private readonly List<SqliteSyncStore<TestItem>> _stores = new();
    private readonly List<SqliteSyncStore<System.Text.Json.JsonElement>> _elementStores = new();
    private SqliteTestDirectory _files = null!;
    private string _path = "";

    [SetUp]
    public void CreateTempDirectory()
    {
        _files = new SqliteTestDirectory("syncgen-sqlite-kept-tests");
        _path = _files.File();
    }

    [TearDown]
    public async Task DisposeStoresAndDeleteTempDirectory()
    {
        foreach (var store in _stores)
        {
            await store.DisposeAsync();
        }

        _stores.Clear();
        foreach (var store in _elementStores)
        {
            await store.DisposeAsync();
        }

        _elementStores.Clear();
        _files.Dispose();
    }

    protected override ISyncStore<TestItem> CreateStore() => Open(TimeSpan.FromMinutes(5));

    protected override ISyncStore<TestItem> CreateStore(System.Text.Json.JsonSerializerOptions serializerOptions) => Open(TimeSpan.FromMinutes(5), serializerOptions);

    protected override ISyncStore<System.Text.Json.JsonElement> CreateJsonElementStore()
    {
        var store = SqliteSyncStore<System.Text.Json.JsonElement>.OpenFile(_path, "elements");
        store.IdleConnectionTimeout = TimeSpan.FromMinutes(5);
        _elementStores.Add(store);
        return store;
    }

    protected override ISyncStore<TestItem> CreateStoreWithFeed(SyncChangeFeedOptions options)
    {
        var store = Open(TimeSpan.FromMinutes(5));
        store.ChangeFeed = options;
        return store;
    }

    private SqliteSyncStore<TestItem> Open(TimeSpan idleConnectionTimeout, System.Text.Json.JsonSerializerOptions? serializerOptions = null)
    {
        var store = SqliteSyncStore<TestItem>.OpenFile(_path, "events", serializerOptions);
        store.IdleConnectionTimeout = idleConnectionTimeout;
        store.ChangeFeed = new SyncChangeFeedOptions();
        _stores.Add(store);
        return store;
    }

    [Test]
    public async Task By_default_no_connection_is_kept_so_clearing_the_pool_releases_the_file()
    {
        var store = SqliteSyncStore<TestItem>.OpenFile(_path, "events");
        await CommitPassAsync(store, SyncPassKind.Full, "t1", [Up("a", "A1")]);
        Assert.That(await store.ReadSyncTokenAsync(), Is.EqualTo("t1"));

        SqliteConnection.ClearAllPools();

        Assert.That(store.IdleConnectionTimeout, Is.EqualTo(TimeSpan.Zero));
        Assert.That(OpenHandlesOnTheStoreFile(), Is.Zero);
    }

    [Test]
    public async Task A_kept_connection_outlives_ClearPool_until_the_store_is_disposed()
    {
        var store = Open(TimeSpan.FromMinutes(5));
        await CommitPassAsync(store, SyncPassKind.Full, "t1", [Up("a", "A1")]);
        Assert.That(await store.ReadSyncTokenAsync(), Is.EqualTo("t1"));

        SqliteConnection.ClearAllPools();
        Assert.That(OpenHandlesOnTheStoreFile(), Is.Positive, "the store keeps its connection outside the pool");

        await store.DisposeAsync();
        SqliteConnection.ClearAllPools();
        Assert.That(OpenHandlesOnTheStoreFile(), Is.Zero, "disposing the store released the file");

        // Still usable after disposal, keeping nothing.
        Assert.That(await store.ReadSyncTokenAsync(), Is.EqualTo("t1"));
        SqliteConnection.ClearAllPools();
        Assert.That(OpenHandlesOnTheStoreFile(), Is.Zero, "a disposed store keeps no connection");
    }

    [Test]
    public async Task A_kept_connection_is_released_after_the_idle_timeout()
    {
        // The clock starts before the commit, so the idle timer (started when the commit ends) cannot have run longer.
        var store = Open(TimeSpan.FromMilliseconds(100));
        var clock = Stopwatch.StartNew();
        await CommitPassAsync(store, SyncPassKind.Full, "t1", [Up("a", "A1")]);

        var handles = -1;
        while (clock.Elapsed < TimeSpan.FromSeconds(20))
        {
            SqliteConnection.ClearAllPools();
            handles = OpenHandlesOnTheStoreFile();
            if (handles == 0)
            {
                break;
            }

            await Task.Delay(50);
        }

        Assert.That(handles, Is.Zero, "the idle connection was closed once the timeout passed");
        Assert.That(clock.Elapsed, Is.GreaterThanOrEqualTo(TimeSpan.FromMilliseconds(100)), "not before its timeout");
    }

    [Test]
    public async Task A_kept_connection_reads_what_another_store_committed_meanwhile()
    {
        var kept = Open(TimeSpan.FromMinutes(5));
        await CommitPassAsync(kept, SyncPassKind.Full, "t1", [Up("a", "A1")]);
        Assert.That(await kept.ReadSyncTokenAsync(), Is.EqualTo("t1"));

        var other = SqliteSyncStore<TestItem>.OpenFile(_path, "events");
        await CommitPassAsync(other, SyncPassKind.Incremental, "t2", [Up("b", "B2")]);

        Assert.That(await kept.ReadSyncTokenAsync(), Is.EqualTo("t2"));
        Assert.That(await kept.ReadItemsAsync(), Is.EqualTo(new[] { Kv("a", "A1"), Kv("b", "B2") }));
    }

    [Test]
    public async Task An_unchanged_pass_on_the_kept_connection_takes_no_write_lock()
    {
        var store = Open(TimeSpan.FromMinutes(5));
        await CommitPassAsync(store, SyncPassKind.Full, "t1", [Up("a", "A1")]);
        Assert.That(await store.ReadSyncTokenAsync(), Is.EqualTo("t1"));
        await using var other = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = _path, Pooling = false }.ToString());
        await other.OpenAsync();

        var lockHolder = (SqliteTransaction)await other.BeginTransactionAsync(System.Data.IsolationLevel.Serializable);
        await using (lockHolder)
        {
            var commit = CommitPassAsync(store, SyncPassKind.Incremental, "t1", []);
            var finished = await Task.WhenAny(commit, Task.Delay(TimeSpan.FromSeconds(5)));
            Assert.That(finished, Is.SameAs(commit), "nothing to write: the pass must not wait for the write lock");
            await commit;
        }

        Assert.That(await store.ReadSyncTokenAsync(), Is.EqualTo("t1"));
    }

    [Test]
    public async Task A_pass_disposed_without_commit_leaves_no_buffer_on_the_kept_connection()
    {
        var store = Open(TimeSpan.FromMinutes(5));
        var writer = await store.BeginPassAsync(SyncPassKind.Full);
        await writer.ApplyAsync([Up("a", "A1"), Up("b", "B1")]);
        await writer.DisposeAsync();

        // The next pass gets the kept connection: a fresh buffer, and only its own changes are committed.
        await CommitPassAsync(store, SyncPassKind.Full, "t1", [Up("c", "C1")]);

        Assert.That(await store.ReadItemsAsync(), Is.EqualTo(new[] { Kv("c", "C1") }));
    }

    [Test]
    public async Task Disposing_while_operations_return_their_connection_fails_none_of_them_and_keeps_no_connection()
    {
        // The race to survive: Dispose landing while an operation keeps its connection and arms (or first creates)
        // the idle timer. That window is a few instructions wide, so this is a stress test: many rounds of readers,
        // each round disposed once the readers are under way, with no timing in the assertions.
        const int Rounds = 300;
        const int Readers = 4;
        const int ReadsPerReader = 40;
        var failures = new List<Exception>();
        var tokens = new List<string?>();
        var seed = Open(TimeSpan.Zero);
        await CommitPassAsync(seed, SyncPassKind.Full, "t1", [Up("a", "A1")]);

        for (var round = 0; round < Rounds && failures.Count == 0; round++)
        {
            var store = SqliteSyncStore<TestItem>.OpenFile(_path, "events");
            store.IdleConnectionTimeout = TimeSpan.FromMinutes(5);
            if (round % 2 == 0)
            {
                // Every other round the timer exists before the race; in the others the racing reads create it.
                Assert.That(await store.ReadSyncTokenAsync(), Is.EqualTo("t1"));
            }

            // Dispose once the readers are well under way, so that it meets operations in flight.
            var reads = 0;
            var readers = Enumerable.Range(0, Readers).Select(_ => Task.Run(async () =>
            {
                var read = new List<string?>();
                for (var i = 0; i < ReadsPerReader; i++)
                {
                    read.Add(await store.ReadSyncTokenAsync());
                    Interlocked.Increment(ref reads);
                }

                return read;
            })).ToList();

            SpinWait.SpinUntil(() => Volatile.Read(ref reads) >= Readers * ReadsPerReader / 4 || readers.All(r => r.IsCompleted));
            store.Dispose();
            foreach (var reader in readers)
            {
                try
                {
                    tokens.AddRange(await reader);
                }
                catch (Exception e)
                {
                    failures.Add(e);
                }
            }
        }

        Assert.That(failures, Is.Empty, "no operation may fail because the store was disposed while it returned its connection");
        Assert.That(tokens, Has.Count.EqualTo(Rounds * Readers * ReadsPerReader).And.All.EqualTo("t1"));
        SqliteConnection.ClearAllPools();
        Assert.That(OpenHandlesOnTheStoreFile(), Is.Zero, "every disposed store let go of the file");
    }

    [Test]
    public void A_negative_idle_timeout_is_refused()
    {
        var store = SqliteSyncStore<TestItem>.OpenFile(_path, "events");

        var error = Assert.Throws<ArgumentOutOfRangeException>(() => store.IdleConnectionTimeout = TimeSpan.FromSeconds(-1));

        Assert.That(error!.ParamName, Is.EqualTo("value"));
        Assert.That(store.IdleConnectionTimeout, Is.EqualTo(TimeSpan.Zero));
    }

    /// <summary>
    /// Open handles of this process on the store's files (the database, its -wal and -shm): on Linux from /proc, on
    /// Windows by whether the database can be opened without sharing.
    /// </summary>
    private int OpenHandlesOnTheStoreFile()
    {
        if (OperatingSystem.IsLinux())
        {
            return Directory.GetFiles("/proc/self/fd")
                .Select(fd => { try { return new FileInfo(fd).LinkTarget; } catch (IOException) { return null; } })
                .Count(target => target is not null && target.StartsWith(_path, StringComparison.Ordinal));
        }

        if (OperatingSystem.IsWindows())
        {
            try
            {
                using var exclusive = new FileStream(_path, FileMode.Open, FileAccess.ReadWrite, FileShare.None);
                return 0;
            }
            catch (IOException)
            {
                return 1;
            }
        }

        Assert.Inconclusive("counting a process's open files is implemented for Linux and Windows only");
        return -1;
    }
}
