using System;
using System.IO;
using System.Linq;
using System.Runtime.CompilerServices;
using System.Text.RegularExpressions;
using NUnit.Framework;
using SyncGen.Tests.Infrastructure;

namespace SyncGen.Tests;

/// <summary>The README's dialect examples compile with the generator, without a diagnostic or warning, and their stated line counts hold.</summary>
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

    [Test]
    public void Every_dialect_example_compiles_and_generates_SyncAsync()
    {
        var blocks = Blocks();
        Assert.That(blocks, Has.Length.EqualTo(5), "the Graph, People, Drive, Calendar and fetch-method examples");
        for (var i = 0; i < blocks.Length; i++)
        {
            var run = GeneratorRunner.Run(Usings + $"namespace Readme{i};\n\n" + blocks[i]);

            Assert.That(run.GeneratedSources, Has.Count.EqualTo(1), $"example {i + 1} generates one repository");
            Assert.That(CompiledAssembly.Emit(run).GetTypes().Any(t => t.GetMethod("SyncAsync", new[] { typeof(System.Threading.CancellationToken) }) is not null), Is.True);
        }
    }

    [Test]
    public void Stated_line_counts_match_the_examples()
    {
        var section = Section();
        var stated = Regex.Matches(section, @"\((\d+) lines\)|by hand, (\d+) lines").Select(m => int.Parse(m.Groups[1].Success ? m.Groups[1].Value : m.Groups[2].Value, System.Globalization.CultureInfo.InvariantCulture)).ToArray();
        var counted = Blocks().Select(b => b.Split('\n').Count(l => l.Trim().Length > 0 && !l.Trim().StartsWith("//", StringComparison.Ordinal))).ToArray();

        Assert.That(counted, Is.EqualTo(stated));
    }

    private static string[] Blocks() =>
        Regex.Matches(Section(), "```csharp\n(.*?)```", RegexOptions.Singleline).Select(m => m.Groups[1].Value).ToArray();

    private static string Section([CallerFilePath] string callerFile = "")
    {
        var readme = File.ReadAllText(Path.Combine(Path.GetDirectoryName(callerFile)!, "..", "..", "README.md")).Replace("\r\n", "\n");
        var start = readme.IndexOf("## Any sync-token JSON API: dialects", StringComparison.Ordinal);
        var end = readme.IndexOf("## What is in the box", start, StringComparison.Ordinal);
        return readme[start..end];
    }
}
