using System.Collections.Generic;
using System.Threading;
using System.Threading.Tasks;

namespace SyncGen;

/// <summary>A store that keeps what a dead pass staged, with its checkpoint, so that the next call can continue that pass.</summary>
/// <remarks>
/// A pass dies when its writer is disposed uncommitted (a failure, a cancellation) or its process is killed. A store
/// may keep its staged pages only where they survive that (process memory for a failure in the same process, a
/// database table for a kill). A commit drops the checkpoint and what it staged, and so does a new pass
/// (<see cref="ISyncStore{TItem}.BeginPassAsync"/>) once it writes, or earlier. The engine resumes only when the repository says its API still accepts
/// the page token later (<see cref="SyncOptions.ResumeInterruptedPasses"/>), and falls back to a fresh pass when the
/// server refuses it.
/// </remarks>
/// <typeparam name="TItem">The item type.</typeparam>
public interface ISyncResumableStore<TItem>
{
    /// <summary>Reads the checkpoint of a dead pass, or <see langword="null"/> when there is none (or its pass may still be running).</summary>
    /// <exception cref="SyncCheckpointException">The stored checkpoint was written by a later SyncGen, or is damaged.</exception>
    ValueTask<SyncPassCheckpoint?> ReadCheckpointAsync(CancellationToken cancellationToken = default);

    /// <summary>
    /// Continues the dead pass of <paramref name="checkpoint"/>: a writer that already holds every page it staged, or
    /// <see langword="null"/> when that checkpoint is no longer the store's (another pass began or committed since).
    /// </summary>
    ValueTask<ISyncPassWriter<TItem>?> ResumePassAsync(SyncPassCheckpoint checkpoint, CancellationToken cancellationToken = default);
}

/// <summary>A pass writer that records a checkpoint in the same write as a page; see <see cref="ISyncResumableStore{TItem}"/>.</summary>
/// <typeparam name="TItem">The item type.</typeparam>
public interface ISyncCheckpointWriter<TItem>
{
    /// <summary>Stages a page as <see cref="ISyncPassWriter{TItem}.ApplyAsync"/> does, and records <paramref name="checkpoint"/> with it.</summary>
    /// <remarks>A store that buffers pages before writing them keeps the checkpoint of the last page it wrote, so a resume never skips a page that was only buffered.</remarks>
    ValueTask ApplyAsync(IReadOnlyList<SyncChange<TItem>> changes, SyncPassCheckpoint checkpoint, CancellationToken cancellationToken = default);
}
