using System.Threading;
using System.Threading.Tasks;
using SyncGen.PostgreSql;

namespace CalendarFleet.Chaos;

/// <summary>What a run leaves in a shared database, removed at its end.</summary>
internal static class RunCleanup
{
    /// <summary>Removes the run's schema and its scheduler's rows from Quartz's tables, so a shared database is left as found.</summary>
    public static async Task DropRunAsync(PostgreSqlSyncDatabase database, string schedulerName)
    {
        await using var command = database.DataSource.CreateCommand(
            $"""
            DROP SCHEMA {database.Options.Schema} CASCADE;
            DO $do$
            DECLARE t text;
            BEGIN
                FOR t IN SELECT table_name FROM information_schema.columns
                         WHERE table_schema = current_schema() AND table_name LIKE 'qrtz\_%' AND column_name = 'sched_name'
                         -- children before parents: trigger details, then triggers, then jobs
                         ORDER BY CASE WHEN table_name LIKE '%job\_details' THEN 2 WHEN table_name = 'qrtz_triggers' THEN 1 ELSE 0 END
                LOOP
                    EXECUTE format('DELETE FROM %I WHERE sched_name = %L', t, '{schedulerName}');
                END LOOP;
            END $do$;
            """);
        await command.ExecuteNonQueryAsync(CancellationToken.None).ConfigureAwait(false);
    }
}
