using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
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
                // A record (record class) is a class; a record struct is not, and the attribute does not apply to it.
                predicate: static (node, _) => node is ClassDeclarationSyntax or RecordDeclarationSyntax { ClassOrStructKeyword.RawKind: not (int)SyntaxKind.StructKeyword },
                transform: SyncClassParser.Parse)
            .WithTrackingName(TrackingNames.Parse);

        var models = results
            .Where(static result => result.Model is not null)
            .Select(static (result, _) => result.Model!)
            .WithTrackingName(TrackingNames.Models);

        // Project-wide SyncOptions defaults from MSBuild properties; a value record, so it only re-emits when they change.
        var defaults = context.AnalyzerConfigOptionsProvider
            .Select(static (provider, _) => MsBuildDefaultsReader.Read(provider.GlobalOptions))
            .WithTrackingName(TrackingNames.MsBuildDefaults);

        context.RegisterSourceOutput(models.Combine(defaults), static (output, pair) =>
        {
            output.CancellationToken.ThrowIfCancellationRequested();
            output.AddSource(pair.Left.HintName, SyncClassEmitter.Emit(pair.Left, pair.Right));
        });

        // An invalid property is reported once per project, without a source location.
        context.RegisterSourceOutput(defaults, static (output, value) =>
        {
            foreach (var diagnostic in value.Diagnostics)
            {
                output.ReportDiagnostic(diagnostic.ToDiagnostic(null));
            }
        });

        var diagnostics = results
            .SelectMany(static (result, _) => result.Diagnostics)
            .WithTrackingName(TrackingNames.Diagnostics);

        // The compilation is joined only here, after caching, to find the syntax tree each location belongs to.
        context.RegisterSourceOutput(diagnostics.Combine(context.CompilationProvider), static (output, pair) =>
            output.ReportDiagnostic(pair.Left.ToDiagnostic(pair.Right)));
    }
}
