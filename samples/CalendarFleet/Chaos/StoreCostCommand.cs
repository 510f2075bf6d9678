using System;
using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using CalendarFleet.Worker;
using SyncGen;
using SyncGen.PostgreSql;
using SyncGen.TestSupport.PostgreSql;

namespace CalendarFleet.Chaos;

/// <summary>
/// <c>store-cost</c>: the cost of one pass in the PostgreSQL store and in the SQLite store on this machine, the figure a
/// fleet is sized from. Each pass goes begin, apply pages, commit, on one collection after another, one at a time.
/// </summary>
internal static class StoreCostCommand
{
    public static Command Create()
    {
        var connection = new Option<string?>("--connection") { Description = "Npgsql connection string; without it a throwaway local cluster (durable: fsync on) is started." };
        var passes = new Option<int>("--passes") { Description = "Passes measured per store and shape.", DefaultValueFactory = _ => 400 };
        var command = new Command("store-cost", "Measure the cost of one sync pass in the PostgreSQL and SQLite stores.") { connection, passes };
        command.SetAction((parse, cancellationToken) => RunAsync(parse.GetValue(connection), parse.GetValue(passes), Console.Out, cancellationToken));
        return command;
    }

    private static async Task<int> RunAsync(string? connectionString, int passes, TextWriter output, CancellationToken cancellationToken)
    {
        ThrowawayPostgreSql? throwaway = null;
        var sqliteDirectory = Directory.CreateTempSubdirectory("store-cost-").FullName;
        try
        {
            if (connectionString is null)
            {
                throwaway = await ThrowawayPostgreSql.StartAsync(durable: true, cancellationToken: cancellationToken).ConfigureAwait(false);
                connectionString = throwaway.ConnectionString();
            }

            var schema = "cost_" + Guid.NewGuid().ToString("N")[..8];
            await using var database = PostgreSqlSyncDatabase.Create(connectionString, new PostgreSqlSyncStoreOptions { Schema = schema });
            var sqlitePath = Path.Combine(sqliteDirectory, "fleet.db");
            await output.WriteLineAsync($"{passes} passes per line, one at a time, {Environment.ProcessorCount} cores; PostgreSQL {(throwaway is null ? "as given" : "throwaway, fsync on")}, SQLite file in {sqliteDirectory}").ConfigureAwait(false);

            foreach (var (shape, kind, pages, perPage) in new[] { ("full pass, 1 page of 10 events", SyncPassKind.Full, 1, 10), ("incremental pass, 1 page of 2 changes", SyncPassKind.Incremental, 1, 2), ("full pass, 4 pages of 250 events", SyncPassKind.Full, 4, 250) })
            {
                var count = pages * perPage >= 1000 ? Math.Max(passes / 10, 10) : passes;
                var pg = await MeasureAsync(i => database.OpenStore<FleetEvent>($"c{i}"), kind, pages, perPage, count, cancellationToken).ConfigureAwait(false);
                var sqlite = await MeasureAsync(i => SqliteSyncStore<FleetEvent>.OpenFile(sqlitePath, $"c{i}"), kind, pages, perPage, count, cancellationToken).ConfigureAwait(false);
                await output.WriteLineAsync(string.Create(CultureInfo.InvariantCulture,
                    $"{shape}: PostgreSQL {pg.TotalMilliseconds:0.00} ms/pass, SQLite {sqlite.TotalMilliseconds:0.00} ms/pass ({count} passes)")).ConfigureAwait(false);
            }

            await using var drop = database.DataSource.CreateCommand($"DROP SCHEMA {schema} CASCADE;");
            await drop.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
            return 0;
        }
        finally
        {
            if (throwaway is not null)
            {
                await throwaway.DisposeAsync().ConfigureAwait(false);
            }

            Directory.Delete(sqliteDirectory, recursive: true);
        }
    }

    private static async Task<TimeSpan> MeasureAsync(Func<int, ISyncStore<FleetEvent>> open, SyncPassKind kind, int pages, int perPage, int passes, CancellationToken cancellationToken)
    {
        var page = Enumerable.Range(0, perPage).Select(i => SyncChange<FleetEvent>.Upsert($"evt-{i:D4}", new FleetEvent($"evt-{i:D4}", "confirmed", $"Event {i} with a summary of ordinary length"))).ToArray();

        // Warm up: pools, prepared plans, the schema, and the first rows of every collection measured below.
        for (var i = 0; i < passes; i++)
        {
            await PassAsync(open(i), SyncPassKind.Full, 1, page, cancellationToken).ConfigureAwait(false);
        }

        var clock = Stopwatch.StartNew();
        for (var i = 0; i < passes; i++)
        {
            await PassAsync(open(i), kind, pages, page, cancellationToken).ConfigureAwait(false);
        }

        return clock.Elapsed / passes;
    }

    private static async Task PassAsync(ISyncStore<FleetEvent> store, SyncPassKind kind, int pages, SyncChange<FleetEvent>[] page, CancellationToken cancellationToken)
    {
        _ = await store.ReadSyncTokenAsync(cancellationToken).ConfigureAwait(false);
        var writer = await store.BeginPassAsync(kind, cancellationToken).ConfigureAwait(false);
        await using (writer.ConfigureAwait(false))
        {
            for (var i = 0; i < pages; i++)
            {
                await writer.ApplyAsync(page, cancellationToken).ConfigureAwait(false);
            }

            await writer.CommitAsync("token", cancellationToken).ConfigureAwait(false);
        }
    }
}
