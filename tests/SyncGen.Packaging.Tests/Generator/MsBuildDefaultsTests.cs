using System;
using System.Collections.Generic;
using System.Collections.Immutable;
using System.Diagnostics.CodeAnalysis;
using System.IO;
using System.Linq;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.Diagnostics;
using NUnit.Framework;
using SyncGen.Generator;

namespace SyncGen.Packaging.Tests.Generator;

/// <summary>
/// The generator side of the MSBuild configuration: <c>build_property.SyncGen*</c> values become the SyncOptions of
/// classes without a SyncOptions member, invalid values give SYNCGEN012, and the step caches.
/// </summary>
public class MsBuildDefaultsTests
{
    private const string Repository = """
        using System.Collections.Generic;
        using System.Threading;
        using System.Threading.Tasks;
        using SyncGen;
        namespace Demo;
        public sealed class Item { public string? Id { get; set; } public string? Status { get; set; } }
        public sealed class Page { public List<Item>? Items { get; set; } public string? NextPageToken { get; set; } public string? NextSyncToken { get; set; } }
        [IncrementalSync]
        public partial class Repo
        {
            private readonly ISyncStore<Item> _store = new InMemorySyncStore<Item>();
            private Task<Page> FetchPageAsync(SyncCursor cursor, CancellationToken cancellationToken) => Task.FromResult(new Page());
            OPTIONS
        }
        """;

    private const string OptionsMember = "private SyncOptions Options { get; } = new SyncOptions { MaxExpiriesPerCall = 9 };";

    [Test]
    public void Without_properties_the_runtime_defaults_apply()
    {
        var run = Run(new Dictionary<string, string>());
        Assert.That(run.Diagnostics, Is.Empty);
        Assert.That(run.Source, Does.Contain("options: null,"));
    }

    [TestCase("3", null, "new global::SyncGen.SyncOptions { Retry = new global::SyncGen.SyncRetryOptions { MaxRetries = 3 } }")]
    [TestCase(null, " 2 ", "new global::SyncGen.SyncOptions { MaxExpiriesPerCall = 2 }")]
    [TestCase("0", "1", "new global::SyncGen.SyncOptions { MaxExpiriesPerCall = 1, Retry = new global::SyncGen.SyncRetryOptions { MaxRetries = 0 } }")]
    public void Properties_become_the_options_of_a_class_without_a_SyncOptions_member(string? retries, string? expiries, string expected)
    {
        var run = Run(Properties(retries, expiries));
        Assert.That(run.Diagnostics, Is.Empty);
        Assert.That(run.Source, Does.Contain("options: " + expected + ","));
        Assert.That(run.CompileErrors, Is.Empty, "the generated options compile against the runtime");
    }

    [Test]
    public void A_SyncOptions_member_wins_over_the_properties()
    {
        var run = Run(Properties("3", "2"), OptionsMember);
        Assert.That(run.Diagnostics, Is.Empty);
        Assert.That(run.Source, Does.Contain("options: this.Options,").And.Not.Contain("MaxRetries = 3"));
    }

    [TestCase("three", null, "SyncGenMaxRetries", "three", "0")]
    [TestCase("-1", null, "SyncGenMaxRetries", "-1", "0")]
    [TestCase("2.5", null, "SyncGenMaxRetries", "2.5", "0")]
    [TestCase(null, "0", "SyncGenMaxExpiriesPerCall", "0", "1")]
    [TestCase(null, "99999999999", "SyncGenMaxExpiriesPerCall", "99999999999", "1")]
    public void Invalid_values_report_SYNCGEN012_and_are_not_applied(string? retries, string? expiries, string property, string value, string minimum)
    {
        var run = Run(Properties(retries, expiries));
        var diagnostic = run.Diagnostics.Single();
        Assert.That(diagnostic.Id, Is.EqualTo("SYNCGEN012"));
        Assert.That(diagnostic.Severity, Is.EqualTo(DiagnosticSeverity.Error));
        Assert.That(diagnostic.Location, Is.EqualTo(Location.None));
        Assert.That(diagnostic.GetMessage(), Is.EqualTo(
            $"MSBuild property '{property}' is '{value}', which is not a whole number of {minimum} or more; set <{property}> in the project file to such a number, or remove it to keep the SyncOptions default"));
        Assert.That(run.Source, Does.Contain("options: null,"), "an invalid value falls back to the runtime default (and the build fails)");
    }

    [Test]
    public void The_defaults_step_is_cached_when_code_changes_and_re_run_when_a_property_changes()
    {
        var compilation = Compilation(Repository.Replace("OPTIONS", string.Empty));
        var driver = Driver(Properties("3", null));
        driver = driver.RunGenerators(compilation);
        var edited = compilation.AddSyntaxTrees(CSharpSyntaxTree.ParseText("namespace Other { public class Unrelated { } }", ParseOptions, "/src/Other.cs"));
        driver = driver.RunGenerators(edited);
        Assert.That(Reasons(driver, TrackingNames.MsBuildDefaults), Is.All.EqualTo(IncrementalStepRunReason.Cached).Or.EqualTo(IncrementalStepRunReason.Unchanged));

        driver = driver.ReplaceAdditionalTexts(ImmutableArray<AdditionalText>.Empty);
        driver = ((CSharpGeneratorDriver)driver).WithUpdatedAnalyzerConfigOptions(new Options(Properties("4", null)));
        driver = driver.RunGenerators(edited);
        Assert.That(Reasons(driver, TrackingNames.MsBuildDefaults), Does.Contain(IncrementalStepRunReason.Modified));
        var source = driver.GetRunResult().GeneratedTrees.Single().ToString();
        Assert.That(source, Does.Contain("MaxRetries = 4"));
    }

    private static readonly CSharpParseOptions ParseOptions = new(LanguageVersion.Latest);

    private static Dictionary<string, string> Properties(string? retries, string? expiries)
    {
        var properties = new Dictionary<string, string>();
        if (retries is not null)
        {
            properties["build_property.SyncGenMaxRetries"] = retries;
        }

        if (expiries is not null)
        {
            properties["build_property.SyncGenMaxExpiriesPerCall"] = expiries;
        }

        return properties;
    }

    private sealed record GeneratorResult(ImmutableArray<Diagnostic> Diagnostics, string Source, IReadOnlyList<string> CompileErrors);

    private static GeneratorResult Run(Dictionary<string, string> properties, string optionsMember = "")
    {
        var compilation = Compilation(Repository.Replace("OPTIONS", optionsMember));
        var driver = Driver(properties).RunGeneratorsAndUpdateCompilation(compilation, out var output, out var diagnostics);
        var result = driver.GetRunResult();
        Assert.That(result.Results.Single().Exception, Is.Null);
        var errors = output.GetDiagnostics().Where(d => d.Severity == DiagnosticSeverity.Error).Select(d => d.ToString()).ToList();
        return new GeneratorResult(diagnostics, result.GeneratedTrees.Single().ToString(), errors);
    }

    private static GeneratorDriver Driver(Dictionary<string, string> properties) =>
        CSharpGeneratorDriver.Create(
            new[] { new IncrementalSyncGenerator().AsSourceGenerator() },
            parseOptions: ParseOptions,
            optionsProvider: new Options(properties),
            driverOptions: new GeneratorDriverOptions(IncrementalGeneratorOutputKind.None, trackIncrementalGeneratorSteps: true));

    private static CSharpCompilation Compilation(string source)
    {
        var references = ((string)AppContext.GetData("TRUSTED_PLATFORM_ASSEMBLIES")!).Split(Path.PathSeparator)
            .Append(typeof(SyncResult).Assembly.Location)
            .Where(path => path.Length > 0)
            .GroupBy(Path.GetFileName, StringComparer.OrdinalIgnoreCase)
            .Select(group => MetadataReference.CreateFromFile(group.First()));
        return CSharpCompilation.Create("Demo", new[] { CSharpSyntaxTree.ParseText(source, ParseOptions, "/src/Repo.cs") }, references,
            new CSharpCompilationOptions(OutputKind.DynamicallyLinkedLibrary, nullableContextOptions: NullableContextOptions.Enable));
    }

    private static IEnumerable<IncrementalStepRunReason> Reasons(GeneratorDriver driver, string step) =>
        driver.GetRunResult().Results.Single().TrackedSteps[step].SelectMany(s => s.Outputs).Select(o => o.Reason);

    private sealed class Options(Dictionary<string, string> global) : AnalyzerConfigOptionsProvider
    {
        public override AnalyzerConfigOptions GlobalOptions { get; } = new Values(global);

        public override AnalyzerConfigOptions GetOptions(SyntaxTree tree) => Values.Empty;

        public override AnalyzerConfigOptions GetOptions(AdditionalText textFile) => Values.Empty;
    }

    private sealed class Values(Dictionary<string, string> values) : AnalyzerConfigOptions
    {
        public static readonly Values Empty = new(new Dictionary<string, string>());

        public override bool TryGetValue(string key, [NotNullWhen(true)] out string? value) => values.TryGetValue(key, out value);
    }
}
