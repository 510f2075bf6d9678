using System;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using SyncGen.PostgreSql;

namespace SyncGen.Hosting;

/// <summary>
/// Writes the outcome of each sync call into the <see cref="PostgreSqlSyncDatabase"/> the host registered (the one its
/// runner syncs into), so that the status page, the command line and the fleet gauges read it; a host without one
/// records nothing.
/// </summary>
/// <remarks>
/// Best effort: the call's own outcome is already decided (committed or not) and the job must still reschedule, so a
/// status write that fails is logged, never thrown.
/// </remarks>
internal sealed partial class SyncStatusRecorder(IServiceProvider services, ILogger<SyncStatusRecorder> logger)
{
    private readonly PostgreSqlSyncDatabase? _database = services.GetService<PostgreSqlSyncDatabase>();

    public Task SucceededAsync(string collection, SyncResult result, CancellationToken cancellationToken) =>
        RecordAsync(collection, database => database.RecordPassSucceededAsync(collection, result, cancellationToken));

    public Task FailedAsync(string collection, Exception failure, CancellationToken cancellationToken) =>
        RecordAsync(collection, database => database.RecordPassFailedAsync(collection, failure, cancellationToken));

    // Best effort: a status write that fails is logged and the job goes on; the sync call's own outcome stands.
    private async Task RecordAsync(string collection, Func<PostgreSqlSyncDatabase, ValueTask> write)
    {
        if (_database is null)
        {
            return;
        }

        try
        {
            await write(_database).ConfigureAwait(false);
        }
        catch (Exception exception) when (exception is not OperationCanceledException)
        {
            Log.NotRecorded(logger, collection, exception);
        }
    }

    private static partial class Log
    {
        [LoggerMessage(120, LogLevel.Warning, "{Collection}: the call's status could not be recorded; the status page shows the one before")]
        public static partial void NotRecorded(ILogger logger, string collection, Exception exception);
    }
}
