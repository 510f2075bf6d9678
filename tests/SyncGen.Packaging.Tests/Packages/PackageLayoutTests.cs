using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Reflection.Metadata;
using System.Reflection.PortableExecutable;
using System.Xml.Linq;
using NUnit.Framework;
using SyncGen.Packaging.Tests.Infrastructure;

namespace SyncGen.Packaging.Tests.Packages;

/// <summary>Opens the packed .nupkg files and checks what a consumer gets from them.</summary>
public class PackageLayoutTests
{
    private const string GeneratorPath = "analyzers/dotnet/cs/SyncGen.dll";
    private const string RuntimePath = "lib/net8.0/SyncGen.Runtime.dll";

    private static NuPackage SyncGen => NuPackage.Open(PackedPackages.SyncGenPackage);

    [Test]
    public void SyncGen_package_holds_the_generator_the_runtime_its_docs_readme_and_build_files()
    {
        var files = SyncGen.Files;
        TestContext.Out.WriteLine("SyncGen " + PackedPackages.Version + ":\n  " + string.Join("\n  ", files));

        Assert.That(files, Is.SupersetOf(new[]
        {
            GeneratorPath,
            RuntimePath,
            "lib/net8.0/SyncGen.Runtime.xml",
            "README.md",
            "build/SyncGen.props",
            "build/SyncGen.targets",
            "buildTransitive/SyncGen.props",
            "buildTransitive/SyncGen.targets",
        }));
        Assert.That(files.Where(f => f.StartsWith("analyzers/", StringComparison.Ordinal)), Is.EqualTo(new[] { GeneratorPath }),
            "only the generator is an analyzer; Roslyn itself comes with the compiler");
        Assert.That(files.Where(f => f.StartsWith("lib/", StringComparison.Ordinal) && f.EndsWith(".dll", StringComparison.Ordinal)), Is.EqualTo(new[] { RuntimePath }),
            "the generator must not be a compile reference of the consumer");
        Assert.That(files.Where(f => f.Contains("Microsoft.CodeAnalysis", StringComparison.OrdinalIgnoreCase)), Is.Empty);
    }

    [Test]
    public void SyncGen_nuspec_has_the_metadata_a_gallery_shows()
    {
        var package = SyncGen;
        Assert.That(package.Get("id"), Is.EqualTo("SyncGen"));
        Assert.That(package.Get("version"), Is.EqualTo(PackedPackages.Version));
        Assert.That(package.GetElement("license")?.Attribute("type")?.Value, Is.EqualTo("expression"));
        Assert.That(package.Get("license"), Is.EqualTo("MIT"));
        Assert.That(package.Get("readme"), Is.EqualTo("README.md"));
        Assert.That(package.Read("README.md"), Is.EqualTo(File.ReadAllBytes(Path.Combine(RepositoryPaths.Root, "README.md"))), "the repository README is the package readme");
        Assert.That(package.GetElement("repository")?.Attribute("url")?.Value, Is.EqualTo("https://github.com/syncgen/syncgen"));
        Assert.That(package.Get("projectUrl"), Is.EqualTo("https://github.com/syncgen/syncgen"));
        Assert.That(package.Get("description"), Does.Contain("[IncrementalSync]").And.Not.Contain("TODO"));
        Assert.That(package.Get("tags")?.Split(' '), Does.Contain("source-generator").And.Contain("sync"));
        Assert.That(package.Get("developmentDependency"), Is.Null.Or.EqualTo("false"), "the runtime is needed at run time, so the package must flow to consumers");
    }

    [Test]
    public void SyncGen_dependencies_are_exactly_the_runtime_package_references_without_Roslyn()
    {
        var dependencies = SyncGen.Dependencies.ToList();
        TestContext.Out.WriteLine(string.Join("\n", dependencies));

        Assert.That(dependencies.Select(d => d.TargetFramework).Distinct(), Is.EqualTo(new[] { "net8.0" }));
        Assert.That(dependencies.Select(d => (d.Id, d.Version)), Is.EquivalentTo(RuntimePackageReferences()),
            "every PackageReference of SyncGen.Runtime, at its central version");
        Assert.That(dependencies.Select(d => d.Id), Has.None.StartsWith("Microsoft.CodeAnalysis"), "Roslyn is PrivateAssets=all in the generator");
        Assert.That(dependencies.Select(d => d.Id), Has.None.EqualTo("SyncGen.Generator").And.None.EqualTo("SyncGen"));
        Assert.That(dependencies.Select(d => d.Id), Is.EquivalentTo(new[] { "Polly.Core", "Microsoft.Extensions.Logging.Abstractions" }),
            "the core package brings only what every user needs; Google.Apis and SQLite come with their own packages");
    }

    [Test]
    public void Generator_needs_nothing_at_generation_time_beyond_the_compiler_and_netstandard()
    {
        var generator = SyncGen.Read(GeneratorPath);
        using var pe = new PEReader(new MemoryStream(generator));
        var reader = pe.GetMetadataReader();
        var references = reader.AssemblyReferences.Select(h => reader.GetAssemblyReference(h))
            .Select(r => (Name: reader.GetString(r.Name), r.Version))
            .ToList();
        TestContext.Out.WriteLine(string.Join("\n", references));

        // What Roslyn 4.8 itself references (System.Collections.Immutable, System.Reflection.Metadata, ...) is loaded by
        // every 4.8+ compiler host, at that version or newer; anything else must ship beside the generator.
        var roslyn48 = typeof(Microsoft.CodeAnalysis.Compilation).Assembly.GetName();
        Assert.That(roslyn48.Version, Is.EqualTo(new Version(4, 8, 0, 0)), "the tests compare against the Roslyn 4.8 reference assembly");
        var compilerProvided = typeof(Microsoft.CodeAnalysis.Compilation).Assembly.GetReferencedAssemblies()
            .Concat(typeof(Microsoft.CodeAnalysis.CSharp.CSharpCompilation).Assembly.GetReferencedAssemblies())
            .GroupBy(a => a.Name!)
            .ToDictionary(g => g.Key, g => g.Max(a => a.Version)!);
        compilerProvided["Microsoft.CodeAnalysis"] = roslyn48.Version!;
        compilerProvided["Microsoft.CodeAnalysis.CSharp"] = roslyn48.Version!;
        var beside = SyncGen.Files.Where(f => f.StartsWith("analyzers/dotnet/cs/", StringComparison.Ordinal)).Select(Path.GetFileNameWithoutExtension).ToList();
        Assert.That(
            references.Where(r => r.Name != "netstandard" && !beside.Contains(r.Name)
                && !(compilerProvided.TryGetValue(r.Name, out var provided) && r.Version <= provided)).Select(r => $"{r.Name} {r.Version}"),
            Is.Empty,
            "an assembly the generator loads must come with a Roslyn 4.8 compiler or ship beside it");
        var roslyn = references.Single(r => r.Name == "Microsoft.CodeAnalysis");
        Assert.That(roslyn.Version, Is.LessThanOrEqualTo(new Version(4, 8, 0, 0)),
            "a newer Roslyn reference makes the generator vanish on SDK 8.0.100 compilers (CS9057)");
        Assert.That(references.Single(r => r.Name == "netstandard").Version, Is.EqualTo(new Version(2, 0, 0, 0)));
    }

    [TestCase(GeneratorPath)]
    [TestCase(RuntimePath)]
    public void Assemblies_carry_an_embedded_pdb_and_their_version(string file)
    {
        using var pe = new PEReader(new MemoryStream(SyncGen.Read(file)));
        var debug = pe.ReadDebugDirectory();
        Assert.That(debug.Select(d => d.Type), Does.Contain(DebugDirectoryEntryType.EmbeddedPortablePdb), "DebugType embedded");
        Assert.That(debug.Select(d => d.Type), Does.Contain(DebugDirectoryEntryType.Reproducible), "deterministic build");

        var reader = pe.GetMetadataReader();
        var informational = reader.GetAssemblyDefinition().GetCustomAttributes()
            .Select(h => reader.GetCustomAttribute(h))
            .Select(a => (Type: AttributeTypeName(reader, a), Blob: reader.GetBlobBytes(a.Value)))
            .Single(a => a.Type == "AssemblyInformationalVersionAttribute");
        var text = System.Text.Encoding.UTF8.GetString(informational.Blob);
        Assert.That(text, Does.Contain(PackedPackages.Version), "the packed version reached the assembly");
    }

    [Test]
    public void Build_files_expose_the_configuration_properties_and_the_compiler_guard()
    {
        var props = XDocument.Parse(System.Text.Encoding.UTF8.GetString(SyncGen.Read("buildTransitive/SyncGen.props")));
        var visible = props.Descendants().Where(e => e.Name.LocalName == "CompilerVisibleProperty").Select(e => (string?)e.Attribute("Include")).ToList();
        Assert.That(visible, Is.EquivalentTo(new[] { "SyncGenMaxRetries", "SyncGenMaxExpiriesPerCall" }));

        var targets = XDocument.Parse(System.Text.Encoding.UTF8.GetString(SyncGen.Read("buildTransitive/SyncGen.targets")));
        var error = targets.Descendants().Single(e => e.Name.LocalName == "Error");
        Assert.That((string?)error.Attribute("Code"), Is.EqualTo("SYNCGEN900"));

        foreach (var kind in new[] { "props", "targets" })
        {
            var forwarder = System.Text.Encoding.UTF8.GetString(SyncGen.Read($"build/SyncGen.{kind}"));
            Assert.That(forwarder, Does.Contain($"../buildTransitive/SyncGen.{kind}"), "build/ forwards to buildTransitive/ for old NuGet clients");
        }
    }

    [Test]
    public void Testing_package_holds_the_kit_and_depends_on_SyncGen_and_the_lowest_NUnit_it_needs()
    {
        var package = NuPackage.Open(PackedPackages.PathOf("SyncGen.Testing"));
        TestContext.Out.WriteLine("SyncGen.Testing " + PackedPackages.Version + ":\n  " + string.Join("\n  ", package.Files));
        Assert.That(package.Get("id"), Is.EqualTo("SyncGen.Testing"));
        Assert.That(package.Files, Does.Contain("lib/net8.0/SyncGen.Testing.dll").And.Contain("lib/net8.0/SyncGen.Testing.xml").And.Contain("README.md"));
        Assert.That(package.Files.Where(f => f.StartsWith("analyzers/", StringComparison.Ordinal)), Is.Empty);
        Assert.That(package.Get("license"), Is.EqualTo("MIT"));
        var dependencies = package.Dependencies.ToList();
        Assert.That(dependencies.Where(d => d.Id == "SyncGen").Select(d => d.Version), Is.EqualTo(new[] { PackedPackages.Version }),
            "depends on the SyncGen package of the same build");
        Assert.That(dependencies.Where(d => d.Id == "NUnit").Select(d => d.Version), Is.EqualTo(new[] { "4.1.0" }),
            "NUnit 4.1.0, the lowest the kit builds against, so that any NUnit 4 test project (the dotnet new template's 4.3.2 among them) can add the kit");
        Assert.That(dependencies.Select(d => d.Id), Has.None.StartsWith("Microsoft.CodeAnalysis").And.None.StartsWith("NUnit3TestAdapter"));
    }

    [Test]
    public void Testing_package_ships_what_users_call_not_the_repositorys_own_plumbing()
    {
        var package = NuPackage.Open(PackedPackages.PathOf("SyncGen.Testing"));
        using var pe = new PEReader(new MemoryStream(package.Read("lib/net8.0/SyncGen.Testing.dll")));
        var reader = pe.GetMetadataReader();
        var publicTypes = reader.TypeDefinitions.Select(reader.GetTypeDefinition)
            .Where(t => (t.Attributes & System.Reflection.TypeAttributes.VisibilityMask) is System.Reflection.TypeAttributes.Public or System.Reflection.TypeAttributes.NestedPublic)
            .Select(t => reader.GetString(t.Name))
            .ToList();

        Assert.That(publicTypes, Does.Contain("IncrementalSyncConformanceOnWireMock").And.Contain("FakeCalendarServer").And.Contain("WireMockMappingExport"));
        Assert.That(publicTypes, Has.None.AnyOf("WireMockServer", "JavaWireMockServer", "WireMockAdminClient", "WireMockUnavailableException", "ThrowawayPostgreSql", "PostgreSqlUnavailableException"),
            "the Java WireMock launcher and the throwaway PostgreSQL are the repository's test support, and no kit type takes WireMock.Net's WireMockServer name");
        Assert.That(package.Files.Where(f => f.EndsWith(".targets", StringComparison.Ordinal)), Is.Empty, "no npm install of the Java WireMock comes with the kit");
    }

    [TestCase("SyncGen.Google", "Google.Apis", "lib/net8.0/SyncGen.Google.dll")]
    [TestCase("SyncGen.Sqlite", "Microsoft.Data.Sqlite", "lib/net8.0/SyncGen.Sqlite.dll")]
    public void Integration_package_holds_its_library_and_depends_on_SyncGen_and_its_client(string id, string client, string library)
    {
        var package = NuPackage.Open(PackedPackages.PathOf(id));
        TestContext.Out.WriteLine(id + " " + PackedPackages.Version + ":\n  " + string.Join("\n  ", package.Files));
        Assert.That(package.Get("id"), Is.EqualTo(id));
        Assert.That(package.Files.Where(f => f.StartsWith("lib/", StringComparison.Ordinal) && f.EndsWith(".dll", StringComparison.Ordinal)), Is.EqualTo(new[] { library }));
        Assert.That(package.Files, Does.Contain(Path.ChangeExtension(library, ".xml")).And.Contain("README.md"));
        Assert.That(package.Files.Where(f => f.StartsWith("analyzers/", StringComparison.Ordinal)), Is.Empty, "the generator comes once, with SyncGen");
        Assert.That(package.Get("license"), Is.EqualTo("MIT"));
        Assert.That(package.Get("description"), Does.Not.Contain("TODO").And.Length.GreaterThan(40));
        var dependencies = package.Dependencies.ToList();
        Assert.That(dependencies.Where(d => d.Id == "SyncGen").Select(d => d.Version), Is.EqualTo(new[] { PackedPackages.Version }));
        Assert.That(dependencies.Select(d => d.Id), Does.Contain(client));
    }

    private static IEnumerable<(string Id, string Version)> RuntimePackageReferences()
    {
        var central = XDocument.Load(Path.Combine(RepositoryPaths.Root, "Directory.Packages.props"))
            .Descendants("PackageVersion")
            .ToDictionary(e => (string)e.Attribute("Include")!, e => (string)e.Attribute("Version")!);
        return XDocument.Load(RepositoryPaths.RuntimeProject)
            .Descendants("PackageReference")
            .Where(e => (string?)e.Attribute("PrivateAssets") != "all")
            .Select(e => (string)e.Attribute("Include")!)
            .Select(id => (id, central[id]))
            .ToList();
    }

    private static string AttributeTypeName(MetadataReader reader, CustomAttribute attribute) =>
        attribute.Constructor.Kind == HandleKind.MemberReference
            && reader.GetMemberReference((MemberReferenceHandle)attribute.Constructor).Parent is { Kind: HandleKind.TypeReference } parent
            ? reader.GetString(reader.GetTypeReference((TypeReferenceHandle)parent).Name)
            : string.Empty;
}
