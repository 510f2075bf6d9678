using System;
using System.Collections.Generic;
using System.Collections.Immutable;
using System.Diagnostics;
using System.IO;
using System.Linq;
using System.Text;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using SyncGen.Generator;

namespace SyncGen.Benchmarks;

/// <summary>
/// Issue 5, part 5: the generator's cost in a large compilation (500 [IncrementalSync] classes, 5,000 unrelated types)
/// as a ratio of the compilation's own GetDiagnostics(), and proof from step tracking that an unrelated edit
/// regenerates nothing.
/// </summary>
internal static class GeneratorBenchmark
{
    private const int Repositories = 500;
    private const int UnrelatedTypes = 5_000;
    private const int UnrelatedTypesPerFile = 50;

    private static readonly string[] TrackedSteps = { TrackingNames.Parse, TrackingNames.Models, TrackingNames.Diagnostics };

    public static void Run(bool quick)
    {
        var parseOptions = new CSharpParseOptions(LanguageVersion.Latest);
        var trees = Sources().Select(s => CSharpSyntaxTree.ParseText(s.Text, parseOptions, s.Path, Encoding.UTF8)).ToImmutableArray();
        var references = References();
        CSharpCompilation NewCompilation() => CSharpCompilation.Create("Bench", trees, references,
            new CSharpCompilationOptions(OutputKind.DynamicallyLinkedLibrary, nullableContextOptions: NullableContextOptions.Enable));

        // Sanity: the input compiles, and the generator produces one file per repository with no diagnostics.
        var check = NewCompilation();
        var inputErrors = check.GetDiagnostics().Where(d => d.Severity == DiagnosticSeverity.Error).ToList();
        if (inputErrors.Count > 0)
        {
            throw new InvalidOperationException("the benchmark input does not compile: " + string.Join(Environment.NewLine, inputErrors.Take(5)));
        }

        var iterations = quick ? 3 : 5;
        var diagnosticsMs = new List<double>();
        var generatorMs = new List<double>();
        var outputErrors = 0;
        var generated = 0;
        for (var i = 0; i <= iterations; i++)
        {
            // A fresh compilation each time: a compilation caches its binding, and the generator would otherwise ride
            // on (or pay for) the other measurement's work.
            var forDiagnostics = NewCompilation();
            var clock = Stopwatch.StartNew();
            _ = forDiagnostics.GetDiagnostics();
            var d = clock.Elapsed.TotalMilliseconds;

            var forGenerator = NewCompilation();
            var driver = CreateDriver(parseOptions);
            clock.Restart();
            driver = driver.RunGenerators(forGenerator);
            var g = clock.Elapsed.TotalMilliseconds;
            var result = driver.GetRunResult();
            if (i == 0)
            {
                // The first round pays for JIT; it only checks the output.
                generated = result.Results.Single().GeneratedSources.Length;
                var output = forGenerator.AddSyntaxTrees(result.GeneratedTrees);
                outputErrors = output.GetDiagnostics().Count(x => x.Severity == DiagnosticSeverity.Error) + result.Diagnostics.Length;
                continue;
            }

            diagnosticsMs.Add(d);
            generatorMs.Add(g);
        }

        Report.Line("generator.input", $"{Repositories} [IncrementalSync] classes, {UnrelatedTypes} unrelated types in {trees.Length} files");
        Report.Line("generator.generated_files", generated.ToString(System.Globalization.CultureInfo.InvariantCulture));
        Report.Line("generator.errors_after_generation", outputErrors.ToString(System.Globalization.CultureInfo.InvariantCulture));
        var diagnostics = Report.Median(diagnosticsMs);
        var run = Report.Median(generatorMs);
        Report.Line("generator.compilation_get_diagnostics_ms", diagnostics, "0.0");
        Report.Line("generator.first_run_ms", run, "0.0");
        Report.Line("generator.first_run_ratio_vs_get_diagnostics", run / diagnostics);

        // Incremental: run once, then make an unrelated edit (a member added to one unrelated type) and run again.
        var compilation = NewCompilation();
        var incremental = CreateDriver(parseOptions).RunGenerators(compilation);
        var editedMs = new List<double>();
        var counts = new Dictionary<IncrementalStepRunReason, int>();
        var trackedOutputs = 0;
        var perStep = new Dictionary<(string Step, IncrementalStepRunReason Reason), int>();
        for (var i = 0; i < iterations; i++)
        {
            var tree = compilation.SyntaxTrees.First(t => t.FilePath.StartsWith("/src/Unrelated", StringComparison.Ordinal));
            var text = tree.GetText();
            var edit = text.WithChanges(new Microsoft.CodeAnalysis.Text.TextChange(
                new Microsoft.CodeAnalysis.Text.TextSpan(text.Length, 0), $"\nnamespace Edits {{ public sealed class Edit{i} {{ public int Value{i} {{ get; set; }} }} }}\n"));
            compilation = compilation.ReplaceSyntaxTree(tree, tree.WithChangedText(edit));
            var clock = Stopwatch.StartNew();
            incremental = incremental.RunGenerators(compilation);
            editedMs.Add(clock.Elapsed.TotalMilliseconds);

            var steps = incremental.GetRunResult().Results.Single().TrackedSteps;
            counts.Clear();
            perStep.Clear();
            trackedOutputs = 0;
            foreach (var name in TrackedSteps)
            {
                if (!steps.TryGetValue(name, out var runs))
                {
                    // Diagnostics is a SelectMany that records no run when no class has a diagnostic, as here; the other
                    // steps always run, and without them the proof below would be empty.
                    if (name == TrackingNames.Diagnostics)
                    {
                        continue;
                    }

                    throw new InvalidOperationException($"The generator no longer tracks step '{name}': the benchmark's proof would be empty.");
                }

                foreach (var (_, reason) in runs.SelectMany(r => r.Outputs))
                {
                    perStep[(name, reason)] = perStep.GetValueOrDefault((name, reason)) + 1;
                    counts[reason] = counts.GetValueOrDefault(reason) + 1;
                    trackedOutputs++;
                }
            }
        }

        var edited = Report.Median(editedMs);
        Report.Line("generator.unrelated_edit_run_ms", edited, "0.0");
        Report.Line("generator.unrelated_edit_ratio_vs_get_diagnostics", edited / diagnostics);
        Report.Line("generator.unrelated_edit.tracked_outputs", trackedOutputs.ToString(System.Globalization.CultureInfo.InvariantCulture));
        foreach (var reason in Enum.GetValues<IncrementalStepRunReason>())
        {
            Report.Line($"generator.unrelated_edit.{reason.ToString().ToLowerInvariant()}", counts.GetValueOrDefault(reason).ToString(System.Globalization.CultureInfo.InvariantCulture));
        }

        // Per step: the Parse transform of ForAttributeWithMetadataName re-runs on every compilation change (Roslyn
        // cannot know the semantics did not change) and must come out Unchanged; everything after it must be Cached.
        foreach (var ((step, reason), count) in perStep.OrderBy(p => p.Key.Step, StringComparer.Ordinal).ThenBy(p => p.Key.Reason))
        {
            Report.Line($"generator.unrelated_edit.{step}.{reason.ToString().ToLowerInvariant()}", count.ToString(System.Globalization.CultureInfo.InvariantCulture));
        }

        // The source outputs themselves (what AddSource receives) must also come out Cached: no file was re-emitted.
        var sourceOutputs = incremental.GetRunResult().Results.Single().TrackedOutputSteps
            .SelectMany(step => step.Value).SelectMany(run => run.Outputs).ToList();
        var reemitted = sourceOutputs.Count(o => o.Reason is not (IncrementalStepRunReason.Cached or IncrementalStepRunReason.Unchanged));
        Report.Line("generator.unrelated_edit.source_outputs", sourceOutputs.Count.ToString(System.Globalization.CultureInfo.InvariantCulture));
        Report.Line("generator.unrelated_edit.source_outputs_reemitted", reemitted.ToString(System.Globalization.CultureInfo.InvariantCulture));

        var regenerated = counts.GetValueOrDefault(IncrementalStepRunReason.New) + counts.GetValueOrDefault(IncrementalStepRunReason.Modified)
            + counts.GetValueOrDefault(IncrementalStepRunReason.Removed);
        Report.Line("generator.unrelated_edit.regenerates_nothing", regenerated == 0 && reemitted == 0 && trackedOutputs > 0 && sourceOutputs.Count > 0 ? "yes" : "no");
    }

    private static GeneratorDriver CreateDriver(CSharpParseOptions parseOptions) =>
        CSharpGeneratorDriver.Create(
            new[] { new IncrementalSyncGenerator().AsSourceGenerator() },
            parseOptions: parseOptions,
            driverOptions: new GeneratorDriverOptions(IncrementalGeneratorOutputKind.None, trackIncrementalGeneratorSteps: true));

    private static IEnumerable<(string Path, string Text)> Sources()
    {
        // One file per repository, each with its own item and page types: the shape of a real multi-API client.
        for (var r = 0; r < Repositories; r++)
        {
            yield return ($"/src/Repositories/Repo{r}.cs", $$"""
                using System.Collections.Generic;
                using System.Threading;
                using System.Threading.Tasks;
                using SyncGen;

                namespace Bench.Repositories;

                public sealed class Item{{r}}
                {
                    public string? Id { get; set; }
                    public string? Status { get; set; }
                    public string? Summary { get; set; }
                }

                public sealed class Page{{r}}
                {
                    public List<Item{{r}}>? Items { get; set; }
                    public string? NextPageToken { get; set; }
                    public string? NextSyncToken { get; set; }
                }

                [IncrementalSync]
                public sealed partial class Repository{{r}}
                {
                    private readonly ISyncStore<Item{{r}}> _store;

                    public Repository{{r}}(ISyncStore<Item{{r}}> store) => _store = store;

                    private Task<Page{{r}}> FetchPageAsync(SyncCursor cursor, CancellationToken cancellationToken) =>
                        Task.FromResult(new Page{{r}} { Items = new List<Item{{r}}>(), NextSyncToken = "t" });
                }
                """);
        }

        for (var f = 0; f < UnrelatedTypes / UnrelatedTypesPerFile; f++)
        {
            var text = new StringBuilder("using System;\nusing System.Collections.Generic;\n\nnamespace Bench.Unrelated;\n\n");
            for (var t = 0; t < UnrelatedTypesPerFile; t++)
            {
                var n = f * UnrelatedTypesPerFile + t;
                text.Append($$"""
                    public sealed class Type{{n}}
                    {
                        private readonly List<string> _names = new();
                        public int Id { get; init; }
                        public string Name { get; set; } = "type {{n}}";
                        public DateTimeOffset Created { get; set; }
                        public void Add(string name) => _names.Add(name ?? throw new ArgumentNullException(nameof(name)));
                        public int Count => _names.Count + Id;
                        public override string ToString() => $"{Name} ({Count})";
                    }

                    """);
            }

            yield return ($"/src/Unrelated{f}.cs", text.ToString());
        }
    }

    private static ImmutableArray<MetadataReference> References() =>
        ((string)AppContext.GetData("TRUSTED_PLATFORM_ASSEMBLIES")!).Split(Path.PathSeparator)
            .Append(typeof(SyncResult).Assembly.Location)
            .Append(typeof(Microsoft.Extensions.Logging.ILogger).Assembly.Location)
            .Where(path => path.Length > 0)
            .GroupBy(Path.GetFileName, StringComparer.OrdinalIgnoreCase)
            .Select(group => group.First())
            .Select(path => (MetadataReference)MetadataReference.CreateFromFile(path))
            .ToImmutableArray();
}
