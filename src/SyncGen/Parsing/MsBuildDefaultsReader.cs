using System.Collections.Generic;
using System.Globalization;
using Microsoft.CodeAnalysis.Diagnostics;
using SyncGen.Generator.Diagnostics;
using SyncGen.Generator.Model;

namespace SyncGen.Generator.Parsing;

/// <summary>
/// Reads the MSBuild properties that the package's build props make visible to the compiler
/// (<c>&lt;CompilerVisibleProperty Include="SyncGenMaxRetries" /&gt;</c> arrives as <c>build_property.SyncGenMaxRetries</c>).
/// </summary>
internal static class MsBuildDefaultsReader
{
    public const string MaxRetriesProperty = "SyncGenMaxRetries";
    public const string MaxExpiriesPerCallProperty = "SyncGenMaxExpiriesPerCall";

    public static MsBuildDefaults Read(AnalyzerConfigOptions options)
    {
        var diagnostics = new List<DiagnosticInfo>();
        var maxRetries = ReadInt(options, MaxRetriesProperty, minimum: 0, diagnostics);
        var maxExpiries = ReadInt(options, MaxExpiriesPerCallProperty, minimum: 1, diagnostics);
        return maxRetries is null && maxExpiries is null && diagnostics.Count == 0
            ? MsBuildDefaults.None
            : new MsBuildDefaults(maxRetries, maxExpiries, new EquatableArray<DiagnosticInfo>(diagnostics));
    }

    private static int? ReadInt(AnalyzerConfigOptions options, string property, int minimum, List<DiagnosticInfo> diagnostics)
    {
        if (!options.TryGetValue("build_property." + property, out var text) || string.IsNullOrWhiteSpace(text))
        {
            return null;
        }

        text = text.Trim();
        if (int.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var value) && value >= minimum)
        {
            return value;
        }

        diagnostics.Add(DiagnosticInfo.Create(
            DiagnosticDescriptors.InvalidMsBuildProperty,
            location: null,
            property,
            text,
            minimum.ToString(CultureInfo.InvariantCulture)));
        return null;
    }
}
