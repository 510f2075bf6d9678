using System;
using System.IO;
using System.Linq;
using NUnit.Framework;
using SyncGen.Packaging.Tests.Infrastructure;

namespace SyncGen.Packaging.Tests.Packages;

/// <summary>
/// Packs the shipped packages once for every test in this namespace: into a temporary folder feed, with a unique
/// prerelease version (MinVer's override, since MinVer sets the package version from git) so that the machine's NuGet
/// cache can never serve a stale copy, and with separate build output (<c>--artifacts-path</c>) so that the source
/// tree's bin/obj stay untouched.
/// </summary>
[SetUpFixture]
public sealed class PackedPackages
{
    /// <summary>Every package the repository ships, by id, with its project.</summary>
    public static readonly (string Id, string Project)[] Shipped =
    {
        ("SyncGen", RepositoryPaths.RuntimeProject),
        ("SyncGen.Google", RepositoryPaths.GoogleProject),
        ("SyncGen.Sqlite", RepositoryPaths.SqliteProject),
        ("SyncGen.Testing", RepositoryPaths.TestingProject),
        // The worker's stack: the webhook package needs the other two in the feed to be installable.
        ("SyncGen.PostgreSql", RepositoryPaths.PostgreSqlProject),
        ("SyncGen.Hosting", RepositoryPaths.HostingProject),
        ("SyncGen.AspNetCore", RepositoryPaths.AspNetCoreProject),
    };

    /// <summary>The temporary folder holding the feed, the build output and the consumer projects.</summary>
    public static string WorkDirectory { get; private set; } = string.Empty;

    /// <summary>The local folder feed with the freshly packed .nupkg files.</summary>
    public static string Feed { get; private set; } = string.Empty;

    /// <summary>The version every package of this run was packed with.</summary>
    public static string Version { get; private set; } = string.Empty;

    /// <summary>The SyncGen package (generator + runtime).</summary>
    public static string SyncGenPackage => PathOf("SyncGen");

    /// <summary>The .nupkg of package <paramref name="id"/> packed by this run.</summary>
    public static string PathOf(string id) => Path.Combine(Feed, $"{id}.{Version}.nupkg");

    [OneTimeSetUp]
    public void Pack()
    {
        WorkDirectory = Path.Combine(Path.GetTempPath(), "syncgen-packaging-" + Guid.NewGuid().ToString("N")[..8]);
        Feed = Path.Combine(WorkDirectory, "feed");
        Directory.CreateDirectory(Feed);
        Version = "0.0.0-test.t" + Guid.NewGuid().ToString("N")[..12];

        // One `dotnet pack` over a solution filter of the shipped projects: one restore and one build of the shared
        // projects instead of one per package.
        var filter = Path.Combine(WorkDirectory, "shipped.slnf");
        var projects = string.Join(",\n", Shipped.Select(p => "      \"" + Path.GetRelativePath(RepositoryPaths.Root, p.Project).Replace("\\", "\\\\") + "\""));
        File.WriteAllText(filter, $$"""
            {
              "solution": {
                "path": "{{Path.Combine(RepositoryPaths.Root, "SyncGen.sln").Replace("\\", "\\\\")}}",
                "projects": [
            {{projects}}
                ]
              }
            }
            """);
        var pack = DotNet.Run(RepositoryPaths.Root, "pack", filter, "-c", "Release", "-o", Feed, "-p:MinVerVersionOverride=" + Version,
            "--artifacts-path", Path.Combine(WorkDirectory, "artifacts"), "-nodeReuse:false");
        Assert.That(pack.ExitCode, Is.Zero, pack.ToString());
        TestContext.Progress.WriteLine($"Packed {Shipped.Length} packages {Version} in {pack.Elapsed.TotalSeconds:F1} s.");
        foreach (var (id, _) in Shipped)
        {
            Assert.That(File.Exists(PathOf(id)), Is.True, $"{PathOf(id)} was not created:\n{pack}");
        }
    }

    [OneTimeTearDown]
    public void CleanUp()
    {
        // The unique version would otherwise stay in the NuGet cache forever.
        var cache = Environment.GetEnvironmentVariable("NUGET_PACKAGES")
            ?? Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".nuget", "packages");
        foreach (var (id, _) in Shipped)
        {
            TryDelete(Path.Combine(cache, id.ToLowerInvariant(), Version.ToLowerInvariant()));
        }

        TryDelete(WorkDirectory);
    }

    /// <summary>
    /// Writes the files that cut a temporary folder off from the repository and the machine: empty Directory.Build
    /// files (nothing above is read) and a nuget.config with the local feed first.
    /// </summary>
    public static void IsolateFolder(string root, string directoryBuildProps = "<Project />\n")
    {
        Directory.CreateDirectory(root);
        File.WriteAllText(Path.Combine(root, "Directory.Build.props"), directoryBuildProps);
        File.WriteAllText(Path.Combine(root, "Directory.Build.targets"), "<Project />\n");
        File.WriteAllText(Path.Combine(root, "nuget.config"), $"""
            <?xml version="1.0" encoding="utf-8"?>
            <configuration>
              <packageSources>
                <clear />
                <add key="syncgen-local" value="{Feed}" />
                <add key="nuget.org" value="https://api.nuget.org/v3/index.json" protocolVersion="3" />
              </packageSources>
            </configuration>
            """);
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
