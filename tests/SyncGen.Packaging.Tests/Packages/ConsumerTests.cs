using System;
using System.IO;
using System.Linq;
using System.Xml.Linq;
using NUnit.Framework;
using SyncGen.Packaging.Tests.Infrastructure;

namespace SyncGen.Packaging.Tests.Packages;

/// <summary>
/// End to end: a new console project adds the packed SyncGen with `dotnet add package`, builds, and runs a sync over
/// an in-process change log; a broken one fails the build with SyncGen's diagnostics; the compiler floor guard fires.
/// </summary>
public class ConsumerTests
{
    private const string DefaultsProperties = "<SyncGenMaxRetries>2</SyncGenMaxRetries><SyncGenMaxExpiriesPerCall>4</SyncGenMaxExpiriesPerCall>";

    private ConsumerProject _consumer = null!;
    private DotNetResult _add = null!;
    private DotNetResult _build = null!;

    [OneTimeSetUp]
    public void CreateAndBuild()
    {
        _consumer = ConsumerProject.Create(Path.Combine(PackedPackages.WorkDirectory, "consumer"), partial: true, DefaultsProperties, withPackageReference: false);

        // The README's install command, against the local feed.
        _add = _consumer.Run("add", ConsumerProject.ProjectName + ".csproj", "package", "SyncGen", "--version", PackedPackages.Version);
        Assert.That(_add.ExitCode, Is.Zero, _add.ToString());

        _build = _consumer.Run("build", "--no-restore", "-nodeReuse:false");
        TestContext.Out.WriteLine($"Consumer restore (dotnet add package): {_add.Elapsed.TotalSeconds:F1} s; consumer build: {_build.Elapsed.TotalSeconds:F1} s");
        TestContext.Progress.WriteLine($"Consumer build time: {_build.Elapsed.TotalSeconds:F1} s (restore {_add.Elapsed.TotalSeconds:F1} s)");
    }

    [Test]
    public void Dotnet_add_package_references_the_packed_version_only()
    {
        var project = XDocument.Load(_consumer.ProjectFile);
        var references = project.Descendants("PackageReference").Select(e => ((string?)e.Attribute("Include"), (string?)e.Attribute("Version"))).ToList();
        Assert.That(references, Is.EqualTo(new[] { ("SyncGen", PackedPackages.Version) }));
        Assert.That(project.Descendants("ProjectReference"), Is.Empty);
    }

    [Test]
    public void Consumer_builds_and_its_generated_sync_mirrors_the_change_log()
    {
        TestContext.Out.WriteLine($"Consumer build time: {_build.Elapsed.TotalSeconds:F1} s");
        Assert.That(_build.ExitCode, Is.Zero, _build.ToString());
        Assert.That(_build.Output, Does.Not.Contain("CS9057").And.Not.Contain("warning CS8032"), "the generator loads in this compiler");
        Assert.That(_build.Output, Does.Contain(" 0 Warning(s)"), "a consumer of the package gets a clean build (no double import of build/ and buildTransitive/, no NuGet warnings)");

        var dll = Path.Combine(_consumer.Directory, "bin", "Debug", "net10.0", ConsumerProject.ProjectName + ".dll");
        var run = DotNet.Run(_consumer.Directory, dll);
        Assert.That(run.ExitCode, Is.Zero, run.ToString());
        var lines = run.Output.Replace("\r\n", "\n").Trim().Split('\n');
        Assert.That(lines, Is.EqualTo(new[]
        {
            "first: Full pages=2 upserts=3 deletes=0 token=v3",
            "second: Incremental pages=1 upserts=1 deletes=1 token=v5",
            "store: items=3 keys=n1,n3,n4 token=v5",
        }));
    }

    [Test]
    public void A_fetch_method_consumer_gets_neither_Google_Apis_nor_Newtonsoft_nor_SQLite()
    {
        Assert.That(_build.ExitCode, Is.Zero, _build.ToString());
        var packages = DependencyClosure.Packages(_consumer.Directory);
        var bin = DependencyClosure.BinFolder(_consumer.Directory);
        TestContext.Out.WriteLine($"Closure of a fetch-method consumer: {packages.Count} packages ({string.Join(", ", packages)}); bin folder {bin.Files} files, {bin.Bytes:N0} bytes");

        Assert.That(packages, Has.None.StartsWith("Google.Apis").And.None.StartsWith("Newtonsoft.Json").And.None.StartsWith("SQLitePCLRaw")
            .And.None.StartsWith("Microsoft.Data.Sqlite").And.None.StartsWith("SourceGear.sqlite3"));
        Assert.That(packages, Does.Contain("SyncGen/" + PackedPackages.Version).And.Contain("Polly.Core/8.9.1"));
        Assert.That(Directory.GetFiles(Path.Combine(_consumer.Directory, "bin"), "*", SearchOption.AllDirectories).Select(Path.GetFileName),
            Has.None.StartsWith("Google.").And.None.StartsWith("Newtonsoft.").And.None.StartsWith("SQLitePCL").And.None.Contains("e_sqlite3"));
    }

    [Test]
    public void MSBuild_properties_become_the_SyncOptions_of_the_generated_code()
    {
        Assert.That(_build.ExitCode, Is.Zero, _build.ToString());
        var generated = Directory.GetFiles(Path.Combine(_consumer.Directory, "obj"), "NotesConsumer.NotesRepository.SyncGen.g.cs", SearchOption.AllDirectories);
        Assert.That(generated, Has.Length.EqualTo(1), "EmitCompilerGeneratedFiles wrote the generated source once");
        Assert.That(File.ReadAllText(generated[0]), Does.Contain(
            "options: new global::SyncGen.SyncOptions { MaxExpiriesPerCall = 4, Retry = new global::SyncGen.SyncRetryOptions { MaxRetries = 2 } }"));
    }

    [TestCase("-p:CompilerApiVersion=roslyn4.7", "Roslyn 4.7 with MSBuild")]
    [TestCase("-p:SyncGenCompilerVersion=4.4.0", "Roslyn 4.4.0 with MSBuild")]
    public void Compiler_guard_fails_on_a_compiler_older_than_Roslyn_4_8(string property, string reported)
    {
        var result = _consumer.Run("msbuild", "-t:SyncGenCheckCompilerVersion", property, "-nodeReuse:false");
        Assert.That(result.ExitCode, Is.Not.Zero, result.ToString());
        Assert.That(result.Output, Does.Contain("error SYNCGEN900: SyncGen needs C# compiler (Roslyn) 4.8 or newer (Visual Studio 2022 17.8 / .NET SDK 8.0.100); this build uses " + reported));
    }

    [TestCase("-p:CompilerApiVersion=roslyn4.8")]
    [TestCase("-p:SyncGenCompilerVersion=4.12.0")]
    [TestCase("-p:Unrelated=1")]
    public void Compiler_guard_passes_on_Roslyn_4_8_and_on_this_SDK(string property)
    {
        var result = _consumer.Run("msbuild", "-t:SyncGenCheckCompilerVersion", property, "-v:detailed", "-nodeReuse:false");
        Assert.That(result.ExitCode, Is.Zero, result.ToString());
        Assert.That(result.Output, Does.Contain("SyncGen: compiler check passed (Roslyn ").And.Not.Contain("SYNCGEN900"));
    }

    [Test]
    public void Compiler_guard_stops_a_real_build_before_the_compiler_runs()
    {
        var result = _consumer.Run("build", "--no-restore", "-p:CompilerApiVersion=roslyn4.3", "-nodeReuse:false");
        Assert.That(result.ExitCode, Is.Not.Zero, result.ToString());
        Assert.That(result.Output, Does.Contain("error SYNCGEN900").And.Contain("this build uses Roslyn 4.3"));
    }

    [Test]
    public void Broken_consumer_fails_the_build_with_SyncGen_diagnostics()
    {
        var broken = ConsumerProject.Create(Path.Combine(PackedPackages.WorkDirectory, "broken"), partial: false, "<SyncGenMaxRetries>lots</SyncGenMaxRetries>");
        var result = broken.Run("build", "-nodeReuse:false");
        TestContext.Out.WriteLine($"Broken consumer restore + build: {result.Elapsed.TotalSeconds:F1} s");

        Assert.That(result.ExitCode, Is.Not.Zero, result.ToString());
        Assert.That(result.Output, Does.Match(@"NotesRepository\.cs\(\d+,\d+\): error SYNCGEN001: Class 'NotesRepository' is marked \[IncrementalSync\] but is not partial"));
        Assert.That(result.Output, Does.Contain("error SYNCGEN012: MSBuild property 'SyncGenMaxRetries' is 'lots'"));
    }
}
