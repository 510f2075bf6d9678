using System;
using System.Collections.Generic;

namespace SyncGen.Testing.FakeServer;

/// <summary>
/// The one page model of the kit: one page of a pass before rendering. The three listings (<see cref="EventsList"/> for
/// Calendar, <see cref="FakeSyncServer"/> for the other dialects and the scenario simulator's model, whose script
/// WireMock replays) produce it from a <see cref="PageWindow"/> of a <see cref="ChangeLog{TVersion}"/> listing,
/// <see cref="PageFaults.Shape"/> alters it, and the renderers write it. Only the entry type differs.
/// </summary>
/// <typeparam name="TEntry">One listed version (an event version, a feed version, a simulated version).</typeparam>
/// <param name="entries">The page's entries, in order.</param>
/// <param name="snapshot">The change-log position the pass is fixed at.</param>
/// <param name="since">The position of the pass's sync token; negative for a full pass.</param>
/// <param name="firstPageToken">A valid token for the first page of this same pass (the page-token-loop fault sends clients back there).</param>
internal sealed class ServedPage<TEntry>(IReadOnlyList<TEntry> entries, long snapshot, long since, string firstPageToken)
{
    /// <summary>The page's entries, in order.</summary>
    public IReadOnlyList<TEntry> Entries { get; } = entries;

    /// <summary>The change-log position the pass is fixed at.</summary>
    public long Snapshot { get; } = snapshot;

    /// <summary>The position of the pass's sync token; negative for a full pass.</summary>
    public long Since { get; } = since;

    /// <summary>A valid token for the first page of this same pass (the page-token-loop fault sends clients back there).</summary>
    public string FirstPageToken { get; } = firstPageToken;

    /// <summary>The next page's token (before the renderer turns it into a link where the dialect follows links).</summary>
    public string? NextPageToken { get; set; }

    /// <summary>The next sync token, on the page that closes the pass only.</summary>
    public string? NextSyncToken { get; set; }

    /// <summary>Whether every entry is rendered twice (a replay fault).</summary>
    public bool DuplicateEntries { get; set; }

    /// <summary>The same page with its entries mapped to another type (tokens and fault state kept), for another renderer.</summary>
    /// <typeparam name="TOther">The other entry type.</typeparam>
    /// <param name="map">Maps one entry.</param>
    public ServedPage<TOther> Select<TOther>(Func<TEntry, TOther> map)
    {
        var mapped = new TOther[Entries.Count];
        for (var i = 0; i < mapped.Length; i++)
        {
            mapped[i] = map(Entries[i]);
        }

        return new ServedPage<TOther>(mapped, Snapshot, Since, FirstPageToken)
        {
            NextPageToken = NextPageToken,
            NextSyncToken = NextSyncToken,
            DuplicateEntries = DuplicateEntries,
        };
    }
}
