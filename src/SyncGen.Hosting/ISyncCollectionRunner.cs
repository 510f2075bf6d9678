using System.Threading;
using System.Threading.Tasks;

namespace SyncGen.Hosting;

/// <summary>Runs one sync call of one collection; the application registers it so the worker can sync its collections.</summary>
/// <remarks>
/// A typical implementation opens the collection's store (<c>PostgreSqlSyncDatabase.OpenStore</c>), builds the generated
/// repository for it and returns <c>repository.SyncAsync(cancellationToken)</c>.
/// </remarks>
public interface ISyncCollectionRunner
{
    /// <summary>Syncs <paramref name="collection"/> once.</summary>
    /// <param name="collection">The collection id the job was scheduled for.</param>
    /// <param name="cancellationToken">Signalled on shutdown; a cancelled call leaves the store as it was.</param>
    /// <returns>What the call did.</returns>
    Task<SyncResult> SyncAsync(string collection, CancellationToken cancellationToken);
}
