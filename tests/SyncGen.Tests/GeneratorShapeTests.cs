using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using Microsoft.CodeAnalysis;
using NUnit.Framework;
using SyncGen.Tests.Infrastructure;

namespace SyncGen.Tests;

/// <summary>
/// Every shape of <c>[IncrementalSync]</c> class a user may write gets one of two outcomes, never a generator crash,
/// silence, or generated code that breaks the build: code that compiles with nullable on and every warning an error,
/// or a SYNCGEN diagnostic in the user's own file.
/// </summary>
public class GeneratorShapeTests
{
    private const string Prelude = TestSources.MinimalPrelude;

    private const string Fetch = TestSources.MinimalFetch;

    private const string Store = "private readonly ISyncStore<Item> _store = new InMemorySyncStore<Item>();";

    /// <summary>A shape and what it must give: <see cref="Id"/> <c>null</c> for warning-free code.</summary>
    /// <param name="Name">The test case's name.</param>
    /// <param name="Source">The user's file.</param>
    /// <param name="Id">
    /// The SYNCGEN id expected, or <c>null</c> when the class must get code that builds; a CS id where the compiler
    /// itself reports the user's mistake in the user's file and SyncGen generates code that adds no error to it.
    /// </param>
    /// <param name="At">The user's text the diagnostic must cover, and a fragment of its message after a '|'.</param>
    public sealed record Shape(string Name, string Source, string? Id = null, string? At = null)
    {
        /// <inheritdoc />
        public override string ToString() => Name;
    }

    private static IEnumerable<Shape> Shapes()
    {
        // Shapes that worked before the second hardening round, one of each page-source and store kind.
        yield return new Shape("Google.Apis request", TestSources.GoogleRequest);
        yield return new Shape("fetch method with custom member names", TestSources.FetchCustomNames);
        yield return new Shape("bool deletion marker on a base class", TestSources.BoolDeletedMember);
        yield return new Shape("int key", TestSources.IntKey);
        yield return new Shape("hooks instead of a store", TestSources.Hooks);
        yield return new Shape("Graph dialect page source", TestSources.GraphDialect);
        yield return new Shape("nullable logger and options members", Prelude + $$"""
            [IncrementalSync]
            public partial class Repo
            {
                {{Store}}
                private readonly Microsoft.Extensions.Logging.ILogger? _logger = null;
                private readonly SyncOptions? _options = null;
                {{Fetch}}
            }
            """);
        yield return new Shape("not partial", Prelude + $$"""
            [IncrementalSync]
            public class Repo { {{Store}} {{Fetch}} }
            """, "SYNCGEN001", "Repo|is not partial");

        // Item 8: records are classes.
        yield return new Shape("record", Prelude + $$"""
            [IncrementalSync]
            public partial record Repo { {{Store}} {{Fetch}} }
            """);
        yield return new Shape("positional record class whose store is its parameter", Prelude + $$"""
            [IncrementalSync]
            public sealed partial record class Repo(ISyncStore<Item> Store) { {{Fetch}} }
            """);

        // Item 9: a file-local type cannot be extended from the generated file.
        yield return new Shape("file-local class", Prelude + $$"""
            [IncrementalSync]
            file partial class Repo { {{Store}} {{Fetch}} }
            """, "SYNCGEN002", "Repo|file-local");

        // Item 10: an explicit interface implementation cannot be named as this.Member.
        yield return new Shape("explicit interface store beside a field", Prelude + $$"""
            public interface IHasStore { ISyncStore<Item> Store { get; } }
            [IncrementalSync]
            public partial class Repo : IHasStore
            {
                {{Store}}
                ISyncStore<Item> IHasStore.Store => _store;
                {{Fetch}}
            }
            """);
        yield return new Shape("explicit interface store only", Prelude + $$"""
            public interface IHasStore { ISyncStore<Item> Store { get; } }
            [IncrementalSync]
            public partial class Repo : IHasStore
            {
                ISyncStore<Item> IHasStore.Store { get; } = new InMemorySyncStore<Item>();
                {{Fetch}}
            }
            """, "SYNCGEN009", "Repo|'D.IHasStore.Store' is an explicit interface implementation");

        // Item 11: the attribute on two partial declarations of one class. The compiler's CS0579 already says so at the
        // second one (the attribute does not allow multiple), so SyncGen adds no diagnostic of its own: it generates the
        // class once, and the user sees that one error, not a generator crash (CS8785) nor a cascade of them.
        yield return new Shape("attribute on two partial declarations", Prelude + $$"""
            [IncrementalSync]
            public partial class Repo { {{Store}} }
            [IncrementalSync]
            public partial class Repo { {{Fetch}} }
            """, "CS0579", "IncrementalSync|Duplicate 'IncrementalSync' attribute");

        // Item 12: members the generated code declares.
        yield return new Shape("user SyncAsync(CancellationToken)", Prelude + $$"""
            [IncrementalSync]
            public partial class Repo
            {
                {{Store}}
                {{Fetch}}
                public Task<SyncResult> SyncAsync(CancellationToken cancellationToken) => throw new NotSupportedException();
            }
            """, "SYNCGEN015", "SyncAsync|'Repo.SyncAsync(CancellationToken)'");
        yield return new Shape("user SyncAsync(IProgress, CancellationToken)", Prelude + $$"""
            [IncrementalSync]
            public partial class Repo
            {
                {{Store}}
                {{Fetch}}
                public Task<SyncResult> SyncAsync(IProgress<SyncProgress> progress, CancellationToken cancellationToken) => throw new NotSupportedException();
            }
            """, "SYNCGEN015", "SyncAsync|SyncAsync(IProgress<SyncProgress>, CancellationToken)");
        yield return new Shape("user property named SyncAsync", Prelude + $$"""
            [IncrementalSync]
            public partial class Repo { {{Store}} {{Fetch}} public int SyncAsync { get; set; } }
            """, "SYNCGEN015", "SyncAsync|'Repo.SyncAsync'");
        yield return new Shape("user field named like the generated gate", Prelude + $$"""
            [IncrementalSync]
            public partial class Repo { {{Store}} {{Fetch}} private int __syncGenGate; public int Gate => __syncGenGate; }
            """, "SYNCGEN015", "__syncGenGate|'Repo.__syncGenGate'");
        yield return new Shape("inherited public SyncAsync(CancellationToken)", Prelude + $$"""
            public class Base { public Task<SyncResult> SyncAsync(CancellationToken cancellationToken) => throw new NotSupportedException(); }
            [IncrementalSync]
            public partial class Repo : Base { {{Store}} {{Fetch}} }
            """, "SYNCGEN015", "Repo|'Base.SyncAsync(CancellationToken)'");
        yield return new Shape("user SyncAsync overload of another signature", Prelude + $$"""
            [IncrementalSync]
            public partial class Repo
            {
                {{Store}}
                {{Fetch}}
                public Task<SyncResult> SyncAsync(string? calendarId, CancellationToken cancellationToken) => SyncAsync(cancellationToken);
            }
            """);
        yield return new Shape("SyncAsync declared by an implemented interface", Prelude + $$"""
            public interface ISyncable { Task<SyncResult> SyncAsync(CancellationToken cancellationToken = default); }
            [IncrementalSync]
            public partial class Repo : ISyncable { {{Store}} {{Fetch}} }
            """);

        // Item 13: what the generated code reads may be null or obsolete.
        yield return new Shape("nullable store field", Prelude + $$"""
            [IncrementalSync]
            public partial class Repo { private readonly ISyncStore<Item>? _store = null; {{Fetch}} }
            """);
        yield return new Shape("nullable SyncHttpPageSource property", Prelude + """
            [IncrementalSync]
            public partial class Repo
            {
                private readonly ISyncStore<Item> _store = new InMemorySyncStore<Item>();
                public SyncHttpPageSource<Item>? Source { get; set; }
            }
            """);
        yield return new Shape("hooks with nullable page items", Prelude + """
            public class NullablePage { public List<Item?>? Items { get; set; } public string? NextPageToken { get; set; } public string? NextSyncToken { get; set; } }
            [IncrementalSync]
            public partial class Repo
            {
                Task<NullablePage> FetchAsync(SyncCursor cursor, CancellationToken cancellationToken) => Task.FromResult(new NullablePage());
                private partial ValueTask<string?> LoadSyncTokenAsync(CancellationToken cancellationToken) => default;
                private partial ValueTask ApplyPassAsync(SyncPassKind kind, IReadOnlyList<SyncChange<Item>> changes, string syncToken, CancellationToken cancellationToken) => default;
            }
            """);
        yield return new Shape("store with nullable page items", Prelude + $$"""
            public class NullablePage { public Item?[]? Items { get; set; } public string? NextPageToken { get; set; } public string? NextSyncToken { get; set; } }
            [IncrementalSync]
            public partial class Repo
            {
                {{Store}}
                Task<NullablePage> FetchAsync(SyncCursor cursor, CancellationToken cancellationToken) => Task.FromResult(new NullablePage());
            }
            """);
        yield return new Shape("store of nullable items", Prelude + $$"""
            [IncrementalSync]
            public partial class Repo { private readonly ISyncStore<Item?> _store = new InMemorySyncStore<Item?>(); {{Fetch}} }
            """);
        yield return new Shape("nullable static store and nullable dialect field", Prelude + """
            [IncrementalSync]
            public partial class Repo
            {
                private static InMemorySyncStore<Item>? Shared = new();
                private readonly SyncHttpPageSource<Item>? _source = null;
                public static void Reset() => Shared = null;
            }
            """);
        yield return new Shape("record with hooks", Prelude + $$"""
            [IncrementalSync]
            internal sealed partial record Repo
            {
                {{Fetch}}
                private partial ValueTask<string?> LoadSyncTokenAsync(CancellationToken cancellationToken) => default;
                private partial ValueTask ApplyPassAsync(SyncPassKind kind, IReadOnlyList<SyncChange<Item>> changes, string syncToken, CancellationToken cancellationToken) => default;
            }
            """);
        yield return new Shape("nullable primary-constructor logger and options", Prelude + $$"""
            [IncrementalSync]
            public partial class Repo(ISyncStore<Item>? store, Microsoft.Extensions.Logging.ILogger? logger, SyncOptions? options) { {{Fetch}} }
            """);
        yield return new Shape("explicit interface SyncHttpPageSource only", Prelude + """
            public interface IHasSource { SyncHttpPageSource<Item> Source { get; } }
            [IncrementalSync]
            public partial class Repo : IHasSource
            {
                private readonly ISyncStore<Item> _store = new InMemorySyncStore<Item>();
                SyncHttpPageSource<Item> IHasSource.Source => null!;
            }
            """, "SYNCGEN003", "Repo|'D.IHasSource.Source' is an explicit interface implementation");
        yield return new Shape("explicit interface fetch method only", Prelude + $$"""
            public interface IFetch { Task<Page> FetchAsync(SyncCursor cursor, CancellationToken cancellationToken); }
            [IncrementalSync]
            public partial class Repo : IFetch
            {
                {{Store}}
                Task<Page> IFetch.FetchAsync(SyncCursor cursor, CancellationToken cancellationToken) => Task.FromResult(new Page());
            }
            """, "SYNCGEN003", "Repo|'D.IFetch.FetchAsync' is an explicit interface implementation");
        yield return new Shape("store and fetch method obsolete as a warning", Prelude + $$"""
            [IncrementalSync]
            public partial class Repo
            {
                [Obsolete("old")] private readonly ISyncStore<Item> _store = new InMemorySyncStore<Item>();
                [Obsolete] Task<Page> FetchAsync(SyncCursor cursor, CancellationToken cancellationToken) => Task.FromResult(new Page());
            }
            """);
        yield return new Shape("request token property obsolete as an error", Prelude + $$"""
            public class Request
            {
                [Obsolete("no", true)] public string? SyncToken { get; set; }
                public string? PageToken { get; set; }
                public Task<Page> ExecuteAsync(CancellationToken cancellationToken) => Task.FromResult(new Page());
            }
            [IncrementalSync]
            public partial class Repo { {{Store}} Request Create(SyncPass pass) => new(); }
            """, "SYNCGEN016", "Create|'Request.SyncToken' is [Obsolete] as an error, and class 'Repo' would read it as a request token");
        yield return new Shape("hooks beside a property named like a hook", Prelude + $$"""
            [IncrementalSync]
            public partial class Repo
            {
                {{Fetch}}
                private partial ValueTask<string?> LoadSyncTokenAsync(CancellationToken cancellationToken) => default;
                public int ApplyPassAsync { get; set; }
            }
            """, "SYNCGEN015", "ApplyPassAsync|SyncGen generates the partial hook 'ApplyPassAsync(SyncPassKind, ");
        yield return new Shape("hook methods written without partial", Prelude + $$"""
            [IncrementalSync]
            public partial class Repo
            {
                {{Fetch}}
                private ValueTask<string?> LoadSyncTokenAsync(CancellationToken cancellationToken) => default;
                private ValueTask ApplyPassAsync(SyncPassKind kind, IReadOnlyList<SyncChange<Item>> changes, string syncToken, CancellationToken cancellationToken) => default;
            }
            """, "SYNCGEN015", "LoadSyncTokenAsync|declare it 'private partial' so that it implements the hook");
        yield return new Shape("only LoadSyncTokenAsync of the two hooks", Prelude + $$"""
            [IncrementalSync]
            public partial class Repo
            {
                {{Fetch}}
                private partial ValueTask<string?> LoadSyncTokenAsync(CancellationToken cancellationToken) => default;
            }
            """, "SYNCGEN017", "Repo|private partial ValueTask ApplyPassAsync(SyncPassKind kind, IReadOnlyList<SyncChange<Item>> changes, string syncToken, CancellationToken cancellationToken)");
        yield return new Shape("only ApplyPassAsync of the two hooks", Prelude + $$"""
            [IncrementalSync]
            public partial class Repo
            {
                {{Fetch}}
                private partial ValueTask ApplyPassAsync(SyncPassKind kind, IReadOnlyList<SyncChange<Item>> changes, string syncToken, CancellationToken cancellationToken) => default;
            }
            """, "SYNCGEN017", "Repo|private partial ValueTask<string?> LoadSyncTokenAsync(CancellationToken cancellationToken)");
        yield return new Shape("ApplyPassAsync hook taking a List", Prelude + $$"""
            [IncrementalSync]
            public partial class Repo
            {
                {{Fetch}}
                private partial ValueTask<string?> LoadSyncTokenAsync(CancellationToken cancellationToken) => default;
                private partial ValueTask ApplyPassAsync(SyncPassKind kind, List<SyncChange<Item>> changes, string syncToken, CancellationToken cancellationToken) => default;
            }
            """, "SYNCGEN017", "ApplyPassAsync|IReadOnlyList<SyncChange<Item>> changes");
        yield return new Shape("ApplyPassAsync hook of another item type", Prelude + $$"""
            [IncrementalSync]
            public partial class Repo
            {
                {{Fetch}}
                private partial ValueTask<string?> LoadSyncTokenAsync(CancellationToken cancellationToken) => default;
                private partial ValueTask ApplyPassAsync(SyncPassKind kind, IReadOnlyList<SyncChange<string>> changes, string syncToken, CancellationToken cancellationToken) => default;
            }
            """, "SYNCGEN017", "ApplyPassAsync|IReadOnlyList<SyncChange<Item>> changes");
        yield return new Shape("LoadSyncTokenAsync hook without its CancellationToken", Prelude + $$"""
            [IncrementalSync]
            public partial class Repo
            {
                {{Fetch}}
                private partial ValueTask<string?> LoadSyncTokenAsync() => default;
                private partial ValueTask ApplyPassAsync(SyncPassKind kind, IReadOnlyList<SyncChange<Item>> changes, string syncToken, CancellationToken cancellationToken) => default;
            }
            """, "SYNCGEN017", "LoadSyncTokenAsync|LoadSyncTokenAsync(CancellationToken cancellationToken)");
        yield return new Shape("LoadSyncTokenAsync hook returning Task", Prelude + $$"""
            [IncrementalSync]
            public partial class Repo
            {
                {{Fetch}}
                private partial Task<string?> LoadSyncTokenAsync(CancellationToken cancellationToken) => Task.FromResult<string?>(null);
                private partial ValueTask ApplyPassAsync(SyncPassKind kind, IReadOnlyList<SyncChange<Item>> changes, string syncToken, CancellationToken cancellationToken) => default;
            }
            """, "CS8817", "LoadSyncTokenAsync|must have the same return type");
        yield return new Shape("LoadSyncTokenAsync hook returning a non-nullable token", Prelude + $$"""
            [IncrementalSync]
            public partial class Repo
            {
                {{Fetch}}
                private partial ValueTask<string> LoadSyncTokenAsync(CancellationToken cancellationToken) => default;
                private partial ValueTask ApplyPassAsync(SyncPassKind kind, IReadOnlyList<SyncChange<Item>> changes, string syncToken, CancellationToken cancellationToken) => default;
            }
            """, "CS8819", "LoadSyncTokenAsync|Nullability of reference types in return type");
        yield return new Shape("ApplyPassAsync hook returning Task", Prelude + $$"""
            [IncrementalSync]
            public partial class Repo
            {
                {{Fetch}}
                private partial ValueTask<string?> LoadSyncTokenAsync(CancellationToken cancellationToken) => default;
                private partial Task ApplyPassAsync(SyncPassKind kind, IReadOnlyList<SyncChange<Item>> changes, string syncToken, CancellationToken cancellationToken) => Task.CompletedTask;
            }
            """, "CS8817", "ApplyPassAsync|must have the same return type");
        yield return new Shape("public hooks", Prelude + $$"""
            [IncrementalSync]
            public partial class Repo
            {
                {{Fetch}}
                public partial ValueTask<string?> LoadSyncTokenAsync(CancellationToken cancellationToken) => default;
                public partial ValueTask ApplyPassAsync(SyncPassKind kind, IReadOnlyList<SyncChange<Item>> changes, string syncToken, CancellationToken cancellationToken) => default;
            }
            """, "CS8799", "LoadSyncTokenAsync|identical accessibility modifiers");
        yield return new Shape("hooks beside an overload of a hook's name", Prelude + $$"""
            [IncrementalSync]
            public partial class Repo
            {
                {{Fetch}}
                private partial ValueTask<string?> LoadSyncTokenAsync(CancellationToken cancellationToken) => default;
                private partial ValueTask ApplyPassAsync(SyncPassKind kind, IReadOnlyList<SyncChange<Item>> changes, string syncToken, CancellationToken cancellationToken) => default;
                public ValueTask ApplyPassAsync(IReadOnlyList<SyncChange<Item>> changes) => ApplyPassAsync(SyncPassKind.Incremental, changes, "", CancellationToken.None);
            }
            """);
        yield return new Shape("hook definitions declared but not implemented", Prelude + $$"""
            [IncrementalSync]
            public partial class Repo
            {
                {{Fetch}}
                private partial ValueTask<string?> LoadSyncTokenAsync(CancellationToken cancellationToken);
                private partial ValueTask ApplyPassAsync(SyncPassKind kind, IReadOnlyList<SyncChange<Item>> changes, string syncToken, CancellationToken cancellationToken) => default;
            }
            """, "CS8795", "LoadSyncTokenAsync|LoadSyncTokenAsync");
        yield return new Shape("key obsolete as an error", Prelude.Replace("public class Item { public string? Id", "public class Item { [Obsolete(\"Use Key.\", error: true)] public string? Id", StringComparison.Ordinal) + $$"""
            [IncrementalSync]
            public partial class Repo { {{Store}} {{Fetch}} }
            """, "SYNCGEN016", "Repo|'Item.Id'");
        yield return new Shape("key named in the attribute and obsolete as an error", Prelude + $$"""
            public class Legacy { [Obsolete("Use Id.", true)] public string? Number { get; set; } public string? Id { get; set; } public string? Status { get; set; } }
            public class LegacyPage { public List<Legacy>? Items { get; set; } public string? NextPageToken { get; set; } public string? NextSyncToken { get; set; } }
            [IncrementalSync(KeyMember = "Number")]
            public partial class Repo
            {
                private readonly ISyncStore<Legacy> _store = new InMemorySyncStore<Legacy>();
                Task<LegacyPage> FetchAsync(SyncCursor cursor, CancellationToken cancellationToken) => Task.FromResult(new LegacyPage());
            }
            """, "SYNCGEN016", "KeyMember = \"Number\"|'Legacy.Number'");
        yield return new Shape("key and status obsolete as a warning", Prelude.Replace("public class Item { public string? Id { get; set; } public string? Status", "public class Item { [Obsolete] public string? Id { get; set; } [Obsolete(\"x\")] public string? Status", StringComparison.Ordinal) + $$"""
            [IncrementalSync]
            public partial class Repo { {{Store}} {{Fetch}} }
            """);

        // Item 14: primary-constructor parameters as store and page source.
        yield return new Shape("primary-constructor store and dialect page source", Prelude + """
            [IncrementalSync]
            public partial class Contacts(ISyncStore<Item> store, SyncHttpPageSource<Item> people);
            """);
        yield return new Shape("primary-constructor store with a fetch method", Prelude + $$"""
            [IncrementalSync]
            public partial class Repo(ISyncStore<Item> store, Microsoft.Extensions.Logging.ILogger logger) { {{Fetch}} }
            """);
        yield return new Shape("primary-constructor parameter assigned to a field", Prelude + $$"""
            [IncrementalSync]
            public partial class Repo(ISyncStore<Item> store) { private readonly ISyncStore<Item> _store = store; {{Fetch}} }
            """);
        yield return new Shape("primary-constructor store also passed to the base class", Prelude + $$"""
            public class Base(ISyncStore<Item> store) { public object Inner => store; }
            [IncrementalSync]
            public partial class Repo(ISyncStore<Item> store) : Base(store) { {{Fetch}} }
            """, "SYNCGEN009", "Repo|'store' is a primary-constructor parameter passed to the base class");
        yield return new Shape("primary-constructor store passed to the base class and assigned to a field", Prelude + $$"""
            public class Base(ISyncStore<Item> store) { public object Inner => store; }
            [IncrementalSync]
            public partial class Repo(ISyncStore<Item> store) : Base(store) { private readonly ISyncStore<Item> _store = store; {{Fetch}} }
            """);
        yield return new Shape("primary-constructor store also used in an initializer", Prelude + $$"""
            [IncrementalSync]
            public partial class Repo(ISyncStore<Item> store) { private readonly object _inner = store; public object Inner => _inner; {{Fetch}} }
            """);
        yield return new Shape("docs SYNCGEN014 example", Prelude + """
            [IncrementalSync(KeyMember = nameof(Item.Status))]
            public partial class Contacts(ISyncStore<Item> store, SyncHttpPageSource<Item> people);
            """, "SYNCGEN014", "KeyMember = nameof(Item.Status)|IncrementalSync.KeyMember has no effect");
    }

    [TestCaseSource(nameof(Shapes))]
    public void Every_shape_builds_warning_free_or_gets_a_SYNCGEN_diagnostic_in_the_users_file(Shape shape)
    {
        var run = GeneratorRunner.Run(shape.Source);
        var strict = run.OutputCompilation.WithOptions(run.OutputCompilation.Options.WithGeneralDiagnosticOption(ReportDiagnostic.Error));
        var compilerProblems = strict.GetDiagnostics().Where(d => d.Severity >= DiagnosticSeverity.Warning).ToList();
        var inGenerated = compilerProblems.Where(d => d.Location.SourceTree is { } tree && !run.Compilation.SyntaxTrees.Contains(tree)).Select(d => d.ToString());
        Assert.That(inGenerated, Is.Empty, "no warning or error inside generated code, whatever the shape");

        if (shape.Id is null)
        {
            Assert.That(run.Diagnostics.Select(d => d.ToString()), Is.Empty, "generator diagnostics");
            Assert.That(run.GeneratedSources, Has.Count.EqualTo(1), "one generated file for the class");
            Assert.That(compilerProblems.Select(d => d.ToString()), Is.Empty, "user plus generated code, nullable on, warnings as errors");
            return;
        }

        var at = shape.At!.Split('|');
        var fromCompiler = !shape.Id.StartsWith("SYNCGEN", StringComparison.Ordinal);
        if (fromCompiler)
        {
            Assert.That(run.GeneratedSources, Has.Count.EqualTo(1), "one generated file for the class");
        }

        var diagnostic = (fromCompiler ? compilerProblems : run.Diagnostics.AsEnumerable()).FirstOrDefault(d => d.Id == shape.Id);
        Assert.That(diagnostic, Is.Not.Null, $"{shape.Id} expected; got: {string.Join("; ", run.Diagnostics)} {string.Join("; ", compilerProblems)}");
        Assert.Multiple(() =>
        {
            Assert.That(run.Diagnostics.Where(d => d.Location.SourceTree?.FilePath != GeneratorRunner.UserFilePath).Select(d => d.ToString()), Is.Empty,
                "every SYNCGEN diagnostic in the user's file");
            Assert.That(diagnostic!.Location.IsInSource, Is.True, "located in source");
            Assert.That(diagnostic.Location.SourceTree!.FilePath, Is.EqualTo(GeneratorRunner.UserFilePath), "in the user's file");
            Assert.That(diagnostic.Location.SourceTree.GetText().ToString(diagnostic.Location.SourceSpan), Is.EqualTo(at[0]));
            Assert.That(diagnostic.GetMessage(CultureInfo.InvariantCulture), Does.Contain(at[1]));
        });
    }
}
