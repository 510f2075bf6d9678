using NUnit.Framework;
using SyncGen.Tests.Infrastructure;

namespace SyncGen.Tests;

/// <summary>The generated source of representative inputs, compared with reviewed baselines in Snapshots/.</summary>
public class SnapshotTests
{
    [TestCase(nameof(TestSources.GoogleRequest), "Demo.Calendar.PrimaryCalendarEvents.SyncGen.g.cs")]
    [TestCase(nameof(TestSources.FetchCustomNames), "Demo.People.PeopleConnections.SyncGen.g.cs")]
    [TestCase(nameof(TestSources.BoolDeletedMember), "Notes.SyncGen.g.cs")]
    [TestCase(nameof(TestSources.IntKey), "Demo.Tickets.Tickets.SyncGen.g.cs")]
    [TestCase(nameof(TestSources.Hooks), "Demo.Todos.TodoRepository.SyncGen.g.cs")]
    [TestCase(nameof(TestSources.GraphDialect), "Demo.Graph.DirectoryUsers.SyncGen.g.cs")]
    public void Generated_source_matches_the_baseline(string name, string hintName)
    {
        var run = GeneratorRunner.Run(TestSources.ByName(name));

        Assert.That(run.Diagnostics, Is.Empty);
        Assert.That(run.GeneratedSources.Keys, Is.EqualTo(new[] { hintName }));
        Snapshot.Match(run.GeneratedSources[hintName], name);
    }

    [Test]
    public void Generated_source_compiles_without_warnings_for_every_input()
    {
        foreach (var source in new[] { TestSources.GoogleRequest, TestSources.FetchCustomNames, TestSources.BoolDeletedMember, TestSources.IntKey, TestSources.Hooks, TestSources.GraphDialect })
        {
            var assembly = CompiledAssembly.Emit(GeneratorRunner.Run(source));
            Assert.That(assembly.GetTypes(), Is.Not.Empty);
        }
    }
}
