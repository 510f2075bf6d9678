using System.Linq;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Text;

namespace SyncGen.Generator.Diagnostics;

/// <summary>A source location reduced to values, so it can travel through the pipeline without a syntax tree.</summary>
/// <param name="FilePath">Path of the syntax tree.</param>
/// <param name="TextSpan">Span in the file.</param>
/// <param name="LineSpan">Line and column span in the file.</param>
public sealed record LocationInfo(string FilePath, TextSpan TextSpan, LinePositionSpan LineSpan)
{
    /// <summary>Captures <paramref name="location"/>.</summary>
    public static LocationInfo? From(Location? location) =>
        location is null || !location.IsInSource
            ? null
            : new LocationInfo(location.SourceTree?.FilePath ?? string.Empty, location.SourceSpan, location.GetLineSpan().Span);

    /// <summary>
    /// Rebuilds a location inside <paramref name="compilation"/>'s syntax tree of the same path, so that
    /// <c>#pragma warning disable</c> in that file applies; falls back to a path-only location.
    /// </summary>
    public Location ToLocation(Compilation? compilation)
    {
        var tree = compilation?.SyntaxTrees.FirstOrDefault(t => t.FilePath == FilePath);
        return tree is not null && TextSpan.End <= tree.Length
            ? Location.Create(tree, TextSpan)
            : Location.Create(FilePath, TextSpan, LineSpan);
    }
}
