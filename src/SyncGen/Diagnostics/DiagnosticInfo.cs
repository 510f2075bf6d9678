using System.Linq;
using Microsoft.CodeAnalysis;
using SyncGen.Generator.Model;

namespace SyncGen.Generator.Diagnostics;

/// <summary>A diagnostic reduced to values: the descriptor id, the message arguments and the location.</summary>
/// <param name="Id">The descriptor id, e.g. <c>SYNCGEN001</c>.</param>
/// <param name="MessageArgs">The message format arguments.</param>
/// <param name="Location">Where to report it, or <c>null</c> for no location.</param>
public sealed record DiagnosticInfo(string Id, EquatableArray<string> MessageArgs, LocationInfo? Location)
{
    /// <summary>Creates a diagnostic description.</summary>
    public static DiagnosticInfo Create(DiagnosticDescriptor descriptor, Location? location, params string[] messageArgs) =>
        new(descriptor.Id, new EquatableArray<string>(messageArgs), LocationInfo.From(location));

    /// <summary>Builds the Roslyn diagnostic, placing it in <paramref name="compilation"/>'s tree when found.</summary>
    public Diagnostic ToDiagnostic(Compilation? compilation) =>
        Diagnostic.Create(
            DiagnosticDescriptors.ById(Id),
            Location?.ToLocation(compilation) ?? Microsoft.CodeAnalysis.Location.None,
            MessageArgs.Cast<object>().ToArray());
}
