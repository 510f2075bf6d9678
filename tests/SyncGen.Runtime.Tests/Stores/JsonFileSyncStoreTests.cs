using System;
using System.IO;
using System.Linq;
using System.Text.Json;
using System.Threading;
using System.Threading.Tasks;
using NUnit.Framework;

namespace SyncGen.Runtime.Tests.Stores;

[TestFixture]
public sealed class JsonFileSyncStoreTests : PersistentSyncStoreContractTests
{
    private string _directory = "";
    private string _path = "";

    [SetUp]
    public void CreateTempDirectory()
    {
        _directory = Path.Combine(Path.GetTempPath(), "syncgen-json-tests", Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(_directory);
        _path = Path.Combine(_directory, "state.json");
    }

    [TearDown]
    public void DeleteTempDirectory()
    {
        if (Directory.Exists(_directory))
        {
            Directory.Delete(_directory, recursive: true);
        }
    }

    protected override ISyncStore<TestItem> CreateStore() => new JsonFileSyncStore<TestItem>(_path) { ChangeFeed = new SyncChangeFeedOptions() };

    protected override ISyncStore<TestItem> CreateStoreWithFeed(SyncChangeFeedOptions options) => new JsonFileSyncStore<TestItem>(_path) { ChangeFeed = options };

    protected override ISyncStore<TestItem> CreateStore(JsonSerializerOptions serializerOptions) => new JsonFileSyncStore<TestItem>(_path, serializerOptions) { ChangeFeed = new SyncChangeFeedOptions() };

    protected override ISyncStore<JsonElement> CreateJsonElementStore() => new JsonFileSyncStore<JsonElement>(Path.Combine(_directory, "elements.json"));

    [Test]
    public async Task Commit_writes_the_documented_format_with_keys_sorted_ordinally()
    {
        await CommitPassAsync(Store, SyncPassKind.Full, "tok-1", [Up("b", "B"), Up("B", "upper"), Up("a", "A")]);

        using var document = JsonDocument.Parse(await File.ReadAllTextAsync(_path));
        var root = document.RootElement;
        using (Assert.EnterMultipleScope())
        {
            Assert.That(root.EnumerateObject().Select(property => property.Name), Is.EqualTo(new[] { "syncToken", "items", "changes" }));
            Assert.That(root.GetProperty("syncToken").GetString(), Is.EqualTo("tok-1"));
            Assert.That(root.GetProperty("items").EnumerateObject().Select(property => property.Name), Is.EqualTo(new[] { "B", "a", "b" }));
            Assert.That(root.GetProperty("items").GetProperty("a").GetRawText(), Is.EqualTo("""{"id":"a","title":"A"}"""));
        }
    }

    [Test]
    public async Task Missing_file_and_directory_is_an_empty_store_and_the_first_commit_creates_them()
    {
        var path = Path.Combine(_directory, "not", "yet", "state.json");
        var store = new JsonFileSyncStore<TestItem>(path);

        using (Assert.EnterMultipleScope())
        {
            Assert.That(await store.ReadSyncTokenAsync(), Is.Null);
            Assert.That(await store.ReadItemsAsync(), Is.Empty);
        }

        await CommitPassAsync(store, SyncPassKind.Incremental, "t1", [Up("a", "A1")]);

        using (Assert.EnterMultipleScope())
        {
            Assert.That(File.Exists(path), Is.True);
            Assert.That(await new JsonFileSyncStore<TestItem>(path).ReadSyncTokenAsync(), Is.EqualTo("t1"));
        }
    }

    [TestCase("", "not valid JSON")]
    [TestCase("{\"syncToken\": \"t1\", \"items\": {\"a\": {\"id\": \"a\"", "not valid JSON")]
    [TestCase("[]", "top level is a JSON array")]
    [TestCase("{\"syncToken\": \"t1\"}", "\"items\" property is missing")]
    [TestCase("{\"items\": {}}", "\"syncToken\" property is missing")]
    [TestCase("{\"syncToken\": 5, \"items\": {}}", "\"syncToken\" is a JSON number")]
    [TestCase("{\"syncToken\": \"\", \"items\": {}}", "empty string")]
    [TestCase("{\"syncToken\": \"t1\", \"items\": []}", "\"items\" is a JSON array")]
    [TestCase("{\"syncToken\": \"t1\", \"items\": {\"a\": null}}", "item 'a' is null")]
    [TestCase("{\"syncToken\": \"t1\", \"items\": {\"a\": \"text\"}}", "item 'a' cannot be read as TestItem")]
    [TestCase("{\"syncToken\": \"t1\", \"items\": {\"a\": {\"id\": \"a\"}, \"a\": {\"id\": \"a\"}}}", "item key 'a' appears twice")]
    public async Task Corrupt_file_throws_the_typed_exception_and_leaves_the_file_untouched(string content, string expectedDetail)
    {
        await File.WriteAllTextAsync(_path, content);
        var before = await File.ReadAllBytesAsync(_path);
        var store = new JsonFileSyncStore<TestItem>(_path);

        var onToken = Assert.ThrowsAsync<SyncStoreCorruptException>(async () => await store.ReadSyncTokenAsync());
        var onItems = Assert.ThrowsAsync<SyncStoreCorruptException>(async () => await store.ReadItemsAsync());
        var onPass = Assert.ThrowsAsync<SyncStoreCorruptException>(async () => await store.BeginPassAsync(SyncPassKind.Incremental));

        using (Assert.EnterMultipleScope())
        {
            Assert.That(onToken!.Location, Is.EqualTo(_path));
            Assert.That(onToken.Message, Does.Contain(_path));
            Assert.That(onToken.Detail, Does.Contain(expectedDetail));
            Assert.That(onItems!.Detail, Does.Contain(expectedDetail));
            Assert.That(onPass!.Detail, Does.Contain(expectedDetail));
            Assert.That(await File.ReadAllBytesAsync(_path), Is.EqualTo(before));
            Assert.That(Directory.GetFiles(_directory), Is.EqualTo(new[] { _path }));
        }
    }

    [Test]
    public async Task No_temp_file_remains_after_commits()
    {
        await CommitPassAsync(Store, SyncPassKind.Full, "t1", [Up("a", "A1")]);
        await CommitPassAsync(Store, SyncPassKind.Incremental, "t2", [Up("b", "B2")]);
        await CommitPassAsync(Store, SyncPassKind.Full, "t3", [Up("c", "C3")]);

        using (Assert.EnterMultipleScope())
        {
            Assert.That(Directory.GetFiles(_directory), Is.EqualTo(new[] { _path }));
            Assert.That(await Store.ReadSyncTokenAsync(), Is.EqualTo("t3"));
        }
    }

    [Test]
    public async Task Cancelled_commit_leaves_the_file_untouched_and_no_temp_file()
    {
        await SeedAsync();
        var before = await File.ReadAllBytesAsync(_path);
        using var cancelled = new CancellationTokenSource();
        await cancelled.CancelAsync();
        var writer = await Store.BeginPassAsync(SyncPassKind.Full);
        await using (writer)
        {
            await writer.ApplyAsync([Up("c", "C2")]);

            Assert.CatchAsync<OperationCanceledException>(async () => await writer.CommitAsync("t2", cancelled.Token));
        }

        using (Assert.EnterMultipleScope())
        {
            Assert.That(await File.ReadAllBytesAsync(_path), Is.EqualTo(before));
            Assert.That(Directory.GetFiles(_directory), Is.EqualTo(new[] { _path }));
        }
    }

    [Test]
    public async Task Concurrent_commits_of_one_instance_all_land_and_the_file_is_always_whole()
    {
        var store = (JsonFileSyncStore<TestItem>)Store;
        var commits = Enumerable.Range(0, 16).Select(i => Task.Run(() => CommitPassAsync(store, SyncPassKind.Full, $"t{i}", [Up($"k{i}", $"V{i}")])));
        var reads = Enumerable.Range(0, 16).Select(_ => Task.Run(async () => await store.ReadItemsAsync()));

        await Task.WhenAll(commits.Concat<Task>(reads));

        var token = await store.ReadSyncTokenAsync();
        var items = await ItemsAsync(store);
        using (Assert.EnterMultipleScope())
        {
            Assert.That(token, Does.Match("^t[0-9]+$"));
            Assert.That(items, Is.EqualTo(new[] { Kv("k" + token![1..], "V" + token[1..]) }));
            Assert.That(Directory.GetFiles(_directory), Is.EqualTo(new[] { _path }));
        }
    }

    [Test]
    public async Task Custom_serializer_options_are_used_for_items()
    {
        var options = new JsonSerializerOptions { PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseUpper };
        var store = new JsonFileSyncStore<TestItem>(_path, options);
        await CommitPassAsync(store, SyncPassKind.Full, "t1", [Up("a", "A1")]);

        var text = await File.ReadAllTextAsync(_path);

        using (Assert.EnterMultipleScope())
        {
            Assert.That(text, Does.Contain("\"TITLE\":\"A1\""));
            Assert.That(await ItemsAsync(new JsonFileSyncStore<TestItem>(_path, options)), Is.EqualTo(new[] { Kv("a", "A1") }));
        }
    }

    [TestCase("")]
    [TestCase("   ")]
    [TestCase(null)]
    public void Constructor_rejects_a_blank_path(string? path)
    {
        var error = Assert.Throws<ArgumentException>(() => _ = new JsonFileSyncStore<TestItem>(path!));

        Assert.That(error!.ParamName, Is.EqualTo("path"));
    }
}
