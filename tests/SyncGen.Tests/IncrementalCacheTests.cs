using System;
using System.Linq;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.Text;
using NUnit.Framework;
using SyncGen.Generator;
using SyncGen.Tests.Infrastructure;

namespace SyncGen.Tests;

/// <summary>
/// The pipeline caches. Every test that runs the generator through <see cref="GeneratorRunner.Run(string[])"/> already
/// checks that a second run reuses every step and that no step holds compiler objects; these tests cover edits.
/// </summary>
public class IncrementalCacheTests
{
    private const string Unrelated = "namespace Other { public class Unrelated { public int Value { get; set; } } }";

    private const string InvalidSource = """
        using SyncGen;
        namespace Broken;
        [IncrementalSync]
        public class NotPartial { }
        """;

    [Test]
    public void Every_tracking_name_is_a_step_the_pipeline_runs()
    {
        var run = GeneratorRunner.Run(TestSources.GoogleRequest, InvalidSource);
        var tracked = run.Driver.GetRunResult().Results.Single().TrackedSteps.Keys;

        Assert.That(PipelineSteps.Names, Is.Not.Empty);
        Assert.That(tracked, Is.SupersetOf(PipelineSteps.Names), "a TrackingNames constant no WithTrackingName uses is a step no test checks");
        Assert.That(PipelineSteps.Outputs(run.Driver).Where(step => step.Value.Count == 0).Select(step => step.Key), Is.Empty,
            "each step produced output for a project with one valid and one broken class, so the checks saw it");
    }

    [TestCase(nameof(TestSources.GoogleRequest), TrackingNames.Models)]
    [TestCase(nameof(TestSources.Hooks), TrackingNames.Models)]
    [TestCase(nameof(InvalidSource), TrackingNames.Diagnostics)]
    public void Adding_an_unrelated_syntax_tree_does_not_regenerate(string sourceName, string producingStep)
    {
        var compilation = GeneratorRunner.CreateCompilation(Source(sourceName));
        var first = GeneratorRunner.Run(compilation, GeneratorRunner.CreateDriver());
        var edited = compilation.AddSyntaxTrees(CSharpSyntaxTree.ParseText(Unrelated, GeneratorRunner.ParseOptions, "/src/Unrelated.cs"));
        var second = GeneratorRunner.Run(edited, first.Driver);

        var steps = PipelineSteps.Outputs(second.Driver);
        Assert.That(steps[producingStep], Is.Not.Empty);
        PipelineSteps.AssertHoldNoCompilerObjects(steps);
        PipelineSteps.AssertAllReused(steps);
        Assert.That(second.Diagnostics.Select(d => d.ToString()), Is.EqualTo(first.Diagnostics.Select(d => d.ToString())));
    }

    [Test]
    public void Moving_a_class_down_a_line_reruns_only_the_diagnostics()
    {
        // One valid class and one broken class in the same file: the edit moves both.
        var source = TestSources.GoogleRequest + "\n" + InvalidSource.Replace("using SyncGen;", string.Empty, StringComparison.Ordinal)
            .Replace("namespace Broken;", string.Empty, StringComparison.Ordinal);
        var compilation = GeneratorRunner.CreateCompilation(source);
        var first = GeneratorRunner.Run(compilation, GeneratorRunner.CreateDriver());
        var tree = compilation.SyntaxTrees.Single();
        var moved = GeneratorRunner.Run(compilation.ReplaceSyntaxTree(tree, tree.WithChangedText(SourceText.From("\n" + source))), first.Driver);

        var steps = PipelineSteps.Outputs(moved.Driver);
        Assert.That(steps[TrackingNames.Models], Is.Not.Empty);
        Assert.That(steps[TrackingNames.Models].Select(o => o.Reason), Has.All.EqualTo(IncrementalStepRunReason.Cached).Or.EqualTo(IncrementalStepRunReason.Unchanged),
            "the model holds no position, so the emitter does not run again");
        Assert.That(steps[TrackingNames.MsBuildDefaults].Select(o => o.Reason), Has.All.EqualTo(IncrementalStepRunReason.Cached).Or.EqualTo(IncrementalStepRunReason.Unchanged));
        Assert.That(steps[TrackingNames.Diagnostics].Select(o => o.Reason), Has.Some.EqualTo(IncrementalStepRunReason.Modified).Or.Some.EqualTo(IncrementalStepRunReason.New),
            "the diagnostic moved with its class");
        Assert.That(moved.Diagnostics.Single().Location.GetLineSpan().StartLinePosition.Line,
            Is.EqualTo(first.Diagnostics.Single().Location.GetLineSpan().StartLinePosition.Line + 1));
        Assert.That(moved.GeneratedSources, Is.EqualTo(first.GeneratedSources));
    }

    [Test]
    public void Editing_the_class_regenerates_its_model()
    {
        var compilation = GeneratorRunner.CreateCompilation(TestSources.GoogleRequest);
        var first = GeneratorRunner.Run(compilation, GeneratorRunner.CreateDriver());
        var tree = compilation.SyntaxTrees.Single();
        var newTree = tree.WithChangedText(SourceText.From(
            TestSources.GoogleRequest.Replace("[IncrementalSync]", "[IncrementalSync(DeletedStatus = \"removed\")]", StringComparison.Ordinal)));
        var second = GeneratorRunner.Run(compilation.ReplaceSyntaxTree(tree, newTree), first.Driver);

        var reasons = PipelineSteps.Outputs(second.Driver)[TrackingNames.Models].Select(o => o.Reason);
        Assert.That(reasons, Does.Contain(IncrementalStepRunReason.Modified));
        Assert.That(second.SingleSource, Does.Contain("\"removed\""));
    }

    private static string Source(string name) => name == nameof(InvalidSource) ? InvalidSource : TestSources.ByName(name);
}
