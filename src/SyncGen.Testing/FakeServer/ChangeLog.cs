using System;
using System.Collections.Generic;
using System.Diagnostics.CodeAnalysis;

namespace SyncGen.Testing.FakeServer;

/// <summary>
/// The one snapshot model of the kit: an append-only log of versions keyed by id, where position n names the state
/// after the n-th change. A full pass reads the latest version of every id as of a snapshot position; an incremental
/// pass reads every id changed after a position, in change order. <see cref="FakeCalendar"/>, <see cref="FakeSyncFeed"/>
/// (the embedded servers) and the scenario simulator's model (whose script WireMock replays) all keep their versions
/// here, so a snapshot means the same everywhere. Not thread-safe: the owner locks.
/// </summary>
/// <typeparam name="TVersion">One stored version.</typeparam>
internal sealed class ChangeLog<TVersion>
    where TVersion : class
{
    private readonly Func<TVersion, string> _idOf;
    private readonly List<TVersion> _log = new();
    private readonly Dictionary<string, TVersion> _latest = new(StringComparer.Ordinal);

    /// <summary>Creates an empty log.</summary>
    /// <param name="idOf">The id of a version.</param>
    public ChangeLog(Func<TVersion, string> idOf) => _idOf = idOf;

    /// <summary>How many changes were appended: the current position.</summary>
    public int Count => _log.Count;

    /// <summary>The latest version of every id ever written, deleted or not, in no particular order.</summary>
    public IEnumerable<TVersion> Latest => _latest.Values;

    /// <summary>The version at 1-based <paramref name="position"/>.</summary>
    /// <param name="position">The position, 1..<see cref="Count"/>.</param>
    public TVersion At(long position) => _log[(int)position - 1];

    /// <summary>The latest version of an id.</summary>
    public bool TryGetLatest(string id, [MaybeNullWhen(false)] out TVersion version) => _latest.TryGetValue(id, out version);

    /// <summary>Appends a version at position <see cref="Count"/> + 1.</summary>
    public void Append(TVersion version)
    {
        _log.Add(version);
        _latest[_idOf(version)] = version;
    }

    /// <summary>Makes room for <paramref name="more"/> appends.</summary>
    public void EnsureCapacity(int more)
    {
        _log.EnsureCapacity(_log.Count + more);
        _latest.EnsureCapacity(_latest.Count + more);
    }

    /// <summary>
    /// The latest version, as of <paramref name="snapshot"/>, of every id changed after <paramref name="since"/> (from the
    /// start when negative: a full pass), in change order, deletions included; the caller filters and orders a full pass.
    /// </summary>
    /// <param name="snapshot">The position the pass is fixed at.</param>
    /// <param name="since">The position of the pass's sync token; negative for a full pass.</param>
    public List<TVersion> Changes(long snapshot, long since)
    {
        var to = (int)Math.Min(snapshot, _log.Count);
        var lastChange = new Dictionary<string, int>(StringComparer.Ordinal);
        for (var i = (int)Math.Max(0, since); i < to; i++)
        {
            lastChange[_idOf(_log[i])] = i;
        }

        var indexes = new List<int>(lastChange.Values);
        indexes.Sort();
        var result = new List<TVersion>(indexes.Count);
        foreach (var index in indexes)
        {
            result.Add(_log[index]);
        }

        return result;
    }
}

/// <summary>
/// The one paging rule of the kit's servers and simulator: a page holds up to a page size of entries from an offset of
/// the pass's listing, and only the page that reaches the end of the listing closes the pass (carries the sync token).
/// </summary>
/// <param name="Offset">Where the page starts, clamped to the listing.</param>
/// <param name="Count">How many entries it holds.</param>
/// <param name="IsLast">Whether it reaches the end of the listing.</param>
internal readonly record struct PageWindow(int Offset, int Count, bool IsLast)
{
    /// <summary>Where the next page starts.</summary>
    public int NextOffset => Offset + Count;

    /// <summary>The page of a listing of <paramref name="total"/> entries starting at <paramref name="offset"/>.</summary>
    /// <param name="total">The listing's length.</param>
    /// <param name="offset">The requested start (beyond the end: an empty last page).</param>
    /// <param name="pageSize">The most entries a page holds (a short page asks for fewer).</param>
    public static PageWindow Of(int total, int offset, int pageSize)
    {
        var start = Math.Min(offset, total);
        var count = Math.Min(pageSize, total - start);
        return new PageWindow(start, count, start + count >= total);
    }
}
