using System;

namespace SyncGen;

/// <summary>What one <c>SyncAsync</c> call did.</summary>
public sealed record SyncResult
{
    /// <summary>The kind of the pass that completed (a call that recovered from expiry ends with a full pass).</summary>
    public required SyncPassKind Kind { get; init; }

    /// <summary>The kind of the first pass the call started with.</summary>
    public required SyncPassKind StartedAs { get; init; }

    /// <summary>Pages fetched by the completed pass.</summary>
    public required int Pages { get; init; }

    /// <summary>Items inserted or updated by the completed pass.</summary>
    public required int Upserts { get; init; }

    /// <summary>Deletions received by the completed pass (ids the store never held are ignored, but counted here).</summary>
    public required int Deletes { get; init; }

    /// <summary>
    /// Entries of the completed pass that were not about an item of the collection and were skipped (Drive: a change to
    /// a shared drive itself, such as losing access to it; see <see cref="SyncDialect.EntryKind"/>).
    /// </summary>
    public int SkippedEntries { get; init; }

    /// <summary>Expired sync tokens recovered from by a full sync within this call.</summary>
    public required int ExpiriesRecovered { get; init; }

    /// <summary>
    /// Requests retried after a transient failure, over all passes of the call. The retries of a first request sent
    /// early (<see cref="SyncOptions.SendFirstRequestEarly"/>) and then discarded are not counted: that request belonged
    /// to no pass. The retry log messages and metric count every retry sent.
    /// </summary>
    public required int Retries { get; init; }

    /// <summary>Wall-clock duration of the call.</summary>
    public required TimeSpan Duration { get; init; }

    /// <summary>The sync token stored at the end of the call.</summary>
    public required string SyncToken { get; init; }

    /// <summary>
    /// The page the completed pass continued from when it resumed a dead pass's checkpoint
    /// (<see cref="SyncOptions.ResumeInterruptedPasses"/>), or <see langword="null"/> when it started at page 1.
    /// </summary>
    /// <remarks><see cref="Pages"/> then counts the dead pass's pages too; this call fetched <c>Pages - ResumedAtPage + 1</c>.</remarks>
    public int? ResumedAtPage { get; init; }

    /// <summary><see langword="true"/> when the completed pass was a full sync.</summary>
    public bool WasFullSync => Kind == SyncPassKind.Full;
}
