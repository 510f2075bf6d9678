using System;
using System.Collections.Generic;
using System.Threading;
using System.Threading.Tasks;
using Npgsql;
using NpgsqlTypes;
using SyncGen.PostgreSql;

namespace SyncGen.AspNetCore.Webhooks;

/// <summary>The fleet's push channels in PostgreSQL (table <c>push_channels</c> of the store's schema), shared by every worker.</summary>
/// <remarks>
/// Any worker may receive any notification (a load balancer in front of the fleet), so the check of a notification
/// reads the channel from here, not from the memory of the worker that created it. Secrets are kept hashed.
/// </remarks>
public sealed class PushChannelStore
{
    private readonly PostgreSqlSyncDatabase _database;
    private readonly string _table;

    /// <summary>Uses the channels table of <paramref name="database"/>'s schema (created by its migrations).</summary>
    /// <param name="database">The fleet's store database.</param>
    public PushChannelStore(PostgreSqlSyncDatabase database)
    {
        ArgumentNullException.ThrowIfNull(database);
        _database = database;
        _table = database.Options.Schema + ".push_channels";
    }

    /// <summary>Every channel of the fleet, ordered by collection then expiry (for status pages and tests).</summary>
    /// <param name="cancellationToken">Cancels the read.</param>
    /// <returns>The channels.</returns>
    public async Task<IReadOnlyList<PushChannel>> ListAsync(CancellationToken cancellationToken = default)
    {
        await _database.EnsureSchemaAsync(cancellationToken).ConfigureAwait(false);
        await using var command = _database.DataSource.CreateCommand($"SELECT {Columns} FROM {_table} ORDER BY collection, expires_at, channel_id;");
        return await ReadAllAsync(command, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>The channels of one collection, ordered by expiry.</summary>
    /// <param name="collection">The collection id.</param>
    /// <param name="cancellationToken">Cancels the read.</param>
    /// <returns>The channels.</returns>
    public async Task<IReadOnlyList<PushChannel>> ListOfCollectionAsync(string collection, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(collection);
        await _database.EnsureSchemaAsync(cancellationToken).ConfigureAwait(false);
        await using var command = _database.DataSource.CreateCommand($"SELECT {Columns} FROM {_table} WHERE collection = $1 ORDER BY expires_at, channel_id;");
        command.Parameters.AddWithValue(collection);
        return await ReadAllAsync(command, cancellationToken).ConfigureAwait(false);
    }

    private const string Columns = "channel_id, collection, provider, resource_id, control_uri, created_at, expires_at";

    /// <summary>A channel and the hash of its secret, for the check of a notification; null when unknown.</summary>
    internal async Task<(PushChannel Channel, byte[] SecretHash)?> FindAsync(string channelId, CancellationToken cancellationToken)
    {
        await using var command = _database.DataSource.CreateCommand($"SELECT {Columns}, token_sha256 FROM {_table} WHERE channel_id = $1;");
        command.Parameters.AddWithValue(channelId);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        if (!await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            return null;
        }

        return (Read(reader), reader.GetFieldValue<byte[]>(7));
    }

    internal async Task AddAsync(PushChannel channel, string secret, CancellationToken cancellationToken)
    {
        await using var command = _database.DataSource.CreateCommand(
            $"INSERT INTO {_table} (channel_id, collection, provider, resource_id, control_uri, token_sha256, created_at, expires_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8);");
        command.Parameters.AddWithValue(channel.Id);
        command.Parameters.AddWithValue(channel.Collection);
        command.Parameters.AddWithValue(ProviderName(channel.Provider));
        command.Parameters.Add(new NpgsqlParameter { Value = (object?)channel.ResourceId ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.Text });
        command.Parameters.AddWithValue(channel.ControlUri.AbsoluteUri);
        command.Parameters.AddWithValue(PushSecrets.Hash(secret));
        command.Parameters.AddWithValue(channel.CreatedAt.UtcDateTime);
        command.Parameters.AddWithValue(channel.ExpiresAt.UtcDateTime);
        await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Records what the provider answered: the resource id (Google) and the expiry it granted.</summary>
    internal async Task ConfirmAsync(string channelId, string? resourceId, DateTimeOffset expiresAt, CancellationToken cancellationToken)
    {
        await using var command = _database.DataSource.CreateCommand(
            $"UPDATE {_table} SET resource_id = coalesce($2, resource_id), expires_at = $3 WHERE channel_id = $1;");
        command.Parameters.AddWithValue(channelId);
        command.Parameters.Add(new NpgsqlParameter { Value = (object?)resourceId ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.Text });
        command.Parameters.AddWithValue(expiresAt.UtcDateTime);
        await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }

    internal async Task RemoveAsync(string channelId, CancellationToken cancellationToken)
    {
        await using var command = _database.DataSource.CreateCommand($"DELETE FROM {_table} WHERE channel_id = $1;");
        command.Parameters.AddWithValue(channelId);
        await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Runs <paramref name="work"/> while this worker holds the collection's channel lock, or returns false at once when
    /// another worker holds it: two workers renewing one collection together would leave two live channels.
    /// </summary>
    /// <remarks>
    /// A session-level advisory lock on a connection of its own, not a transaction: the rows <paramref name="work"/>
    /// writes must be visible to the webhook at once (Google sends a channel's first notification before answering).
    /// </remarks>
    internal async Task<bool> WithCollectionLockAsync(string collection, Func<Task> work, CancellationToken cancellationToken)
    {
        await _database.EnsureSchemaAsync(cancellationToken).ConfigureAwait(false);
        var connection = await _database.DataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using (connection.ConfigureAwait(false))
        {
            var key = "syncgen.push:" + _table + ":" + collection;
            await using (var take = new NpgsqlCommand("SELECT pg_try_advisory_lock(hashtextextended($1, 0));", connection))
            {
                take.Parameters.AddWithValue(key);
                if (await take.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false) is not true)
                {
                    return false;
                }
            }

            try
            {
                await work().ConfigureAwait(false);
                return true;
            }
            finally
            {
                await using var release = new NpgsqlCommand("SELECT pg_advisory_unlock(hashtextextended($1, 0));", connection);
                release.Parameters.AddWithValue(key);
                await release.ExecuteNonQueryAsync(CancellationToken.None).ConfigureAwait(false);
            }
        }
    }

    private static string ProviderName(PushProvider provider) => provider == PushProvider.Graph ? "graph" : "google";

    private static async Task<IReadOnlyList<PushChannel>> ReadAllAsync(NpgsqlCommand command, CancellationToken cancellationToken)
    {
        var channels = new List<PushChannel>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            channels.Add(Read(reader));
        }

        return channels;
    }

    private static PushChannel Read(NpgsqlDataReader reader) => new(
        reader.GetString(0),
        reader.GetString(1),
        reader.GetString(2) == "graph" ? PushProvider.Graph : PushProvider.Google,
        reader.IsDBNull(3) ? null : reader.GetString(3),
        new Uri(reader.GetString(4)),
        new DateTimeOffset(reader.GetDateTime(5), TimeSpan.Zero),
        new DateTimeOffset(reader.GetDateTime(6), TimeSpan.Zero));
}
