using System;
using System.Collections;
using System.Collections.Generic;
using System.Linq;
using System.Reflection;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using NUnit.Framework;
using SyncGen.Generator;
using SyncGen.Tests.Infrastructure;

namespace SyncGen.Tests;

/// <summary>
/// The pipeline caches: a second run, or a run after an unrelated edit, reuses every tracked step; and no tracked
/// step holds a symbol, syntax node, compilation or location (which would defeat caching and leak memory).
/// </summary>
public class IncrementalCacheTests
{
    private static readonly string[] TrackedSteps = { TrackingNames.Parse, TrackingNames.Models, TrackingNames.Diagnostics };

    private const string Unrelated = "namespace Other { public class Unrelated { public int Value { get; set; } } }";

    private const string InvalidSource = """
        using SyncGen;
        namespace Broken;
        [IncrementalSync]
        public class NotPartial { }
        """;

    [TestCase(nameof(TestSources.GoogleRequest), TrackingNames.Models)]
    [TestCase(nameof(TestSources.Hooks), TrackingNames.Models)]
    [TestCase(nameof(InvalidSource), TrackingNames.Diagnostics)]
    public void Running_again_with_the_same_compilation_reuses_every_step(string sourceName, string producingStep)
    {
        var compilation = GeneratorRunner.CreateCompilation(Source(sourceName));
        var first = GeneratorRunner.Run(compilation, GeneratorRunner.CreateDriver());
        var second = GeneratorRunner.Run(compilation, first.Driver);

        var firstSteps = TrackedOutputs(first.Driver);
        Assert.That(firstSteps[producingStep], Is.Not.Empty, "the first run produced output in this step");
        AssertNoForbiddenTypes(firstSteps);
        AssertAllCached(TrackedOutputs(second.Driver));
        Assert.That(second.GeneratedSources, Is.EqualTo(first.GeneratedSources));
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

        var steps = TrackedOutputs(second.Driver);
        Assert.That(steps[producingStep], Is.Not.Empty);
        AssertNoForbiddenTypes(steps);
        AssertAllCached(steps);
        Assert.That(second.Diagnostics.Select(d => d.ToString()), Is.EqualTo(first.Diagnostics.Select(d => d.ToString())));
    }

    [Test]
    public void Editing_the_class_regenerates_its_model()
    {
        var compilation = GeneratorRunner.CreateCompilation(TestSources.GoogleRequest);
        var first = GeneratorRunner.Run(compilation, GeneratorRunner.CreateDriver());
        var tree = compilation.SyntaxTrees.Single();
        var newTree = tree.WithChangedText(Microsoft.CodeAnalysis.Text.SourceText.From(
            TestSources.GoogleRequest.Replace("[IncrementalSync]", "[IncrementalSync(DeletedStatus = \"removed\")]", StringComparison.Ordinal)));
        var second = GeneratorRunner.Run(compilation.ReplaceSyntaxTree(tree, newTree), first.Driver);

        var reasons = TrackedOutputs(second.Driver)[TrackingNames.Models].Select(o => o.Reason);
        Assert.That(reasons, Does.Contain(IncrementalStepRunReason.Modified));
        Assert.That(second.SingleSource, Does.Contain("\"removed\""));
    }

    private static string Source(string name) => name == nameof(InvalidSource) ? InvalidSource : TestSources.ByName(name);

    private static Dictionary<string, List<(object Value, IncrementalStepRunReason Reason)>> TrackedOutputs(GeneratorDriver driver)
    {
        var result = driver.GetRunResult().Results.Single();
        return TrackedSteps.ToDictionary(
            name => name,
            name => result.TrackedSteps.TryGetValue(name, out var runs)
                ? runs.SelectMany(run => run.Outputs).ToList()
                : new List<(object Value, IncrementalStepRunReason Reason)>());
    }

    private static void AssertAllCached(Dictionary<string, List<(object Value, IncrementalStepRunReason Reason)>> steps)
    {
        foreach (var (name, outputs) in steps)
        {
            foreach (var (value, reason) in outputs)
            {
                Assert.That(reason, Is.EqualTo(IncrementalStepRunReason.Cached).Or.EqualTo(IncrementalStepRunReason.Unchanged), $"{name}: {value}");
            }
        }
    }

    private static void AssertNoForbiddenTypes(Dictionary<string, List<(object Value, IncrementalStepRunReason Reason)>> steps)
    {
        foreach (var (name, outputs) in steps)
        {
            foreach (var (value, _) in outputs)
            {
                Visit(value, name, new HashSet<object>(ReferenceEqualityComparer.Instance));
            }
        }
    }

    private static void Visit(object? node, string path, HashSet<object> visited)
    {
        if (node is null || node is string || node.GetType().IsPrimitive || node.GetType().IsEnum)
        {
            return;
        }

        Assert.That(
            node is Compilation or ISymbol or SyntaxNode or SyntaxTree or SemanticModel or Location,
            Is.False,
            $"{path} holds a {node.GetType().Name}, which defeats incremental caching");
        if (!node.GetType().IsValueType && !visited.Add(node))
        {
            return;
        }

        if (node is IEnumerable sequence)
        {
            var index = 0;
            foreach (var item in sequence)
            {
                Visit(item, $"{path}[{index++}]", visited);
            }

            return;
        }

        foreach (var field in node.GetType().GetFields(BindingFlags.Instance | BindingFlags.Public | BindingFlags.NonPublic))
        {
            Visit(field.GetValue(node), $"{path}.{field.Name}", visited);
        }
    }
}
