using System;
using System.Collections.Generic;
using System.ComponentModel;
using System.Globalization;

namespace SyncGen.Infrastructure;

/// <summary>The checks and the retention rule every change feed applies, so that every store answers bad input alike.</summary>
[EditorBrowsable(EditorBrowsableState.Never)]
public static class SyncFeedRules
{
    /// <summary>The longest consumer name.</summary>
    public const int MaxConsumerLength = 200;

    /// <summary>Refuses a read position outside the feed or a limit below 1; throws <see cref="SyncFeedPrunedException"/> for a pruned position.</summary>
    /// <param name="after">The position to read after.</param>
    /// <param name="limit">The most changes to read.</param>
    /// <param name="head">The newest sequence number.</param>
    /// <param name="prunedThrough">The newest pruned sequence number.</param>
    public static void CheckRead(long after, int limit, long head, long prunedThrough)
    {
        if (limit < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(limit), limit, "A read of the change feed returns at least one change; the limit was below 1.");
        }

        CheckPosition(after, head, nameof(after));
        if (after < prunedThrough)
        {
            throw new SyncFeedPrunedException(after, prunedThrough);
        }
    }

    /// <summary>Refuses a blank or overlong consumer name.</summary>
    /// <param name="consumer">The name.</param>
    public static void CheckConsumer(string consumer)
    {
        if (string.IsNullOrWhiteSpace(consumer) || consumer.Length > MaxConsumerLength)
        {
            throw new ArgumentException(string.Create(CultureInfo.InvariantCulture,
                $"A change feed consumer needs a name of 1 to {MaxConsumerLength} characters, not blank; it was {(consumer is null ? "null" : $"{consumer.Length} characters")}."), nameof(consumer));
        }
    }

    /// <summary>Refuses an acknowledgement outside the feed or behind the consumer's cursor.</summary>
    /// <param name="consumer">The consumer.</param>
    /// <param name="sequence">The acknowledged sequence number.</param>
    /// <param name="head">The newest sequence number.</param>
    /// <param name="current">The consumer's cursor, or null for a new consumer.</param>
    public static void CheckAcknowledge(string consumer, long sequence, long head, long? current)
    {
        CheckConsumer(consumer);
        CheckPosition(sequence, head, nameof(sequence));
        if (current is { } cursor && sequence < cursor)
        {
            throw new ArgumentOutOfRangeException(nameof(sequence), sequence, string.Create(CultureInfo.InvariantCulture,
                $"Consumer '{consumer}' already acknowledged {cursor}; a cursor never goes back (that would deliver changes twice)."));
        }
    }

    /// <summary>The newest sequence number to prune through after a commit: what every consumer acknowledged, and whatever the cap leaves out.</summary>
    /// <param name="head">The newest sequence number.</param>
    /// <param name="prunedThrough">The newest sequence number pruned so far.</param>
    /// <param name="cursors">Every consumer's cursor; with none, only the cap prunes.</param>
    /// <param name="options">The feed's options.</param>
    /// <returns>The new pruned-through position, never below <paramref name="prunedThrough"/>.</returns>
    public static long PruneThrough(long head, long prunedThrough, IEnumerable<long> cursors, SyncChangeFeedOptions options)
    {
        ArgumentNullException.ThrowIfNull(cursors);
        ArgumentNullException.ThrowIfNull(options);
        long? slowest = null;
        foreach (var cursor in cursors)
        {
            slowest = slowest is { } s ? Math.Min(s, cursor) : cursor;
        }

        var target = Math.Max(slowest ?? 0, head - options.MaxRetainedChanges);
        return Math.Max(prunedThrough, target);
    }

    /// <summary>The feed is off: the store was created without <see cref="SyncChangeFeedOptions"/>.</summary>
    /// <param name="store">The store, for the message.</param>
    /// <returns>The exception to throw.</returns>
    public static InvalidOperationException Disabled(string store) =>
        new($"{store} keeps no change feed: create it with ChangeFeed = new SyncChangeFeedOptions() to record one.");

    /// <summary>The kind's name in the feed's stored and printed form: <c>added</c>, <c>updated</c>, <c>removed</c>.</summary>
    /// <param name="kind">The kind.</param>
    /// <returns>The name.</returns>
    public static string Name(SyncFeedChangeKind kind) => kind switch
    {
        SyncFeedChangeKind.Added => "added",
        SyncFeedChangeKind.Updated => "updated",
        SyncFeedChangeKind.Removed => "removed",
        _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, "Unknown change kind."),
    };

    /// <summary>The kind named <paramref name="name"/> (see <see cref="Name"/>), or null.</summary>
    /// <param name="name">The stored name.</param>
    /// <returns>The kind, or null for a name no version wrote.</returns>
    public static SyncFeedChangeKind? Parse(string? name) => name switch
    {
        "added" => SyncFeedChangeKind.Added,
        "updated" => SyncFeedChangeKind.Updated,
        "removed" => SyncFeedChangeKind.Removed,
        _ => null,
    };

    private static void CheckPosition(long position, long head, string parameter)
    {
        if (position < 0 || position > head)
        {
            throw new ArgumentOutOfRangeException(parameter, position, string.Create(CultureInfo.InvariantCulture,
                $"The change feed runs from 0 to {head}; {position} is {(position < 0 ? "negative" : "beyond its end")}."));
        }
    }
}
