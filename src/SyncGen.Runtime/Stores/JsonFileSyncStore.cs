using System;
using System.Buffers;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Text.Json;
using System.Threading;
using System.Threading.Tasks;
using SyncGen.Infrastructure;

namespace SyncGen;

/// <summary>A sync store kept in one JSON file, for small mirrors, tools and samples.</summary>
/// <remarks>
/// <para>
/// The file is <c>{"syncToken": "...", "items": {"key": item, ...}}</c>, keys sorted ordinally so that it diffs well.
/// Every commit rewrites the whole file.
/// </para>
/// <para>
/// A commit writes the complete new state to a temporary file in the same directory, makes it durable, then renames it
/// over the store file. The rename is atomic, so a crash leaves either the previous file or the new one, never a
/// mixture, and readers (in this process or another) always see one whole committed pass.
/// </para>
/// <para>
/// A missing file is an empty store with no sync token. A file that cannot be read is reported as a
/// <see cref="SyncStoreCorruptException"/> and left untouched: treating it as empty would silently turn the next sync
/// into a full one over a lost mirror.
/// </para>
/// <para>
/// A pass is staged in memory. A <see cref="SyncPassKind.Full"/> pass starts empty; an
/// <see cref="SyncPassKind.Incremental"/> pass starts from a copy of the state committed when the pass began, and its
/// commit replaces the file with that copy plus the pass's changes. Commits of one instance are serialised; passes of
/// one collection are expected not to overlap (the sync engine gates them), as with <see cref="InMemorySyncStore{TItem}"/>.
/// </para>
/// </remarks>
/// <typeparam name="TItem">The item type, serialized with System.Text.Json.</typeparam>
public sealed partial class JsonFileSyncStore<TItem> : ISyncStore<TItem>, ISyncQueryFingerprintStore
{
    private const string SyncTokenProperty = "syncToken";

    // Written only when a fingerprint was set; files without it (older ones) read as "none", which the engine accepts once.
    private const string QueryFingerprintProperty = "queryFingerprint";
    private const string ItemsProperty = "items";

    // Utf8JsonWriter buffers in memory until flushed; flushing in chunks keeps memory flat for large mirrors.
    private const int FlushThresholdBytes = 64 * 1024;

    private readonly string _path;
    private readonly string _directory;
    private readonly JsonSerializerOptions _serializerOptions;
    private readonly SemaphoreSlim _commitLock = new(1, 1);

    // Set once this instance has swept temp files a crashed commit left behind.
    private int _debrisSwept;

    // A commit's temp file lives for as long as one write of the mirror; one older than this belongs to a dead process.
    private static readonly TimeSpan DebrisAge = TimeSpan.FromHours(1);

    /// <summary>Creates a store over the JSON file at <paramref name="path"/>; the file is created by the first commit.</summary>
    /// <param name="path">The store file. Its directory is created on the first commit if needed.</param>
    /// <param name="serializerOptions">How items are serialized; <see cref="JsonSerializerDefaults.Web"/> when omitted.</param>
    /// <exception cref="ArgumentException"><paramref name="path"/> is null, empty, blank or not a valid file path.</exception>
    public JsonFileSyncStore(string path, JsonSerializerOptions? serializerOptions = null)
    {
        if (string.IsNullOrWhiteSpace(path))
        {
            throw new ArgumentException("The JSON sync store needs a file path; it was null or blank.", nameof(path));
        }

        try
        {
            _path = Path.GetFullPath(path);
        }
        catch (Exception ex) when (ex is NotSupportedException or PathTooLongException or ArgumentException)
        {
            throw new ArgumentException($"'{path}' is not a usable file path: {ex.Message}", nameof(path), ex);
        }

        if (Path.EndsInDirectorySeparator(_path))
        {
            throw new ArgumentException($"'{path}' names a directory; the JSON sync store needs a file path.", nameof(path));
        }

        _directory = Path.GetDirectoryName(_path) ?? throw new ArgumentException($"'{path}' has no parent directory.", nameof(path));
        _serializerOptions = serializerOptions ?? new JsonSerializerOptions(JsonSerializerDefaults.Web);
    }

    /// <summary>The full path of the store file.</summary>
    public string FilePath => _path;

    /// <inheritdoc />
    /// <exception cref="SyncStoreCorruptException">The store file exists but cannot be read.</exception>
    public async ValueTask<string?> ReadSyncTokenAsync(CancellationToken cancellationToken = default)
    {
        var state = await LoadAsync(cancellationToken).ConfigureAwait(false);
        return state.SyncToken;
    }

    /// <inheritdoc />
    /// <exception cref="SyncStoreCorruptException">The store file exists but cannot be read.</exception>
    public async ValueTask<string?> ReadQueryFingerprintAsync(CancellationToken cancellationToken = default)
    {
        var state = await LoadAsync(cancellationToken).ConfigureAwait(false);
        return state.QueryFingerprint;
    }

    /// <inheritdoc />
    /// <exception cref="SyncStoreCorruptException">An incremental pass was asked for and the store file cannot be read.</exception>
    public async ValueTask<ISyncPassWriter<TItem>> BeginPassAsync(SyncPassKind kind, CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();
        Dictionary<string, TItem> staged;
        if (kind == SyncPassKind.Full)
        {
            staged = new Dictionary<string, TItem>(StringComparer.Ordinal);
        }
        else if (kind == SyncPassKind.Incremental)
        {
            // LoadAsync builds a fresh dictionary, so the pass owns its copy and nobody else sees its staged changes.
            staged = (await LoadAsync(cancellationToken).ConfigureAwait(false)).Items;
        }
        else
        {
            throw new ArgumentException($"Unknown pass kind {kind}.", nameof(kind));
        }

        return new Writer(this, staged);
    }

    /// <inheritdoc />
    /// <exception cref="SyncStoreCorruptException">The store file exists but cannot be read.</exception>
    public async ValueTask<IReadOnlyList<KeyValuePair<string, TItem>>> ReadItemsAsync(CancellationToken cancellationToken = default)
    {
        var state = await LoadAsync(cancellationToken).ConfigureAwait(false);
        return state.Items.OrderBy(pair => pair.Key, StringComparer.Ordinal).ToList();
    }

    // The file is re-read on every call rather than cached: another instance or another process may have renamed a new
    // file into place since, and file timestamps are too coarse on some file systems to tell two commits apart.
    private async ValueTask<State> LoadAsync(CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        SweepDebrisOnce();
        FileStream stream;
        try
        {
            // FileShare.Delete lets a concurrent commit rename over the file while we read (needed on Windows);
            // we keep reading the old, complete version.
            stream = new FileStream(_path, FileMode.Open, FileAccess.Read, FileShare.Read | FileShare.Delete, bufferSize: 1, FileOptions.Asynchronous | FileOptions.SequentialScan);
        }
        catch (Exception ex) when (ex is FileNotFoundException or DirectoryNotFoundException)
        {
            return new State(new Dictionary<string, TItem>(StringComparer.Ordinal), null, null, FeedLog<TItem>.Empty);
        }

        await using (stream.ConfigureAwait(false))
        {
            JsonDocument document;
            try
            {
                var documentOptions = new JsonDocumentOptions { MaxDepth = Math.Max(_serializerOptions.MaxDepth, 64) + 2 };
                document = await JsonDocument.ParseAsync(stream, documentOptions, cancellationToken).ConfigureAwait(false);
            }
            catch (JsonException ex)
            {
                throw Corrupt($"it is not valid JSON ({ex.Message}).", ex);
            }

            using (document)
            {
                return Parse(document.RootElement);
            }
        }
    }

    private State Parse(JsonElement root)
    {
        if (root.ValueKind != JsonValueKind.Object)
        {
            throw Corrupt($"the top level is a JSON {Describe(root.ValueKind)}, not an object with \"{SyncTokenProperty}\" and \"{ItemsProperty}\".");
        }

        string? syncToken = null;
        string? fingerprint = null;
        Dictionary<string, TItem>? items = null;
        var feed = FeedLog<TItem>.Empty;
        var sawToken = false;
        foreach (var property in root.EnumerateObject())
        {
            if (property.NameEquals(SyncTokenProperty))
            {
                if (sawToken)
                {
                    throw Corrupt($"\"{SyncTokenProperty}\" appears twice.");
                }

                sawToken = true;
                syncToken = property.Value.ValueKind switch
                {
                    JsonValueKind.Null => null,
                    JsonValueKind.String when property.Value.GetString() is { Length: > 0 } token => token,
                    JsonValueKind.String => throw Corrupt($"\"{SyncTokenProperty}\" is an empty string; commits never store one."),
                    var other => throw Corrupt($"\"{SyncTokenProperty}\" is a JSON {Describe(other)}, not a string or null."),
                };
            }
            else if (property.NameEquals(QueryFingerprintProperty))
            {
                fingerprint = property.Value.ValueKind == JsonValueKind.String
                    ? property.Value.GetString()
                    : throw Corrupt($"\"{QueryFingerprintProperty}\" is a JSON {Describe(property.Value.ValueKind)}, not a string.");
            }
            else if (property.NameEquals(ItemsProperty))
            {
                if (items is not null)
                {
                    throw Corrupt($"\"{ItemsProperty}\" appears twice.");
                }

                items = ParseItems(property.Value);
            }
            else if (property.NameEquals(ChangesProperty))
            {
                feed = ParseFeed(property.Value);
            }

            // Other top-level properties are ignored so that a later version may add some without breaking this one.
        }

        if (!sawToken)
        {
            throw Corrupt($"the \"{SyncTokenProperty}\" property is missing.");
        }

        if (items is null)
        {
            throw Corrupt($"the \"{ItemsProperty}\" property is missing.");
        }

        return new State(items, syncToken, fingerprint, feed);
    }

    private Dictionary<string, TItem> ParseItems(JsonElement element)
    {
        if (element.ValueKind != JsonValueKind.Object)
        {
            throw Corrupt($"\"{ItemsProperty}\" is a JSON {Describe(element.ValueKind)}, not an object of items by key.");
        }

        var items = new Dictionary<string, TItem>(StringComparer.Ordinal);
        foreach (var property in element.EnumerateObject())
        {
            TItem? item;
            try
            {
                item = property.Value.Deserialize<TItem>(_serializerOptions);
            }
            catch (Exception ex) when (ex is JsonException or NotSupportedException or InvalidOperationException)
            {
                throw Corrupt($"item '{property.Name}' cannot be read as {typeof(TItem).Name} ({ex.Message}).", ex);
            }

            if (item is null)
            {
                throw Corrupt($"item '{property.Name}' is null; the store only holds upserted items.");
            }

            if (!items.TryAdd(property.Name, item))
            {
                throw Corrupt($"item key '{property.Name}' appears twice.");
            }
        }

        return items;
    }

    private async ValueTask WriteAsync(Dictionary<string, TItem> items, string? syncToken, string? fingerprint, FeedLog<TItem> feed, CancellationToken cancellationToken)
    {
        Directory.CreateDirectory(_directory);
        SweepDebrisOnce();

        // The mirror holds private data: a new store is owner-only, and a rename must not reset a mode the user chose.
        UnixFileMode? mode = OperatingSystem.IsWindows() ? null
            : File.Exists(_path) ? File.GetUnixFileMode(_path)
            : UnixFileMode.UserRead | UnixFileMode.UserWrite;

        // Same directory as the target, so the final rename never crosses file systems and stays atomic. The name is
        // unique so that another instance committing to the same path at the same time cannot collide with us.
        var tempPath = Path.Combine(_directory, $"{Path.GetFileName(_path)}.{Guid.NewGuid():N}.tmp");
        try
        {
            // WriteThrough makes each write reach the disk before it completes (O_SYNC / FILE_FLAG_WRITE_THROUGH): the
            // asynchronous equivalent of a final fsync, so the file we rename into place is never a hollow one after a
            // power loss. Writes are batched to FlushThresholdBytes to keep the number of synchronous writes low.
            var options = new FileStreamOptions
            {
                Mode = FileMode.CreateNew,
                Access = FileAccess.Write,
                Share = FileShare.None,
                BufferSize = 1,
                Options = FileOptions.Asynchronous | FileOptions.WriteThrough,
            };
            if (mode is not null && !OperatingSystem.IsWindows())
            {
                options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
            }

            var stream = new FileStream(tempPath, options);
            if (mode is { } keptMode && !OperatingSystem.IsWindows())
            {
                // Exactly the kept mode, whatever the umask (which filters UnixCreateMode).
                File.SetUnixFileMode(tempPath, keptMode);
            }

            await using (stream.ConfigureAwait(false))
            {
                var writerOptions = new JsonWriterOptions
                {
                    Indented = _serializerOptions.WriteIndented,
                    Encoder = _serializerOptions.Encoder,
                    MaxDepth = Math.Max(_serializerOptions.MaxDepth, 64) + 2,
                };
                var writer = new Utf8JsonWriter(stream, writerOptions);
                await using (writer.ConfigureAwait(false))
                {
                    writer.WriteStartObject();
                    writer.WriteString(SyncTokenProperty, syncToken);
                    if (fingerprint is not null)
                    {
                        writer.WriteString(QueryFingerprintProperty, fingerprint);
                    }

                    writer.WriteStartObject(ItemsProperty);
                    foreach (var key in items.Keys.OrderBy(key => key, StringComparer.Ordinal))
                    {
                        writer.WritePropertyName(key);
                        JsonSerializer.Serialize(writer, items[key], _serializerOptions);
                        if (writer.BytesPending >= FlushThresholdBytes)
                        {
                            await writer.FlushAsync(cancellationToken).ConfigureAwait(false);
                        }
                    }

                    writer.WriteEndObject();
                    if (ChangeFeed is not null || feed.Head > 0)
                    {
                        await WriteFeedAsync(writer, feed, cancellationToken).ConfigureAwait(false);
                    }

                    writer.WriteEndObject();
                    await writer.FlushAsync(cancellationToken).ConfigureAwait(false);
                }

                await stream.FlushAsync(cancellationToken).ConfigureAwait(false);
            }

            // Last point at which cancelling is still clean: after the rename the pass is committed.
            cancellationToken.ThrowIfCancellationRequested();
            File.Move(tempPath, _path, overwrite: true);
        }
        catch
        {
            TryDelete(tempPath);
            throw;
        }
    }

    /// <summary>
    /// Deletes this store's temp files (<c>{name}.{guid}.tmp</c>) that a crash mid-commit left behind. Only files older
    /// than <see cref="DebrisAge"/>: a younger one may be another process's commit in progress.
    /// </summary>
    private void SweepDebrisOnce()
    {
        if (Interlocked.Exchange(ref _debrisSwept, 1) != 0 || !Directory.Exists(_directory))
        {
            return;
        }

        var prefix = Path.GetFileName(_path) + ".";
        foreach (var candidate in Directory.EnumerateFiles(_directory, prefix + "*.tmp"))
        {
            var middle = Path.GetFileName(candidate)[prefix.Length..^".tmp".Length];
            if (middle.Length == 32 && Guid.TryParseExact(middle, "N", out _) && DateTime.UtcNow - File.GetLastWriteTimeUtc(candidate) > DebrisAge)
            {
                TryDelete(candidate);
            }
        }
    }

    private static void TryDelete(string path)
    {
        try
        {
            File.Delete(path);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            // Best effort: the original failure is the one worth reporting, and a stray temp file never shadows the store.
        }
    }

    private SyncStoreCorruptException Corrupt(string detail, Exception? inner = null) => new(_path, detail, inner);

    private static string Describe(JsonValueKind kind) => kind switch
    {
        JsonValueKind.Object => "object",
        JsonValueKind.Array => "array",
        JsonValueKind.String => "string",
        JsonValueKind.Number => "number",
        JsonValueKind.True or JsonValueKind.False => "boolean",
        JsonValueKind.Null => "null",
        _ => "value of unknown kind",
    };

    private sealed record State(Dictionary<string, TItem> Items, string? SyncToken, string? QueryFingerprint, FeedLog<TItem> Feed);

    // Not thread-safe: one pass is driven by one caller, page after page.
    private sealed class Writer(JsonFileSyncStore<TItem> store, Dictionary<string, TItem> staged) : ISyncPassWriter<TItem>, ISyncQueryFingerprintWriter
    {
        private Dictionary<string, TItem>? _staged = staged;
        private string? _fingerprint;

        public void SetQueryFingerprint(string? fingerprint) => _fingerprint = fingerprint;

        // Each upsert is serialized into this one buffer when its page is applied, then dropped (null until needed).
        private ArrayBufferWriter<byte>? _itemJson;
        private Utf8JsonWriter? _itemWriter;

        public ValueTask ApplyAsync(IReadOnlyList<SyncChange<TItem>> changes, CancellationToken cancellationToken = default)
        {
            ArgumentNullException.ThrowIfNull(changes);
            var target = _staged ?? throw Done();
            cancellationToken.ThrowIfCancellationRequested();

            // Validate the whole page first so that a bad page leaves the staged pass exactly as it was. Items are written
            // only at commit, but an item that serializes to null or not at all must be refused here, with its page, as
            // the database stores refuse it: at commit it would fail the whole pass, or be stored and break every read.
            // It costs a second serialization of the page's items, next to the commit's rewrite of every item.
            SyncChangeValidation.Validate(changes, nameof(changes));
            for (var i = 0; i < changes.Count; i++)
            {
                if (!changes[i].IsDelete)
                {
                    SyncChangeValidation.ValidateSerializedItem(Serialize(changes[i].Item!), i, changes[i].Key, nameof(changes));
                }
            }

            foreach (var change in changes)
            {
                if (change.IsDelete)
                {
                    target.Remove(change.Key);
                }
                else
                {
                    target[change.Key] = change.Item!;
                }
            }

            return default;
        }

        public async ValueTask CommitAsync(string syncToken, CancellationToken cancellationToken = default)
        {
            if (string.IsNullOrEmpty(syncToken))
            {
                throw new ArgumentException("A pass commits with the server's next sync token; it was empty.", nameof(syncToken));
            }

            var items = _staged ?? throw Done();
            await store._commitLock.WaitAsync(cancellationToken).ConfigureAwait(false);
            try
            {
                await store.WriteCommitAsync(items, syncToken, _fingerprint, cancellationToken).ConfigureAwait(false);
            }
            finally
            {
                store._commitLock.Release();
            }

            // Only a successful commit ends the writer: after a failed or cancelled one the pass is still staged and the
            // commit may be retried.
            End();
        }

        public ValueTask DisposeAsync()
        {
            End();
            return default;
        }

        private ReadOnlySpan<byte> Serialize(TItem item)
        {
            // The writer takes the settings the commit's writer gives the item (encoder, indentation, depth).
            var options = store._serializerOptions;
            _itemJson ??= new ArrayBufferWriter<byte>(1024);
            _itemWriter ??= new Utf8JsonWriter(_itemJson, new JsonWriterOptions
            {
                Encoder = options.Encoder,
                Indented = options.WriteIndented,
                MaxDepth = Math.Max(options.MaxDepth, 64),
            });
            _itemJson.ResetWrittenCount();
            _itemWriter.Reset(_itemJson);
            JsonSerializer.Serialize(_itemWriter, item, options);
            _itemWriter.Flush();
            return _itemJson.WrittenSpan;
        }

        private void End()
        {
            _staged = null;
            _itemWriter?.Dispose();
            _itemWriter = null;
            _itemJson = null;
        }

        private static InvalidOperationException Done() => new("This pass writer was already committed or disposed.");
    }
}
