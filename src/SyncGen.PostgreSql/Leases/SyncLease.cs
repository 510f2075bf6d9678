using System;

namespace SyncGen.PostgreSql;

/// <summary>The lease row of one collection, as read by <see cref="PostgreSqlSyncDatabase.ReadLeaseAsync"/>.</summary>
/// <param name="Collection">The collection.</param>
/// <param name="Epoch">Grows by one with every pass that takes the lease; never goes back.</param>
/// <param name="Holder">Who took it last.</param>
/// <param name="ExpiresAt">When it expires unless renewed; a committed or discarded pass releases it (sets it to its own end).</param>
/// <param name="IsLive">Whether it had not expired when read (by the database's clock).</param>
public sealed record SyncLease(string Collection, long Epoch, string Holder, DateTimeOffset ExpiresAt, bool IsLive);

/// <summary>The committed state of one collection, as read by <see cref="PostgreSqlSyncDatabase.ReadStateAsync"/>.</summary>
/// <param name="Collection">The collection.</param>
/// <param name="SyncToken">The committed sync token.</param>
/// <param name="CommittedEpoch">The lease epoch of the pass that committed it.</param>
/// <param name="Commits">How many passes have committed in this collection.</param>
/// <param name="CommittedAt">When the last pass committed (database clock).</param>
public sealed record SyncCollectionState(string Collection, string SyncToken, long CommittedEpoch, long Commits, DateTimeOffset CommittedAt);
