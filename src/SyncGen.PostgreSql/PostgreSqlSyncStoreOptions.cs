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

    /// <summary>How items are serialized to <c>jsonb</c>; <see cref="JsonSerializerDefaults.Web"/> when <see langword="null"/>.</summary>
    public JsonSerializerOptions? SerializerOptions { get; set; }

    [GeneratedRegex("^[a-z_][a-z0-9_]{0,62}$")]
    private static partial Regex IdentifierPattern();
}
