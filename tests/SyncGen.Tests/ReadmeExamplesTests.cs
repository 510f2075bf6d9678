using System;
using System.IO;
using System.Linq;
using System.Runtime.CompilerServices;
using System.Text.RegularExpressions;
using NUnit.Framework;
using SyncGen.Tests.Infrastructure;

namespace SyncGen.Tests;

/// <summary>
/// The repository examples of the README and docs/dialects.md compile with the generator, without a diagnostic or
/// warning, and their stated line counts hold.
/// </summary>
public class ReadmeExamplesTests
{
    private const string Usings = """
        using System;
        using System.Collections.Generic;
        using System.Net.Http;
        using System.Net.Http.Json;
        using System.Text.Json;
        using System.Text.Json.Serialization;
        using System.Threading;
        using System.Threading.Tasks;
        using SyncGen;

        """;

    /// <summary>The documents' sections whose csharp blocks are whole repositories: file, then its section heading.</summary>
    private static readonly (string File, string Heading)[] ExampleSections =
    {
        ("README.md", "## Any sync-token JSON API: dialects"),
        (Path.Combine("docs", "dialects.md"), "## A repository per API"),
    };

    [Test]
    public void Every_dialect_example_compiles_and_generates_SyncAsync()
    {
        var blocks = ExampleSections.SelectMany(s => Blocks(Section(s.File, s.Heading))).ToArray();
        Assert.That(blocks, Has.Length.EqualTo(7), "the Graph example of the README; the People, Drive, Calendar, Dropbox, Gmail and fetch-method examples of docs/dialects.md");
        for (var i = 0; i < blocks.Length; i++)
        {
            var run = GeneratorRunner.Run(Usings + $"namespace Readme{i};\n\n" + blocks[i]);

            Assert.That(run.GeneratedSources, Has.Count.EqualTo(1), $"example {i + 1} generates one repository");
            Assert.That(CompiledAssembly.Emit(run).GetTypes().Any(t => t.GetMethod("SyncAsync", new[] { typeof(System.Threading.CancellationToken) }) is not null), Is.True);
        }
    }

    [TestCase("README.md", "## Any sync-token JSON API: dialects")]
    [TestCase("docs/dialects.md", "## A repository per API")]
    public void Stated_line_counts_match_the_examples(string file, string heading)
    {
        var section = Section(file, heading);
        var stated = Regex.Matches(section, @"\((\d+) lines\)|by hand, (\d+) lines").Select(m => int.Parse(m.Groups[1].Success ? m.Groups[1].Value : m.Groups[2].Value, System.Globalization.CultureInfo.InvariantCulture)).ToArray();
        var counted = Blocks(section).Select(b => b.Split('\n').Count(l => l.Trim().Length > 0 && !l.Trim().StartsWith("//", StringComparison.Ordinal))).ToArray();

        Assert.That(stated, Is.Not.Empty, $"{file} states the line count of its examples");
        Assert.That(counted, Is.EqualTo(stated));
    }

    private static string[] Blocks(string section) =>
        Regex.Matches(section, "```csharp\n(.*?)```", RegexOptions.Singleline).Select(m => m.Groups[1].Value).ToArray();

    /// <summary>From <paramref name="heading"/> to the next second-level heading (or the end) of a file of the repository.</summary>
    private static string Section(string file, string heading, [CallerFilePath] string callerFile = "")
    {
        var path = Path.Combine(Path.GetDirectoryName(callerFile)!, "..", "..", file);
        var text = File.ReadAllText(path).Replace("\r\n", "\n");
        var start = text.IndexOf(heading + "\n", StringComparison.Ordinal);
        Assert.That(start, Is.GreaterThanOrEqualTo(0), $"{file} has the section '{heading}'");
        var end = text.IndexOf("\n## ", start + heading.Length, StringComparison.Ordinal);
        return end < 0 ? text[start..] : text[start..end];
    }
}
