using System;
using System.Globalization;
using System.Linq;
using Microsoft.CodeAnalysis;
using NUnit.Framework;
using SyncGen.Generator.Diagnostics;
using SyncGen.Tests.Infrastructure;

namespace SyncGen.Tests;

/// <summary>Each SYNCGEN diagnostic, triggered by a minimal source: id, severity, location and no generated source.</summary>
public class DiagnosticsTests
{
    private const string Prelude = TestSources.MinimalPrelude + """
        public class Request
        {
            public string? SyncToken { get; set; }
            public string? PageToken { get; set; }
            public Task<Page> ExecuteAsync(CancellationToken cancellationToken) => Task.FromResult(new Page());
        }

        """;

    private const string Fetch = TestSources.MinimalFetch;

    [Test]
    public void A_valid_class_gets_source_and_no_diagnostics()
    {
        var run = GeneratorRunner.Run(Prelude + $$"""
            [IncrementalSync]
            public partial class Repo { private readonly ISyncStore<Item> _store = null!; {{Fetch}} }
            """);

        Assert.That(run.Diagnostics, Is.Empty);
        Assert.That(run.GeneratedSources, Has.Count.EqualTo(1));
    }

    [Test]
    public void SYNCGEN001_class_not_partial()
    {
        var source = Prelude + $$"""
            [IncrementalSync]
            public class Repo { private readonly ISyncStore<Item> _store = null!; {{Fetch}} }
            """;

        AssertSingle(source, "SYNCGEN001", "Repo", "public class Repo", "Class 'Repo' is marked [IncrementalSync] but is not partial");
    }

    [Test]
    public void SYNCGEN002_nested_class()
    {
        var source = Prelude + $$"""
            public partial class Outer
            {
                [IncrementalSync]
                public partial class Repo { private readonly ISyncStore<Item> _store = null!; {{Fetch}} }
            }
            """;

        AssertSingle(source, "SYNCGEN002", "Repo", "public partial class Repo", "nested in 'Outer'");
    }

    [Test]
    public void SYNCGEN002_generic_class()
    {
        var source = Prelude + $$"""
            [IncrementalSync]
            public partial class Repo<T> { private readonly ISyncStore<Item> _store = null!; {{Fetch}} }
            """;

        AssertSingle(source, "SYNCGEN002", "Repo", "public partial class Repo<T>", "is generic");
    }

    [Test]
    public void SYNCGEN003_no_page_source()
    {
        var source = Prelude + """
            [IncrementalSync]
            public partial class Repo { private readonly ISyncStore<Item> _store = null!; }
            """;

        AssertSingle(source, "SYNCGEN003", "Repo", "public partial class Repo", "FetchPageAsync(SyncCursor cursor, CancellationToken cancellationToken)");
    }

    [Test]
    public void SYNCGEN003_named_page_source_missing_points_at_the_attribute_argument()
    {
        var source = Prelude + $$"""
            [IncrementalSync(PageSource = "Nope")]
            public partial class Repo { private readonly ISyncStore<Item> _store = null!; {{Fetch}} }
            """;

        AssertSingle(source, "SYNCGEN003", "PageSource = \"Nope\"", "[IncrementalSync(PageSource = \"Nope\")]", "named 'Nope'");
    }

    [Test]
    public void SYNCGEN004_page_lacks_items()
    {
        var source = Prelude + """
            public class BarePage { public string? NextPageToken { get; set; } public string? NextSyncToken { get; set; } }
            [IncrementalSync]
            public partial class Repo
            {
                private readonly ISyncStore<Item> _store = null!;
                Task<BarePage> FetchAsync(SyncCursor cursor, CancellationToken cancellationToken) => Task.FromResult(new BarePage());
            }
            """;

        AssertSingle(source, "SYNCGEN004", "FetchAsync", "Task<BarePage> FetchAsync", "Page type 'BarePage' has no readable member 'Items'");
    }

    [Test]
    public void SYNCGEN005_page_lacks_next_page_token_named_in_the_attribute()
    {
        var source = Prelude + $$"""
            [IncrementalSync(NextPageTokenMember = "Continuation")]
            public partial class Repo { private readonly ISyncStore<Item> _store = null!; {{Fetch}} }
            """;

        AssertSingle(source, "SYNCGEN005", "NextPageTokenMember = \"Continuation\"", "[IncrementalSync(NextPageTokenMember", "'Continuation'");
    }

    [Test]
    public void SYNCGEN006_page_lacks_next_sync_token()
    {
        var source = Prelude + """
            public class NoSyncPage { public List<Item>? Items { get; set; } public string? NextPageToken { get; set; } }
            [IncrementalSync]
            public partial class Repo
            {
                private readonly ISyncStore<Item> _store = null!;
                Task<NoSyncPage> FetchAsync(SyncCursor cursor, CancellationToken cancellationToken) => Task.FromResult(new NoSyncPage());
            }
            """;

        AssertSingle(source, "SYNCGEN006", "FetchAsync", "Task<NoSyncPage> FetchAsync", "Page type 'NoSyncPage' has no readable string or Uri member 'NextSyncToken'");
    }

    [Test]
    public void SYNCGEN005_a_token_member_of_the_wrong_type_is_named_with_its_type()
    {
        var source = Prelude + """
            public class IntPage { public List<Item>? Items { get; set; } public int NextPageToken { get; set; } public string? NextSyncToken { get; set; } }

            [IncrementalSync]
            public partial class Repo
            {
                private readonly ISyncStore<Item> _store = null!;
                Task<IntPage> FetchAsync(SyncCursor cursor, CancellationToken cancellationToken) => Task.FromResult(new IntPage());
            }
            """;

        AssertSingle(source, "SYNCGEN005", "FetchAsync", "Task<IntPage> FetchAsync", "Page type 'IntPage' has no readable string or Uri member 'NextPageToken' ('NextPageToken' is a 'int')");
    }

    [Test]
    public void Uri_typed_link_members_are_accepted_and_read_verbatim()
    {
        var run = GeneratorRunner.Run(Prelude + """
            public class LinkPage { public List<Item>? Value { get; set; } public Uri? NextLink { get; set; } public Uri? DeltaLink { get; set; } }

            [IncrementalSync(ItemsMember = "Value", NextPageTokenMember = "NextLink", NextSyncTokenMember = "DeltaLink")]
            public partial class Repo
            {
                private readonly ISyncStore<Item> _store = null!;
                Task<LinkPage> FetchAsync(SyncCursor cursor, CancellationToken cancellationToken) => Task.FromResult(new LinkPage());
            }
            """);

        Assert.That(run.Diagnostics, Is.Empty);
        Assert.That(run.GeneratedSources.Single().Value, Does.Contain("page?.NextLink?.OriginalString, page?.DeltaLink?.OriginalString"));
        Assert.That(CompiledAssembly.Emit(run).GetTypes(), Is.Not.Empty);
    }

    [Test]
    public void SYNCGEN007_two_page_sources()
    {
        var source = Prelude + $$"""
            [IncrementalSync]
            public partial class Repo
            {
                private readonly ISyncStore<Item> _store = null!;
                {{Fetch}}
                Request CreateListRequest(SyncPass pass) => new Request();
            }
            """;

        AssertSingle(source, "SYNCGEN007", "Repo", "public partial class Repo", "more than one page-source method ('Repo.FetchAsync(SyncCursor, CancellationToken)', 'Repo.CreateListRequest(SyncPass)'); set IncrementalSync.PageSource");
    }

    [Test]
    public void SYNCGEN007_a_dialect_page_source_beside_a_fetch_method()
    {
        var source = Prelude + $$"""
            [IncrementalSync]
            public partial class Repo
            {
                private readonly ISyncStore<Item> _store = null!;
                private readonly SyncHttpPageSource<Item> _items = null!;
                {{Fetch}}
            }
            """;

        AssertSingle(source, "SYNCGEN007", "Repo", "public partial class Repo", "more than one page source ('_items', 'Repo.FetchAsync(SyncCursor, CancellationToken)'); set IncrementalSync.PageSource");
    }

    [Test]
    public void A_dialect_page_source_needs_no_page_key_or_deletion_members()
    {
        // Item has no Status member and no page type exists: the dialect reads keys and deletions from the JSON.
        var run = GeneratorRunner.Run(Prelude + """
            public class Contact { public string? Name { get; set; } }

            [IncrementalSync]
            public partial class Repo
            {
                private readonly ISyncStore<Contact> _store = null!;
                private SyncHttpPageSource<Contact> Contacts { get; } = null!;
            }
            """);

        Assert.That(run.Diagnostics, Is.Empty);
        Assert.That(run.GeneratedSources.Single().Value, Does.Contain("return this.Contacts.OpenPass(pass);"));
    }

    [TestCase("KeyMember = \"Name\"", "KeyMember", "each item's key", "SyncDialect.Key")]
    [TestCase("DeletedMember = \"Gone\"", "DeletedMember", "how a deletion shows", "SyncDialect.Deletion")]
    [TestCase("StatusMember = \"Name\", DeletedStatus = \"x\"", "StatusMember", "how a deletion shows", "SyncDialect.Deletion")]
    [TestCase("NextSyncTokenMember = \"DeltaLink\"", "NextSyncTokenMember", "the next sync token", "SyncDialect.NextSyncToken")]
    public void SYNCGEN014_a_member_setting_beside_a_dialect_page_source_is_refused(string settings, string first, string what, string dialectProperty)
    {
        var source = Prelude + $$"""
            public class Contact { public string? Name { get; set; } public bool Gone { get; set; } }

            [IncrementalSync({{settings}})]
            public partial class Repo
            {
                private readonly ISyncStore<Contact> _store = null!;
                private SyncHttpPageSource<Contact> Contacts { get; } = null!;
            }
            """;

        var run = GeneratorRunner.Run(source);

        Assert.That(run.GeneratedSources, Is.Empty, "no code that would silently use the dialect's key or marker instead");
        Assert.That(run.Diagnostics.Select(d => d.Id), Is.All.EqualTo("SYNCGEN014"), string.Join("\n", run.Diagnostics));
        Assert.That(run.Diagnostics, Has.Length.EqualTo(settings.Split(',').Length), "one diagnostic per setting written");
        var firstArgument = settings.Split(',')[0].Trim();
        AssertDiagnostic(run.Diagnostics[0], source, "SYNCGEN014", firstArgument, "[IncrementalSync(",
            $"IncrementalSync.{first} has no effect on class 'Repo': its page source 'Contacts' is a SyncHttpPageSource, whose dialect reads {what} from the JSON");
        Assert.That(run.Diagnostics[0].GetMessage(CultureInfo.InvariantCulture), Does.Contain(dialectProperty));
    }

    [Test]
    public void SYNCGEN009_a_dialect_page_source_whose_item_has_no_store()
    {
        var source = Prelude + """
            public class Contact { public string? Name { get; set; } }

            [IncrementalSync]
            public partial class Repo
            {
                private readonly ISyncStore<Item> _store = null!;
                private readonly SyncHttpPageSource<Contact> _contacts = null!;
            }
            """;

        AssertSingle(source, "SYNCGEN009", "Repo", "public partial class Repo", "'_store' stores 'Item' but the page items are 'Contact'");
    }

    [TestCase("Page FetchAsync(SyncCursor cursor, CancellationToken cancellationToken) => new Page();", "Page FetchAsync",
        "('Repo.FetchAsync(SyncCursor, CancellationToken)' is close, but it returns 'Page', and a fetch method returns Task<TPage> or ValueTask<TPage>)")]
    [TestCase("Task<Page> FetchAsync(SyncCursor cursor) => Task.FromResult(new Page());", "Task<Page> FetchAsync",
        "('Repo.FetchAsync(SyncCursor)' is close, but a fetch method takes exactly (SyncCursor cursor, CancellationToken cancellationToken))")]
    [TestCase("Task<Request> CreateListRequest(SyncPass pass) => Task.FromResult(new Request());", "Task<Request> CreateListRequest",
        "('Repo.CreateListRequest(SyncPass)' is close, but it returns 'Task<Request>', and a request factory returns the request itself")]
    public void SYNCGEN003_a_near_miss_is_reported_on_the_method_with_what_is_wrong(string method, string line, string message)
    {
        var source = Prelude + $$"""
            [IncrementalSync]
            public partial class Repo
            {
                private readonly ISyncStore<Item> _store = null!;
                {{method}}
            }
            """;

        var name = line.Substring(line.LastIndexOf(' ') + 1);
        AssertSingle(source, "SYNCGEN003", name, line, message);
    }

    [Test]
    public void SYNCGEN007_two_stores()
    {
        var source = Prelude + $$"""
            [IncrementalSync]
            public partial class Repo
            {
                private readonly ISyncStore<Item> _store = null!;
                private readonly ISyncStore<Item> _backup = null!;
                {{Fetch}}
            }
            """;

        AssertSingle(source, "SYNCGEN007", "Repo", "public partial class Repo", "more than one ISyncStore<Item> member ('_store', '_backup')");
    }

    [TestCase("ISyncStore<Item> store, ISyncStore<Item> backup", "ISyncStore<Item> primary-constructor parameter ('store', 'backup'); assign the one to use to a sync store field")]
    [TestCase("ISyncStore<Item> store, Microsoft.Extensions.Logging.ILogger log, Microsoft.Extensions.Logging.ILogger audit",
        "ILogger primary-constructor parameter ('log', 'audit'); assign the one to use to a logger field")]
    public void SYNCGEN007_two_primary_constructor_parameters_are_named_as_parameters(string parameters, string message)
    {
        var source = Prelude + $$"""
            [IncrementalSync]
            public partial class Repo({{parameters}}) { {{Fetch}} }
            """;

        AssertSingle(source, "SYNCGEN007", "Repo", "public partial class Repo", "more than one " + message + ", which SyncGen reads instead of the parameters");
    }

    [Test]
    public void SYNCGEN017_a_missing_hook_is_reported_at_the_class_with_its_declaration()
    {
        var source = Prelude + $$"""
            [IncrementalSync]
            public partial class Repo
            {
                {{Fetch}}
                private partial ValueTask<string?> LoadSyncTokenAsync(CancellationToken cancellationToken) => default;
            }
            """;

        AssertSingle(source, "SYNCGEN017", "Repo", "public partial class Repo",
            "Class 'Repo' applies its changes through hooks, but it declares the hook 'LoadSyncTokenAsync' and not 'ApplyPassAsync'; implement it as "
            + "'private partial ValueTask ApplyPassAsync(SyncPassKind kind, IReadOnlyList<SyncChange<Item>> changes, string syncToken, CancellationToken cancellationToken)'");
    }

    [Test]
    public void SYNCGEN017_a_hook_with_other_parameters_is_reported_at_that_method()
    {
        var source = Prelude + $$"""
            [IncrementalSync]
            public partial class Repo
            {
                {{Fetch}}
                private ValueTask<string?> LoadSyncTokenAsync() => default;
                private partial ValueTask ApplyPassAsync(SyncPassKind kind, IReadOnlyList<SyncChange<Item>> changes, string syncToken, CancellationToken cancellationToken) => default;
            }
            """;

        AssertSingle(source, "SYNCGEN017", "LoadSyncTokenAsync", "private ValueTask<string?> LoadSyncTokenAsync()",
            "but 'Repo.LoadSyncTokenAsync()' does not take the parameters of the hook 'LoadSyncTokenAsync'; implement it as "
            + "'private partial ValueTask<string?> LoadSyncTokenAsync(CancellationToken cancellationToken)'");
    }

    [Test]
    public void SYNCGEN008_key_missing()
    {
        var source = Prelude + $$"""
            [IncrementalSync(KeyMember = "Key")]
            public partial class Repo { private readonly ISyncStore<Item> _store = null!; {{Fetch}} }
            """;

        AssertSingle(source, "SYNCGEN008", "KeyMember = \"Key\"", "[IncrementalSync(KeyMember", "Item type 'Item' has no readable member 'Key'");
    }

    [Test]
    public void SYNCGEN009_no_store()
    {
        var source = Prelude + $$"""
            [IncrementalSync]
            public partial class Repo { {{Fetch}} }
            """;

        AssertSingle(source, "SYNCGEN009", "Repo", "public partial class Repo",
            "no field or property of type ISyncStore<Item>; add one such as 'private readonly ISyncStore<Item> _store', or implement the partial hook methods 'LoadSyncTokenAsync' and 'ApplyPassAsync'");
    }

    [Test]
    public void SYNCGEN009_store_of_the_wrong_item_type_wins_over_hook_methods()
    {
        var source = Prelude + $$"""
            [IncrementalSync]
            public partial class Repo
            {
                private readonly ISyncStore<string> _store = null!;
                {{Fetch}}
                private partial ValueTask<string?> LoadSyncTokenAsync(CancellationToken cancellationToken) => default;
            }
            """;

        AssertSingle(source, "SYNCGEN009", "Repo", "public partial class Repo", "('_store' stores 'string' but the page items are 'Item'); change its type argument to 'Item'");
    }

    [Test]
    public void SYNCGEN009_store_of_the_wrong_item_type()
    {
        var source = Prelude + $$"""
            [IncrementalSync]
            public partial class Repo { private readonly ISyncStore<string> _store = null!; {{Fetch}} }
            """;

        AssertSingle(source, "SYNCGEN009", "Repo", "public partial class Repo", "('_store' stores 'string' but the page items are 'Item'); change its type argument to 'Item'");
    }

    [Test]
    public void SYNCGEN010_request_without_page_token()
    {
        var source = Prelude + """
            public class HalfRequest
            {
                public string? SyncToken { get; set; }
                public Task<Page> ExecuteAsync(CancellationToken cancellationToken) => Task.FromResult(new Page());
            }
            [IncrementalSync]
            public partial class Repo
            {
                private readonly ISyncStore<Item> _store = null!;
                HalfRequest CreateListRequest(SyncPass pass) => new HalfRequest();
            }
            """;

        AssertSingle(source, "SYNCGEN010", "CreateListRequest", "HalfRequest CreateListRequest", "Request type 'HalfRequest' returned by 'CreateListRequest' has no settable string property 'PageToken'");
    }

    [Test]
    public void SYNCGEN010_request_without_execute_async()
    {
        var source = Prelude + """
            public class LazyRequest { public string? SyncToken { get; set; } public string? PageToken { get; set; } public Page Execute() => new Page(); }
            [IncrementalSync]
            public partial class Repo
            {
                private readonly ISyncStore<Item> _store = null!;
                LazyRequest CreateListRequest(SyncPass pass) => new LazyRequest();
            }
            """;

        AssertSingle(source, "SYNCGEN010", "CreateListRequest", "LazyRequest CreateListRequest", "has no accessible ExecuteAsync(CancellationToken) method");
    }

    [Test]
    public void SYNCGEN011_no_status_member()
    {
        var source = Prelude + """
            public class Plain { public string? Id { get; set; } }
            public class PlainPage { public Plain[]? Items { get; set; } public string? NextPageToken { get; set; } public string? NextSyncToken { get; set; } }
            [IncrementalSync]
            public partial class Repo
            {
                private readonly ISyncStore<Plain> _store = null!;
                Task<PlainPage> FetchAsync(SyncCursor cursor, CancellationToken cancellationToken) => Task.FromResult(new PlainPage());
            }
            """;

        AssertSingle(source, "SYNCGEN011", "Repo", "public partial class Repo", "it has no readable string member 'Status'");
    }

    [Test]
    public void SYNCGEN011_deleted_member_is_not_bool()
    {
        var source = Prelude + $$"""
            [IncrementalSync(DeletedMember = "Status")]
            public partial class Repo { private readonly ISyncStore<Item> _store = null!; {{Fetch}} }
            """;

        AssertSingle(source, "SYNCGEN011", "DeletedMember = \"Status\"", "[IncrementalSync(DeletedMember", "DeletedMember 'Status' is a string, not bool or bool?: for a status value set StatusMember = \"Status\" and DeletedStatus");
    }

    [Test]
    public void SYNCGEN011_a_nested_deleted_path_says_how_to_write_it()
    {
        var source = Prelude + $$"""
            public class Meta { public bool? Deleted { get; set; } }
            public class Person { public string? Id { get; set; } public Meta? Metadata { get; set; } }
            public class People { public List<Person>? Items { get; set; } public string? NextPageToken { get; set; } public string? NextSyncToken { get; set; } }

            [IncrementalSync(DeletedMember = "Metadata.Deleted")]
            public partial class Repo
            {
                private readonly ISyncStore<Person> _store = null!;
                Task<People> FetchAsync(SyncCursor cursor, CancellationToken cancellationToken) => Task.FromResult(new People());
            }
            """;

        AssertSingle(source, "SYNCGEN011", "DeletedMember = \"Metadata.Deleted\"", "[IncrementalSync(DeletedMember",
            "DeletedMember 'Metadata.Deleted' is a nested path, and SyncGen reads one member of the item: add 'public bool IsDeleted => Metadata?.Deleted == true'");
    }

    [Test]
    public void SYNCGEN011_a_marker_object_says_how_to_test_its_presence()
    {
        var source = Prelude + $$"""
            public class RemovedInfo { public string? Reason { get; set; } }
            public class User { public string? Id { get; set; } public RemovedInfo? Removed { get; set; } }
            public class Users { public List<User>? Items { get; set; } public string? NextPageToken { get; set; } public string? NextSyncToken { get; set; } }

            [IncrementalSync(DeletedMember = "Removed")]
            public partial class Repo
            {
                private readonly ISyncStore<User> _store = null!;
                Task<Users> FetchAsync(SyncCursor cursor, CancellationToken cancellationToken) => Task.FromResult(new Users());
            }
            """;

        AssertSingle(source, "SYNCGEN011", "DeletedMember = \"Removed\"", "[IncrementalSync(DeletedMember",
            "DeletedMember 'Removed' is a 'RemovedInfo', not bool or bool?: for a marker whose presence means deletion add 'public bool IsRemoved => Removed is not null'");
    }

    /// <summary>Stand-ins with Google.Apis' and SyncGen.Google's names: the generator looks at names only.</summary>
    private const string GoogleApisStub = """
        namespace Google.Apis.Requests
        {
            public abstract class ClientServiceRequest<TResponse>
            {
                public System.Threading.Tasks.Task<TResponse> ExecuteAsync(System.Threading.CancellationToken cancellationToken) => System.Threading.Tasks.Task.FromResult(default(TResponse)!);
            }
        }
        """;

    private const string SyncGenGoogleStub = """
        namespace SyncGen.Google
        {
            public sealed class GoogleApiErrorReader : SyncGen.ISyncErrorReader
            {
                public static GoogleApiErrorReader Instance { get; } = new();
                public SyncGen.SyncErrorFacts? Read(System.Exception exception) => null;
            }
        }
        """;

    private const string GoogleApisRepository = """
        public sealed class ListRequest : Google.Apis.Requests.ClientServiceRequest<Page>
        {
            public string? SyncToken { get; set; }
            public string? PageToken { get; set; }
        }
        [IncrementalSync]
        public partial class Repo
        {
            private readonly ISyncStore<Item> _store = null!;
            ListRequest CreateListRequest(SyncPass pass) => new ListRequest();
        }
        """;

    [Test]
    public void SYNCGEN013_google_apis_request_without_SyncGen_Google()
    {
        var source = Prelude + GoogleApisRepository;
        var run = GeneratorRunner.Run(source, GoogleApisStub);

        Assert.That(run.GeneratedSources, Is.Empty);
        Assert.That(run.Diagnostics.Select(d => d.Id), Is.EqualTo(new[] { "SYNCGEN013" }), string.Join("\n", run.Diagnostics));
        AssertDiagnostic(run.Diagnostics[0], source, "SYNCGEN013", "CreateListRequest", "ListRequest CreateListRequest",
            "Class 'Repo' reads its pages through a Google.Apis request, but the project does not reference the SyncGen.Google package");
        Assert.That(run.Diagnostics[0].GetMessage(CultureInfo.InvariantCulture), Does.Contain("<PackageReference Include=\"SyncGen.Google\" />"));
    }

    [Test]
    public void With_SyncGen_Google_referenced_a_fetch_method_gets_its_reader_too_and_without_it_no_reader_is_set()
    {
        // A fetch method may call Google.Apis as well; the runtime no longer finds the reader by its name.
        var fetchRepository = Prelude + $$"""
            [IncrementalSync]
            public partial class Repo { private readonly ISyncStore<Item> _store = null!; {{Fetch}} }
            """;

        var withPackage = GeneratorRunner.Run(fetchRepository, SyncGenGoogleStub);
        Assert.That(withPackage.SingleSource, Does.Contain("ErrorReader = global::SyncGen.Google.GoogleApiErrorReader.Instance,"));
        Assert.That(withPackage.OutputCompilation.GetDiagnostics().Where(d => d.Severity == DiagnosticSeverity.Error), Is.Empty);

        var without = GeneratorRunner.Run(fetchRepository);
        Assert.That(without.SingleSource, Does.Not.Contain("ErrorReader"));
    }

    [Test]
    public void SYNCGEN013_is_not_reported_once_SyncGen_Google_is_referenced_or_for_a_request_of_another_library()
    {
        var withPackage = GeneratorRunner.Run(Prelude + GoogleApisRepository, GoogleApisStub, SyncGenGoogleStub);
        Assert.That(withPackage.Diagnostics, Is.Empty);
        Assert.That(withPackage.GeneratedSources, Has.Count.EqualTo(1));
        Assert.That(withPackage.SingleSource, Does.Contain("ErrorReader = global::SyncGen.Google.GoogleApiErrorReader.Instance,"),
            "the generated code hands the engine SyncGen.Google's reader, so Google.Apis' errors are read without code of the user's");

        static string ToAcme(string text) => text.Replace("Google.Apis.Requests", "Acme.Requests", StringComparison.Ordinal);
        var otherLibrary = GeneratorRunner.Run(ToAcme(Prelude + GoogleApisRepository), ToAcme(GoogleApisStub));
        Assert.That(otherLibrary.Diagnostics, Is.Empty, "no package to name for a request type outside Google.Apis");
    }

    [Test]
    public void Pragma_warning_disable_suppresses_a_diagnostic_in_the_users_file()
    {
        var source = Prelude + $$"""
            #pragma warning disable SYNCGEN001
            [IncrementalSync]
            public class Repo { private readonly ISyncStore<Item> _store = null!; {{Fetch}} }
            #pragma warning restore SYNCGEN001
            """;

        var run = GeneratorRunner.Run(source);
        var withoutPragma = GeneratorRunner.Run(source.Replace("#pragma warning disable SYNCGEN001", string.Empty, StringComparison.Ordinal));

        Assert.That(withoutPragma.Diagnostics.Select(d => d.Id), Is.EqualTo(new[] { "SYNCGEN001" }), "the same source without the pragma reports");
        Assert.That(run.Diagnostics.Where(d => !d.IsSuppressed), Is.Empty);
        Assert.That(run.GeneratedSources, Is.Empty, "no source for a class with errors, even suppressed ones");
    }

    [Test]
    public void Every_descriptor_is_an_error_in_the_SyncGen_category_with_a_help_link_to_its_own_anchor()
    {
        var ids = DiagnosticDescriptors.All.Select(d => d.Id).ToList();

        Assert.That(ids, Is.EqualTo(Enumerable.Range(1, 17).Select(i => $"SYNCGEN{i:000}")));
        foreach (var descriptor in DiagnosticDescriptors.All)
        {
            Assert.That(descriptor.DefaultSeverity, Is.EqualTo(DiagnosticSeverity.Error), descriptor.Id);
            Assert.That(descriptor.Category, Is.EqualTo("SyncGen"), descriptor.Id);
            Assert.That(descriptor.HelpLinkUri, Is.EqualTo("https://github.com/syncgen/syncgen/blob/main/docs/diagnostics.md#" + descriptor.Id.ToLowerInvariant()));
        }
    }

    private static Diagnostic[] Run(string source)
    {
        var run = GeneratorRunner.Run(source);
        Assert.That(run.GeneratedSources, Is.Empty, "a class with errors gets no generated source");
        return run.Diagnostics.OrderBy(d => d.Location.SourceSpan.Start).ThenBy(d => d.Id, StringComparer.Ordinal).ToArray();
    }

    private static void AssertSingle(string source, string id, string locationText, string lineContains, string messageContains)
    {
        var diagnostics = Run(source);
        Assert.That(diagnostics.Select(d => d.Id), Is.EqualTo(new[] { id }), string.Join("\n", diagnostics.Select(d => d.ToString())));
        AssertDiagnostic(diagnostics[0], source, id, locationText, lineContains, messageContains);
    }

    private static void AssertDiagnostic(Diagnostic diagnostic, string source, string id, string locationText, string lineContains, string messageContains)
    {
        var lines = source.Replace("\r\n", "\n").Split('\n');
        var expectedLine = Array.FindIndex(lines, l => l.Contains(lineContains, StringComparison.Ordinal));
        Assert.That(expectedLine, Is.GreaterThanOrEqualTo(0), $"test setup: no line contains '{lineContains}'");
        Assert.Multiple(() =>
        {
            Assert.That(diagnostic.Id, Is.EqualTo(id));
            Assert.That(diagnostic.Severity, Is.EqualTo(DiagnosticSeverity.Error));
            Assert.That(diagnostic.Location.IsInSource, Is.True, "reported in the user's syntax tree");
            Assert.That(diagnostic.Location.SourceTree!.FilePath, Is.EqualTo(GeneratorRunner.UserFilePath));
            Assert.That(diagnostic.Location.GetLineSpan().StartLinePosition.Line, Is.EqualTo(expectedLine));
            Assert.That(diagnostic.Location.SourceTree.GetText().ToString(diagnostic.Location.SourceSpan), Is.EqualTo(locationText));
            Assert.That(diagnostic.GetMessage(), Does.Contain(messageContains));
        });
    }
}
