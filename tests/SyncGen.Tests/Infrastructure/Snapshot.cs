using System;
using System.IO;
using System.Runtime.CompilerServices;
using NUnit.Framework;

namespace SyncGen.Tests.Infrastructure;

/// <summary>
/// Compares text with a reviewed baseline in <c>Snapshots/</c> beside the tests. With SYNCGEN_UPDATE_SNAPSHOTS=1 a
/// missing or different baseline is written (and the test still fails, so the change gets reviewed).
/// </summary>
internal static class Snapshot
{
    public static void Match(string actual, string name, [CallerFilePath] string callerFile = "")
    {
        var directory = Path.Combine(Path.GetDirectoryName(callerFile)!, "Snapshots");
        var path = Path.Combine(directory, name + ".g.cs.txt");
        actual = Normalize(actual);
        var expected = File.Exists(path) ? Normalize(File.ReadAllText(path)) : null;
        if (expected == actual)
        {
            return;
        }

        if (Environment.GetEnvironmentVariable("SYNCGEN_UPDATE_SNAPSHOTS") == "1")
        {
            Directory.CreateDirectory(directory);
            File.WriteAllText(path, actual);
            Assert.Fail($"Snapshot {path} was {(expected is null ? "missing" : "different")} and has been written; review it and run the tests again.");
        }

        if (expected is null)
        {
            Assert.Fail($"Snapshot {path} is missing; run the tests with SYNCGEN_UPDATE_SNAPSHOTS=1 to write it.");
        }

        Assert.Fail(FirstDifference(expected!, actual, path));
    }

    internal static string FirstDifference(string expected, string actual, string path)
    {
        var expectedLines = expected.Split('\n');
        var actualLines = actual.Split('\n');
        for (var i = 0; i < Math.Max(expectedLines.Length, actualLines.Length); i++)
        {
            var e = i < expectedLines.Length ? expectedLines[i] : "<end of file>";
            var a = i < actualLines.Length ? actualLines[i] : "<end of file>";
            if (e != a)
            {
                return $"Generated source differs from {path} at line {i + 1}:\n  expected: {e}\n  actual:   {a}\n"
                    + "Set SYNCGEN_UPDATE_SNAPSHOTS=1 to rewrite the baseline after reviewing the change.";
            }
        }

        return $"Generated source differs from {path}.";
    }

    private static string Normalize(string text) => text.Replace("\r\n", "\n");
}
