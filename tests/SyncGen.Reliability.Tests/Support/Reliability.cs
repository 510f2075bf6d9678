using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Threading.Tasks;
using CalendarSync.CalendarApi;
using NUnit.Framework;
using SyncGen.Testing.FakeServer;
using SyncGen.Tests.Shared;

namespace SyncGen.Reliability.Tests.Support;

/// <summary>Knobs of the suite, read from the environment so that a CI run, a soak run and a replay share one code path.</summary>
/// <remarks>
/// The sizes default to the reduced depth, or to the full one with <c>SYNCGEN_SOAK=1</c> (<see cref="Soak"/>); a
/// <c>SYNCGEN_RELIABILITY_*</c> variable overrides its one size either way.
/// </remarks>
internal static class ReliabilitySettings
{
    /// <summary>Random-history cases per run: <c>SYNCGEN_RELIABILITY_CASES</c>, default 100 (1000 with <c>SYNCGEN_SOAK=1</c>).</summary>
    public static int Cases => ReadInt("SYNCGEN_RELIABILITY_CASES", Soak.Depth(reduced: 100, full: 1000), min: 1);

    /// <summary>First seed of a run: <c>SYNCGEN_RELIABILITY_FIRST_SEED</c>, default 1 (seeds are first .. first + cases - 1).</summary>
    public static int FirstSeed => ReadInt("SYNCGEN_RELIABILITY_FIRST_SEED", 1, min: 0);

    /// <summary>Replays exactly one random-history seed: <c>SYNCGEN_RELIABILITY_SEED</c>.</summary>
    public static int? SingleSeed => Environment.GetEnvironmentVariable("SYNCGEN_RELIABILITY_SEED") is { Length: > 0 } text
        ? int.Parse(text, NumberStyles.Integer, CultureInfo.InvariantCulture)
        : null;

    /// <summary>Child processes killed mid-sync per run: <c>SYNCGEN_RELIABILITY_KILLS</c>, default 10 (50 with <c>SYNCGEN_SOAK=1</c>).</summary>
    public static int Kills => ReadInt("SYNCGEN_RELIABILITY_KILLS", Soak.Depth(reduced: 10, full: 50), min: 1);

    /// <summary>Seed of the crash test's random kill points: <c>SYNCGEN_RELIABILITY_CRASH_SEED</c>, default 20260301.</summary>
    public static int CrashSeed => ReadInt("SYNCGEN_RELIABILITY_CRASH_SEED", 20260301, min: 0);

    /// <summary>Collections of the load test: <c>SYNCGEN_RELIABILITY_COLLECTIONS</c>, default 100 (1000 with <c>SYNCGEN_SOAK=1</c>).</summary>
    public static int LoadCollections => ReadInt("SYNCGEN_RELIABILITY_COLLECTIONS", Soak.Depth(reduced: 100, full: 1000), min: 1);

    /// <summary>
    /// How many random histories run at once: <c>SYNCGEN_RELIABILITY_PARALLELISM</c>, default 4. (The load test's 16
    /// syncs at a time and the crash test's 2 workers are fixed: they are part of what those tests measure.)
    /// </summary>
    public static int Parallelism => ReadInt("SYNCGEN_RELIABILITY_PARALLELISM", 4, min: 1);

    private static int ReadInt(string name, int fallback, int min)
    {
        var text = Environment.GetEnvironmentVariable(name);
        if (string.IsNullOrWhiteSpace(text))
        {
            return fallback;
        }

        var value = int.Parse(text, NumberStyles.Integer, CultureInfo.InvariantCulture);
        if (value < min)
        {
            throw new ArgumentOutOfRangeException(name, value, $"{name} must be at least {min}.");
        }

        return value;
    }
}

/// <summary>Retry settings of the suite: real retries with millisecond backoff, so that faults cost no wall time.</summary>
internal static class FastRetries
{
    public static SyncRetryOptions With(int maxRetries) =>
        new() { MaxRetries = maxRetries, BaseDelay = TimeSpan.FromMilliseconds(1), MaxDelay = TimeSpan.FromMilliseconds(5) };

    /// <summary>Sync options with 5 fast retries.</summary>
    public static SyncOptions Options => new() { Retry = With(5) };
}

/// <summary>A store's or a server's state, comparable by value: the token and one <c>id|etag|summary|status</c> line per item.</summary>
internal sealed record MirrorState(string? Token, IReadOnlyList<string> Items)
{
    /// <summary>No token, no items: a store never synced.</summary>
    public static MirrorState Empty { get; } = new(null, Array.Empty<string>());

    public bool Equals(MirrorState? other) => other is not null && Token == other.Token && Items.SequenceEqual(other.Items);

    public override int GetHashCode() => HashCode.Combine(Token, Items.Count);

    public override string ToString() => $"token {Abbreviate(Token)}, {Items.Count} items";

    /// <summary>What differs from <paramref name="expected"/>, for assertion messages.</summary>
    public string Diff(MirrorState expected)
    {
        var missing = expected.Items.Except(Items, StringComparer.Ordinal).Take(5).ToList();
        var extra = Items.Except(expected.Items, StringComparer.Ordinal).Take(5).ToList();
        return $"token {(Token == expected.Token ? "equal" : $"{Abbreviate(Token)} != expected {Abbreviate(expected.Token)}")}; " +
            $"{Items.Count} items vs {expected.Items.Count} expected; missing [{string.Join(", ", missing)}]; unexpected [{string.Join(", ", extra)}]";
    }

    public static async Task<MirrorState> ReadAsync(ISyncStore<Event> store)
    {
        var token = await store.ReadSyncTokenAsync().ConfigureAwait(false);
        var items = await store.ReadItemsAsync().ConfigureAwait(false);
        return new MirrorState(token, items.Select(pair => Line(pair.Key, pair.Value.ETag, pair.Value.Summary, pair.Value.Status)).ToList());
    }

    /// <summary>The server's live events and current token; call it only while nothing mutates the calendar.</summary>
    public static MirrorState OfServer(FakeCalendar calendar)
    {
        var token = calendar.CurrentSyncToken;
        var items = calendar.LiveEvents
            .Select(e => Line(e.Id, calendar.Find(e.Id)!.ETag, e.Summary, "confirmed"))
            .ToList();
        return new MirrorState(token, items);
    }

    public static string Line(string id, string? etag, string? summary, string? status) => $"{id}|{etag}|{summary}|{status}";

    public static string Abbreviate(string? token) => token is null ? "(none)" : token.Length <= 16 ? token : token[..8] + ".." + token[^6..];
}

/// <summary>Locates the CalendarSync sample's build output, which the crash and multi-process tests run as a child process.</summary>
internal static class Sample
{
    public static string AssemblyPath()
    {
        var testOutput = new DirectoryInfo(AppContext.BaseDirectory.TrimEnd(Path.DirectorySeparatorChar));
        var framework = testOutput.Name;
        var configuration = testOutput.Parent!.Name;
        var root = testOutput;
        while (root is not null && !File.Exists(Path.Combine(root.FullName, "SyncGen.sln")))
        {
            root = root.Parent;
        }

        Assert.That(root, Is.Not.Null, $"no SyncGen.sln above {testOutput.FullName}");
        var path = Path.Combine(root!.FullName, "samples", "CalendarSync", "bin", configuration, framework, "CalendarSync.dll");
        Assert.That(File.Exists(path), Is.True, $"sample not built at {path}");
        return path;
    }
}
