using System;
using System.Collections.Generic;
using System.IO;
using System.IO.Compression;
using System.Linq;
using System.Xml.Linq;

namespace SyncGen.Packaging.Tests.Infrastructure;

/// <summary>One dependency of a nuspec.</summary>
/// <param name="TargetFramework">The dependency group's framework, e.g. <c>net8.0</c>.</param>
/// <param name="Id">The package id.</param>
/// <param name="Version">The version range as written.</param>
internal sealed record NuspecDependency(string TargetFramework, string Id, string Version);

/// <summary>A .nupkg opened as a zip: its file list and its nuspec.</summary>
internal sealed class NuPackage
{
    private NuPackage(string path, IReadOnlyList<string> files, XElement metadata)
    {
        Path = path;
        Files = files;
        Metadata = metadata;
    }

    public string Path { get; }

    /// <summary>Every file of the package, '/'-separated, without the OPC plumbing.</summary>
    public IReadOnlyList<string> Files { get; }

    /// <summary>The nuspec's metadata element.</summary>
    public XElement Metadata { get; }

    public IEnumerable<NuspecDependency> Dependencies =>
        Element(Metadata, "dependencies")?.Elements().Where(e => e.Name.LocalName == "group")
            .SelectMany(g => g.Elements().Select(d => new NuspecDependency(
                (string?)g.Attribute("targetFramework") ?? string.Empty,
                (string?)d.Attribute("id") ?? string.Empty,
                (string?)d.Attribute("version") ?? string.Empty)))
        ?? Enumerable.Empty<NuspecDependency>();

    public static NuPackage Open(string path)
    {
        using var zip = ZipFile.OpenRead(path);
        var files = zip.Entries.Select(e => e.FullName)
            .Where(name => !name.StartsWith("_rels/", StringComparison.Ordinal) && !name.StartsWith("package/", StringComparison.Ordinal)
                && name != "[Content_Types].xml")
            .OrderBy(name => name, StringComparer.Ordinal)
            .ToList();
        var nuspec = zip.Entries.Single(e => !e.FullName.Contains('/') && e.FullName.EndsWith(".nuspec", StringComparison.OrdinalIgnoreCase));
        using var stream = nuspec.Open();
        var metadata = Element(XDocument.Load(stream).Root!, "metadata")!;
        return new NuPackage(path, files, metadata);
    }

    /// <summary>The text of a metadata element, e.g. <c>id</c>, or <c>null</c>.</summary>
    public string? Get(string name) => Element(Metadata, name)?.Value;

    public XElement? GetElement(string name) => Element(Metadata, name);

    /// <summary>Extracts one file of the package into memory.</summary>
    public byte[] Read(string file)
    {
        using var zip = ZipFile.OpenRead(Path);
        using var stream = zip.GetEntry(file)?.Open() ?? throw new FileNotFoundException(file + " is not in " + Path);
        using var copy = new MemoryStream();
        stream.CopyTo(copy);
        return copy.ToArray();
    }

    private static XElement? Element(XElement parent, string localName) =>
        parent.Elements().FirstOrDefault(e => e.Name.LocalName == localName);
}
