using System;
using System.Globalization;

namespace SyncGen;

/// <summary>A read of the change feed asked for changes that were already pruned.</summary>
/// <remarks>
/// The reader missed changes it can no longer get: it reads the mirror (<see cref="ISyncStore{TItem}.ReadItemsAsync"/>)
/// again and goes on from <see cref="PrunedThrough"/>.
/// </remarks>
public sealed class SyncFeedPrunedException : Exception
{
    /// <summary>Creates the exception.</summary>
    /// <param name="after">The position the reader asked to read after.</param>
    /// <param name="prunedThrough">The newest pruned sequence number.</param>
    public SyncFeedPrunedException(long after, long prunedThrough)
        : base(string.Create(CultureInfo.InvariantCulture,
            $"The changes after {after} were pruned (through {prunedThrough}); read the mirror again and the feed after {prunedThrough}."))
    {
        After = after;
        PrunedThrough = prunedThrough;
    }

    /// <summary>The position the reader asked to read after.</summary>
    public long After { get; }

    /// <summary>The newest pruned sequence number: the feed can be read after it.</summary>
    public long PrunedThrough { get; }
}
