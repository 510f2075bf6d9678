using System;

namespace SyncGen;

/// <summary>Turns a store's change feed on (see <see cref="ISyncChangeFeed{TItem}"/>) and bounds what it keeps.</summary>
public sealed class SyncChangeFeedOptions
{
    private readonly int _maxRetainedChanges = 1_000_000;

    /// <summary>The most changes the feed keeps, acknowledged or not; the oldest beyond it are pruned at commit.</summary>
    /// <value>1,000,000 by default.</value>
    /// <remarks>
    /// A consumer that stopped acknowledging must not make the feed grow without end: once it falls this far behind, its
    /// next read throws <see cref="SyncFeedPrunedException"/> and it reads the mirror again instead.
    /// </remarks>
    /// <exception cref="ArgumentOutOfRangeException">The value is below 1.</exception>
    public int MaxRetainedChanges
    {
        get => _maxRetainedChanges;
        init => _maxRetainedChanges = value >= 1 ? value : throw new ArgumentOutOfRangeException(nameof(value), value, "The feed must be able to keep at least one change.");
    }
}
