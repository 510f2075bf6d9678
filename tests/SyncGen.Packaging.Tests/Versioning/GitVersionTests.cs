using System;
using System.Diagnostics;
using System.IO;
using System.Text.Json;
using System.Text.RegularExpressions;
using NUnit.Framework;
using SyncGen.Packaging.Tests.Infrastructure;

namespace SyncGen.Packaging.Tests.Versioning;

/// <summary>
/// The shipped packages take their version from git (MinVer): a clone without tags, as CI's, builds
/// <c>0.1.0-alpha.0.HEIGHT</c>, and the next commit a higher one, so a rebuilt package never takes the place of an older
/// one under the same number in a user's NuGet cache.
/// </summary>
public sealed class GitVersionTests
{
    private static readonly Regex Untagged = new(@"^0\.1\.0-alpha\.0\.(?<height>[1-9][0-9]*)$");

    [Test]
    public void A_clone_without_tags_packs_a_prerelease_version_from_its_height_and_the_next_commit_a_higher_one()
    {
        var clone = Path.Combine(Path.GetTempPath(), "syncgen-version-" + Guid.NewGuid().ToString("N")[..8]);
        try
        {
            Git(Path.GetTempPath(), "clone", "--quiet", "--no-tags", RepositoryPaths.Root, clone);
            var (first, assembly) = Versions(clone);
            Git(clone, "-c", "user.name=SyncGen tests", "-c", "user.email=tests@syncgen.invalid", "commit", "--quiet", "--allow-empty", "-m", "next");
            var (second, _) = Versions(clone);

            Assert.That(first, Does.Match(Untagged.ToString()), "no tag: MinVer's prerelease of the minimum 0.1");
            Assert.That(second, Does.Match(Untagged.ToString()));
            Assert.That(Height(second), Is.EqualTo(Height(first) + 1), $"{first}, then {second} one commit later");
            Assert.That(assembly, Is.EqualTo("0.1.0.0"), "before 1.0 the assembly version carries the minor version too");
        }
        finally
        {
            if (Directory.Exists(clone))
            {
                Directory.Delete(clone, recursive: true);
            }
        }
    }

    private static int Height(string version) => int.Parse(Untagged.Match(version).Groups["height"].Value, System.Globalization.CultureInfo.InvariantCulture);

    /// <summary>The package and assembly versions the runtime project in <paramref name="root"/> packs with.</summary>
    private static (string Package, string Assembly) Versions(string root)
    {
        var result = DotNet.Run(root, "msbuild", Path.Combine("src", "SyncGen.Runtime", "SyncGen.Runtime.csproj"), "-restore", "-t:GetAssemblyVersion",
            "-getProperty:PackageVersion", "-getProperty:AssemblyVersion", "-nodeReuse:false");
        Assert.That(result.ExitCode, Is.Zero, result.ToString());
        using var json = JsonDocument.Parse(result.Output[result.Output.IndexOf('{', StringComparison.Ordinal)..]);
        var properties = json.RootElement.GetProperty("Properties");
        return (properties.GetProperty("PackageVersion").GetString()!, properties.GetProperty("AssemblyVersion").GetString()!);
    }

    private static void Git(string workingDirectory, params string[] arguments)
    {
        var info = new ProcessStartInfo("git") { WorkingDirectory = workingDirectory, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var argument in arguments)
        {
            info.ArgumentList.Add(argument);
        }

        using var process = Process.Start(info)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEnd();
        process.WaitForExit();
        Assert.That(process.ExitCode, Is.Zero, $"git {string.Join(' ', arguments)}: {output.Result}{error}");
    }
}
