using System;
using System.IO;
using System.Threading.Tasks;
using NUnit.Framework;

namespace SyncGen.Runtime.Tests.Stores;

/// <summary>Issue 9 point 6 on real files: the JSON store's file modes and the temp files a crash leaves behind.</summary>
[System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
public sealed class JsonFileStorePrivacyTests
{
    private string _directory = "";
    private string _path = "";

    [SetUp]
    public void CreateTempDirectory()
    {
        _directory = Directory.CreateTempSubdirectory("syncgen-json-privacy-").FullName;
        _path = Path.Combine(_directory, "mirror.json");
    }

    [TearDown]
    public void DeleteTempDirectory() => Directory.Delete(_directory, recursive: true);

    private static async Task CommitAsync(ISyncStore<TestItem> store, string token)
    {
        await using var writer = await store.BeginPassAsync(SyncPassKind.Full);
        await writer.ApplyAsync(new[] { SyncChange<TestItem>.Upsert("a", new TestItem("a", "private")) });
        await writer.CommitAsync(token);
    }

    [Test]
    public async Task A_new_store_file_is_owner_only()
    {
        await CommitAsync(new JsonFileSyncStore<TestItem>(_path), "t1");

        Assert.That(File.GetUnixFileMode(_path), Is.EqualTo(UnixFileMode.UserRead | UnixFileMode.UserWrite));
    }

    [TestCase(UnixFileMode.UserRead | UnixFileMode.UserWrite)]
    [TestCase(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead)]
    public async Task Every_commit_keeps_the_mode_the_user_chose(UnixFileMode chosen)
    {
        var store = new JsonFileSyncStore<TestItem>(_path);
        await CommitAsync(store, "t1");
        File.SetUnixFileMode(_path, chosen);

        await CommitAsync(store, "t2");
        await CommitAsync(store, "t3");

        Assert.That(File.GetUnixFileMode(_path), Is.EqualTo(chosen));
        Assert.That(await store.ReadSyncTokenAsync(), Is.EqualTo("t3"));
    }

    [Test]
    public async Task Temp_files_of_a_crashed_commit_are_removed_on_the_next_open_but_a_fresh_one_is_left_to_its_writer()
    {
        await CommitAsync(new JsonFileSyncStore<TestItem>(_path), "t1");
        var stale = Path.Combine(_directory, $"mirror.json.{Guid.NewGuid():N}.tmp");
        var fresh = Path.Combine(_directory, $"mirror.json.{Guid.NewGuid():N}.tmp");
        var unrelated = Path.Combine(_directory, "notes.tmp");
        foreach (var file in new[] { stale, fresh, unrelated })
        {
            await File.WriteAllTextAsync(file, "{\"syncToken\":\"half");
        }

        File.SetLastWriteTimeUtc(stale, DateTime.UtcNow.AddHours(-3));
        File.SetLastWriteTimeUtc(unrelated, DateTime.UtcNow.AddHours(-3));

        var token = await new JsonFileSyncStore<TestItem>(_path).ReadSyncTokenAsync();

        Assert.That(token, Is.EqualTo("t1"));
        Assert.That(File.Exists(stale), Is.False, "a crashed commit's temp file is removed");
        Assert.That(File.Exists(fresh), Is.True, "a commit that may be in progress is left alone");
        Assert.That(File.Exists(unrelated), Is.True, "a file that is not the store's is left alone");
    }
}
