using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Threading.Tasks;
using CalendarSync.CalendarApi;
using CalendarSync.Repository;
using Npgsql;
using NpgsqlTypes;
using SyncGen.PostgreSql;
using SyncGen.Testing.FakeServer;
using SyncGen.TestSupport.PostgreSql;

namespace SyncGen.Benchmarks;

/// <summary>
/// Issue 21: the PostgreSQL store against a user's own loop (<see cref="HandLoopDirectPostgreSql"/>) and, for a full sync,
/// against the machine's limits measured in the same run (loopback transfer + System.Text.Json parse + binary COPY).
/// A throwaway cluster with fsync and synchronous commit on. Every variant runs once per iteration, the order reversed
/// every other iteration; ratios are paired by iteration (or by block of calls).
/// </summary>
internal static class PostgreSqlBenchmark
{
    private const int Events = 100_000;
    private const int PageSize = 2_500;
    private const int IncrementalChanges = 1_000;
    private const int NoChangeEvents = 1_000;
    private const int FleetCalendars = 1_000;
    private const int FleetEvents = 10;
    private const int FleetParallelism = 8;

    public static async Task RunAsync(bool quick)
    {
        await using var cluster = await ThrowawayPostgreSql.StartAsync(durable: true).ConfigureAwait(false);
        var connectionString = await cluster.CreateDatabaseAsync("bench").ConfigureAwait(false);

        // The same pool settings for the store and the hand loop: statements prepared after their second use, and no
        // session reset when a connection goes back to the pool (neither side leaves session state; the reset is seven
        // statements of server work on the next use, and a store pass rents a connection twice where the hand loop
        // rents once: with it, the fleet ran at 0.6-0.7x the hand loop, without it at 1.0x).
        connectionString += Environment.GetEnvironmentVariable("SYNCGEN_BENCH_PG_POOL") ?? ";Max Auto Prepare=64;Auto Prepare Min Usages=2;No Reset On Close=true";
        await using var database = PostgreSqlSyncDatabase.Create(connectionString);
        await using var hand = NpgsqlDataSource.Create(connectionString);
        await database.EnsureSchemaAsync().ConfigureAwait(false);
        await using (var schema = hand.CreateCommand(HandLoopDirectPostgreSql.Schema + "CREATE TABLE IF NOT EXISTS limit_items (collection text NOT NULL, key text NOT NULL, item jsonb NOT NULL, PRIMARY KEY (collection, key));"))
        {
            await schema.ExecuteNonQueryAsync().ConfigureAwait(false);
        }

        Report.Note("PostgreSQL 15 throwaway cluster, fsync and synchronous_commit on, shared_buffers 64MB, otherwise defaults; client and server on the same 2 cores");
        // SYNCGEN_BENCH_PG_PARTS=full,incremental,no-change,fleet (default all) runs a subset; SYNCGEN_BENCH_PG_POOL
        // replaces the pool settings appended to the connection string of both sides.
        var parts = (Environment.GetEnvironmentVariable("SYNCGEN_BENCH_PG_PARTS") ?? "full,incremental,no-change,fleet").Split(',');
        Load("start");
        if (parts.Contains("full"))
        {
            await FullAsync(database, hand, quick).ConfigureAwait(false);
            Load("after_full");
        }

        if (parts.Contains("incremental"))
        {
            await IncrementalAsync(database, hand, quick).ConfigureAwait(false);
            Load("after_incremental");
        }

        if (parts.Contains("no-change"))
        {
            await NoChangeAsync(database, hand, quick).ConfigureAwait(false);
            Load("after_no_change");
        }

        if (parts.Contains("fleet"))
        {
            await FleetAsync(database, hand, quick).ConfigureAwait(false);
            Load("end");
        }
    }

    private static void Load(string when) => Report.Line($"postgresql.loadavg.{when}", File.ReadAllText("/proc/loadavg").Trim());

    /// <summary>Empties every table of both sides and checkpoints, off the clock, so that each run starts alike.</summary>
    private static async Task ResetAsync(NpgsqlDataSource hand)
    {
        await using var reset = hand.CreateCommand("TRUNCATE syncgen.items, syncgen.state, syncgen.leases, syncgen.staging, hand.events, hand.sync_state, limit_items; CHECKPOINT;");
        await reset.ExecuteNonQueryAsync().ConfigureAwait(false);
    }

    private static async Task FullAsync(PostgreSqlSyncDatabase database, NpgsqlDataSource hand, bool quick)
    {
        await using var server = await RemoteServer.StartAsync(Events, prerendered: true).ConfigureAwait(false);
        using var service = CalendarService.Create(server.BaseUri.ToString());
        using var stjService = CalendarService.Create(server.BaseUri.ToString(), pageReader: PageReader.SystemTextJson);
        using var limits = await MachineLimits.PrepareAsync(server.BaseUri, PageSize).ConfigureAwait(false);
        var run = 0;
        var variants = new List<GeneratedVsHandBenchmark.Variant>
        {
            new("hand_direct_postgresql", async _ => Check(await HandLoopDirectPostgreSql.SyncAsync(service, hand, "primary", PageSize).ConfigureAwait(false), Events)),
            new("generated_prefetch", async _ => Check((await Repository(service, database.OpenStore<Event>($"full-{run++}")).SyncAsync().ConfigureAwait(false)).Upserts, Events)),
            new("generated_prefetch_stj_reader", async _ => Check((await Repository(stjService, database.OpenStore<Event>($"full-{run++}")).SyncAsync().ConfigureAwait(false)).Upserts, Events)),
            new("limit_transfer", _ => limits.TransferAsync()),
            new("limit_parse_stj", _ => { limits.ParseWithSystemTextJson(); return Task.CompletedTask; }),
            new("limit_binary_copy", _ => CopyAsync(hand, limits)) { Prepare = limits.PrepareRows, Release = limits.Release },
        };

        Report.Note($"full sync of {Events} events, {PageSize} per page, server in a child process replaying pre-rendered pages; limit_binary_copy = the events' JSON (serialized beforehand) by binary COPY into an empty table shaped as the store's items, one transaction");
        var samples = await CompareAsync(variants, 1, quick ? 3 : 5, () => ResetAsync(hand)).ConfigureAwait(false);
        Summarize("postgresql.full", samples);
        var limitSum = Enumerable.Range(0, samples["limit_transfer"].Count)
            .Select(i => new Sample(samples["limit_transfer"][i].Milliseconds + samples["limit_parse_stj"][i].Milliseconds + samples["limit_binary_copy"][i].Milliseconds, 0))
            .ToList();
        Report.Line("postgresql.full.limit_sum.median_ms", Report.Median(limitSum.Select(s => s.Milliseconds).ToList()), "0.0");
        GeneratedVsHandBenchmark.Ratio("postgresql.full.time_ratio_generated_prefetch_stj_reader_vs_limit_sum", samples["generated_prefetch_stj_reader"], limitSum);
        GeneratedVsHandBenchmark.Ratio("postgresql.full.time_ratio_generated_prefetch_vs_limit_sum", samples["generated_prefetch"], limitSum);
        GeneratedVsHandBenchmark.Ratio("postgresql.full.time_ratio_generated_prefetch_vs_hand_direct_postgresql", samples["generated_prefetch"], samples["hand_direct_postgresql"]);
        GeneratedVsHandBenchmark.Ratio("postgresql.full.time_ratio_hand_direct_postgresql_vs_limit_sum", samples["hand_direct_postgresql"], limitSum);
    }

    /// <summary>The least a durable copy of the listing costs in PostgreSQL: binary COPY of the prepared rows, one transaction.</summary>
    private static async Task CopyAsync(NpgsqlDataSource dataSource, MachineLimits limits)
    {
        await using var connection = await dataSource.OpenConnectionAsync().ConfigureAwait(false);
        await using var transaction = await connection.BeginTransactionAsync().ConfigureAwait(false);
        await using (var importer = await connection.BeginBinaryImportAsync("COPY limit_items (collection, key, item) FROM STDIN (FORMAT BINARY);").ConfigureAwait(false))
        {
            foreach (var (id, json) in limits.Rows)
            {
                await importer.StartRowAsync().ConfigureAwait(false);
                await importer.WriteAsync("primary", NpgsqlDbType.Text).ConfigureAwait(false);
                await importer.WriteAsync(id, NpgsqlDbType.Text).ConfigureAwait(false);
                await importer.WriteAsync(json, NpgsqlDbType.Jsonb).ConfigureAwait(false);
            }

            await importer.CompleteAsync().ConfigureAwait(false);
        }

        await transaction.CommitAsync().ConfigureAwait(false);
    }

    private static async Task IncrementalAsync(PostgreSqlSyncDatabase database, NpgsqlDataSource hand, bool quick)
    {
        await ResetAsync(hand).ConfigureAwait(false);

        // In process (its rendering of the changed events runs on the clock of both sides alike): the events must change.
        await using var server = await FakeCalendarServer.StartAsync(new FakeCalendarServerOptions()).ConfigureAwait(false);
        server.Primary.AddMany(Events);
        using var service = CalendarService.Create(server.BaseUri.ToString());
        var repository = Repository(service, database.OpenStore<Event>("incremental"));
        Check((await repository.SyncAsync().ConfigureAwait(false)).Upserts, Events);
        Check(await HandLoopDirectPostgreSql.SyncAsync(service, hand, "primary", PageSize).ConfigureAwait(false), Events);

        var variants = new List<(string Name, Func<Task> Run)>
        {
            ("hand_direct_postgresql", async () => Check(await HandLoopDirectPostgreSql.SyncAsync(service, hand, "primary", PageSize).ConfigureAwait(false), IncrementalChanges)),
            ("generated_prefetch", async () => Check((await repository.SyncAsync().ConfigureAwait(false)).Upserts, IncrementalChanges)),
        };
        var samples = variants.ToDictionary(v => v.Name, _ => new List<Sample>());
        var iterations = quick ? 5 : 15;
        Report.Note($"incremental sync of {IncrementalChanges} changed events out of {Events}, in-process fake server; {iterations} iterations, each changing {IncrementalChanges} events (off the clock) and then running both sides");
        for (var i = -2; i < iterations; i++)
        {
            BandwidthBenchmark.Change(server.Primary, IncrementalChanges, Events, i + 1_000);
            foreach (var (name, call) in i % 2 == 0 ? variants : Enumerable.Reverse(variants))
            {
                var sample = await Harness.MeasureAsync(call).ConfigureAwait(false);
                if (i >= 0)
                {
                    samples[name].Add(sample);
                }
            }
        }

        Summarize("postgresql.incremental", samples);
        GeneratedVsHandBenchmark.Ratio("postgresql.incremental.time_ratio_generated_prefetch_vs_hand_direct_postgresql", samples["generated_prefetch"], samples["hand_direct_postgresql"]);
    }

    private static async Task NoChangeAsync(PostgreSqlSyncDatabase database, NpgsqlDataSource hand, bool quick)
    {
        await ResetAsync(hand).ConfigureAwait(false);
        await using var server = await RemoteServer.StartAsync(NoChangeEvents, prerendered: true).ConfigureAwait(false);
        using var service = CalendarService.Create(server.BaseUri.ToString());
        var store = database.OpenStore<Event>("no-change");
        var generated = Repository(service, store);
        var readFirst = new CalendarEventsRepository(service, "primary", store) { PageSize = PageSize, Options = new SyncOptions { SendFirstRequestEarly = false } };
        var token = (await generated.SyncAsync().ConfigureAwait(false)).SyncToken;
        Check(await HandLoopDirectPostgreSql.SyncAsync(service, hand, "primary", PageSize).ConfigureAwait(false), NoChangeEvents);
        var walBefore = await WalAsync(hand).ConfigureAwait(false);

        var variants = new List<(string Name, Func<Task> Call)>
        {
            ("raw_get", async () =>
            {
                var request = service.Events.List("primary");
                request.MaxResults = PageSize;
                request.SyncToken = token;
                using var message = request.CreateRequest();
                using var response = await service.HttpClient.SendAsync(message).ConfigureAwait(false);
                _ = await response.Content.ReadAsByteArrayAsync().ConfigureAwait(false);
            }),
            // A user's own no-change call: read the token (pooled connection), Google.Apis' request, compare the tokens.
            ("hand_direct_postgresql", async () =>
            {
                var stored = await HandLoopDirectPostgreSql.ReadTokenAsync(hand, "primary").ConfigureAwait(false);
                using var deadline = new System.Threading.CancellationTokenSource(TimeSpan.FromSeconds(30));
                var request = service.Events.List("primary");
                request.MaxResults = PageSize;
                request.SyncToken = stored;
                var page = await request.ExecuteAsync(deadline.Token).ConfigureAwait(false);
                Check(page.Items is { Count: 0 } && page.NextSyncToken == stored ? 0 : 1, 0);
            }),
            ("generated_postgresql", async () => Check((await generated.SyncAsync().ConfigureAwait(false)).SyncToken == token ? 0 : 1, 0)),
            ("generated_postgresql_store_read_first", async () => Check((await readFirst.SyncAsync().ConfigureAwait(false)).SyncToken == token ? 0 : 1, 0)),
        };

        var blocks = quick ? 6 : 20;
        const int callsPerBlock = 100;
        Report.Note($"incremental sync with no change ({NoChangeEvents} events stored), {blocks} blocks of {callsPerBlock} calls per variant, interleaved; per-call figures");
        foreach (var (_, call) in variants)
        {
            await JitWarmUp.UntilSettledAsync(async () =>
            {
                for (var i = 0; i < callsPerBlock; i++)
                {
                    await call().ConfigureAwait(false);
                }
            }, TimeSpan.FromSeconds(20)).ConfigureAwait(false);
        }

        var perCall = variants.ToDictionary(v => v.Name, _ => new List<Sample>());
        var generatedCalls = 0;
        for (var b = 0; b < blocks; b++)
        {
            foreach (var (name, call) in b % 2 == 0 ? variants : Enumerable.Reverse(variants))
            {
                var clock = Stopwatch.StartNew();
                for (var i = 0; i < callsPerBlock; i++)
                {
                    await call().ConfigureAwait(false);
                }

                perCall[name].Add(new Sample(clock.Elapsed.TotalMilliseconds / callsPerBlock, 0));
                generatedCalls += name.StartsWith("generated", StringComparison.Ordinal) ? callsPerBlock : 0;
            }
        }

        Summarize("postgresql.no_change", perCall, "0.000");
        GeneratedVsHandBenchmark.Ratio("postgresql.no_change.time_ratio_generated_postgresql_vs_hand_direct_postgresql", perCall["generated_postgresql"], perCall["hand_direct_postgresql"]);
        GeneratedVsHandBenchmark.Ratio("postgresql.no_change.time_ratio_generated_postgresql_store_read_first_vs_hand_direct_postgresql", perCall["generated_postgresql_store_read_first"], perCall["hand_direct_postgresql"]);
        GeneratedVsHandBenchmark.Ratio("postgresql.no_change.time_ratio_generated_postgresql_vs_raw_get", perCall["generated_postgresql"], perCall["raw_get"]);
        GeneratedVsHandBenchmark.Ratio("postgresql.no_change.time_ratio_hand_direct_postgresql_vs_raw_get", perCall["hand_direct_postgresql"], perCall["raw_get"]);

        // What the generated calls cost the database: the cluster's WAL over every call of the timed blocks and warm-up
        // (background writers included, so an upper bound), and the collection's state untouched.
        var wal = await WalAsync(hand).ConfigureAwait(false) - walBefore;
        var state = await database.ReadStateAsync("no-change").ConfigureAwait(false);
        Report.Line("postgresql.no_change.generated_calls_timed", generatedCalls, "0");
        Report.Line("postgresql.no_change.cluster_wal_bytes_during_all_calls", wal, "0");
        Report.Line("postgresql.no_change.store_commits_after_all_calls", state!.Commits, "0");
    }

    private static async Task<double> WalAsync(NpgsqlDataSource dataSource)
    {
        await using var command = dataSource.CreateCommand("SELECT pg_current_wal_insert_lsn() - '0/0'::pg_lsn;");
        return Convert.ToDouble(await command.ExecuteScalarAsync().ConfigureAwait(false), CultureInfo.InvariantCulture);
    }

    private static async Task FleetAsync(PostgreSqlSyncDatabase database, NpgsqlDataSource hand, bool quick)
    {
        var calendars = Enumerable.Range(0, FleetCalendars).Select(i => $"fleet-{i:D4}").ToArray();
        await using var server = await RemoteServer.StartAsync(0, prerendered: true, calendars.ToDictionary(c => c, _ => FleetEvents)).ConfigureAwait(false);
        using var service = CalendarService.Create(server.BaseUri.ToString());
        var parallel = new ParallelOptions { MaxDegreeOfParallelism = FleetParallelism };
        var variants = new List<GeneratedVsHandBenchmark.Variant>
        {
            new("hand_direct_postgresql", _ => Parallel.ForEachAsync(calendars, parallel, async (calendar, _) =>
                Check(await HandLoopDirectPostgreSql.SyncAsync(service, hand, calendar, PageSize).ConfigureAwait(false), FleetEvents))),
            new("generated_prefetch", _ => Parallel.ForEachAsync(calendars, parallel, async (calendar, _) =>
                Check((await new CalendarEventsRepository(service, calendar, database.OpenStore<Event>(calendar)) { PageSize = PageSize }.SyncAsync().ConfigureAwait(false)).Upserts, FleetEvents))),

            // Not a baseline: the same calls into a store in memory, to tell the engine's and client's share from the store's.
            new("generated_memory_store", _ => Parallel.ForEachAsync(calendars, parallel, async (calendar, _) =>
                Check((await new CalendarEventsRepository(service, calendar, new InMemorySyncStore<Event>()) { PageSize = PageSize }.SyncAsync().ConfigureAwait(false)).Upserts, FleetEvents))),
        };

        Report.Note($"fleet: {FleetCalendars} calendars of {FleetEvents} events, each synced once (a full pass) by {FleetParallelism} in parallel; tables emptied between runs");
        var samples = await CompareAsync(variants, 1, quick ? 3 : 7, () => ResetAsync(hand)).ConfigureAwait(false);
        foreach (var (name, runs) in samples)
        {
            Report.Line($"postgresql.fleet.{name}.passes_per_s_median", FleetCalendars / (Report.Median(runs.Select(s => s.Milliseconds).ToList()) / 1000), "0");
        }

        // Passes per second, generated over hand: the inverse of the time ratio, paired by iteration.
        GeneratedVsHandBenchmark.Ratio("postgresql.fleet.throughput_ratio_generated_prefetch_vs_hand_direct_postgresql", samples["hand_direct_postgresql"], samples["generated_prefetch"]);
    }

    private static async Task<Dictionary<string, List<Sample>>> CompareAsync(List<GeneratedVsHandBenchmark.Variant> variants, int warmups, int iterations, Func<Task> reset)
    {
        var samples = variants.ToDictionary(v => v.Name, _ => new List<Sample>());
        for (var i = -warmups; i < iterations; i++)
        {
            foreach (var variant in i % 2 == 0 ? variants : Enumerable.Reverse(variants))
            {
                await reset().ConfigureAwait(false);
                variant.Prepare?.Invoke();
                var sample = await Harness.MeasureAsync(() => variant.Run(i)).ConfigureAwait(false);
                variant.Release?.Invoke();
                if (i >= 0)
                {
                    samples[variant.Name].Add(sample);
                }
            }
        }

        return samples;
    }

    private static void Summarize(string prefix, Dictionary<string, List<Sample>> samples, string format = "0.0")
    {
        foreach (var (name, runs) in samples)
        {
            var ms = runs.Select(s => s.Milliseconds).ToList();
            Report.Line($"{prefix}.{name}.median_ms", Report.Median(ms), format);
            Report.Line($"{prefix}.{name}.min_ms", ms.Min(), format);
            Report.Line($"{prefix}.{name}.max_ms", ms.Max(), format);
        }
    }

    private static CalendarEventsRepository Repository(CalendarService service, ISyncStore<Event> store) =>
        new(service, "primary", store) { PageSize = PageSize };

    private static void Check(int applied, int expected)
    {
        if (applied != expected)
        {
            throw new InvalidOperationException($"expected {expected}, got {applied}");
        }
    }
}
