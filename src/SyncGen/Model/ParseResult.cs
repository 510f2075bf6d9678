using SyncGen.Generator.Diagnostics;

namespace SyncGen.Generator.Model;

/// <summary>What the transform found for one class: a model when it has no errors, and its diagnostics.</summary>
/// <param name="Model">The model, or <c>null</c> when any error was found (no source is emitted then).</param>
/// <param name="Diagnostics">The diagnostics to report.</param>
public sealed record ParseResult(SyncClassModel? Model, EquatableArray<DiagnosticInfo> Diagnostics);
