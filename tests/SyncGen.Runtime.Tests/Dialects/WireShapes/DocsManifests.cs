using System;
using System.IO;
using System.Linq;
using System.Runtime.CompilerServices;
using System.Text.RegularExpressions;

namespace SyncGen.Runtime.Tests.Dialects.WireShapes;

/// <summary>The dialect manifests docs/dialects.md shows, loaded as a user would, so the documented text is what the tests run.</summary>
internal static class DocsManifests
{
    public static SyncDialect Dropbox => SyncDialectManifest.Parse(Blocks()[0]);

    public static SyncDialect Gmail => SyncDialectManifest.Parse(Blocks()[1]);

    private static string[] Blocks([CallerFilePath] string callerFile = "")
    {
        var text = File.ReadAllText(Path.Combine(Path.GetDirectoryName(callerFile)!, "..", "..", "..", "..", "docs", "dialects.md")).Replace("\r\n", "\n");
        var start = text.IndexOf("## A dialect as a manifest\n", StringComparison.Ordinal);
        var end = text.IndexOf("\n## ", start + 5, StringComparison.Ordinal);
        return Regex.Matches(text[start..end], "```json\n(.*?)```", RegexOptions.Singleline).Select(m => m.Groups[1].Value).ToArray();
    }
}
