using System;

namespace SyncGen.PostgreSql;

/// <summary>
/// The pass's lease on its collection was taken over by a newer pass (its epoch is no longer the collection's), so this
/// pass must not write. Nothing of it was committed: the items and the token are exactly as the newer pass left them.
/// This is what a worker gets after a GC pause, a network partition or a scheduler that ran the same job twice.
/// </summary>
public sealed class SyncLeaseLostException : SyncException
{
    /// <summary>Creates the exception.</summary>
    /// <param name="collection">The collection whose lease was lost.</param>
    /// <param name="passEpoch">The epoch this pass started with.</param>
    /// <param name="currentEpoch">The collection's epoch now, when known.</param>
    /// <param name="operation">What the pass was doing (<c>apply</c> or <c>commit</c>).</param>
    public SyncLeaseLostException(string collection, long passEpoch, long? currentEpoch, string operation)
        : base(
            collection,
            $"{collection}: the lease of this pass (epoch {passEpoch}) {(currentEpoch is { } now && now != passEpoch ? $"was taken over by epoch {now}" : "expired or was used by another pass")} before its {operation}, " +
            "so the pass was refused and wrote nothing; the items and the sync token are those of the newer pass.",
            null)
    {
        Collection = collection;
        PassEpoch = passEpoch;
        CurrentEpoch = currentEpoch;
    }

    /// <summary>The collection whose lease was lost.</summary>
    public string Collection { get; }

    /// <summary>The epoch the refused pass started with.</summary>
    public long PassEpoch { get; }

    /// <summary>The collection's epoch when the pass was refused, when known.</summary>
    public long? CurrentEpoch { get; }
}

/// <summary>
/// Another worker holds a live lease on the collection, so a pass cannot start now. Nothing was written. Try again after
/// <see cref="ExpiresAt"/>: a lease is renewed with every page, so a live pass keeps it and a dead one lets it expire.
/// </summary>
public sealed class SyncLeaseHeldException : SyncException
{
    /// <summary>Creates the exception.</summary>
    /// <param name="collection">The collection.</param>
    /// <param name="holder">Who holds the lease.</param>
    /// <param name="epoch">The epoch of the live lease.</param>
    /// <param name="expiresAt">When the lease expires unless it is renewed.</param>
    public SyncLeaseHeldException(string collection, string holder, long epoch, DateTimeOffset expiresAt)
        : base(collection, $"{collection}: a pass of '{holder}' holds the lease (epoch {epoch}) until {expiresAt:O}; no pass was started and nothing was written.", null)
    {
        Collection = collection;
        Holder = holder;
        Epoch = epoch;
        ExpiresAt = expiresAt;
    }

    /// <summary>The collection.</summary>
    public string Collection { get; }

    /// <summary>Who holds the lease (<see cref="PostgreSqlSyncStoreOptions.Holder"/> of its store).</summary>
    public string Holder { get; }

    /// <summary>The epoch of the live lease.</summary>
    public long Epoch { get; }

    /// <summary>When the lease expires unless its pass renews it.</summary>
    public DateTimeOffset ExpiresAt { get; }
}
