using System;
using System.Linq;
using NUnit.Framework;
using SyncGen.Packaging.Tests.Infrastructure;

namespace SyncGen.Packaging.Tests.Packages;

/// <summary>The ASP.NET Core package (status page and webhook endpoints): its library, and a dependency closure a web host can install.</summary>
[TestFixture]
public sealed class WebPackageLayoutTests
{
    [Test]
    public void AspNetCore_package_holds_its_library_and_depends_on_the_hosting_package_and_the_shared_framework()
    {
        var package = NuPackage.Open(PackedPackages.PathOf("SyncGen.AspNetCore"));
        TestContext.Out.WriteLine("SyncGen.AspNetCore " + PackedPackages.Version + ":\n  " + string.Join("\n  ", package.Files));
        using (Assert.EnterMultipleScope())
        {
            Assert.That(package.Get("id"), Is.EqualTo("SyncGen.AspNetCore"));
            Assert.That(package.Files.Where(f => f.StartsWith("lib/", StringComparison.Ordinal) && f.EndsWith(".dll", StringComparison.Ordinal)), Is.EqualTo(new[] { "lib/net10.0/SyncGen.AspNetCore.dll" }));
            Assert.That(package.Files, Does.Contain("lib/net10.0/SyncGen.AspNetCore.xml").And.Contain("README.md"));
            Assert.That(package.Get("license"), Is.EqualTo("MIT"));
            Assert.That(package.Dependencies.Select(d => (d.Id, d.Version)), Is.EquivalentTo(new[] { ("SyncGen.Hosting", PackedPackages.Version) }),
                "ASP.NET Core comes as the shared framework, not as packages; the rest comes through SyncGen.Hosting");
            Assert.That(NuPackage.Open(PackedPackages.PathOf("SyncGen.Hosting")).Dependencies.Select(d => d.Id), Does.Contain("SyncGen.PostgreSql"));
        }
    }
}
