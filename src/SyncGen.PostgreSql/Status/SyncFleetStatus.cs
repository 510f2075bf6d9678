using System;
using System.Collections.Generic;

namespace SyncGen.PostgreSql;

/// <summary>Every collection of a <see cref="PostgreSqlSyncDatabase"/> as one snapshot read them.</summary>
/// <param name="ReadAt">The database's clock when read; every age in <paramref name="Collections"/> is measured from it.</param>
/// <param name="Collections">The collections, in ordinal order of their ids.</param>
public sealed record SyncFleetStatus(DateTimeOffset ReadAt, IReadOnlyList<SyncCollectionStatus> Collections);

/// <summary>What an operator needs to know about one collection: when it last synced, how old its token is, whether it fails.</summary>
/// <remarks>
/// The committed facts (<see cref="LastCommittedAt"/>, the lease) come from the store itself; the facts of each call
/// (<see cref="LastPassAt"/>, the failures, <see cref="FullPassAt"/>) are those the worker recorded with
/// <see cref="PostgreSqlSyncDatabase.RecordPassSucceededAsync"/> and <see cref="PostgreSqlSyncDatabase.RecordPassFailedAsync"/>.
/// </remarks>
public sealed record SyncCollectionStatus
{
    /// <summary>The collection id.</summary>
    public required string Collection { get; init; }

    /// <summary>When a pass last committed a token (and the items with it), or <see langword="null"/> if none ever did.</summary>
    /// <remarks>A call that found no change and kept its token commits nothing, so this can be older than <see cref="LastPassAt"/>.</remarks>
    public DateTimeOffset? LastCommittedAt { get; init; }

    /// <summary>How many passes have committed in this collection.</summary>
    public long Commits { get; init; }

    /// <summary>When the last successful sync call ended, no-change calls included, or <see langword="null"/> if none was recorded.</summary>
    public DateTimeOffset? LastPassAt { get; init; }

    /// <summary>The kind of the last successful call's completed pass.</summary>
    public SyncPassKind? LastPassKind { get; init; }

    /// <summary>Pages fetched by the last successful call's completed pass.</summary>
    public int? LastPassPages { get; init; }

    /// <summary>Upserts plus deletes of the last successful call's completed pass.</summary>
    public long? LastPassChanges { get; init; }

    /// <summary>How long the last successful call took.</summary>
    public TimeSpan? LastPassDuration { get; init; }

    /// <summary>When the full pass that the current token descends from ended; <see langword="null"/> when not recorded.</summary>
    public DateTimeOffset? FullPassAt { get; init; }

    /// <summary>When the last failure was recorded.</summary>
    public DateTimeOffset? LastFailureAt { get; init; }

    /// <summary>The last failure's class (its exception type's name).</summary>
    public string? LastFailureClass { get; init; }

    /// <summary>The first line of the last failure's message.</summary>
    public string? LastFailureMessage { get; init; }

    /// <summary>Failures recorded since the last success; 0 when the last call succeeded.</summary>
    public int ConsecutiveFailures { get; init; }

    /// <summary>Who took the collection's lease last, or <see langword="null"/> if no pass ever took one.</summary>
    public string? LeaseHolder { get; init; }

    /// <summary>Whether the lease was live when read: a pass of <see cref="LeaseHolder"/> is running.</summary>
    public bool LeaseIsLive { get; init; }

    /// <summary>When the collection's push channel or subscription expires, as set by <see cref="PostgreSqlSyncDatabase.SetChannelExpiryAsync"/>.</summary>
    public DateTimeOffset? ChannelExpiresAt { get; init; }

    /// <summary>Time since the collection was last known to be up to date (the later of <see cref="LastPassAt"/> and <see cref="LastCommittedAt"/>); <see langword="null"/> if never.</summary>
    public TimeSpan? Freshness { get; init; }

    /// <summary>Time since <see cref="FullPassAt"/>: how old the token's chain is, to compare with the API's token lifetime.</summary>
    public TimeSpan? TokenAge { get; init; }

    /// <summary>Whether the last recorded call failed.</summary>
    public bool IsFailing => ConsecutiveFailures > 0;
}

/// <summary>One recorded failure of a collection's sync call, as <see cref="PostgreSqlSyncDatabase.ReadFailuresAsync"/> returns it.</summary>
/// <param name="FailedAt">When it was recorded (database clock).</param>
/// <param name="Class">The exception type's name.</param>
/// <param name="Message">The first line of its message.</param>
public sealed record SyncFailure(DateTimeOffset FailedAt, string Class, string Message);
