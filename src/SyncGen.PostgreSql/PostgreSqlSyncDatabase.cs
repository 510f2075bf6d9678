using System;
using System.Data.Common;
using System.Text.Json;
using System.Threading;
using System.Threading.Tasks;
using Npgsql;

namespace SyncGen.PostgreSql;

/// <summary>
/// One PostgreSQL database holding the mirrors of many collections: a connection pool, the store's schema (created and
/// upgraded on first use) and the stores of its collections. Create one per process and open a store per collection with
/// <see cref="OpenStore{TItem}"/>; stores are cheap, the pool is shared.
/// </summary>
public sealed partial class PostgreSqlSyncDatabase : IAsyncDisposable
{
    private readonly bool _ownsDataSource;
    private readonly SemaphoreSlim _schemaLock = new(1, 1);
    private volatile bool _schemaReady;

    /// <summary>Uses an existing data source (its pool, logging and settings); the caller keeps ownership of it.</summary>
    /// <param name="dataSource">The Npgsql data source of the database.</param>
    /// <param name="options">Schema, lease and serialization settings; defaults when <see langword="null"/>.</param>
    public PostgreSqlSyncDatabase(NpgsqlDataSource dataSource, PostgreSqlSyncStoreOptions? options = null)
        : this(dataSource ?? throw new ArgumentNullException(nameof(dataSource)), options, ownsDataSource: false)
    {
    }

    private PostgreSqlSyncDatabase(NpgsqlDataSource dataSource, PostgreSqlSyncStoreOptions? options, bool ownsDataSource)
    {
        DataSource = dataSource;
        Options = options ?? new PostgreSqlSyncStoreOptions();
        SerializerOptions = Options.SerializerOptions ?? new JsonSerializerOptions(JsonSerializerDefaults.Web);
        _ownsDataSource = ownsDataSource;
    }

    /// <summary>The data source the stores use.</summary>
    public NpgsqlDataSource DataSource { get; }

    /// <summary>The settings of the stores.</summary>
    public PostgreSqlSyncStoreOptions Options { get; }

    internal JsonSerializerOptions SerializerOptions { get; }

    internal string Schema => Options.Schema;

    /// <summary>Opens a pool on <paramref name="connectionString"/>, owned (and disposed) by the returned database.</summary>
    /// <remarks>The pool skips Npgsql's session reset when a connection is returned (<c>No Reset On Close</c>) unless the connection string sets it.</remarks>
    /// <param name="connectionString">An Npgsql connection string.</param>
    /// <param name="options">Schema, lease and serialization settings; defaults when <see langword="null"/>.</param>
    /// <exception cref="ArgumentException">The connection string is blank or malformed.</exception>
    public static PostgreSqlSyncDatabase Create(string connectionString, PostgreSqlSyncStoreOptions? options = null)
    {
        if (string.IsNullOrWhiteSpace(connectionString))
        {
            throw new ArgumentException("The PostgreSQL sync store needs a connection string; it was null or blank.", nameof(connectionString));
        }

        NpgsqlDataSource dataSource;
        try
        {
            dataSource = NpgsqlDataSource.Create(WithoutSessionReset(connectionString));
        }
        catch (ArgumentException ex)
        {
            throw new ArgumentException($"The PostgreSQL connection string is not valid: {ex.Message}", nameof(connectionString), ex);
        }

        return new PostgreSqlSyncDatabase(dataSource, options, ownsDataSource: true);
    }

    /// <summary>
    /// The pool is the store's own and the store leaves no session state (no SET, no temporary table, only
    /// transaction-scoped locks), so a connection going back to it needs no reset: Npgsql's reset is seven statements run
    /// on the connection's next use, and a pass takes a connection twice. A connection string that says otherwise wins.
    /// </summary>
    private static string WithoutSessionReset(string connectionString)
    {
        var given = new DbConnectionStringBuilder { ConnectionString = connectionString };
        return given.ContainsKey("No Reset On Close") || given.ContainsKey("NoResetOnClose")
            ? connectionString
            : new NpgsqlConnectionStringBuilder(connectionString) { NoResetOnClose = true }.ConnectionString;
    }

    /// <summary>Opens the store of one collection.</summary>
    /// <typeparam name="TItem">The item type, stored as System.Text.Json in a <c>jsonb</c> column.</typeparam>
    /// <param name="collection">The collection (for example a calendar id); any non-blank text.</param>
    /// <exception cref="ArgumentException">The collection is blank.</exception>
    public PostgreSqlSyncStore<TItem> OpenStore<TItem>(string collection) => new(this, collection);

    /// <summary>Creates or upgrades the store's schema now instead of on first use.</summary>
    /// <exception cref="SyncStoreSchemaException">The database's schema is newer than this store.</exception>
    public async ValueTask EnsureSchemaAsync(CancellationToken cancellationToken = default)
    {
        if (_schemaReady)
        {
            return;
        }

        await _schemaLock.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (!_schemaReady)
            {
                await StoreSchema.EnsureAsync(DataSource, Schema, cancellationToken).ConfigureAwait(false);
                _schemaReady = true;
            }
        }
        finally
        {
            _schemaLock.Release();
        }
    }

    /// <summary>Reads a collection's lease, or <see langword="null"/> when no pass ever took one.</summary>
    public async ValueTask<SyncLease?> ReadLeaseAsync(string collection, CancellationToken cancellationToken = default)
    {
        await EnsureSchemaAsync(cancellationToken).ConfigureAwait(false);
        await using var command = DataSource.CreateCommand(
            $"SELECT epoch, holder, expires_at, expires_at > now() FROM {Schema}.leases WHERE collection = $1;");
        command.Parameters.AddWithValue(collection);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        return await reader.ReadAsync(cancellationToken).ConfigureAwait(false)
            ? new SyncLease(collection, reader.GetInt64(0), reader.GetString(1), reader.GetFieldValue<DateTimeOffset>(2), reader.GetBoolean(3))
            : null;
    }

    /// <summary>Reads a collection's committed state, or <see langword="null"/> when no pass ever committed.</summary>
    public async ValueTask<SyncCollectionState?> ReadStateAsync(string collection, CancellationToken cancellationToken = default)
    {
        await EnsureSchemaAsync(cancellationToken).ConfigureAwait(false);
        await using var command = DataSource.CreateCommand(
            $"SELECT sync_token, committed_epoch, commits, committed_at FROM {Schema}.state WHERE collection = $1;");
        command.Parameters.AddWithValue(collection);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        return await reader.ReadAsync(cancellationToken).ConfigureAwait(false)
            ? new SyncCollectionState(collection, reader.GetString(0), reader.GetInt64(1), reader.GetInt64(2), reader.GetFieldValue<DateTimeOffset>(3))
            : null;
    }

    /// <summary>Disposes the connection pool if this database created it.</summary>
    public async ValueTask DisposeAsync()
    {
        if (_ownsDataSource)
        {
            await DataSource.DisposeAsync().ConfigureAwait(false);
        }

        _schemaLock.Dispose();
    }
}
