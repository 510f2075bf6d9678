using System;
using System.IO;
using System.Linq;
using System.Text.RegularExpressions;
using System.Xml.Linq;
using NUnit.Framework;
using SyncGen.Packaging.Tests.Infrastructure;

namespace SyncGen.Packaging.Tests.Packages;

/// <summary>
/// Packs the shipped packages once for every test in this namespace: into a temporary folder feed, with a unique
/// prerelease version so that the machine's NuGet cache can never serve a stale copy, and with separate build output
/// (<c>--artifacts-path</c>) so that the source tree's bin/obj stay untouched.
/// </summary>
[SetUpFixture]
public sealed class PackedPackages
{
    /// <summary>The temporary folder holding the feed, the build output and the consumer projects.</summary>
    public static string WorkDirectory { get; private set; } = string.Empty;

    /// <summary>The local folder feed with the freshly packed .nupkg files.</summary>
    public static string Feed { get; private set; } = string.Empty;

    /// <summary>The version every package of this run was packed with.</summary>
    public static string Version { get; private set; } = string.Empty;

    /// <summary>The SyncGen package (generator + runtime).</summary>
    public static string SyncGenPackage { get; private set; } = string.Empty;

    /// <summary>The SyncGen.Testing package, or <c>null</c> with <see cref="TestingNotPackedReason"/> when not packable yet.</summary>
    public static string? TestingPackage { get; private set; }

    /// <summary>Why SyncGen.Testing was not packed.</summary>
    public static string TestingNotPackedReason { get; private set; } = string.Empty;

    [OneTimeSetUp]
    public void Pack()
    {
        WorkDirectory = Path.Combine(Path.GetTempPath(), "syncgen-packaging-" + Guid.NewGuid().ToString("N")[..8]);
        Feed = Path.Combine(WorkDirectory, "feed");
        Directory.CreateDirectory(Feed);
        Version = BaseVersion() + "-test.t" + Guid.NewGuid().ToString("N")[..12];
        var artifacts = Path.Combine(WorkDirectory, "artifacts");

        var pack = PackProject(RepositoryPaths.RuntimeProject, artifacts);
        Assert.That(pack.ExitCode, Is.Zero, pack.ToString());
        TestContext.Progress.WriteLine($"Packed SyncGen {Version} in {pack.Elapsed.TotalSeconds:F1} s.");
        SyncGenPackage = Path.Combine(Feed, $"SyncGen.{Version}.nupkg");
        Assert.That(File.Exists(SyncGenPackage), Is.True, $"{SyncGenPackage} was not created:\n{pack}");

        TestingNotPackedReason = WhyTestingIsNotPackable();
        if (TestingNotPackedReason.Length == 0)
        {
            var testing = PackProject(RepositoryPaths.TestingProject, artifacts);
            var path = Path.Combine(Feed, $"SyncGen.Testing.{Version}.nupkg");
            if (testing.ExitCode == 0 && File.Exists(path))
            {
                TestingPackage = path;
            }
            else
            {
                TestingNotPackedReason = "dotnet pack of src/SyncGen.Testing failed: " + testing;
            }
        }
    }

    [OneTimeTearDown]
    public void CleanUp()
    {
        // The unique version would otherwise stay in the NuGet cache forever.
        var cache = Environment.GetEnvironmentVariable("NUGET_PACKAGES")
            ?? Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".nuget", "packages");
        foreach (var id in new[] { "syncgen", "syncgen.testing" })
        {
            TryDelete(Path.Combine(cache, id, Version.ToLowerInvariant()));
        }

        TryDelete(WorkDirectory);
    }

    private static DotNetResult PackProject(string project, string artifacts) =>
        DotNet.Run(RepositoryPaths.Root, "pack", project, "-c", "Release", "-o", Feed, "-p:Version=" + Version,
            "--artifacts-path", artifacts, "-nodeReuse:false");

    /// <summary>The version in the root Directory.Build.props, the base of the unique prerelease version.</summary>
    private static string BaseVersion()
    {
        var props = XDocument.Load(Path.Combine(RepositoryPaths.Root, "Directory.Build.props"));
        var version = props.Descendants("Version").Select(e => e.Value.Trim()).FirstOrDefault() ?? "0.1.0";
        return Regex.Replace(version, "-.*$", string.Empty);
    }

    /// <summary>
    /// SyncGen.Testing is being written separately; it is packable once it is not opted out and it references the
    /// runtime project (so that its package depends on SyncGen). Empty when packable.
    /// </summary>
    private static string WhyTestingIsNotPackable()
    {
        if (!File.Exists(RepositoryPaths.TestingProject))
        {
            return "src/SyncGen.Testing/SyncGen.Testing.csproj does not exist";
        }

        var project = XDocument.Load(RepositoryPaths.TestingProject);
        if (project.Descendants("IsPackable").Any(e => e.Value.Trim().Equals("false", StringComparison.OrdinalIgnoreCase)))
        {
            return "SyncGen.Testing.csproj sets IsPackable=false";
        }

        var referencesRuntime = project.Descendants("ProjectReference")
            .Any(e => ((string?)e.Attribute("Include") ?? string.Empty).Replace('\\', '/').EndsWith("SyncGen.Runtime/SyncGen.Runtime.csproj", StringComparison.OrdinalIgnoreCase));
        return referencesRuntime ? string.Empty : "SyncGen.Testing.csproj has no ProjectReference to SyncGen.Runtime yet, so its package would not depend on SyncGen";
    }

    private static void TryDelete(string path)
    {
        try
        {
            if (path.Length > 0 && Directory.Exists(path))
            {
                Directory.Delete(path, recursive: true);
            }
        }
        catch (IOException)
        {
            // A leftover temp folder is harmless.
        }
        catch (UnauthorizedAccessException)
        {
        }
    }
}
