using System;
using System.Collections.Generic;
using System.Collections.Immutable;
using System.IO;
using System.Linq;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using SyncGen.Generator;

namespace SyncGen.Tests.Infrastructure;

/// <summary>What one generator run produced.</summary>
/// <param name="Compilation">The input compilation.</param>
/// <param name="OutputCompilation">The input plus the generated trees.</param>
/// <param name="Diagnostics">Diagnostics the generator reported (after #pragma filtering).</param>
/// <param name="GeneratedSources">Generated source text by hint name.</param>
/// <param name="Driver">The driver after the run, to run again incrementally.</param>
internal sealed record GeneratorRun(
    CSharpCompilation Compilation,
    Compilation OutputCompilation,
    ImmutableArray<Diagnostic> Diagnostics,
    IReadOnlyDictionary<string, string> GeneratedSources,
    GeneratorDriver Driver)
{
    /// <summary>The single generated source; fails when there is not exactly one.</summary>
    public string SingleSource => GeneratedSources.Count == 1
        ? GeneratedSources.Values.Single()
        : throw new InvalidOperationException($"Expected one generated source, got {GeneratedSources.Count}: {string.Join(", ", Diagnostics)}");
}

/// <summary>Builds compilations of test sources and runs <see cref="IncrementalSyncGenerator"/> over them.</summary>
internal static class GeneratorRunner
{
    public const string UserFilePath = "/src/User.cs";

    public static readonly CSharpParseOptions ParseOptions = new(LanguageVersion.Latest);

    private static readonly Lazy<ImmutableArray<MetadataReference>> References = new(LoadReferences);

    public static CSharpCompilation CreateCompilation(params string[] sources) =>
        CSharpCompilation.Create(
            "SyncGen.UserAssembly",
            sources.Select((source, index) => CSharpSyntaxTree.ParseText(source, ParseOptions, index == 0 ? UserFilePath : $"/src/User{index}.cs")),
            References.Value,
            new CSharpCompilationOptions(OutputKind.DynamicallyLinkedLibrary, nullableContextOptions: NullableContextOptions.Enable)
                // As the SDK does by default (NoWarn CS1701;CS1702): the net8.0 runtime's references to framework
                // assemblies unify with the newer framework the tests run on.
                .WithSpecificDiagnosticOptions(new Dictionary<string, ReportDiagnostic> { ["CS1701"] = ReportDiagnostic.Suppress, ["CS1702"] = ReportDiagnostic.Suppress }));

    public static GeneratorDriver CreateDriver() =>
        CSharpGeneratorDriver.Create(
            new[] { new IncrementalSyncGenerator().AsSourceGenerator() },
            parseOptions: ParseOptions,
            driverOptions: new GeneratorDriverOptions(IncrementalGeneratorOutputKind.None, trackIncrementalGeneratorSteps: true));

    /// <summary>
    /// Runs the generator over <paramref name="sources"/>, then checks what every test gets for free: a second run over
    /// the same compilation reuses every tracked step, and no tracked step holds a symbol, syntax node or compilation.
    /// </summary>
    public static GeneratorRun Run(params string[] sources)
    {
        var compilation = CreateCompilation(sources);
        var run = Run(compilation, CreateDriver());
        PipelineSteps.AssertHoldNoCompilerObjects(PipelineSteps.Outputs(run.Driver));
        var again = Run(compilation, run.Driver);
        PipelineSteps.AssertAllReused(PipelineSteps.Outputs(again.Driver));
        NUnit.Framework.Assert.That(again.GeneratedSources, NUnit.Framework.Is.EqualTo(run.GeneratedSources), "a second run generates the same sources");

        return run;
    }

    public static GeneratorRun Run(CSharpCompilation compilation, GeneratorDriver driver)
    {
        driver = driver.RunGeneratorsAndUpdateCompilation(compilation, out var output, out var diagnostics);
        var result = driver.GetRunResult();
        if (result.Results.Single().Exception is { } exception)
        {
            throw new InvalidOperationException("The generator threw.", exception);
        }

        var sources = result.Results
            .SelectMany(r => r.GeneratedSources)
            .ToDictionary(s => s.HintName, s => s.SourceText.ToString(), StringComparer.Ordinal);
        return new GeneratorRun(compilation, output, diagnostics, sources, driver);
    }

    private static ImmutableArray<MetadataReference> LoadReferences()
    {
        var paths = ((string)AppContext.GetData("TRUSTED_PLATFORM_ASSEMBLIES")!).Split(Path.PathSeparator)
            .Append(typeof(SyncResult).Assembly.Location)
            .Append(typeof(Microsoft.Extensions.Logging.ILogger).Assembly.Location)
            .Where(path => path.Length > 0)
            .GroupBy(Path.GetFileName, StringComparer.OrdinalIgnoreCase)
            .Select(group => group.First());
        return paths.Select(path => (MetadataReference)MetadataReference.CreateFromFile(path)).ToImmutableArray();
    }
}
