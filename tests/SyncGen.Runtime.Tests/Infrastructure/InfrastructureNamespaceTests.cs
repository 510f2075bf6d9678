using System;
using System.ComponentModel;
using System.Linq;
using System.Reflection;
using NUnit.Framework;
using SyncGen.Infrastructure;

namespace SyncGen.Runtime.Tests.Infrastructure;

/// <summary>
/// What only generated code and integration packages call stays out of a user's way: in SyncGen.Infrastructure, hidden
/// from IntelliSense; the types users write against stay in SyncGen.
/// </summary>
public class InfrastructureNamespaceTests
{
    private static readonly Assembly Runtime = typeof(SyncResult).Assembly;

    [Test]
    public void The_types_only_generated_code_needs_live_in_SyncGen_Infrastructure()
    {
        var generatedCodeOnly = new[]
        {
            typeof(SyncEngine<>), typeof(SyncDefinition<>), typeof(SyncGate), typeof(SyncPageFetcher<>), typeof(SyncPage<>), typeof(SyncHookStore<>),
        };
        Assert.That(generatedCodeOnly.Select(t => t.Namespace), Has.All.EqualTo("SyncGen.Infrastructure"));
        Assert.That(Runtime.GetExportedTypes().Where(t => t.Namespace == "SyncGen").Select(t => t.Name),
            Does.Contain("SyncResult").And.Contain("SyncCursor").And.Contain("ISyncStore`1").And.Contain("IncrementalSyncAttribute")
                .And.None.StartsWith("SyncEngine").And.None.StartsWith("SyncDefinition").And.None.EqualTo("SyncGate"));
    }

    [Test]
    public void Every_public_infrastructure_type_is_hidden_from_IntelliSense()
    {
        var infrastructure = Runtime.GetExportedTypes().Where(t => t.Namespace == "SyncGen.Infrastructure" && !t.IsNested).ToList();

        Assert.That(infrastructure, Has.Count.GreaterThanOrEqualTo(6));
        Assert.That(
            infrastructure.Where(t => t.GetCustomAttribute<EditorBrowsableAttribute>()?.State != EditorBrowsableState.Never).Select(t => t.Name),
            Is.Empty);
    }
}
