using System;

namespace SyncGen.Tests.Shared;

/// <summary>How deep the soak tests go: a reduced depth by default, the full depth with <c>SYNCGEN_SOAK=1</c>.</summary>
/// <remarks>
/// The reduced depth runs the same code of each soak test (the fault kinds, stores and timeouts of the random
/// histories, kills at start-up and mid-pass with their recoveries, a fleet that loses workers), only fewer times, so
/// that <c>dotnet test SyncGen.sln</c> stays within its few minutes on 2 cores; rare timings (a kill that lands just after
/// a commit) may then not occur in a run. The full depth is for a release or a nightly run. One reader for every test
/// project that links this file, so that the switch means the same everywhere.
/// </remarks>
internal static class Soak
{
    /// <summary>The environment variable: <c>1</c> runs the full depth; unset, empty or <c>0</c> the reduced one.</summary>
    public const string Variable = "SYNCGEN_SOAK";

    /// <summary>Whether the soak tests run at full depth.</summary>
    /// <exception cref="InvalidOperationException">The variable holds something else than 0 or 1.</exception>
    public static bool Full => Environment.GetEnvironmentVariable(Variable) switch
    {
        null or "" or "0" => false,
        "1" => true,
        var other => throw new InvalidOperationException($"{Variable} must be 1 (full depth) or 0 (reduced depth); it was '{other}'."),
    };

    /// <summary><paramref name="full"/> with <c>SYNCGEN_SOAK=1</c>, else <paramref name="reduced"/>.</summary>
    public static int Depth(int reduced, int full) => Full ? full : reduced;
}
