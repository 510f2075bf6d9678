using System;
using System.Collections.Generic;
using System.Collections.Immutable;
using System.Text.Json;
using System.Threading;
using System.Threading.Tasks;
using SyncGen.Infrastructure;

namespace SyncGen;

public sealed partial class InMemorySyncStore<TItem> : ISyncChangeFeed<TItem>
{
    private static readonly JsonSerializerOptions CompareOptions = new(JsonSerializerDefaults.Web);

    // Commits and acknowledgements each build the next snapshot from the current one: one at a time, so none is lost.
    private readonly object _publishGate = new();

    /// <summary>The change feed's options, or <see langword="null"/> (the default) for a store that keeps no feed.</summary>
    public SyncChangeFeedOptions? ChangeFeed { get; set; }

    /// <inheritdoc />
    public ValueTask<SyncFeedPage<TItem>> ReadChangesAsync(long after, int limit, CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();
        return new ValueTask<SyncFeedPage<TItem>>(FeedOrThrow().Read(after, limit));
    }

    /// <inheritdoc />
    public ValueTask<long?> ReadCursorAsync(string consumer, CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();
        return new ValueTask<long?>(FeedOrThrow().Cursor(consumer));
    }

    /// <inheritdoc />
    public ValueTask AcknowledgeAsync(string consumer, long sequence, CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();
        lock (_publishGate)
        {
            var current = Volatile.Read(ref _committed);
            var feed = FeedOrThrow().Acknowledge(consumer, sequence);
            Volatile.Write(ref _committed, current with { Feed = feed });
        }

        return default;
    }

    private FeedLog<TItem> FeedOrThrow() => ChangeFeed is null ? throw SyncFeedRules.Disabled("This InMemorySyncStore") : Volatile.Read(ref _committed).Feed;

    /// <summary>Publishes a committed pass, with its net changes in the feed when there is one.</summary>
    /// <param name="items">The new mirror.</param>
    /// <param name="syncToken">The new token.</param>
    /// <param name="queryFingerprint">The fingerprint of the query that made the token.</param>
    /// <param name="touched">The keys an incremental pass changed; null compares every key.</param>
    private void Publish(ImmutableDictionary<string, TItem> items, string syncToken, string? queryFingerprint, HashSet<string>? touched)
    {
        lock (_publishGate)
        {
            var before = Volatile.Read(ref _committed);
            var feed = before.Feed;
            if (ChangeFeed is { } options)
            {
                feed = feed.Append(FeedDiff.Compute(before.Items, items, touched, SameJson), options);
            }

            Volatile.Write(ref _committed, new Snapshot(items, syncToken, queryFingerprint, feed));
        }
    }

    // A store with no JSON of its own announces what a JSON store would: an item whose serialized form did not change
    // is not an update, whatever its type's equality says.
    private static bool SameJson(TItem before, TItem after) =>
        ReferenceEquals(before, after) || EqualityComparer<TItem>.Default.Equals(before, after)
        || JsonSerializer.SerializeToUtf8Bytes(before, CompareOptions).AsSpan().SequenceEqual(JsonSerializer.SerializeToUtf8Bytes(after, CompareOptions));
}
