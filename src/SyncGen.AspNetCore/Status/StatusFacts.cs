using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using SyncGen.PostgreSql;

namespace SyncGen.AspNetCore;

/// <summary>How a collection looks to an operator, worst first.</summary>
internal enum CollectionState
{
    /// <summary>Its last call failed.</summary>
    Failing,

    /// <summary>No successful call for longer than the stale threshold.</summary>
    Stale,

    /// <summary>Never synced successfully (and not failing).</summary>
    Never,

    /// <summary>Synced recently.</summary>
    Healthy,
}

/// <summary>The words and numbers the pages show for a collection's facts.</summary>
internal static class StatusFacts
{
    public static CollectionState StateOf(SyncCollectionStatus c, TimeSpan staleAfter) =>
        c.IsFailing ? CollectionState.Failing
        : c.Freshness is not { } freshness ? CollectionState.Never
        : freshness > staleAfter ? CollectionState.Stale
        : CollectionState.Healthy;

    public static string Name(CollectionState state) => state switch
    {
        CollectionState.Failing => "failing",
        CollectionState.Stale => "stale",
        CollectionState.Never => "never synced",
        _ => "healthy",
    };

    public static string CssClass(CollectionState state) => state switch
    {
        CollectionState.Never => "never",
        _ => Name(state),
    };

    /// <summary>token-expired past the lifetime, token-near past 80% of it (about a day of a 7-day token), else token-ok.</summary>
    public static string TokenMark(TimeSpan? age, TimeSpan? lifetime) =>
        age is not { } a || lifetime is not { } l ? "token-ok"
        : a >= l ? "token-expired"
        : a >= l * 0.8 ? "token-near"
        : "token-ok";

    public static string Duration(TimeSpan span)
    {
        var s = Math.Max(0, span.TotalSeconds);
        return s switch
        {
            < 90 => string.Create(CultureInfo.InvariantCulture, $"{s:0} s"),
            < 90 * 60 => string.Create(CultureInfo.InvariantCulture, $"{s / 60:0} min"),
            < 36 * 3600 => string.Create(CultureInfo.InvariantCulture, $"{s / 3600:0.0} h"),
            _ => string.Create(CultureInfo.InvariantCulture, $"{s / 86400:0.0} d"),
        };
    }

    public static string Time(DateTimeOffset? at) =>
        at is { } value ? value.ToUniversalTime().ToString("yyyy-MM-dd HH:mm:ss'Z'", CultureInfo.InvariantCulture) : "never";

    public static string Pass(SyncCollectionStatus c) =>
        c.LastPassAt is null ? "none recorded"
        : string.Create(CultureInfo.InvariantCulture, $"{(c.LastPassKind == SyncPassKind.Full ? "full" : "incremental")}, {c.LastPassPages} pages, {c.LastPassChanges} changes, {c.LastPassDuration?.TotalSeconds:0.0} s");

    public static string Lease(SyncCollectionStatus c) =>
        c.LeaseHolder is null ? "never taken" : c.LeaseIsLive ? $"held by {c.LeaseHolder}" : $"free (last {c.LeaseHolder})";

    public static string Channel(SyncCollectionStatus c) => c.ChannelExpiresAt is null ? "no channel" : Time(c.ChannelExpiresAt);

    public static string OneLine(string text) => text.ReplaceLineEndings(" ").Trim();
}

/// <summary>The table's orders: each puts what needs attention first.</summary>
internal sealed class StatusOrder
{
    public static readonly StatusOrder Staleness = new("staleness", rows => rows
        .OrderByDescending(c => c.Freshness is null)
        .ThenByDescending(c => c.Freshness)
        .ThenBy(c => c.Collection, StringComparer.Ordinal));

    public static readonly StatusOrder Failures = new("failures", rows => rows
        .OrderByDescending(c => c.ConsecutiveFailures)
        .ThenByDescending(c => c.LastFailureAt)
        .ThenBy(c => c.Collection, StringComparer.Ordinal));

    public static readonly StatusOrder Token = new("token", rows => rows
        .OrderByDescending(c => c.TokenAge)
        .ThenBy(c => c.Collection, StringComparer.Ordinal));

    public static readonly StatusOrder Id = new("id", rows => rows.OrderBy(c => c.Collection, StringComparer.Ordinal));

    private static readonly StatusOrder[] All = [Staleness, Failures, Token, Id];

    private readonly Func<IEnumerable<SyncCollectionStatus>, IEnumerable<SyncCollectionStatus>> _apply;

    private StatusOrder(string name, Func<IEnumerable<SyncCollectionStatus>, IEnumerable<SyncCollectionStatus>> apply)
    {
        Name = name;
        _apply = apply;
    }

    public string Name { get; }

    /// <summary>The order named <paramref name="sort"/>; staleness when missing or unknown (a bookmark of an old page still opens).</summary>
    public static StatusOrder Parse(string? sort) => All.FirstOrDefault(o => string.Equals(o.Name, sort, StringComparison.OrdinalIgnoreCase)) ?? Staleness;

    public IReadOnlyList<SyncCollectionStatus> Apply(IEnumerable<SyncCollectionStatus> rows) => _apply(rows).ToList();
}

/// <summary>The freshness histogram's buckets; collections never synced have their own.</summary>
internal static class FreshnessBuckets
{
    private static readonly (string Id, string Label, TimeSpan Below)[] Buckets =
    [
        ("1m", "under 1 min", TimeSpan.FromMinutes(1)),
        ("5m", "1 to 5 min", TimeSpan.FromMinutes(5)),
        ("15m", "5 to 15 min", TimeSpan.FromMinutes(15)),
        ("1h", "15 min to 1 h", TimeSpan.FromHours(1)),
        ("6h", "1 to 6 h", TimeSpan.FromHours(6)),
        ("1d", "6 h to 1 d", TimeSpan.FromDays(1)),
        ("more", "over 1 d", TimeSpan.MaxValue),
    ];

    public static IReadOnlyList<((string Id, string Label) Bucket, int Count)> Count(IReadOnlyList<SyncCollectionStatus> collections)
    {
        var counts = new int[Buckets.Length + 1];
        foreach (var c in collections)
        {
            counts[c.Freshness is { } f ? Array.FindIndex(Buckets, b => f < b.Below) : Buckets.Length]++;
        }

        return Buckets.Select((b, i) => ((b.Id, b.Label), counts[i])).Append((("never", "never synced"), counts[^1])).ToList();
    }
}
