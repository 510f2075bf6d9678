using Microsoft.CodeAnalysis;

namespace SyncGen.Generator.Parsing;

/// <summary>
/// Everything the generator knows of Google.Apis and of the SyncGen.Google package, in one place: the rest of the
/// generator reads these facts, never Google's names.
/// </summary>
/// <remarks>
/// These facts are about Google.Apis' typed request classes, which only the generator sees: the dialects describe JSON
/// APIs read by <c>SyncHttpPageSource</c> and hold their own Google knowledge in the runtime.
/// </remarks>
internal static class GoogleApis
{
    /// <summary>SyncGen.Google's reader of <c>GoogleApiException</c>: present in the compilation when the project references the package.</summary>
    public const string ErrorReaderType = "SyncGen.Google.GoogleApiErrorReader";

    /// <summary>The reader generated code hands the engine, so the built-in classifier reads Google.Apis' errors.</summary>
    public const string ErrorReaderInstance = "global::" + ErrorReaderType + ".Instance";

    /// <summary>The package a project with a Google.Apis request needs, and what it reads.</summary>
    public const string PackageName = "SyncGen.Google";

    /// <summary>Request properties that Google refuses next to a sync token; cleared on incremental passes.</summary>
    /// <remarks>
    /// Google answers 400 <c>syncTokenWithRequestRestrictions</c> when they come with one. Google.Apis marks typed date
    /// properties obsolete and keeps the wire value in a "...Raw" string property, so each name is also tried with "Raw".
    /// </remarks>
    public static readonly string[] FullSyncOnlyFilters =
    {
        "TimeMin", "TimeMax", "Q", "OrderBy", "UpdatedMin", "ICalUID", "PrivateExtendedProperty",
        "SharedExtendedProperty", "MinAccessRole",
    };

    /// <summary><c>bool?</c> request properties Google refuses as false next to a sync token; cleared on incremental passes when false.</summary>
    public static readonly string[] RefusedFalseWithSyncToken = { "ShowDeleted", "ShowHidden" };

    /// <summary>Whether the project references SyncGen.Google.</summary>
    public static bool IsPackageReferenced(Compilation compilation) => compilation.GetTypeByMetadataName(ErrorReaderType) is not null;

    /// <summary>Whether <paramref name="type"/> or one of its base types is in a Google.Apis namespace.</summary>
    public static bool IsRequestType(ITypeSymbol? type)
    {
        for (var current = type as INamedTypeSymbol; current is not null; current = current.BaseType)
        {
            var ns = current.ContainingNamespace?.ToDisplayString() ?? string.Empty;
            if (ns == "Google.Apis" || ns.StartsWith("Google.Apis.", System.StringComparison.Ordinal))
            {
                return true;
            }
        }

        return false;
    }
}
