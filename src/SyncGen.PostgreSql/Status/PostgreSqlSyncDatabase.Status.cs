using System;
using System.Collections.Generic;
using System.Threading;
using System.Threading.Tasks;
using Npgsql;
using NpgsqlTypes;

namespace SyncGen.PostgreSql;

public sealed partial class PostgreSqlSyncDatabase
{
    /// <summary>How many failures of one collection <see cref="RecordPassFailedAsync"/> keeps; older ones are dropped.</summary>
    public const int FailuresKept = 20;

    // A failure message is shown on one line of a page or a terminal: long texts (a response body) are cut here.
    private const int MaxMessageLength = 500;

    /// <summary>Records a successful sync call of <paramref name="collection"/>: its time, pass and changes; clears its run of failures.</summary>
    /// <remarks>
    /// One single-row upsert. The worker calls it after each call, no-change calls included: those commit nothing, and
    /// without this record a quiet collection would look stale. A completed full pass also restarts the token's age.
    /// </remarks>
    /// <param name="collection">The collection.</param>
    /// <param name="result">What the call did.</param>
    /// <param name="cancellationToken">Cancels the write.</param>
    public async ValueTask RecordPassSucceededAsync(string collection, SyncResult result, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(collection);
        ArgumentNullException.ThrowIfNull(result);
        await EnsureSchemaAsync(cancellationToken).ConfigureAwait(false);
        await using var command = DataSource.CreateCommand(
            $"""
            INSERT INTO {Schema}.collection_status AS cs
                (collection, last_pass_at, last_pass_kind, last_pass_pages, last_pass_changes, last_pass_seconds, full_pass_at, consecutive_failures)
            VALUES ($1, now(), $2, $3, $4, $5, CASE WHEN $6 THEN now() END, 0)
            ON CONFLICT (collection) DO UPDATE SET
                last_pass_at = excluded.last_pass_at, last_pass_kind = excluded.last_pass_kind,
                last_pass_pages = excluded.last_pass_pages, last_pass_changes = excluded.last_pass_changes,
                last_pass_seconds = excluded.last_pass_seconds,
                full_pass_at = coalesce(excluded.full_pass_at, cs.full_pass_at), consecutive_failures = 0;
            """);
        command.Parameters.AddWithValue(collection);
        command.Parameters.AddWithValue(KindName(result.Kind));
        command.Parameters.AddWithValue(result.Pages);
        command.Parameters.AddWithValue((long)result.Upserts + result.Deletes);
        command.Parameters.AddWithValue(result.Duration.TotalSeconds);
        command.Parameters.AddWithValue(result.Kind == SyncPassKind.Full);
        await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Records a failed sync call of <paramref name="collection"/>: its class and first message line, one more in its run of failures.</summary>
    /// <remarks>The failure is also added to the collection's history, which keeps the newest <see cref="FailuresKept"/>.</remarks>
    /// <param name="collection">The collection.</param>
    /// <param name="exception">Why the call failed.</param>
    /// <param name="cancellationToken">Cancels the write.</param>
    public async ValueTask RecordPassFailedAsync(string collection, Exception exception, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(collection);
        ArgumentNullException.ThrowIfNull(exception);
        await EnsureSchemaAsync(cancellationToken).ConfigureAwait(false);
        await using var batch = DataSource.CreateBatch();
        batch.BatchCommands.Add(new NpgsqlBatchCommand(
            $"""
            INSERT INTO {Schema}.collection_status AS cs
                (collection, last_failure_at, last_failure_class, last_failure_message, consecutive_failures)
            VALUES ($1, now(), $2, $3, 1)
            ON CONFLICT (collection) DO UPDATE SET
                last_failure_at = excluded.last_failure_at, last_failure_class = excluded.last_failure_class,
                last_failure_message = excluded.last_failure_message, consecutive_failures = cs.consecutive_failures + 1;
            """));
        batch.BatchCommands.Add(new NpgsqlBatchCommand($"INSERT INTO {Schema}.failures (collection, failed_at, class, message) VALUES ($1, now(), $2, $3);"));
        batch.BatchCommands.Add(new NpgsqlBatchCommand(
            $"""
            DELETE FROM {Schema}.failures WHERE collection = $1 AND id < ALL (
                SELECT id FROM {Schema}.failures WHERE collection = $1 ORDER BY id DESC LIMIT {FailuresKept});
            """));
        var failureClass = exception.GetType().Name;
        var message = OneLine(exception.Message);
        for (var i = 0; i < batch.BatchCommands.Count; i++)
        {
            batch.BatchCommands[i].Parameters.AddWithValue(collection);
            if (i < 2)
            {
                batch.BatchCommands[i].Parameters.AddWithValue(failureClass);
                batch.BatchCommands[i].Parameters.AddWithValue(message);
            }
        }

        // Without a transaction a batch runs as one: the status and the history never disagree.
        await batch.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Sets (or clears, with <see langword="null"/>) when the collection's push channel or subscription expires.</summary>
    /// <remarks>
    /// For channels kept elsewhere than SyncGen.AspNetCore's: the status shows the value set here, or else the latest
    /// expiry of the collection's channels in the schema's <c>push_channels</c> table (the webhook package's), next to the
    /// token's age.
    /// </remarks>
    /// <param name="collection">The collection.</param>
    /// <param name="expiresAt">When the channel expires; <see langword="null"/> when the collection has none.</param>
    /// <param name="cancellationToken">Cancels the write.</param>
    public async ValueTask SetChannelExpiryAsync(string collection, DateTimeOffset? expiresAt, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(collection);
        await EnsureSchemaAsync(cancellationToken).ConfigureAwait(false);
        await using var command = DataSource.CreateCommand(
            $"""
            INSERT INTO {Schema}.collection_status AS cs (collection, channel_expires_at) VALUES ($1, $2)
            ON CONFLICT (collection) DO UPDATE SET channel_expires_at = excluded.channel_expires_at;
            """);
        command.Parameters.AddWithValue(collection);
        command.Parameters.Add(new NpgsqlParameter { Value = expiresAt is { } at ? at.ToUniversalTime() : DBNull.Value, NpgsqlDbType = NpgsqlDbType.TimestampTz });
        await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Reads the status of every collection the database knows (committed, leased or recorded), in one snapshot.</summary>
    /// <param name="cancellationToken">Cancels the read.</param>
    /// <exception cref="SyncStoreSchemaException">The database's schema is newer than this store.</exception>
    /// <exception cref="NpgsqlException">The database could not be reached or refused the read.</exception>
    public async ValueTask<SyncFleetStatus> ReadStatusAsync(CancellationToken cancellationToken = default)
    {
        await EnsureSchemaAsync(cancellationToken).ConfigureAwait(false);
        var connection = await DataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using (connection.ConfigureAwait(false))
        {
            // One repeatable-read transaction: the clock and every row belong to the same moment.
            var transaction = await connection.BeginTransactionAsync(System.Data.IsolationLevel.RepeatableRead, cancellationToken).ConfigureAwait(false);
            await using (transaction.ConfigureAwait(false))
            {
                await using var command = new NpgsqlCommand(
                    $"""
                    SELECT now();
                    SELECT c.collection, s.committed_at, coalesce(s.commits, 0), cs.last_pass_at, cs.last_pass_kind, cs.last_pass_pages,
                           cs.last_pass_changes, cs.last_pass_seconds, cs.full_pass_at, cs.last_failure_at, cs.last_failure_class,
                           cs.last_failure_message, coalesce(cs.consecutive_failures, 0), l.holder, coalesce(l.expires_at > now(), false),
                           coalesce(cs.channel_expires_at, ch.expires_at)
                    FROM (SELECT collection FROM {Schema}.state
                          UNION SELECT collection FROM {Schema}.collection_status
                          UNION SELECT collection FROM {Schema}.leases) AS c
                    LEFT JOIN {Schema}.state AS s ON s.collection = c.collection
                    LEFT JOIN {Schema}.collection_status AS cs ON cs.collection = c.collection
                    LEFT JOIN {Schema}.leases AS l ON l.collection = c.collection
                    LEFT JOIN (SELECT collection, max(expires_at) AS expires_at FROM {Schema}.push_channels GROUP BY collection) AS ch
                        ON ch.collection = c.collection;
                    """,
                    connection,
                    transaction);
                await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
                await reader.ReadAsync(cancellationToken).ConfigureAwait(false);
                var now = reader.GetFieldValue<DateTimeOffset>(0);
                await reader.NextResultAsync(cancellationToken).ConfigureAwait(false);
                var collections = new List<SyncCollectionStatus>();
                while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
                {
                    var committedAt = Nullable<DateTimeOffset>(reader, 1);
                    var lastPassAt = Nullable<DateTimeOffset>(reader, 3);
                    var fullPassAt = Nullable<DateTimeOffset>(reader, 8);
                    var upToDateAt = Later(committedAt, lastPassAt);
                    collections.Add(new SyncCollectionStatus
                    {
                        Collection = reader.GetString(0),
                        LastCommittedAt = committedAt,
                        Commits = reader.GetInt64(2),
                        LastPassAt = lastPassAt,
                        LastPassKind = reader.IsDBNull(4) ? null : ParseKind(reader.GetString(4)),
                        LastPassPages = reader.IsDBNull(5) ? null : reader.GetInt32(5),
                        LastPassChanges = reader.IsDBNull(6) ? null : reader.GetInt64(6),
                        LastPassDuration = reader.IsDBNull(7) ? null : TimeSpan.FromSeconds(reader.GetDouble(7)),
                        FullPassAt = fullPassAt,
                        LastFailureAt = Nullable<DateTimeOffset>(reader, 9),
                        LastFailureClass = reader.IsDBNull(10) ? null : reader.GetString(10),
                        LastFailureMessage = reader.IsDBNull(11) ? null : reader.GetString(11),
                        ConsecutiveFailures = reader.GetInt32(12),
                        LeaseHolder = reader.IsDBNull(13) ? null : reader.GetString(13),
                        LeaseIsLive = reader.GetBoolean(14),
                        ChannelExpiresAt = Nullable<DateTimeOffset>(reader, 15),
                        Freshness = now - upToDateAt,
                        TokenAge = now - fullPassAt,
                    });
                }

                // Ordinal order, as the stores read keys: the database's collation would depend on its locale.
                collections.Sort(static (x, y) => string.CompareOrdinal(x.Collection, y.Collection));
                return new SyncFleetStatus(now, collections);
            }
        }
    }

    /// <summary>Reads the recorded failures of <paramref name="collection"/>, newest first (at most <see cref="FailuresKept"/>).</summary>
    /// <param name="collection">The collection.</param>
    /// <param name="cancellationToken">Cancels the read.</param>
    public async ValueTask<IReadOnlyList<SyncFailure>> ReadFailuresAsync(string collection, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(collection);
        await EnsureSchemaAsync(cancellationToken).ConfigureAwait(false);
        await using var command = DataSource.CreateCommand($"SELECT failed_at, class, message FROM {Schema}.failures WHERE collection = $1 ORDER BY id DESC;");
        command.Parameters.AddWithValue(collection);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        var failures = new List<SyncFailure>();
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            failures.Add(new SyncFailure(reader.GetFieldValue<DateTimeOffset>(0), reader.GetString(1), reader.GetString(2)));
        }

        return failures;
    }

    private static T? Nullable<T>(NpgsqlDataReader reader, int ordinal)
        where T : struct => reader.IsDBNull(ordinal) ? null : reader.GetFieldValue<T>(ordinal);

    private static DateTimeOffset? Later(DateTimeOffset? a, DateTimeOffset? b) => a is null ? b : b is null ? a : a > b ? a : b;

    private static string KindName(SyncPassKind kind) => kind == SyncPassKind.Full ? "full" : "incremental";

    private static SyncPassKind? ParseKind(string kind) => kind switch
    {
        "full" => SyncPassKind.Full,
        "incremental" => SyncPassKind.Incremental,
        _ => null,
    };

    private static string OneLine(string message)
    {
        var line = message.ReplaceLineEndings(" ").Trim();
        return line.Length <= MaxMessageLength ? line : string.Concat(line.AsSpan(0, MaxMessageLength - 1), "…");
    }
}
