using System;
using System.Collections;
using System.Collections.Generic;
using System.Linq;
using System.Reflection;
using Microsoft.CodeAnalysis;
using NUnit.Framework;
using SyncGen.Generator;

namespace SyncGen.Tests.Infrastructure;

/// <summary>The generator's tracked pipeline steps, their outputs after a run, and the checks every test applies to them.</summary>
internal static class PipelineSteps
{
    /// <summary>Every step name <see cref="TrackingNames"/> declares, found by reflection so that a new step is checked too.</summary>
    public static IReadOnlyList<string> Names { get; } = typeof(TrackingNames)
        .GetFields(BindingFlags.Public | BindingFlags.Static)
        .Where(field => field.IsLiteral && field.FieldType == typeof(string))
        .Select(field => (string)field.GetRawConstantValue()!)
        .ToList();

    /// <summary>The outputs of every tracked step in the driver's last run, by step name (empty when the step produced none).</summary>
    public static Dictionary<string, List<(object Value, IncrementalStepRunReason Reason)>> Outputs(GeneratorDriver driver)
    {
        var result = driver.GetRunResult().Results.Single();
        return Names.ToDictionary(
            name => name,
            name => result.TrackedSteps.TryGetValue(name, out var runs)
                ? runs.SelectMany(run => run.Outputs).ToList()
                : new List<(object Value, IncrementalStepRunReason Reason)>());
    }

    /// <summary>Fails unless every output of every step was reused (cached or recomputed equal).</summary>
    public static void AssertAllReused(Dictionary<string, List<(object Value, IncrementalStepRunReason Reason)>> steps)
    {
        foreach (var (name, outputs) in steps)
        {
            foreach (var (value, reason) in outputs)
            {
                Assert.That(reason, Is.EqualTo(IncrementalStepRunReason.Cached).Or.EqualTo(IncrementalStepRunReason.Unchanged),
                    $"step {name} was not reused: {value}");
            }
        }
    }

    /// <summary>
    /// Fails when a step's output holds, at any depth, a compilation, symbol, syntax node or tree, semantic model or
    /// location: they defeat caching (never equal between runs) and keep whole compilations alive.
    /// </summary>
    public static void AssertHoldNoCompilerObjects(Dictionary<string, List<(object Value, IncrementalStepRunReason Reason)>> steps)
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
