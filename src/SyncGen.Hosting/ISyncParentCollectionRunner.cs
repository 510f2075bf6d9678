using System.Collections.Generic;
using System.Threading;
using System.Threading.Tasks;

namespace SyncGen.Hosting;

/// <summary>
/// Runs the sync call of a parent collection (a user's calendar list) whose items name child collections (each calendar's
/// events), each of which the worker then syncs as a job of its own.
/// </summary>
/// <remarks>
/// The registered <see cref="ISyncCollectionRunner"/> implements this too. After each successful parent call the worker
/// creates the job of every child it returns that has none and deletes the job of every child it returned last time and
/// no longer does. The parent's own commit removes a dropped child's mirror and token
/// (<c>SyncFanOut.SyncParentAsync</c>); the job goes after it, so a child never has a job without its parent listing it for
/// longer than one reconciliation. Child collection names must be unique across parents (prefix them with the user when
/// two users may share a calendar).
/// </remarks>
public interface ISyncParentCollectionRunner
{
    /// <summary>Whether <paramref name="collection"/> is a parent, synced by <see cref="SyncParentAsync"/> rather than <see cref="ISyncCollectionRunner.SyncAsync"/>.</summary>
    /// <param name="collection">A collection id of a job.</param>
    bool IsParent(string collection);

    /// <summary>Syncs the parent <paramref name="collection"/> once and returns the child collections it lists after its commit.</summary>
    /// <param name="collection">The parent's collection id.</param>
    /// <param name="cancellationToken">Signalled on shutdown; a cancelled call leaves the store as it was.</param>
    /// <returns>What the call did and the collection ids of the children, whose jobs the worker reconciles.</returns>
    Task<SyncParentResult> SyncParentAsync(string collection, CancellationToken cancellationToken);
}

/// <summary>What one sync call of a parent collection did, and the child collections it lists now.</summary>
/// <param name="Result">The parent's sync.</param>
/// <param name="Children">The collection ids of its children after the commit (the job names): exactly the jobs the worker keeps for it.</param>
public sealed record SyncParentResult(SyncResult Result, IReadOnlyCollection<string> Children);
