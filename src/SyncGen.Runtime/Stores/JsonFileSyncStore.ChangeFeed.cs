using System;
using System.Collections.Generic;
using System.Collections.Immutable;
using System.Text.Json;
using System.Threading;
using System.Threading.Tasks;
using SyncGen.Infrastructure;

namespace SyncGen;

/// <remarks>
/// The feed lives in the store file beside the items, so one rename commits items, token and changes together:
/// <c>"changes": {"head": N, "prunedThrough": N, "cursors": {"name": N}, "entries": [{"seq", "key", "kind", "item"}]}</c>.
/// An earlier version ignores the property (and drops it on its next commit).
/// </remarks>
public sealed partial class JsonFileSyncStore<TItem> : ISyncChangeFeed<TItem>
{
    private const string ChangesProperty = "changes";

    /// <summary>The change feed's options, or <see langword="null"/> (the default) for a store that keeps no feed.</summary>
    /// <remarks>Each commit then compares the new mirror with the file's, item by item, as serialized JSON.</remarks>
    public SyncChangeFeedOptions? ChangeFeed { get; set; }

    /// <inheritdoc />
    /// <exception cref="SyncStoreCorruptException">The store file exists but cannot be read.</exception>
    public async ValueTask<SyncFeedPage<TItem>> ReadChangesAsync(long after, int limit, CancellationToken cancellationToken = default)
    {
        var feed = await LoadFeedAsync(cancellationToken).ConfigureAwait(false);
        return feed.Read(after, limit);
    }

    /// <inheritdoc />
    /// <exception cref="SyncStoreCorruptException">The store file exists but cannot be read.</exception>
    public async ValueTask<long?> ReadCursorAsync(string consumer, CancellationToken cancellationToken = default)
    {
        SyncFeedRules.CheckConsumer(consumer);
        var feed = await LoadFeedAsync(cancellationToken).ConfigureAwait(false);
        return feed.Cursor(consumer);
    }

    /// <inheritdoc />
    /// <exception cref="SyncStoreCorruptException">The store file exists but cannot be read.</exception>
    public async ValueTask AcknowledgeAsync(string consumer, long sequence, CancellationToken cancellationToken = default)
    {
        SyncFeedRules.CheckConsumer(consumer);
        if (ChangeFeed is null)
        {
            throw SyncFeedRules.Disabled($"The JSON sync store '{_path}'");
        }

        await _commitLock.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            var state = await LoadAsync(cancellationToken).ConfigureAwait(false);
            var feed = state.Feed.Acknowledge(consumer, sequence);
            if (feed.Cursors.TryGetValue(consumer, out var kept) && state.Feed.Cursors.TryGetValue(consumer, out var was) && kept == was)
            {
                return; // the same acknowledgement again: nothing to write
            }

            await WriteAsync(state.Items, state.SyncToken, state.QueryFingerprint, feed, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            _commitLock.Release();
        }
    }

    private async ValueTask<FeedLog<TItem>> LoadFeedAsync(CancellationToken cancellationToken)
    {
        if (ChangeFeed is null)
        {
            throw SyncFeedRules.Disabled($"The JSON sync store '{_path}'");
        }

        return (await LoadAsync(cancellationToken).ConfigureAwait(false)).Feed;
    }

    /// <summary>Writes a pass's mirror, token and query fingerprint, with its net changes against the file's mirror when the feed is on; under the commit lock.</summary>
    private async ValueTask WriteCommitAsync(Dictionary<string, TItem> items, string syncToken, string? fingerprint, CancellationToken cancellationToken)
    {
        var feed = FeedLog<TItem>.Empty;
        if (ChangeFeed is { } options)
        {
            // The whole file against the whole new mirror: whatever the pass kind, the changes are exactly what this
            // rename makes of the file, even if another instance committed after the pass began.
            var before = await LoadAsync(cancellationToken).ConfigureAwait(false);
            feed = before.Feed.Append(FeedDiff.Compute(before.Items, items, keys: null, SameJson), options);
        }

        await WriteAsync(items, syncToken, fingerprint, feed, cancellationToken).ConfigureAwait(false);
    }

    private bool SameJson(TItem before, TItem after) =>
        ReferenceEquals(before, after)
        || JsonSerializer.SerializeToUtf8Bytes(before, _serializerOptions).AsSpan().SequenceEqual(JsonSerializer.SerializeToUtf8Bytes(after, _serializerOptions));

    private async ValueTask WriteFeedAsync(Utf8JsonWriter writer, FeedLog<TItem> feed, CancellationToken cancellationToken)
    {
        writer.WriteStartObject(ChangesProperty);
        writer.WriteNumber("head", feed.Head);
        writer.WriteNumber("prunedThrough", feed.PrunedThrough);
        writer.WriteStartObject("cursors");
        foreach (var (consumer, cursor) in feed.Cursors)
        {
            writer.WriteNumber(consumer, cursor);
        }

        writer.WriteEndObject();
        writer.WriteStartArray("entries");
        foreach (var change in feed.Changes)
        {
            writer.WriteStartObject();
            writer.WriteNumber("seq", change.Sequence);
            writer.WriteString("key", change.Key);
            writer.WriteString("kind", SyncFeedRules.Name(change.Kind));
            writer.WritePropertyName("item");
            if (change.Kind == SyncFeedChangeKind.Removed)
            {
                writer.WriteNullValue();
            }
            else
            {
                JsonSerializer.Serialize(writer, change.Item, _serializerOptions);
            }

            writer.WriteEndObject();
            if (writer.BytesPending >= FlushThresholdBytes)
            {
                await writer.FlushAsync(cancellationToken).ConfigureAwait(false);
            }
        }

        writer.WriteEndArray();
        writer.WriteEndObject();
    }

    private FeedLog<TItem> ParseFeed(JsonElement element)
    {
        try
        {
            var head = element.GetProperty("head").GetInt64();
            var prunedThrough = element.GetProperty("prunedThrough").GetInt64();
            var cursors = ImmutableSortedDictionary.CreateBuilder<string, long>(StringComparer.Ordinal);
            foreach (var cursor in element.GetProperty("cursors").EnumerateObject())
            {
                cursors[cursor.Name] = cursor.Value.GetInt64();
            }

            var changes = ImmutableList.CreateBuilder<SyncFeedChange<TItem>>();
            var expected = prunedThrough + 1;
            foreach (var entry in element.GetProperty("entries").EnumerateArray())
            {
                var seq = entry.GetProperty("seq").GetInt64();
                var kind = SyncFeedRules.Parse(entry.GetProperty("kind").GetString())
                    ?? throw Corrupt($"change {seq} has an unknown kind.");
                if (seq != expected++)
                {
                    throw Corrupt($"change {seq} is out of sequence (expected {expected - 1}).");
                }

                var item = kind == SyncFeedChangeKind.Removed ? default : entry.GetProperty("item").Deserialize<TItem>(_serializerOptions);
                changes.Add(new SyncFeedChange<TItem>(seq, entry.GetProperty("key").GetString()!, kind, item));
            }

            if (expected - 1 != head || prunedThrough < 0 || prunedThrough > head)
            {
                throw Corrupt($"\"{ChangesProperty}\" holds changes {prunedThrough + 1} to {expected - 1} but says its head is {head}.");
            }

            return new FeedLog<TItem>(changes.ToImmutable(), head, prunedThrough, cursors.ToImmutable());
        }
        catch (Exception ex) when (ex is JsonException or InvalidOperationException or KeyNotFoundException or FormatException or NotSupportedException)
        {
            throw Corrupt($"\"{ChangesProperty}\" cannot be read ({ex.Message}).", ex);
        }
    }
}
