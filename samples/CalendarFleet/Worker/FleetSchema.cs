using System.Threading;
using System.Threading.Tasks;
using SyncGen.PostgreSql;

namespace CalendarFleet.Worker;

/// <summary>The fleet's own bookkeeping next to the store's tables: passes the fence refused (written by workers).</summary>
internal static class FleetSchema
{
    public static async Task EnsureAsync(PostgreSqlSyncDatabase database, CancellationToken cancellationToken)
    {
        await database.EnsureSchemaAsync(cancellationToken).ConfigureAwait(false);
        var s = database.Options.Schema;
        await using var command = database.DataSource.CreateCommand(
            $"""
            CREATE TABLE IF NOT EXISTS {s}.refusals (
                worker text NOT NULL,
                collection text NOT NULL,
                pass_epoch bigint NOT NULL,
                current_epoch bigint,
                at timestamptz NOT NULL DEFAULT clock_timestamp());
            """);
        await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }
}
