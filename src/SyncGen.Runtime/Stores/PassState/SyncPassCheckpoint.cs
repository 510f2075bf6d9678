using System;
using System.Buffers;
using System.Collections.Generic;
using System.Text;
using System.Text.Json;

namespace SyncGen;

/// <summary>
/// Where an uncommitted pass stood after its last staged page: the page token of the page after it, and what it had
/// staged. A store that keeps a dead pass's staged pages (<see cref="ISyncResumableStore{TItem}"/>) keeps it with them.
/// </summary>
/// <remarks>
/// A checkpoint is recorded in the same write as the page it follows, never before: recorded earlier, a crash would
/// resume past a page that was never staged (a loss); recorded later, the page would be staged twice.
/// </remarks>
public sealed record SyncPassCheckpoint
{
    /// <summary>The checkpoint layout this SyncGen writes and reads; a stored checkpoint of a later one is refused.</summary>
    public const int CurrentVersion = 1;

    /// <summary>The pass's kind.</summary>
    public required SyncPassKind Kind { get; init; }

    /// <summary>The sync token the pass started from; <see langword="null"/> for a full pass.</summary>
    public string? SyncToken { get; init; }

    /// <summary>The fingerprint of the query the pass ran (<see cref="ISyncQueryFingerprintStore"/>), or <see langword="null"/>.</summary>
    public string? QueryFingerprint { get; init; }

    /// <summary>The page token of the first page not staged yet.</summary>
    public required string NextPageToken { get; init; }

    /// <summary>Pages staged so far: the page resumed is page <c>PagesStaged + 1</c>.</summary>
    public required int PagesStaged { get; init; }

    /// <summary>Writes the checkpoint as one line of JSON, with its layout version.</summary>
    public string ToJson()
    {
        var buffer = new ArrayBufferWriter<byte>(256);
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            writer.WriteNumber("version", CurrentVersion);
            writer.WriteString("kind", Kind == SyncPassKind.Full ? "full" : "incremental");
            writer.WriteString("syncToken", SyncToken);
            writer.WriteString("queryFingerprint", QueryFingerprint);
            writer.WriteString("nextPageToken", NextPageToken);
            writer.WriteNumber("pagesStaged", PagesStaged);
            writer.WriteEndObject();
        }

        return Encoding.UTF8.GetString(buffer.WrittenSpan);
    }

    /// <summary>Reads a checkpoint written by <see cref="ToJson"/>.</summary>
    /// <param name="json">The stored text.</param>
    /// <param name="location">Where it was stored, for the error message.</param>
    /// <exception cref="SyncCheckpointException">The checkpoint is from a later SyncGen, or not a checkpoint.</exception>
    public static SyncPassCheckpoint Parse(string json, string location)
    {
        ArgumentNullException.ThrowIfNull(json);
        try
        {
            using var document = JsonDocument.Parse(json);
            var root = document.RootElement;
            var version = root.GetProperty("version").GetInt32();
            if (version > CurrentVersion)
            {
                throw new SyncCheckpointException(location,
                    $"it was written by a newer SyncGen (checkpoint version {version}; this one reads {CurrentVersion}); upgrade SyncGen, or delete the checkpoint to start the pass again");
            }

            var kind = root.GetProperty("kind").GetString() switch
            {
                "full" => SyncPassKind.Full,
                "incremental" => SyncPassKind.Incremental,
                var other => throw new SyncCheckpointException(location, $"its pass kind '{other}' is neither full nor incremental"),
            };
            var pages = root.GetProperty("pagesStaged").GetInt32();
            var next = root.GetProperty("nextPageToken").GetString();
            if (pages < 1 || string.IsNullOrEmpty(next))
            {
                throw new SyncCheckpointException(location, "it names no page to resume (pagesStaged < 1 or an empty nextPageToken)");
            }

            return new SyncPassCheckpoint
            {
                Kind = kind,
                SyncToken = root.GetProperty("syncToken").GetString(),
                QueryFingerprint = root.GetProperty("queryFingerprint").GetString(),
                NextPageToken = next,
                PagesStaged = pages,
            };
        }
        catch (Exception ex) when (ex is JsonException or KeyNotFoundException or InvalidOperationException or FormatException)
        {
            throw new SyncCheckpointException(location, $"it is not a checkpoint SyncGen reads ({ex.Message})", ex);
        }
    }
}

/// <summary>A stored checkpoint cannot be read: written by a later SyncGen, or damaged. Nothing was changed.</summary>
public sealed class SyncCheckpointException : Exception
{
    /// <summary>Creates the exception.</summary>
    /// <param name="location">Where the checkpoint is stored.</param>
    /// <param name="detail">What is wrong with it.</param>
    /// <param name="innerException">The parser's error, when there is one.</param>
    public SyncCheckpointException(string location, string detail, Exception? innerException = null)
        : base($"The pass checkpoint at '{location}' cannot be used: {detail}. The store was left unchanged.", innerException)
    {
        Location = location;
    }

    /// <summary>Where the checkpoint is stored.</summary>
    public string Location { get; }
}
