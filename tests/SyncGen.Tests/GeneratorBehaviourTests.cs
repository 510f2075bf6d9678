using System;
using System.IO;
using System.Linq;
using System.Runtime.CompilerServices;
using System.Threading.Tasks;
using NUnit.Framework;
using SyncGen.Generator.Diagnostics;
using SyncGen.Tests.Infrastructure;

namespace SyncGen.Tests;

/// <summary>Smaller generator rules, each checked in the generated text and by compiling it without warnings.</summary>
public class GeneratorBehaviourTests
{
    private const string Prelude = TestSources.MinimalPrelude;

    [Test]
    public void Google_style_obsolete_typed_filters_are_left_alone_and_their_raw_string_is_cleared()
    {
        var source = Prelude + """
            public class Request
            {
                public string? SyncToken { get; set; }
                public string? PageToken { get; set; }
                [Obsolete("Use TimeMinRaw.")] public DateTime? TimeMin { get => null; set { } }
                public string? TimeMinRaw { get; set; }
                public string? UpdatedMin { get; set; }
                public string? MinAccessRole { get; set; }
                public string? Fields { get; set; }
                public Task<Page> ExecuteAsync(CancellationToken cancellationToken) => Task.FromResult(new Page());
            }
            [IncrementalSync]
            public partial class Repo { private readonly ISyncStore<Item> _store = null!; Request Create(SyncPass pass) => new(); }
            """;

        var run = GeneratorRunner.Run(source);
        CompiledAssembly.Emit(run);

        var clearing = Lines(run.SingleSource).Where(l => l.EndsWith("= null;", StringComparison.Ordinal)).ToArray();
        Assert.That(clearing, Is.EqualTo(new[] { "request.TimeMinRaw = null;", "request.UpdatedMin = null;", "request.MinAccessRole = null;" }));
    }

    [Test]
    public void A_calendar_list_request_clears_ShowHidden_and_ShowDeleted_when_false_on_incremental_passes()
    {
        var source = Prelude + """
            public class Request
            {
                public string? SyncToken { get; set; }
                public string? PageToken { get; set; }
                public bool? ShowDeleted { get; set; }
                public bool? ShowHidden { get; set; }
                public Task<Page> ExecuteAsync(CancellationToken cancellationToken) => Task.FromResult(new Page());
            }
            [IncrementalSync]
            public partial class Repo { private readonly ISyncStore<Item> _store = null!; Request Create(SyncPass pass) => new(); }
            """;

        var run = GeneratorRunner.Run(source);
        CompiledAssembly.Emit(run);

        var clearing = Lines(run.SingleSource).Where(l => l.EndsWith("= null;", StringComparison.Ordinal)).ToArray();
        Assert.That(clearing, Is.EqualTo(new[] { "request.ShowDeleted = null;", "request.ShowHidden = null;" }));
        Assert.That(run.SingleSource, Does.Contain("if (request.ShowHidden == false)"));
    }

    [Test]
    public void A_request_without_full_sync_only_filters_gets_no_clearing_block()
    {
        var source = Prelude + """
            public class Request
            {
                public string? SyncToken { get; set; }
                public string? PageToken { get; set; }
                public bool ShowDeleted { get; set; }
                public Task<Page> ExecuteAsync(CancellationToken cancellationToken) => Task.FromResult(new Page());
            }
            [IncrementalSync]
            public partial class Repo { private readonly ISyncStore<Item> _store = null!; Request Create(SyncPass pass) => new(); }
            """;

        var run = GeneratorRunner.Run(source);
        CompiledAssembly.Emit(run);

        Assert.That(run.SingleSource, Does.Not.Contain("pass.IsFull"));
        Assert.That(run.SingleSource, Does.Not.Contain("ShowDeleted"), "a plain bool ShowDeleted cannot be cleared to null");
    }

    [Test]
    public void A_nullable_request_is_checked_and_non_nullable_token_properties_compile_without_warnings()
    {
        var source = Prelude + """
            public class Request
            {
                public string SyncToken { get; set; } = "";
                public string PageToken { get; set; } = "";
                public Task<Page> ExecuteAsync(CancellationToken cancellationToken) => Task.FromResult(new Page());
            }
            [IncrementalSync]
            public partial class Repo { private readonly ISyncStore<Item> _store = null!; Request? Create(SyncPass pass) => new(); }
            """;

        var run = GeneratorRunner.Run(source);
        CompiledAssembly.Emit(run);

        Assert.That(run.SingleSource, Does.Contain("?? throw new global::System.InvalidOperationException(\"Create returned null; a page source must return a request.\");"));
        Assert.That(run.SingleSource, Does.Contain("request.SyncToken = cursor.SyncToken!;"));
    }

    [Test]
    public void A_struct_page_is_read_without_null_conditional_access()
    {
        var source = Prelude + """
            public struct StructPage { public Item[] Items; public string? NextPageToken; public string? NextSyncToken; }
            [IncrementalSync]
            public partial class Repo
            {
                private readonly ISyncStore<Item> _store = null!;
                ValueTask<StructPage> FetchAsync(SyncCursor cursor, CancellationToken cancellationToken) => default;
            }
            """;

        var run = GeneratorRunner.Run(source);
        CompiledAssembly.Emit(run);

        Assert.That(run.SingleSource, Does.Contain(".Create(page.Items, page.NextPageToken, page.NextSyncToken)"));
    }

    [Test]
    public void Static_members_are_read_through_the_class_and_keywords_are_escaped()
    {
        var source = Prelude + """
            public class Odd { public string? @class { get; set; } public string? Status { get; set; } }
            public class OddPage { public List<Odd>? Items { get; set; } public string? NextPageToken { get; set; } public string? NextSyncToken { get; set; } }
            [IncrementalSync(KeyMember = "class")]
            public partial class Repo
            {
                private static readonly ISyncStore<Odd> Shared = new InMemorySyncStore<Odd>();
                static Task<OddPage> FetchAsync(SyncCursor cursor, CancellationToken cancellationToken) => Task.FromResult(new OddPage());
            }
            """;

        var run = GeneratorRunner.Run(source);
        CompiledAssembly.Emit(run);

        Assert.That(run.SingleSource, Does.Contain("(definition, global::D.Repo.Shared, "));
        Assert.That(run.SingleSource, Does.Contain("await global::D.Repo.FetchAsync(cursor, cancellationToken)"));
        Assert.That(run.SingleSource, Does.Contain("GetKey = static item => item.@class,"));
    }

    [Test]
    public async Task A_store_declared_nullable_and_left_null_fails_the_call_naming_the_member()
    {
        var source = Prelude + """
            [IncrementalSync]
            public partial class Repo
            {
                private ISyncStore<Item>? _store = null;
                Task<Page> FetchAsync(SyncCursor cursor, CancellationToken cancellationToken) => Task.FromResult(new Page());

                public static async Task<string> RunAsync()
                {
                    try
                    {
                        await new Repo().SyncAsync();
                        return "no error";
                    }
                    catch (InvalidOperationException error)
                    {
                        return error.Message;
                    }
                }
            }
            """;

        var run = GeneratorRunner.Run(source);
        var message = await CompiledAssembly.RunHarnessAsync(CompiledAssembly.Emit(run), "D.Repo");

        Assert.That(message, Is.EqualTo("'_store' of D.Repo is null; set it before calling SyncAsync."));
    }

    [Test]
    public async Task A_positional_record_and_a_class_with_a_primary_constructor_store_sync_into_that_store()
    {
        var source = Prelude + """
            public static class Pages
            {
                public static Task<Page> OneAsync() => Task.FromResult(new Page
                {
                    Items = new List<Item> { new() { Id = "a" }, new() { Id = "b", Status = "cancelled" } },
                    NextSyncToken = "t1",
                });
            }

            [IncrementalSync]
            public sealed partial record RecordRepo(ISyncStore<Item> Store)
            {
                Task<Page> FetchAsync(SyncCursor cursor, CancellationToken cancellationToken) => Pages.OneAsync();
            }

            [IncrementalSync]
            public sealed partial class ParameterRepo(ISyncStore<Item> store)
            {
                Task<Page> FetchAsync(SyncCursor cursor, CancellationToken cancellationToken) => Pages.OneAsync();
            }

            public static class Harness
            {
                public static async Task<string> RunAsync()
                {
                    var first = new InMemorySyncStore<Item>();
                    var second = new InMemorySyncStore<Item>();
                    var record = await new RecordRepo(first).SyncAsync();
                    var parameter = await new ParameterRepo(second).SyncAsync();
                    return $"record upserts={record.Upserts} token={first.SyncToken} items={string.Join(",", first.Items.Keys)}; "
                        + $"parameter upserts={parameter.Upserts} token={second.SyncToken} items={string.Join(",", second.Items.Keys)}";
                }
            }
            """;

        var run = GeneratorRunner.Run(source);
        var log = await CompiledAssembly.RunHarnessAsync(CompiledAssembly.Emit(run), "D.Harness");

        Assert.That(run.GeneratedSources.Keys, Is.EquivalentTo(new[] { "D.RecordRepo.SyncGen.g.cs", "D.ParameterRepo.SyncGen.g.cs" }));
        Assert.That(run.GeneratedSources["D.RecordRepo.SyncGen.g.cs"], Does.Contain("public partial record RecordRepo"));
        Assert.That(log, Is.EqualTo("record upserts=1 token=t1 items=a; parameter upserts=1 token=t1 items=a"));
    }

    [Test]
    public void Every_diagnostic_id_has_a_section_in_docs_diagnostics_md()
    {
        var docs = File.ReadAllText(DocsPath());

        foreach (var descriptor in DiagnosticDescriptors.All)
        {
            Assert.That(docs, Does.Contain("\n## " + descriptor.Id + "\n"), descriptor.Id);
        }
    }

    private static string[] Lines(string text) => text.Split('\n').Select(l => l.Trim()).ToArray();

    private static string DocsPath([CallerFilePath] string callerFile = "") =>
        Path.GetFullPath(Path.Combine(Path.GetDirectoryName(callerFile)!, "..", "..", "docs", "diagnostics.md"));
}
