using System;
using System.Linq;
using Microsoft.CodeAnalysis;
using NUnit.Framework;
using SyncGen.Tests.Infrastructure;

namespace SyncGen.Tests;

/// <summary>
/// Hooks mode: a class with no ISyncStore member that declares a hook method gets the hooks declared as extended
/// partial methods, so a hook it does not implement is a compile error naming it, never a runtime surprise.
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

    [TestCase("LoadSyncTokenAsync", ApplyHook)]
    [TestCase("ApplyPassAsync", LoadHook)]
    public void A_missing_hook_is_compile_error_CS8795_naming_it(string missing, string implemented)
    {
        var run = GeneratorRunner.Run(Prelude + $$"""
            [IncrementalSync]
            public partial class Repo { {{Fetch}} {{implemented}} }
            """);

        Assert.That(run.Diagnostics, Is.Empty, "no SyncGen diagnostic: the class is valid in hooks mode");
        var errors = Errors(run);
        Assert.That(errors.Select(d => d.Id), Is.EqualTo(new[] { "CS8795" }), string.Join("\n", errors.Select(d => d.ToString())));
        Assert.That(errors[0].GetMessage(), Does.Contain($"Repo.{missing}("));
        Assert.That(errors[0].GetMessage(), Does.Contain("must have an implementation part because it has accessibility modifiers"));
        Assert.That(errors[0].Location.SourceTree!.FilePath, Does.EndWith("D.Repo.SyncGen.g.cs"), "reported on the generated declaration");
    }

    [Test]
    public void A_hook_with_the_wrong_signature_is_a_compile_error_too()
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

        var errors = Errors(run);
        Assert.That(errors.Select(d => d.Id), Is.EquivalentTo(new[] { "CS0759", "CS8795" }), string.Join("\n", errors.Select(d => d.ToString())));
        Assert.That(errors.Select(d => d.GetMessage()), Has.All.Contain("ApplyPassAsync"));
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
