using System;
using System.Collections.Generic;
using System.Collections.Immutable;
using System.Linq;
using SyncGen.Infrastructure;

namespace SyncGen;

/// <summary>
/// A change feed held as one immutable value, for the stores that publish their whole state at once (in memory, JSON
/// file): a commit builds the next log beside the next mirror and publishes both together.
/// </summary>
/// <typeparam name="TItem">The item type.</typeparam>
internal sealed record FeedLog<TItem>(ImmutableList<SyncFeedChange<TItem>> Changes, long Head, long PrunedThrough, ImmutableSortedDictionary<string, long> Cursors)
{
    public static FeedLog<TItem> Empty { get; } = new(ImmutableList<SyncFeedChange<TItem>>.Empty, 0, 0, ImmutableSortedDictionary.Create<string, long>(StringComparer.Ordinal));

    /// <summary>This log with a pass's net changes appended, then pruned.</summary>
    public FeedLog<TItem> Append(IReadOnlyList<(string Key, SyncFeedChangeKind Kind, TItem? Item)> changes, SyncChangeFeedOptions options)
    {
        if (changes.Count == 0)
        {
            return this;
        }

        var builder = Changes.ToBuilder();
        var seq = Head;
        foreach (var (key, kind, item) in changes)
        {
            builder.Add(new SyncFeedChange<TItem>(++seq, key, kind, item));
        }

        var pruneThrough = SyncFeedRules.PruneThrough(seq, PrunedThrough, Cursors.Values, options);
        var drop = builder.FindIndex(change => change.Sequence > pruneThrough);
        builder.RemoveRange(0, drop < 0 ? builder.Count : drop);
        return new FeedLog<TItem>(builder.ToImmutable(), seq, pruneThrough, Cursors);
    }

    public SyncFeedPage<TItem> Read(long after, int limit)
    {
        SyncFeedRules.CheckRead(after, limit, Head, PrunedThrough);

        // Sequence numbers are consecutive from PrunedThrough + 1, so the first change after `after` is found by index.
        var start = (int)(after - PrunedThrough);
        var count = Math.Min(limit, Changes.Count - start);
        var page = count > 0 ? Changes.GetRange(start, count) : ImmutableList<SyncFeedChange<TItem>>.Empty;
        return new SyncFeedPage<TItem>(page, count > 0 ? page[^1].Sequence : after, Head);
    }

    public FeedLog<TItem> Acknowledge(string consumer, long sequence)
    {
        SyncFeedRules.CheckAcknowledge(consumer, sequence, Head, Cursors.TryGetValue(consumer, out var current) ? current : null);
        return this with { Cursors = Cursors.SetItem(consumer, sequence) };
    }

    public long? Cursor(string consumer)
    {
        SyncFeedRules.CheckConsumer(consumer);
        return Cursors.TryGetValue(consumer, out var cursor) ? cursor : null;
    }
}

/// <summary>A pass's net changes: what differs between the mirror before and after its commit, in ordinal key order.</summary>
internal static class FeedDiff
{
    /// <param name="before">The mirror the commit replaces.</param>
    /// <param name="after">The mirror the commit writes.</param>
    /// <param name="keys">The keys the pass touched, or null to compare every key (a full pass).</param>
    /// <param name="same">Whether two items store the same.</param>
    public static List<(string Key, SyncFeedChangeKind Kind, TItem? Item)> Compute<TItem>(
        IReadOnlyDictionary<string, TItem> before,
        IReadOnlyDictionary<string, TItem> after,
        IEnumerable<string>? keys,
        Func<TItem, TItem, bool> same)
    {
        var candidates = keys ?? before.Keys.Concat(after.Keys).Distinct(StringComparer.Ordinal);
        var changes = new List<(string Key, SyncFeedChangeKind Kind, TItem? Item)>();
        foreach (var key in candidates.OrderBy(key => key, StringComparer.Ordinal))
        {
            var had = before.TryGetValue(key, out var old);
            var has = after.TryGetValue(key, out var now);
            if (has && !had)
            {
                changes.Add((key, SyncFeedChangeKind.Added, now));
            }
            else if (has && !same(old!, now!))
            {
                changes.Add((key, SyncFeedChangeKind.Updated, now));
            }
            else if (had && !has)
            {
                changes.Add((key, SyncFeedChangeKind.Removed, default));
            }
        }

        return changes;
    }
}
