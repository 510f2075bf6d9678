using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using SyncGen.Generator.Emit;
using SyncGen.Generator.Parsing;

namespace SyncGen.Generator;

/// <summary>
/// Generates <c>SyncAsync</c> for every <c>[IncrementalSync]</c> partial class. Source and diagnostics come from two
/// outputs of the same cached model: source only for classes without errors, diagnostics placed back in the user's
/// syntax tree so that <c>#pragma warning disable</c> applies.
/// </summary>
[Generator(LanguageNames.CSharp)]
public sealed class IncrementalSyncGenerator : IIncrementalGenerator
{
    /// <inheritdoc />
    public void Initialize(IncrementalGeneratorInitializationContext context)
    {
        var results = context.SyntaxProvider
            .ForAttributeWithMetadataName(
                SyncClassParser.AttributeMetadataName,
                predicate: static (node, _) => node is ClassDeclarationSyntax,
                transform: SyncClassParser.Parse)
            .WithTrackingName(TrackingNames.Parse);

        var models = results
            .Where(static result => result.Model is not null)
            .Select(static (result, _) => result.Model!)
            .WithTrackingName(TrackingNames.Models);

        context.RegisterSourceOutput(models, static (output, model) =>
        {
            output.CancellationToken.ThrowIfCancellationRequested();
            output.AddSource(model.HintName, SyncClassEmitter.Emit(model));
        });

        var diagnostics = results
            .SelectMany(static (result, _) => result.Diagnostics)
            .WithTrackingName(TrackingNames.Diagnostics);

        // The compilation is joined only here, after caching, to find the syntax tree each location belongs to.
        context.RegisterSourceOutput(diagnostics.Combine(context.CompilationProvider), static (output, pair) =>
            output.ReportDiagnostic(pair.Left.ToDiagnostic(pair.Right)));
    }
}
