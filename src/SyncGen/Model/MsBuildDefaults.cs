using SyncGen.Generator.Diagnostics;

namespace SyncGen.Generator.Model;

/// <summary>
/// The <c>SyncOptions</c> defaults a project sets through MSBuild properties (<c>SyncGenMaxRetries</c>,
/// <c>SyncGenMaxExpiriesPerCall</c>), applied to every class that has no <c>SyncOptions</c> member of its own.
/// </summary>
/// <param name="MaxRetries">Value of <c>SyncRetryOptions.MaxRetries</c>, or <c>null</c> when not set (or invalid).</param>
/// <param name="MaxExpiriesPerCall">Value of <c>SyncOptions.MaxExpiriesPerCall</c>, or <c>null</c> when not set (or invalid).</param>
/// <param name="Diagnostics">SYNCGEN012 for each property with an invalid value.</param>
public sealed record MsBuildDefaults(int? MaxRetries, int? MaxExpiriesPerCall, EquatableArray<DiagnosticInfo> Diagnostics)
{
    /// <summary>No property set.</summary>
    public static MsBuildDefaults None { get; } = new(null, null, EquatableArray<DiagnosticInfo>.Empty);

    /// <summary>Whether any default is set.</summary>
    public bool IsEmpty => MaxRetries is null && MaxExpiriesPerCall is null;
}
