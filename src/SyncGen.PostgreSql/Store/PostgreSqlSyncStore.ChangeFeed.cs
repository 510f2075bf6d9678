using System;
using System.Collections.Generic;
using System.Data;
using System.Threading;
using System.Threading.Tasks;
using Npgsql;
using SyncGen.Infrastructure;

namespace SyncGen.PostgreSql;

/// <remarks>
/// The feed is three tables of the store's schema (<c>feed_changes</c>, <c>feed_heads</c>, <c>feed_consumers</c>),
/// written by the statement or transaction that commits the pass: the changes are computed against the items as they
/// were before the commit, <c>jsonb</c> against <c>jsonb</c>, so an item whose stored JSON did not change is not announced.
/// </remarks>
public sealed partial class PostgreSqlSyncStore<TItem> : ISyncChangeFeed<TItem>
{
    /// <summary>The change feed's options, or <see langword="null"/> (the default) for a store whose commits append no changes.</summary>
    /// <remarks>Reading the feed and acknowledging work whatever this is; only a store with a feed appends its passes' changes.</remarks>
    public SyncChangeFeedOptions? ChangeFeed { get; set; }

    /// <inheritdoc />
    public async ValueTask<SyncFeedPage<TItem>> ReadChangesAsync(long after, int limit, CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();
        await _database.EnsureSchemaAsync(cancellationToken).ConfigureAwait(false);
        var connection = await _database.DataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using (connection.ConfigureAwait(false))
        {
            // One snapshot: the head and the rows come from the same commit.
            var transaction = await connection.BeginTransactionAsync(IsolationLevel.RepeatableRead, cancellationToken).ConfigureAwait(false);
            await using (transaction.ConfigureAwait(false))
            {
                var (head, prunedThrough) = await FeedStateAsync(connection, transaction, cancellationToken).ConfigureAwait(false);
                SyncFeedRules.CheckRead(after, limit, head, prunedThrough);
                var changes = new List<SyncFeedChange<TItem>>(Math.Min(limit, 1024));
                await using (var command = new NpgsqlCommand(
                    $"SELECT seq, key, kind, item::text FROM {_s}.feed_changes WHERE collection = $1 AND seq > $2 ORDER BY seq LIMIT $3;", connection, transaction))
                {
                    command.Parameters.AddWithValue(_collection);
                    command.Parameters.AddWithValue(after);
                    command.Parameters.AddWithValue(limit);
                    await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
                    while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
                    {
                        var seq = reader.GetInt64(0);
                        var key = reader.GetString(1);
                        var kind = SyncFeedRules.Parse(reader.GetString(2))
                            ?? throw new SyncStoreCorruptException($"{_s}.feed_changes, collection '{_collection}', seq {seq}", $"the change has an unknown kind '{reader.GetString(2)}'.");
                        changes.Add(new SyncFeedChange<TItem>(seq, key, kind, kind == SyncFeedChangeKind.Removed ? default : Deserialize(key, reader.GetString(3))));
                    }
                }

                return new SyncFeedPage<TItem>(changes, changes.Count > 0 ? changes[^1].Sequence : after, head);
            }
        }
    }

    /// <inheritdoc />
    public async ValueTask<long?> ReadCursorAsync(string consumer, CancellationToken cancellationToken = default)
    {
        SyncFeedRules.CheckConsumer(consumer);
        cancellationToken.ThrowIfCancellationRequested();
        await _database.EnsureSchemaAsync(cancellationToken).ConfigureAwait(false);
        await using var command = _database.DataSource.CreateCommand($"SELECT acked FROM {_s}.feed_consumers WHERE collection = $1 AND consumer = $2;");
        command.Parameters.AddWithValue(_collection);
        command.Parameters.AddWithValue(consumer);
        return await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false) is long acked ? acked : null;
    }

    /// <inheritdoc />
    public async ValueTask AcknowledgeAsync(string consumer, long sequence, CancellationToken cancellationToken = default)
    {
        SyncFeedRules.CheckConsumer(consumer);
        cancellationToken.ThrowIfCancellationRequested();
        await _database.EnsureSchemaAsync(cancellationToken).ConfigureAwait(false);
        var connection = await _database.DataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using (connection.ConfigureAwait(false))
        {
            var transaction = await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
            await using (transaction.ConfigureAwait(false))
            {
                var (head, _) = await FeedStateAsync(connection, transaction, cancellationToken).ConfigureAwait(false);
                long? current;
                await using (var read = new NpgsqlCommand($"SELECT acked FROM {_s}.feed_consumers WHERE collection = $1 AND consumer = $2 FOR UPDATE;", connection, transaction))
                {
                    read.Parameters.AddWithValue(_collection);
                    read.Parameters.AddWithValue(consumer);
                    current = await read.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false) is long acked ? acked : null;
                }

                SyncFeedRules.CheckAcknowledge(consumer, sequence, head, current);

                // GREATEST: two acknowledgements racing for a new consumer both insert; the cursor still never goes back.
                await using (var upsert = new NpgsqlCommand(
                    $"""
                    INSERT INTO {_s}.feed_consumers AS c (collection, consumer, acked) VALUES ($1, $2, $3)
                    ON CONFLICT (collection, consumer) DO UPDATE SET acked = GREATEST(c.acked, excluded.acked);
                    """,
                    connection,
                    transaction))
                {
                    upsert.Parameters.AddWithValue(_collection);
                    upsert.Parameters.AddWithValue(consumer);
                    upsert.Parameters.AddWithValue(sequence);
                    await upsert.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
                }

                await transaction.CommitAsync(CancellationToken.None).ConfigureAwait(false);
            }
        }
    }

    private async Task<(long Head, long PrunedThrough)> FeedStateAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand($"SELECT head, pruned_through FROM {_s}.feed_heads WHERE collection = $1;", connection, transaction);
        command.Parameters.AddWithValue(_collection);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        return await reader.ReadAsync(cancellationToken).ConfigureAwait(false) ? (reader.GetInt64(0), reader.GetInt64(1)) : (0, 0);
    }

    /// <summary>
    /// The common table expressions that append a pass's net changes and prune the feed, to put in front of the commit's
    /// own writes in one statement: they all read the items as they were before the statement, whatever it writes.
    /// </summary>
    /// <param name="last">A query of the pass's last change per key: <c>key</c>, and <c>item</c> (jsonb, NULL for a delete).</param>
    /// <param name="kind">The pass's kind.</param>
    /// <param name="noMirror">The collection never committed: everything the pass keeps is added, nothing removed.</param>
    /// <param name="gate">A condition the writes hang on (the fence of a one-statement commit), or null.</param>
    /// <param name="cap">The parameter holding <see cref="SyncChangeFeedOptions.MaxRetainedChanges"/>, such as <c>$11</c>.</param>
    /// <returns>The expressions, each followed by a comma; none when the store keeps no feed.</returns>
    private string FeedCtes(string last, SyncPassKind kind, bool noMirror, string? gate, string cap)
    {
        if (ChangeFeed is null)
        {
            return "";
        }

        var removed = noMirror
            ? ""
            : kind == SyncPassKind.Full
                ? $"UNION ALL SELECT i.key, 'removed', NULL::jsonb FROM {_s}.items AS i WHERE i.collection = $1 AND NOT EXISTS (SELECT 1 FROM feed_last AS l WHERE l.key = i.key AND l.item IS NOT NULL)"
                : $"UNION ALL SELECT l.key, 'removed', NULL::jsonb FROM feed_last AS l JOIN {_s}.items AS i ON i.collection = $1 AND i.key = l.key WHERE l.item IS NULL";
        var compared = noMirror
            ? "SELECT l.key, 'added' AS kind, l.item FROM feed_last AS l WHERE l.item IS NOT NULL"
            : $"""
              SELECT l.key, CASE WHEN i.item IS NULL THEN 'added' ELSE 'updated' END AS kind, l.item
              FROM feed_last AS l LEFT JOIN {_s}.items AS i ON i.collection = $1 AND i.key = l.key
              WHERE l.item IS NOT NULL AND i.item IS DISTINCT FROM l.item
              """;
        var where = gate is null ? "" : $"WHERE {gate}";
        return $"""
            feed_last AS ({last}),
            feed_diff AS ({compared} {removed}),
            feed_numbered AS (SELECT key, kind, item, row_number() OVER (ORDER BY key COLLATE "C") AS n FROM feed_diff),
            feed_head AS (
                INSERT INTO {_s}.feed_heads AS f (collection, head, pruned_through)
                SELECT $1, (SELECT count(*) FROM feed_numbered), GREATEST(0, (SELECT count(*) FROM feed_numbered) - {cap}) {where}
                ON CONFLICT (collection) DO UPDATE
                    SET head = f.head + excluded.head,
                        pruned_through = GREATEST(f.pruned_through, f.head + excluded.head - {cap},
                            COALESCE((SELECT min(acked) FROM {_s}.feed_consumers WHERE collection = $1), 0))
                RETURNING head - (SELECT count(*) FROM feed_numbered) AS base, pruned_through),
            feed_appended AS (
                INSERT INTO {_s}.feed_changes (collection, seq, key, kind, item)
                SELECT $1, h.base + d.n, d.key, d.kind, d.item FROM feed_numbered AS d, feed_head AS h WHERE h.base + d.n > h.pruned_through),
            feed_pruned AS (
                DELETE FROM {_s}.feed_changes AS c USING feed_head AS h WHERE c.collection = $1 AND c.seq <= h.pruned_through),

            """;
    }
}
