using System;
using System.IO;
using System.Linq;
using System.Xml.Linq;
using NUnit.Framework;
using SyncGen.Packaging.Tests.Infrastructure;

namespace SyncGen.Packaging.Tests.Packages;

/// <summary>
/// The CalendarSync sample, copied out of the repository with its project references replaced by the packed
/// SyncGen, SyncGen.Google, SyncGen.Sqlite and SyncGen.Testing packages, builds: the packages are enough for a
/// Google.Apis application with a SQLite store.
/// </summary>
public class SampleFromPackagesTests
{
    [Test]
    public void CalendarSync_builds_from_the_packages()
    {
        var root = Path.Combine(PackedPackages.WorkDirectory, "sample");
        var directory = Path.Combine(root, "CalendarSync");
        CopySources(RepositoryPaths.SampleDirectory, directory);

        // The repository's central versions, plus the packed version of SyncGen's own packages.
        PackedPackages.IsolateFolder(root, "<Project><PropertyGroup><ManagePackageVersionsCentrally>true</ManagePackageVersionsCentrally><Nullable>enable</Nullable></PropertyGroup></Project>\n");
        var central = XDocument.Load(Path.Combine(RepositoryPaths.Root, "Directory.Packages.props"));
        var versions = central.Root!.Elements("ItemGroup").First();
        foreach (var (id, _) in PackedPackages.Shipped)
        {
            versions.Add(new XElement("PackageVersion", new XAttribute("Include", id), new XAttribute("Version", PackedPackages.Version)));
        }

        central.Save(Path.Combine(root, "Directory.Packages.props"));

        var projectFile = Path.Combine(directory, "CalendarSync.csproj");
        var project = XDocument.Load(projectFile);
        var references = project.Descendants("ProjectReference").ToList();
        var referenced = references.Select(r => Path.GetFileNameWithoutExtension(((string)r.Attribute("Include")!).Replace('\\', '/'))).ToList();
        Assert.That(referenced, Is.EquivalentTo(new[] { "SyncGen.Runtime", "SyncGen.Google", "SyncGen.Sqlite", "SyncGen.Testing", "SyncGen" }),
            "the sample uses the core, both integrations, the kit (its demo server) and the generator");
        var group = references[0].Parent!;
        references.ForEach(r => r.Remove());
        foreach (var id in new[] { "SyncGen", "SyncGen.Google", "SyncGen.Sqlite", "SyncGen.Testing" })
        {
            group.Add(new XElement("PackageReference", new XAttribute("Include", id)));
        }

        project.Save(projectFile);

        var build = DotNet.Run(directory, "build", "-nodeReuse:false");
        TestContext.Out.WriteLine($"Sample restore + build from packages: {build.Elapsed.TotalSeconds:F1} s");
        Assert.That(build.ExitCode, Is.Zero, build.ToString());
        Assert.That(build.Output, Does.Not.Contain("SYNCGEN"), "the generator ran without complaint");
        var packages = DependencyClosure.Packages(directory);
        Assert.That(packages, Does.Contain("SyncGen.Google/" + PackedPackages.Version).And.Contain("SyncGen.Sqlite/" + PackedPackages.Version));

        // The demo: a full sync into a SQLite file, incremental syncs, then a 410 that only SyncGen.Google's reading of
        // GoogleApiException turns into a recovering full sync.
        var demo = DotNet.Run(directory, Path.Combine(directory, "bin", "Debug", "net10.0", "CalendarSync.dll"));
        Assert.That(demo.ExitCode, Is.Zero, demo.ToString());
        Assert.That(demo.Output, Does.Contain("recovered from 1 expired token(s)").And.Contain("Done: every step left the mirror equal to the server."));
    }

    private static void CopySources(string from, string to)
    {
        foreach (var file in Directory.GetFiles(from, "*", SearchOption.AllDirectories))
        {
            var relative = Path.GetRelativePath(from, file);
            var top = relative.Split(Path.DirectorySeparatorChar)[0];
            if (top is "bin" or "obj")
            {
                continue;
            }

            var target = Path.Combine(to, relative);
            Directory.CreateDirectory(Path.GetDirectoryName(target)!);
            File.Copy(file, target);
        }
    }
}
