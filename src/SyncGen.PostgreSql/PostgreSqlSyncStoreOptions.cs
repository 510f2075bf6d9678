using System;
using System.Text.Json;
using System.Text.RegularExpressions;

namespace SyncGen.PostgreSql;

/// <summary>Settings of a <see cref="PostgreSqlSyncDatabase"/> and the stores it opens.</summary>
public sealed partial class PostgreSqlSyncStoreOptions
{
    private string _schema = "syncgen";
    private TimeSpan _leaseDuration = TimeSpan.FromMinutes(2);
    private string _holder = $"{Environment.MachineName}/{Environment.ProcessId}";
    private int _maxBufferedChanges = 4096;

    /// <summary>
    /// The PostgreSQL schema holding the store's tables (<c>items</c>, <c>state</c>, <c>leases</c>, <c>staging</c>,
    /// <c>schema_version</c>); created on first use. Lower-case letters, digits and underscores. <c>syncgen</c> by default.
    /// </summary>
    /// <exception cref="ArgumentException">The name is not a plain lower-case identifier.</exception>
    public string Schema
    {
        get => _schema;
        set => _schema = value is not null && IdentifierPattern().IsMatch(value)
            ? value
            : throw new ArgumentException($"The schema name must be a lower-case identifier (letters, digits, underscores, at most 63 characters, not starting with a digit); '{value}' is not.", nameof(value));
    }

    /// <summary>
    /// How long a pass keeps its collection's lease without renewing it. Every applied page renews it, so this bounds the
    /// time between two pages (network wait and retries included), not the length of a pass. A worker that dies leaves
    /// its collections locked for at most this long. Two minutes by default.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">The value is not positive.</exception>
    public TimeSpan LeaseDuration
    {
        get => _leaseDuration;
        set => _leaseDuration = value > TimeSpan.Zero ? value : throw new ArgumentOutOfRangeException(nameof(value), value, "The lease duration must be positive.");
    }

    /// <summary>Who takes leases, shown in <see cref="SyncLeaseHeldException"/> and <see cref="SyncLease.Holder"/>; machine/pid by default.</summary>
    /// <exception cref="ArgumentException">The value is blank.</exception>
    public string Holder
    {
        get => _holder;
        set => _holder = !string.IsNullOrWhiteSpace(value) ? value : throw new ArgumentException("The lease holder name must not be blank.", nameof(value));
    }

    /// <summary>How many changes a pass keeps in memory before it writes them to the database; 4,096 by default.</summary>
    /// <remarks>
    /// A pass that fits commits its changes, its token and the lease in one statement, one durable transaction: it
    /// holds the lease only for that statement, and a pass with no change that ends on the token it started from writes
    /// nothing at all. A larger pass takes the lease when it first writes, stages every page from then on (renewing the
    /// lease) and replays them at commit. 0 writes every page with changes at once, so the lease is held from the first
    /// such page. Items serialized to more than about 8 MB of JSON are written even below this count.
    /// </remarks>
    /// <exception cref="ArgumentOutOfRangeException">The value is negative.</exception>
    public int MaxBufferedChanges
    {
        get => _maxBufferedChanges;
        set => _maxBufferedChanges = value >= 0 ? value : throw new ArgumentOutOfRangeException(nameof(value), value, "The number of buffered changes cannot be negative.");
    }

    /// <summary>How items are serialized to <c>jsonb</c>; <see cref="JsonSerializerDefaults.Web"/> when <see langword="null"/>.</summary>
    public JsonSerializerOptions? SerializerOptions { get; set; }

    [GeneratedRegex("^[a-z_][a-z0-9_]{0,62}$")]
    private static partial Regex IdentifierPattern();
}
