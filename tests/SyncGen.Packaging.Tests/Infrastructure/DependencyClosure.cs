using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Text.Json;

namespace SyncGen.Packaging.Tests.Infrastructure;

/// <summary>What a restored and built project pulls in: its packages (from NuGet's assets file) and its bin folder.</summary>
internal static class DependencyClosure
{
    /// <summary>Every package of the restore graph as <c>Id/Version</c>, sorted.</summary>
    public static IReadOnlyList<string> Packages(string projectDirectory)
    {
        using var assets = JsonDocument.Parse(File.ReadAllText(Path.Combine(projectDirectory, "obj", "project.assets.json")));
        return assets.RootElement.GetProperty("libraries").EnumerateObject()
            .Where(library => library.Value.GetProperty("type").GetString() == "package")
            .Select(library => library.Name)
            .Order(System.StringComparer.OrdinalIgnoreCase)
            .ToList();
    }

    /// <summary>Files and bytes of the Debug output folder.</summary>
    public static (int Files, long Bytes) BinFolder(string projectDirectory)
    {
        var files = new DirectoryInfo(Path.Combine(projectDirectory, "bin")).GetFiles("*", SearchOption.AllDirectories);
        return (files.Length, files.Sum(f => f.Length));
    }
}
