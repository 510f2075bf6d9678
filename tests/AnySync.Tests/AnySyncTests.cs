using System;
using System.IO;
using System.Linq;
using System.Runtime.CompilerServices;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using System.Threading.Tasks;
using NUnit.Framework;
using SyncGen;
using SyncGen.Testing.FakeServer;
using SyncGen.Tests.Shared;

namespace AnySync.Tests;

/// <summary>
/// <c>anysync sync</c> and <c>show --json</c> over real HTTP: the kit's <see cref="FakeSyncServer"/> for the dialects it
/// serves, a <see cref="WireApi"/> for Dropbox's and Gmail's wire shapes, and a manifest file in place of a name.
/// </summary>
public class AnySyncTests
{
    private DirectoryInfo _folder = null!;

    private string StorePath => Path.Combine(_folder.FullName, "mirror.db");

    [SetUp]
    public void CreateFolder() => _folder = Directory.CreateTempSubdirectory("anysync-tests-");

    [TearDown]
    public void DeleteFolder() => _folder.Delete(recursive: true);

    private async Task<(string? Token, string[] Keys, JsonElement Items)> ShowAsync()
    {
        var show = await AnySyncRunner.RunAsync("show", "--store", StorePath, "--json");
        Assert.That(show.ExitCode, Is.EqualTo(0), show.StdErr);
        Assert.That(show.StdOut.TrimEnd('\n'), Does.Not.Contain('\n'), "one line");
        var root = JsonDocument.Parse(show.StdOut).RootElement;
        var items = root.GetProperty("items");
        return (root.GetProperty("syncToken").GetString(), items.EnumerateArray().Select(i => i.GetProperty("key").GetString()!).ToArray(), items);
    }

    [TestCase("calendar")]
    [TestCase("people")]
    [TestCase("drive")]
    [TestCase("graph")]
    public async Task A_built_in_dialect_mirrors_the_kits_server_full_then_incremental(string name)
    {
        var dialect = name switch { "calendar" => SyncDialects.GoogleCalendar, "people" => SyncDialects.GooglePeople, "drive" => SyncDialects.GoogleDrive, _ => SyncDialects.MicrosoftGraph };
        await using var server = await FakeSyncServer.StartAsync(dialect);
        server.Upsert("a1", "Ada");
        server.Upsert("b2", "Bob");
        server.Upsert("c3", "Cy");

        var full = await AnySyncRunner.RunAsync("sync", "--dialect", name, "--endpoint", server.Endpoint.ToString(), "--store", StorePath);
        server.Delete("b2");
        server.Upsert("d4", "Di");
        var incremental = await AnySyncRunner.RunAsync("sync", "--dialect", name, "--endpoint", server.Endpoint.ToString(), "--store", StorePath);

        Assert.That(full.ExitCode, Is.EqualTo(0), full.StdErr);
        Assert.That(full.StdOut, Does.StartWith("full sync: "));
        Assert.That(incremental.ExitCode, Is.EqualTo(0), incremental.StdErr);
        Assert.That(incremental.StdOut, Does.StartWith("incremental sync: ").And.Contain("1 deletes"));
        var (token, keys, _) = await ShowAsync();
        Assert.That(keys, Is.EqualTo(server.LiveItems.Select(i => i.Id).ToArray()));
        Assert.That(token, Is.EqualTo(server.CurrentSyncToken));
    }

    [TestCase("dropbox")]
    [TestCase("manifest")]
    public async Task Dropbox_posts_the_body_continues_with_the_cursor_and_a_deleted_folder_takes_its_subtree(string dialect)
    {
        if (dialect == "manifest")
        {
            dialect = Path.Combine(_folder.FullName, "dropbox.json");
            await File.WriteAllTextAsync(dialect, DocsManifest(0));
        }

        await using var api = await WireApi.StartAsync(request => (request.Path, request.Body.Contains("\"c1\"", StringComparison.Ordinal)) switch
        {
            ("/2/files/list_folder", _) when request.Body.Contains("\"recursive\":true", StringComparison.Ordinal) => WireAnswer.Json(
                """{"entries":[{".tag":"folder","name":"a","path_lower":"/a"},{".tag":"file","name":"x","path_lower":"/a/x"},{".tag":"file","name":"ab","path_lower":"/ab"}],"cursor":"c1","has_more":false}"""),
            ("/2/files/list_folder/continue", true) => WireAnswer.Json("""{"entries":[{".tag":"deleted","name":"a","path_lower":"/a"}],"cursor":"c2","has_more":false}"""),
            _ => new WireAnswer(400, """{"error_summary":"unexpected/..","error":{".tag":"other"}}"""),
        });
        var endpoint = new Uri(api.BaseUri, "2/files/list_folder").ToString();

        var full = await AnySyncRunner.RunAsync("sync", "--dialect", dialect, "--endpoint", endpoint, "--body", """{"path": "", "recursive":true}""", "--header", "Authorization: Bearer t0ken", "--store", StorePath);
        var incremental = await AnySyncRunner.RunAsync("sync", "--dialect", dialect, "--endpoint", endpoint, "--body", """{"path": "", "recursive":true}""", "--header", "Authorization: Bearer t0ken", "--store", StorePath);

        Assert.That((full.ExitCode, incremental.ExitCode), Is.EqualTo((0, 0)), full.StdErr + incremental.StdErr);
        Assert.That(incremental.StdOut, Does.StartWith("incremental sync: 1 pages, 0 upserts, 2 deletes"));
        var (token, keys, items) = await ShowAsync();
        Assert.That((token, string.Join(",", keys)), Is.EqualTo(("c2", "/ab")));
        Assert.That(items[0].GetProperty("item").GetProperty("name").GetString(), Is.EqualTo("ab"), "the item as the server wrote it");
    }

    [TestCase("gmail")]
    [TestCase("manifest")]
    public async Task Gmail_starts_from_the_profile_and_applies_the_arrays_of_each_history_record(string dialect)
    {
        if (dialect == "manifest")
        {
            dialect = Path.Combine(_folder.FullName, "gmail.json");
            await File.WriteAllTextAsync(dialect, DocsManifest(1));
        }

        await using var api = await WireApi.StartAsync(request => request.Path switch
        {
            "/gmail/v1/users/me/profile" => WireAnswer.Json("""{"historyId":"7"}"""),
            "/gmail/v1/users/me/messages" => WireAnswer.Json("""{"messages":[{"id":"m1","threadId":"t"},{"id":"m2","threadId":"t"}]}"""),
            "/gmail/v1/users/me/history" when request.Parameter("startHistoryId") == "7" => WireAnswer.Json(
                """{"history":[{"id":"8","messagesAdded":[{"message":{"id":"m3","threadId":"u"}},{"message":{"id":"m4","threadId":"u"}}],"messagesDeleted":[{"message":{"id":"m1"}}]}],"historyId":"9"}"""),
            _ => new WireAnswer(404, """{"error":{"code":404,"message":"Requested entity was not found."}}"""),
        });
        var endpoint = new Uri(api.BaseUri, "gmail/v1/users/me").ToString();

        var full = await AnySyncRunner.RunAsync("sync", "--dialect", dialect, "--endpoint", endpoint, "--store", StorePath);
        var incremental = await AnySyncRunner.RunAsync("sync", "--dialect", dialect, "--endpoint", endpoint, "--store", StorePath);

        Assert.That((full.ExitCode, incremental.ExitCode), Is.EqualTo((0, 0)), full.StdErr + incremental.StdErr);
        var (token, keys, _) = await ShowAsync();
        Assert.That((token, string.Join(",", keys)), Is.EqualTo(("9", "m2,m3,m4")));
    }

    [Test]
    public async Task A_gmail_404_to_the_profile_fails_once_with_one_line_and_exit_code_1()
    {
        await using var api = await WireApi.StartAsync(_ => new WireAnswer(404, """{"error":{"code":404,"message":"Requested entity was not found."}}"""));

        var sync = await AnySyncRunner.RunAsync("sync", "--dialect", "gmail", "--endpoint", new Uri(api.BaseUri, "gmail/v1/users/nobody").ToString(), "--store", StorePath);

        Assert.That(sync.ExitCode, Is.EqualTo(1));
        Assert.That(sync.StdErr.Trim().Split('\n'), Has.Length.EqualTo(1));
        Assert.That(sync.StdErr, Does.StartWith("error: ").And.Contain("HTTP 404").And.Not.Contain("expired"));
        Assert.That(api.Requests, Has.Count.EqualTo(1));
    }

    [TestCase("--dialect", "soap", "--dialect 'soap' is neither a built-in dialect (calendar, people, drive, graph, dropbox, gmail) nor a manifest file")]
    [TestCase("--endpoint", "ftp://127.0.0.1/x", "--endpoint 'ftp://127.0.0.1/x' is not an absolute http(s) URL")]
    [TestCase("--header", "Authorization Bearer x", "--header 'Authorization Bearer x' is not \"Name: value\"")]
    [TestCase("--body", "[1]", "--body: The first request body of the Dropbox list_folder dialect must be a JSON object.")]
    [TestCase("--body", "{", "--body: The first request body of the Dropbox list_folder dialect is not JSON")]
    public async Task A_bad_flag_is_one_line_exit_code_2_and_creates_nothing(string flag, string value, string says)
    {
        var arguments = new[] { "sync", "--dialect", "dropbox", "--endpoint", "http://127.0.0.1:9/2/files/list_folder", "--store", StorePath }.ToList();
        var at = arguments.IndexOf(flag);
        if (at >= 0)
        {
            arguments[at + 1] = value;
        }
        else
        {
            arguments.AddRange(new[] { flag, value });
        }

        var sync = await AnySyncRunner.RunAsync(arguments.ToArray());

        Assert.That(sync.ExitCode, Is.EqualTo(2), sync.StdErr);
        Assert.That(sync.StdErr.Trim().Split('\n'), Has.Length.EqualTo(1));
        Assert.That(sync.StdErr.Trim(), Does.StartWith("error: " + says));
        Assert.That(File.Exists(StorePath), Is.False, "nothing was created");
    }

    [Test]
    public async Task A_body_for_a_dialect_that_sends_none_and_a_header_over_plain_http_elsewhere_are_usage_errors()
    {
        var body = await AnySyncRunner.RunAsync("sync", "--dialect", "calendar", "--endpoint", "http://127.0.0.1:9/events", "--body", "{}", "--store", StorePath);
        var header = await AnySyncRunner.RunAsync("sync", "--dialect", "calendar", "--endpoint", "http://example.com/events", "--header", "Authorization: Bearer x", "--store", StorePath);

        Assert.That((body.ExitCode, header.ExitCode), Is.EqualTo((2, 2)));
        Assert.That(body.StdErr, Does.Contain("--body is for dialects that send a request body; Google Calendar sends none"));
        Assert.That(header.StdErr, Does.Contain("'example.com' is plain http"));
    }

    [Test]
    public async Task A_manifest_with_a_bad_member_is_a_usage_error_naming_the_member_and_the_file()
    {
        var manifest = Path.Combine(_folder.FullName, "bad.json");
        await File.WriteAllTextAsync(manifest, DocsManifest(0).Replace("\"hasMore\"", "\"has_more\"", StringComparison.Ordinal));

        var sync = await AnySyncRunner.RunAsync("sync", "--dialect", manifest, "--endpoint", "http://127.0.0.1:9/2/files/list_folder", "--store", StorePath);

        Assert.That(sync.ExitCode, Is.EqualTo(2));
        Assert.That(sync.StdErr.Trim(), Does.StartWith("error: --dialect manifest $.has_more: unknown member").And.EndWith($"(in {manifest})"));
    }

    [Test]
    public async Task Show_of_a_missing_store_is_a_store_error()
    {
        var show = await AnySyncRunner.RunAsync("show", "--store", Path.Combine(_folder.FullName, "none", "x.db"), "--json");

        Assert.That(show.ExitCode, Is.EqualTo(3));
        Assert.That(show.StdErr, Does.Contain("does not exist"));
    }

    /// <summary>The manifests docs/dialects.md shows, in order: Dropbox, then Gmail history.</summary>
    private static string DocsManifest(int index, [CallerFilePath] string callerFile = "")
    {
        var text = File.ReadAllText(Path.Combine(Path.GetDirectoryName(callerFile)!, "..", "..", "docs", "dialects.md")).Replace("\r\n", "\n", StringComparison.Ordinal);
        var start = text.IndexOf("## A dialect as a manifest\n", StringComparison.Ordinal);
        return Regex.Matches(text[start..], "```json\n(.*?)```", RegexOptions.Singleline)[index].Groups[1].Value;
    }
}
