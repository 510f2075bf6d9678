using System;
using System.IO;
using System.Linq;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Threading.Tasks;
using Microsoft.Data.Sqlite;
using NUnit.Framework;

namespace CalendarSync.Tests;

/// <summary>
/// Issue 9 points 2-4: bad store files, credentials and flags, each through the CLI as a user runs it. Every failure
/// is exactly one line on stderr with the exit code of its class, never a stack trace, and the store file is unchanged.
/// </summary>
public class BadInputCommandLineTests : CalendarSyncTestBase
{
    private Task<CommandLineTests.ProcessResult> SyncAsync(params string[] extra) =>
        CommandLineTests.RunAsync(new[] { "sync", "--base-url", Server.BaseUri.ToString() }.Concat(extra).ToArray());

    private static void AssertOneLine(CommandLineTests.ProcessResult result, int exitCode, string expected)
    {
        Assert.That(result.ExitCode, Is.EqualTo(exitCode), result.StdErr);
        var lines = result.StdErr.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.That(lines, Has.Length.EqualTo(1), result.StdErr);
        Assert.That(lines[0], Does.StartWith("error: ").And.Contain(expected));
        Assert.That(result.StdErr, Does.Not.Contain("   at ").And.Not.Contain("Unhandled exception"));
    }

    private static string Hash(string path) => Convert.ToHexString(SHA256.HashData(File.ReadAllBytes(path)));

    [Test]
    public async Task A_store_path_that_is_a_directory_is_one_line_and_the_store_exit_code()
    {
        Directory.CreateDirectory(StorePath);

        AssertOneLine(await SyncAsync("--store", StorePath), 3, "is a directory");
        AssertOneLine(await CommandLineTests.RunAsync("show", "--store", StorePath), 3, "is a directory");
    }

    [Test]
    [System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
    public async Task A_store_path_that_is_a_fifo_is_refused_at_once_by_show_and_sync()
    {
        await CommandLineTests.MakeFifoAsync(StorePath);

        // Opening a FIFO for reading waits for a writer in the kernel: show used to hang there, deaf to SIGTERM.
        AssertOneLine(await CommandLineTests.RunAsync("show", "--store", StorePath), 3, "is a FIFO (named pipe), not a regular file");
        AssertOneLine(await SyncAsync("--store", StorePath), 3, "is a FIFO (named pipe), not a regular file");
    }

    private static readonly object[] NotADatabase =
    {
        new object[] { "random bytes", Enumerable.Range(0, 4096).Select(i => (byte)((i * 7919) % 251)).ToArray() },
        new object[] { "a text file", Encoding.UTF8.GetBytes("these are my notes, not a database\n") },
    };

    [TestCaseSource(nameof(NotADatabase))]
    public async Task A_file_that_is_not_a_database_is_refused_and_left_byte_for_byte(string what, byte[] content)
    {
        Calendar.AddMany(2);
        await File.WriteAllBytesAsync(StorePath, content);

        AssertOneLine(await SyncAsync("--store", StorePath), 3, "is not a SQLite database");
        AssertOneLine(await CommandLineTests.RunAsync("show", "--store", StorePath), 3, StorePath);

        Assert.That(await File.ReadAllBytesAsync(StorePath), Is.EqualTo(content), what);
        Assert.That(File.Exists(StorePath + "-wal"), Is.False);
    }

    [Test]
    public async Task A_truncated_store_is_refused_and_left_byte_for_byte()
    {
        Calendar.AddMany(300);
        Assert.That((await SyncAsync("--store", StorePath)).ExitCode, Is.Zero);
        SqliteConnection.ClearAllPools();
        await CheckpointAsync(StorePath);
        var full = await File.ReadAllBytesAsync(StorePath);
        var truncated = full[..(full.Length / 3)];
        await File.WriteAllBytesAsync(StorePath, truncated);

        var sync = await SyncAsync("--store", StorePath);

        Assert.That(sync.ExitCode, Is.EqualTo(3), sync.StdErr);
        AssertOneLine(sync, 3, StorePath);
        Assert.That(await File.ReadAllBytesAsync(StorePath), Is.EqualTo(truncated));
    }

    [Test]
    [System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
    public async Task A_read_only_store_cannot_be_synced_into_but_can_be_shown()
    {
        // Root ignores file modes, so as root the sample runs as `nobody` against a root-owned store it may only read
        // (the folder stays writable, as a user's own folder is: SQLite may need it for its -shm file).
        var asNobody = Environment.UserName == "root";
        Calendar.AddMany(3);
        Assert.That((await SyncAsync("--store", StorePath)).ExitCode, Is.Zero);
        Calendar.AddMany(1, "new");
        SqliteConnection.ClearAllPools();
        File.SetUnixFileMode(StorePath, asNobody ? UnixFileMode.UserRead | UnixFileMode.GroupRead | UnixFileMode.OtherRead : UnixFileMode.UserRead);
        if (asNobody)
        {
            File.SetUnixFileMode(Path.GetDirectoryName(StorePath)!, (UnixFileMode)0b111_111_111);
        }

        var before = Hash(StorePath);

        var sync = await CommandLineTests.RunAsync(asNobody, "sync", "--base-url", Server.BaseUri.ToString(), "--store", StorePath);
        var show = await CommandLineTests.RunAsync(asNobody, "show", "--store", StorePath, "--json");

        AssertOneLine(sync, 3, "it is read-only for this user; make it writable, or run as its owner.");
        Assert.That(show.ExitCode, Is.Zero, show.StdErr);
        Assert.That(JsonDocument.Parse(show.StdOut).RootElement.GetProperty("events").GetArrayLength(), Is.EqualTo(3));
        Assert.That(Hash(StorePath), Is.EqualTo(before));
        Assert.That(SideFiles(), Is.Empty, "the refused sync or show left side files that would stop the owner's next sync");
    }

    [Test]
    [System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
    public async Task Show_by_a_user_who_may_only_read_creates_no_side_files_so_the_owner_keeps_syncing()
    {
        // As in the test above, as root the reader is `nobody`. The folder is writable by all, as /tmp is: there SQLite
        // used to create the -wal and -shm as the reader, and a read-only connection cannot remove them.
        var asNobody = Environment.UserName == "root";
        Calendar.AddMany(3);
        Assert.That((await SyncAsync("--store", StorePath)).ExitCode, Is.Zero);
        File.SetUnixFileMode(StorePath, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead);
        File.SetUnixFileMode(Path.GetDirectoryName(StorePath)!, (UnixFileMode)0b111_111_111);
        Assert.That(SideFiles(), Is.Empty, "the owner's sync left none");

        var show = await CommandLineTests.RunAsync(asNobody, "show", "--store", StorePath, "--json");

        Assert.That(show.ExitCode, Is.Zero, show.StdErr);
        Assert.That(JsonDocument.Parse(show.StdOut).RootElement.GetProperty("events").GetArrayLength(), Is.EqualTo(3));
        Assert.That(SideFiles(), Is.Empty, "show created side files");
        Calendar.AddMany(1, "new");
        var sync = await SyncAsync("--store", StorePath);
        Assert.That(sync.ExitCode, Is.Zero, sync.StdErr);
        Assert.That(sync.StdOut, Does.Contain("1 upserts"));
    }

    [Test]
    [System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
    public async Task Side_files_another_user_left_are_named_with_their_owner_before_any_page_is_fetched()
    {
        if (Environment.UserName != "root")
        {
            Assert.Ignore("needs root: the store's owner is then `nobody`, next to side files only root may write");
        }

        File.SetUnixFileMode(Path.GetDirectoryName(StorePath)!, (UnixFileMode)0b111_111_111);
        Calendar.AddMany(3);
        Assert.That((await CommandLineTests.RunAsync(asNobody: true, "sync", "--base-url", Server.BaseUri.ToString(), "--store", StorePath)).ExitCode, Is.Zero);
        foreach (var side in new[] { "-wal", "-shm" })
        {
            // What an older `show` (or the sqlite3 shell) run by another user leaves: empty files, theirs, 0644.
            await File.WriteAllBytesAsync(StorePath + side, Array.Empty<byte>());
            File.SetUnixFileMode(StorePath + side, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead);
        }

        Calendar.AddMany(1, "new");
        await Server.WhenRequestsAnsweredAsync();
        Server.ClearRequests();

        var sync = await CommandLineTests.RunAsync(asNobody: true, "sync", "--base-url", Server.BaseUri.ToString(), "--store", StorePath);

        AssertOneLine(sync, 3, "its side files calendar.db-wal and calendar.db-shm belong to another user (uid 0) and this user may not write them (a program run as that user left them); once no process has the store open, delete them (they hold no data), or run as that user.");
        Assert.That(Server.Requests, Is.Empty, "refused before any page was fetched");
    }

    private string[] SideFiles() =>
        Directory.GetFiles(Path.GetDirectoryName(StorePath)!).Where(file => file != StorePath).Select(Path.GetFileName).ToArray()!;

    [Test]
    public async Task Show_on_another_programs_database_is_refused_as_sync_refuses_it_and_changes_nothing()
    {
        CreateForeignDatabase(StorePath);
        var before = Hash(StorePath);

        var show = await CommandLineTests.RunAsync("show", "--store", StorePath, "--json");

        // Not an empty mirror: the file is not a mirror at all, and show says so as sync does.
        AssertOneLine(show, 3, "another program");
        Assert.That(show.StdOut, Is.Empty, "no JSON for a file that is not a store");
        Assert.That(Hash(StorePath), Is.EqualTo(before), "show wrote to the file");
        Assert.That(await TablesAsync(StorePath), Is.EqualTo(new[] { "contacts" }));
        Assert.That(await ScalarAsync(StorePath, "PRAGMA journal_mode;"), Is.EqualTo("delete"));
    }

    [Test]
    public async Task Sync_into_another_programs_database_is_refused_and_alters_nothing()
    {
        Calendar.AddMany(2);
        CreateForeignDatabase(StorePath);
        var before = Hash(StorePath);

        AssertOneLine(await SyncAsync("--store", StorePath), 3, "another program");

        Assert.That(Hash(StorePath), Is.EqualTo(before));
        Assert.That(await TablesAsync(StorePath), Is.EqualTo(new[] { "contacts" }));
    }

    [Test]
    public async Task Sync_into_tables_named_like_syncgens_with_other_columns_is_refused()
    {
        Calendar.AddMany(2);
        await ExecuteAsync(StorePath, "CREATE TABLE syncgen_items (id INTEGER PRIMARY KEY, payload BLOB);");
        var before = Hash(StorePath);

        AssertOneLine(await SyncAsync("--store", StorePath), 3, "syncgen_items is not SyncGen's");

        Assert.That(Hash(StorePath), Is.EqualTo(before));
    }

    [Test]
    public async Task An_empty_file_is_a_new_store_and_gets_the_schema_version()
    {
        Calendar.AddMany(2);
        await File.WriteAllBytesAsync(StorePath, Array.Empty<byte>());

        var sync = await SyncAsync("--store", StorePath);

        Assert.That(sync.ExitCode, Is.Zero, sync.StdErr);
        Assert.That(await ScalarAsync(StorePath, "PRAGMA user_version;"), Is.EqualTo(3L), "the layout this build writes");
        Assert.That(await ScalarAsync(StorePath, "PRAGMA application_id;"), Is.EqualTo(0x5347656EL));
    }

    [Test]
    public async Task A_store_written_by_a_newer_layout_is_refused_not_guessed()
    {
        Calendar.AddMany(2);
        Assert.That((await SyncAsync("--store", StorePath)).ExitCode, Is.Zero);
        SqliteConnection.ClearAllPools();
        await ExecuteAsync(StorePath, "PRAGMA user_version = 4;");
        var before = await ScalarAsync(StorePath, "SELECT count(*) FROM syncgen_items;");

        AssertOneLine(await SyncAsync("--store", StorePath), 3, "newer SyncGen");
        AssertOneLine(await CommandLineTests.RunAsync("show", "--store", StorePath), 3, "newer SyncGen");

        Assert.That(await ScalarAsync(StorePath, "SELECT count(*) FROM syncgen_items;"), Is.EqualTo(before));
    }

    [Test]
    public async Task A_credentials_file_with_a_broken_private_key_is_one_line_and_the_credentials_exit_code()
    {
        var credentials = Path.Combine(Path.GetDirectoryName(StorePath)!, "sa.json");
        await File.WriteAllTextAsync(credentials, """
            {"type":"service_account","project_id":"p","private_key_id":"k","private_key":"-----BEGIN PRIVATE KEY-----\nnot base64 at all!!\n-----END PRIVATE KEY-----\n","client_email":"sa@p.iam.gserviceaccount.com","client_id":"1","token_uri":"https://oauth2.googleapis.com/token"}
            """);

        AssertOneLine(await SyncAsync("--store", StorePath, "--credentials", credentials), 4, credentials);
        Assert.That(File.Exists(StorePath), Is.False, "nothing was created");
    }

    [TestCase("not json", "is not JSON")]
    [TestCase("{\"type\":\"unknown_kind\"}", "--credentials")]
    [TestCase("[]", "no \"type\" field")]
    public async Task A_credentials_file_that_is_not_a_credential_is_one_line(string content, string expected)
    {
        var credentials = Path.Combine(Path.GetDirectoryName(StorePath)!, "creds.json");
        await File.WriteAllTextAsync(credentials, content);

        AssertOneLine(await SyncAsync("--store", StorePath, "--credentials", credentials), 4, expected);
    }

    [Test]
    public async Task An_unknown_flag_is_a_usage_error_in_one_line()
    {
        AssertOneLine(await CommandLineTests.RunAsync("sync", "--store", StorePath, "--bogus"), 2, "--bogus");
    }

    [TestCase("http://127.0.0.1:1/api?key=abc")]
    [TestCase("http://127.0.0.1:1/api#frag")]
    [TestCase("http://127.0.0.1:1/api?")]
    public async Task A_base_url_with_a_query_or_fragment_is_refused(string url)
    {
        var sync = await CommandLineTests.RunAsync("sync", "--base-url", url, "--store", StorePath);

        AssertOneLine(sync, 2, "query or fragment");
        Assert.That(sync.StdErr, Does.Contain(url));
        Assert.That(File.Exists(StorePath), Is.False);
    }

    [TestCase("0")]
    [TestCase("3000000")]
    public async Task A_timeout_outside_one_second_to_a_day_is_a_usage_error_naming_the_range(string seconds)
    {
        var sync = await SyncAsync("--store", StorePath, "--timeout", seconds);

        AssertOneLine(sync, 2, $"--timeout must be 1 to 86400 seconds (a day); it was {seconds}");
        Assert.That(File.Exists(StorePath), Is.False);
        Assert.That(Server.Requests, Is.Empty);
    }

    [Test]
    public async Task An_empty_calendar_names_the_flag()
    {
        var sync = await SyncAsync("--store", StorePath, "--calendar", "");

        AssertOneLine(sync, 2, "--calendar");
        Assert.That(sync.StdErr, Does.Not.Contain("collection"));
    }

    private static void CreateForeignDatabase(string path)
    {
        using var connection = new SqliteConnection($"Data Source={path};Pooling=False");
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = "CREATE TABLE contacts (id INTEGER PRIMARY KEY, name TEXT); INSERT INTO contacts (name) VALUES ('Ada'), ('Grace');";
        command.ExecuteNonQuery();
    }

    private static async Task ExecuteAsync(string path, string sql)
    {
        await using var connection = new SqliteConnection($"Data Source={path};Pooling=False");
        await connection.OpenAsync();
        await using var command = connection.CreateCommand();
        command.CommandText = sql;
        await command.ExecuteNonQueryAsync();
    }

    private static async Task CheckpointAsync(string path) => await ExecuteAsync(path, "PRAGMA wal_checkpoint(TRUNCATE); PRAGMA journal_mode = DELETE;");

    private static async Task<object?> ScalarAsync(string path, string sql)
    {
        await using var connection = new SqliteConnection($"Data Source={path};Mode=ReadOnly;Pooling=False");
        await connection.OpenAsync();
        await using var command = connection.CreateCommand();
        command.CommandText = sql;
        return await command.ExecuteScalarAsync();
    }

    private static async Task<string[]> TablesAsync(string path)
    {
        await using var connection = new SqliteConnection($"Data Source={path};Mode=ReadOnly;Pooling=False");
        await connection.OpenAsync();
        await using var command = connection.CreateCommand();
        command.CommandText = "SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name;";
        await using var reader = await command.ExecuteReaderAsync();
        var names = new System.Collections.Generic.List<string>();
        while (await reader.ReadAsync())
        {
            names.Add(reader.GetString(0));
        }

        return names.ToArray();
    }
}
