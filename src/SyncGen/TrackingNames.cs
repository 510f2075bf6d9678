namespace SyncGen.Generator;

/// <summary>
/// Names of the tracked pipeline steps. Every generator test finds them by reflection and checks each step: reused on a
/// second run, free of compiler objects.
/// </summary>
public static class TrackingNames
{
    /// <summary>The transform of each [IncrementalSync] class into a model plus diagnostics.</summary>
    public const string Parse = "SyncGen.Parse";

    /// <summary>Classes without errors, reduced to the model that drives emission.</summary>
    public const string Models = "SyncGen.Models";

    /// <summary>Diagnostics of every class, one per item.</summary>
    public const string Diagnostics = "SyncGen.Diagnostics";

    /// <summary>The SyncOptions defaults read from MSBuild properties (SyncGenMaxRetries, SyncGenMaxExpiriesPerCall).</summary>
    public const string MsBuildDefaults = "SyncGen.MsBuildDefaults";
}
