using System;
using System.Linq;
using Microsoft.CodeAnalysis;
using NUnit.Framework;
using SyncGen.Tests.Infrastructure;

namespace SyncGen.Tests;

/// <summary>
/// Hooks mode: a class with no ISyncStore member that declares a hook method gets the hooks declared as extended
/// partial methods; a hook it lacks, or has with other parameters, is SYNCGEN017 naming it, never a runtime surprise
/// nor an error inside the generated file.
/// </summary>
public class HooksModeTests
{
    private const string Prelude = TestSources.MinimalPrelude;

    private const string Fetch = TestSources.MinimalFetch;

    private const string LoadHook = "private partial ValueTask<string?> LoadSyncTokenAsync(CancellationToken cancellationToken) => default;";

    private const string ApplyHook = "private partial ValueTask ApplyPassAsync(SyncPassKind kind, IReadOnlyList<SyncChange<Item>> changes, string syncToken, CancellationToken cancellationToken) => default;";

    [Test]
    public void A_class_implementing_both_hooks_compiles_without_warnings()
    {
        var run = GeneratorRunner.Run(Prelude + $$"""
            [IncrementalSync]
            public partial class Repo { {{Fetch}} {{LoadHook}} {{ApplyHook}} }
            """);

        CompiledAssembly.Emit(run);
        Assert.That(run.SingleSource, Does.Contain("new global::SyncGen.Infrastructure.SyncEngine<global::D.Item>(definition, new global::SyncGen.Infrastructure.SyncHookStore<global::D.Item>(\"D.Repo\", hookToken => this.LoadSyncTokenAsync(hookToken), (kind, changes, syncToken, hookToken) => this.ApplyPassAsync(kind, changes, syncToken, hookToken)), "));
    }

    [TestCase("LoadSyncTokenAsync", ApplyHook, "private partial ValueTask<string?> LoadSyncTokenAsync(CancellationToken cancellationToken)")]
    [TestCase("ApplyPassAsync", LoadHook,
        "private partial ValueTask ApplyPassAsync(SyncPassKind kind, IReadOnlyList<SyncChange<Item>> changes, string syncToken, CancellationToken cancellationToken)")]
    public void A_missing_hook_is_SYNCGEN017_at_the_class_giving_its_declaration(string missing, string implemented, string declaration)
    {
        var run = GeneratorRunner.Run(Prelude + $$"""
            [IncrementalSync]
            public partial class Repo { {{Fetch}} {{implemented}} }
            """);

        Assert.That(run.Diagnostics.Select(d => d.Id), Is.EqualTo(new[] { "SYNCGEN017" }));
        Assert.That(run.Diagnostics[0].GetMessage(), Does.Contain($"and not '{missing}'; implement it as '{declaration}'"));
        Assert.That(run.GeneratedSources, Is.Empty, "no generated declaration of the missing hook (it was CS8795 inside the generated file)");
        var errors = Errors(run);
        Assert.That(errors.Select(d => d.Id), Is.EqualTo(new[] { "CS0759" }), "the implemented hook has no defining declaration until the fix, as docs/diagnostics.md says");
        Assert.That(errors[0].Location.SourceTree!.FilePath, Is.EqualTo(GeneratorRunner.UserFilePath));
    }

    [Test]
    public void A_hook_with_other_parameters_is_SYNCGEN017_at_that_method()
    {
        var run = GeneratorRunner.Run(Prelude + $$"""
            [IncrementalSync]
            public partial class Repo
            {
                {{Fetch}}
                {{LoadHook}}
                private partial ValueTask ApplyPassAsync(IReadOnlyList<SyncChange<Item>> changes, string syncToken, CancellationToken cancellationToken) => default;
            }
            """);

        Assert.That(run.Diagnostics.Select(d => d.Id), Is.EqualTo(new[] { "SYNCGEN017" }));
        var location = run.Diagnostics[0].Location;
        Assert.That(location.SourceTree!.GetText().ToString(location.SourceSpan), Is.EqualTo("ApplyPassAsync"));
        Assert.That(run.Diagnostics[0].GetMessage(), Does.Contain("'Repo.ApplyPassAsync(IReadOnlyList<SyncChange<Item>>, string, CancellationToken)' does not take the parameters of the hook 'ApplyPassAsync'"));
        Assert.That(Errors(run).Select(d => d.Location.SourceTree?.FilePath), Has.All.EqualTo(GeneratorRunner.UserFilePath), "compiler errors only in the user's file");
    }

    [Test]
    public void A_hook_whose_defining_declaration_the_user_wrote_is_not_declared_again()
    {
        var run = GeneratorRunner.Run(Prelude + $$"""
            [IncrementalSync]
            public partial class Repo
            {
                {{Fetch}}
                private partial ValueTask<string?> LoadSyncTokenAsync(CancellationToken cancellationToken);
                private partial ValueTask ApplyPassAsync(SyncPassKind kind, IReadOnlyList<SyncChange<Item>> changes, string syncToken, CancellationToken cancellationToken);
            }

            public partial class Repo { {{LoadHook}} {{ApplyHook}} }
            """);

        CompiledAssembly.Emit(run);
        Assert.That(run.SingleSource, Does.Not.Contain("private partial"));
    }

    [Test]
    public void A_store_member_keeps_store_mode_even_beside_hook_named_methods()
    {
        var run = GeneratorRunner.Run(Prelude + $$"""
            [IncrementalSync]
            public partial class Repo
            {
                private readonly ISyncStore<Item> _store = new InMemorySyncStore<Item>();
                {{Fetch}}
                private ValueTask<string?> LoadSyncTokenAsync(CancellationToken cancellationToken) => default;
            }
            """);

        CompiledAssembly.Emit(run);
        Assert.That(run.SingleSource, Does.Contain("(definition, this._store, "));
        Assert.That(run.SingleSource, Does.Not.Contain("__SyncGenHookStore"));
    }

    [Test]
    public void A_static_helper_named_like_a_hook_is_not_a_hook_so_a_forgotten_store_is_still_SYNCGEN009()
    {
        var run = GeneratorRunner.Run(Prelude + $$"""
            [IncrementalSync]
            public partial class Repo
            {
                {{Fetch}}
                private static ValueTask<string?> LoadSyncTokenAsync(CancellationToken cancellationToken) => default;
            }
            """);

        Assert.That(run.Diagnostics.Select(d => d.Id), Is.EqualTo(new[] { "SYNCGEN009" }));
        Assert.That(run.Diagnostics[0].GetMessage(), Does.Contain("implement the partial hook methods"));
    }

    private static Diagnostic[] Errors(GeneratorRun run) =>
        run.OutputCompilation.GetDiagnostics()
            .Where(d => d.Severity == DiagnosticSeverity.Error)
            .OrderBy(d => d.Id, StringComparer.Ordinal)
            .ToArray();
}
