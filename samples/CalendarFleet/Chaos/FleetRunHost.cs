using System;
using System.IO;
using System.Text.Json;
using System.Threading;
using System.Threading.Tasks;
using SyncGen.TestSupport.PostgreSql;

namespace CalendarFleet.Chaos;

/// <summary>
/// What <c>chaos</c> and <c>push-bench</c> do around their run: a throwaway PostgreSQL cluster when no connection was
/// given, the report as the last output line, and one line plus an exit code for every way the run can end.
/// </summary>
internal static class FleetRunHost
{
    /// <summary>Runs <paramref name="run"/> on the database and prints its report; 0 when it passed, 1 when not or on a failure, 130 when cancelled.</summary>
    /// <param name="name">The run's name in messages (<c>chaos run</c>, <c>push-bench</c>).</param>
    /// <param name="connectionString">The database; null starts a throwaway cluster.</param>
    /// <param name="run">The run on a connection string.</param>
    /// <param name="passed">Whether the report passed.</param>
    /// <param name="output">Where progress and the report go.</param>
    /// <param name="cancellationToken">Stops the run; its workers are stopped by the run itself.</param>
    public static async Task<int> RunAsync<TReport>(
        string name,
        string? connectionString,
        Func<string, Task<TReport>> run,
        Func<TReport, bool> passed,
        TextWriter output,
        CancellationToken cancellationToken)
    {
        ThrowawayPostgreSql? throwaway = null;
        try
        {
            if (connectionString is null)
            {
                await output.WriteLineAsync("starting a throwaway PostgreSQL cluster (no --connection given)").ConfigureAwait(false);
                throwaway = await ThrowawayPostgreSql.StartAsync(cancellationToken: cancellationToken).ConfigureAwait(false);
                connectionString = throwaway.ConnectionString();
            }

            var report = await run(connectionString).ConfigureAwait(false);
            await output.WriteLineAsync(JsonSerializer.Serialize(report)).ConfigureAwait(false);
            return passed(report) ? 0 : 1;
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            await Console.Error.WriteLineAsync($"error: {name} cancelled; workers were stopped").ConfigureAwait(false);
            return 130;
        }
        catch (Exception exception) when (exception is PostgreSqlUnavailableException or Npgsql.NpgsqlException or InvalidOperationException)
        {
            // A failure while running (no database, workers that all died), not a bad flag: those were checked before.
            await Console.Error.WriteLineAsync($"error: {exception.Message.ReplaceLineEndings(" ")}").ConfigureAwait(false);
            return 1;
        }
        finally
        {
            if (throwaway is not null)
            {
                await throwaway.DisposeAsync().ConfigureAwait(false);
            }
        }
    }
}
