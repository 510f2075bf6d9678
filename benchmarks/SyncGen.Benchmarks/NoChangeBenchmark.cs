using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.IO;
using System.Linq;
using System.Threading.Tasks;
using CalendarSync.CalendarApi;
using CalendarSync.Repository;

namespace SyncGen.Benchmarks;

/// <summary>
/// Issue 12, goal 3: the fixed cost of one call. An incremental sync with nothing to fetch (the server answers one empty
/// page with the same token) against a raw GET of the same URL through the same client, with the SQLite store and, for
/// reference, the in-memory one. Calls run in blocks, the variants' blocks interleaved; figures are per call. Every
/// variant runs until the JIT has stopped compiling before anything is timed (see <see cref="JitWarmUp"/>). The
/// repositories live across calls, as in a service that polls, so the generated call sends its request before the store
/// reads the token (<see cref="SyncOptions.SendFirstRequestEarly"/>); <c>generated_sqlite_store_read_first</c> is the
/// same call with that off, as on the first call of an instance.
/// </summary>
internal static class NoChangeBenchmark
{
    private const int Events = 1_000;
    private const int PageSize = 2_500;

    public static async Task RunAsync(bool quick)
    {
        await using var server = await RemoteServer.StartAsync(Events, prerendered: true).ConfigureAwait(false);
        using var service = CalendarService.Create(server.BaseUri.ToString());
        var directory = Directory.CreateTempSubdirectory("syncgen-bench-");
        try
        {
            var storePath = Path.Combine(directory.FullName, "nochange.db");
            await using var sqliteStore = SqliteSyncStore<Event>.OpenFile(storePath, "primary");
            var sqlite = new CalendarEventsRepository(service, "primary", sqliteStore) { PageSize = PageSize };

            // The same file through a store that keeps its connection between calls (SqliteSyncStore.IdleConnectionTimeout).
            await using var keptStore = SqliteSyncStore<Event>.OpenFile(storePath, "primary");
            keptStore.IdleConnectionTimeout = TimeSpan.FromSeconds(30);
            var sqliteKept = new CalendarEventsRepository(service, "primary", keptStore) { PageSize = PageSize };

            // SyncOptions.SendFirstRequestEarly off: the store reads the token before the request goes out, as on the
            // first call of a repository instance, which has no token of its own last call to send early.
            var sqliteReadFirst = new CalendarEventsRepository(service, "primary", sqliteStore)
            {
                PageSize = PageSize,
                Options = new SyncOptions { SendFirstRequestEarly = false },
            };

            var memoryStore = new InMemorySyncStore<Event>();
            var memory = new CalendarEventsRepository(service, "primary", memoryStore) { PageSize = PageSize };
            var token = (await sqlite.SyncAsync().ConfigureAwait(false)).SyncToken;
            Check((await memory.SyncAsync().ConfigureAwait(false)).SyncToken == token, "the two stores synced to different tokens");

            // A user's own no-change call on SQLite, no SyncGen: one connection and a prepared token query kept open,
            // Google.Apis' request, compare the tokens; nothing to write when they match.
            await using var direct = new Microsoft.Data.Sqlite.SqliteConnection($"Data Source={storePath};Pooling=False");
            await direct.OpenAsync().ConfigureAwait(false);
            await using var readToken = direct.CreateCommand();
            readToken.CommandText = "SELECT sync_token FROM syncgen_state WHERE collection = 'primary';";
            readToken.Prepare();

            var memoryGate = new SyncGen.Infrastructure.SyncGate();
            var sqliteGate = new SyncGen.Infrastructure.SyncGate();
            var variants = new List<(string Name, Func<Task> Call)>
            {
                ("raw_get", async () =>
                {
                    var request = service.Events.List("primary");
                    request.MaxResults = PageSize;
                    request.SyncToken = token;
                    using var message = request.CreateRequest();
                    using var response = await service.HttpClient.SendAsync(message).ConfigureAwait(false);
                    Check(response.IsSuccessStatusCode, $"the raw GET answered {(int)response.StatusCode}");
                    _ = await response.Content.ReadAsByteArrayAsync().ConfigureAwait(false);
                }),
                // The same request through Google.Apis' ExecuteAsync (request building, the sample's page parser): what
                // the client library costs on top of the raw GET, before any sync logic.
                ("google_apis_execute", async () =>
                {
                    var request = service.Events.List("primary");
                    request.MaxResults = PageSize;
                    request.SyncToken = token;
                    var page = await request.ExecuteAsync().ConfigureAwait(false);
                    Check(page.NextSyncToken == token, "the page carries another token");
                }),
                // The same with a cancellation token that has a deadline, as the engine passes (SyncOptions.RequestTimeout).
                ("google_apis_execute_timeout_token", async () =>
                {
                    using var deadline = new System.Threading.CancellationTokenSource(TimeSpan.FromSeconds(30));
                    using var linked = System.Threading.CancellationTokenSource.CreateLinkedTokenSource(default, deadline.Token);
                    var request = service.Events.List("primary");
                    request.MaxResults = PageSize;
                    request.SyncToken = token;
                    var page = await request.ExecuteAsync(linked.Token).ConfigureAwait(false);
                    Check(page.NextSyncToken == token, "the page carries another token");
                }),
                // The generated call's pass written by hand (see HandPassAsync): generated minus it is the engine's cost.
                ("hand_pass_memory", () => HandPassAsync(service, memoryStore)),
                ("hand_pass_sqlite", () => HandPassAsync(service, sqliteStore)),
                ("generated_sqlite", async () => CheckUnchanged(await sqlite.SyncAsync().ConfigureAwait(false), token)),
                ("generated_sqlite_store_read_first", async () => CheckUnchanged(await sqliteReadFirst.SyncAsync().ConfigureAwait(false), token)),
                ("generated_sqlite_kept_connection", async () => CheckUnchanged(await sqliteKept.SyncAsync().ConfigureAwait(false), token)),
                ("hand_direct_sqlite", async () =>
                {
                    var stored = (string?)await readToken.ExecuteScalarAsync().ConfigureAwait(false);
                    using var deadline = new System.Threading.CancellationTokenSource(TimeSpan.FromSeconds(30));
                    var request = service.Events.List("primary");
                    request.MaxResults = PageSize;
                    request.SyncToken = stored;
                    var page = await request.ExecuteAsync(deadline.Token).ConfigureAwait(false);
                    Check(page.Items is { Count: 0 } && page.NextSyncToken == stored, "the server reported a change");
                }),
                ("generated_memory", async () => CheckUnchanged(await memory.SyncAsync().ConfigureAwait(false), token)),

                // The engine with no HTTP at all: a fetcher that answers the same empty page from memory. What is left is
                // the engine's fixed cost per call (gate, retry pipeline, pass bookkeeping) plus the store's calls.
                ("engine_only_memory", async () => CheckUnchanged(await EngineOnly(memoryStore, token, memoryGate).RunAsync().ConfigureAwait(false), token)),
                ("engine_only_sqlite", async () => CheckUnchanged(await EngineOnly(sqliteStore, token, sqliteGate).RunAsync().ConfigureAwait(false), token)),

                // The SQLite store's part alone, as the engine drives it for this call: read the token, one pass with
                // one empty page, commit the same token.
                ("sqlite_store_only", async () =>
                {
                    var stored = await sqliteStore.ReadSyncTokenAsync().ConfigureAwait(false);
                    var writer = await sqliteStore.BeginPassAsync(SyncPassKind.Incremental).ConfigureAwait(false);
                    await using (writer.ConfigureAwait(false))
                    {
                        await writer.ApplyAsync(Array.Empty<SyncChange<Event>>()).ConfigureAwait(false);
                        await writer.CommitAsync(stored!).ConfigureAwait(false);
                    }
                }),
            };

            var blocks = quick ? 6 : 20;
            var callsPerBlock = quick ? 50 : 100;
            Report.Note($"incremental sync with no change ({Events} events stored), {blocks} blocks of {callsPerBlock} calls per variant, interleaved; per-call figures");
            var warmUp = await JitWarmUp.UntilSettledAsync(async () =>
            {
                foreach (var (_, call) in variants)
                {
                    for (var i = 0; i < callsPerBlock; i++)
                    {
                        await call().ConfigureAwait(false);
                    }
                }
            }, TimeSpan.FromSeconds(60)).ConfigureAwait(false);
            Report.Line("no_change.warm_up_seconds", warmUp.TotalSeconds, "0.0");

            var perCall = variants.ToDictionary(v => v.Name, _ => new List<Sample>());

            // CPU time of this process only (the server runs in a child process): less exposed to the other tenants of a
            // shared machine than the wall clock, though the goal is stated in wall time.
            using var process = Process.GetCurrentProcess();
            var cpuPerCall = variants.ToDictionary(v => v.Name, _ => new List<double>());
            for (var b = 0; b < blocks; b++)
            {
                foreach (var (name, call) in b % 2 == 0 ? variants : Enumerable.Reverse(variants))
                {
                    var before = GC.GetTotalAllocatedBytes(precise: true);
                    var cpuBefore = process.TotalProcessorTime;
                    var clock = Stopwatch.StartNew();
                    for (var i = 0; i < callsPerBlock; i++)
                    {
                        await call().ConfigureAwait(false);
                    }

                    clock.Stop();
                    process.Refresh();
                    cpuPerCall[name].Add((process.TotalProcessorTime - cpuBefore).TotalMilliseconds / callsPerBlock);
                    var allocated = GC.GetTotalAllocatedBytes(precise: true) - before;
                    perCall[name].Add(new Sample(clock.Elapsed.TotalMilliseconds / callsPerBlock, allocated / callsPerBlock));
                }
            }

            foreach (var (name, samples) in perCall)
            {
                var ms = samples.Select(s => s.Milliseconds).ToList();
                Report.Line($"no_change.{name}.median_ms_per_call", Report.Median(ms), "0.000");
                Report.Line($"no_change.{name}.min_ms_per_call", ms.Min(), "0.000");
                Report.Line($"no_change.{name}.max_ms_per_call", ms.Max(), "0.000");
                Report.Line($"no_change.{name}.median_cpu_ms_per_call", Report.Median(cpuPerCall[name]), "0.000");
                Report.Line($"no_change.{name}.alloc_bytes_per_call", Report.Median(samples.Select(s => (double)s.AllocatedBytes).ToList()), "0");
            }

            GeneratedVsHandBenchmark.Ratio("no_change.time_ratio_generated_sqlite_vs_raw_get", perCall["generated_sqlite"], perCall["raw_get"]);
            GeneratedVsHandBenchmark.Ratio("no_change.time_ratio_generated_sqlite_store_read_first_vs_raw_get", perCall["generated_sqlite_store_read_first"], perCall["raw_get"]);
            GeneratedVsHandBenchmark.Ratio("no_change.time_ratio_generated_sqlite_kept_connection_vs_raw_get", perCall["generated_sqlite_kept_connection"], perCall["raw_get"]);
            GeneratedVsHandBenchmark.Ratio("no_change.time_ratio_hand_direct_sqlite_vs_raw_get", perCall["hand_direct_sqlite"], perCall["raw_get"]);
            GeneratedVsHandBenchmark.Ratio("no_change.time_ratio_generated_sqlite_vs_hand_direct_sqlite", perCall["generated_sqlite"], perCall["hand_direct_sqlite"]);
            GeneratedVsHandBenchmark.Ratio("no_change.time_ratio_generated_memory_vs_raw_get", perCall["generated_memory"], perCall["raw_get"]);
            GeneratedVsHandBenchmark.Ratio("no_change.time_ratio_google_apis_execute_vs_raw_get", perCall["google_apis_execute"], perCall["raw_get"]);

            // The least disturbed block of each: on a shared machine the closest to what the code itself costs.
            Report.Line("no_change.time_ratio_generated_sqlite_vs_raw_get.min_over_min",
                perCall["generated_sqlite"].Min(s => s.Milliseconds) / perCall["raw_get"].Min(s => s.Milliseconds), "0.000");
            Report.Line("no_change.time_ratio_generated_sqlite_kept_connection_vs_raw_get.min_over_min",
                perCall["generated_sqlite_kept_connection"].Min(s => s.Milliseconds) / perCall["raw_get"].Min(s => s.Milliseconds), "0.000");

            // What SyncGen (engine + store) adds on top of the client library's own request.
            GeneratedVsHandBenchmark.Ratio("no_change.time_ratio_generated_sqlite_vs_google_apis_execute", perCall["generated_sqlite"], perCall["google_apis_execute"]);
        }
        finally
        {
            Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
            directory.Delete(recursive: true);
        }
    }

    /// <summary>
    /// The same pass as the generated call, written out by hand with no engine: token, pass, one request with a deadline
    /// token, empty apply, commit. Generated minus this is the engine's own cost.
    /// </summary>
    private static async Task HandPassAsync(CalendarService service, ISyncStore<Event> store)
    {
        var stored = await store.ReadSyncTokenAsync().ConfigureAwait(false);
        var writer = await store.BeginPassAsync(SyncPassKind.Incremental).ConfigureAwait(false);
        await using (writer.ConfigureAwait(false))
        {
            using var deadline = new System.Threading.CancellationTokenSource(TimeSpan.FromSeconds(30));
            var request = service.Events.List("primary");
            request.MaxResults = PageSize;
            request.SyncToken = stored;
            var page = await request.ExecuteAsync(deadline.Token).ConfigureAwait(false);
            await writer.ApplyAsync(Array.Empty<SyncChange<Event>>()).ConfigureAwait(false);
            await writer.CommitAsync(page.NextSyncToken!).ConfigureAwait(false);
        }
    }

    /// <summary>An engine as a generated repository builds one per call, over a fetcher that needs no server.</summary>
    private static SyncGen.Infrastructure.SyncEngine<Event> EngineOnly(ISyncStore<Event> store, string token, SyncGen.Infrastructure.SyncGate gate)
    {
        var page = Task.FromResult(new SyncGen.Infrastructure.SyncPage<Event>(Array.Empty<Event>(), null, token));
        var definition = new SyncGen.Infrastructure.SyncDefinition<Event>
        {
            RepositoryName = "engine_only",
            OpenPass = _ => (_, _) => page,
            GetKey = static e => e.Id,
            IsDeleted = static e => e.Status == "cancelled",
            Gate = gate,
        };
        return new SyncGen.Infrastructure.SyncEngine<Event>(definition, store);
    }

    private static void CheckUnchanged(SyncResult result, string token) =>
        Check(result.Kind == SyncPassKind.Incremental && result.Upserts == 0 && result.Deletes == 0 && result.SyncToken == token,
            $"expected an incremental sync with no change and token {token}, got {result}");

    private static void Check(bool condition, string message)
    {
        if (!condition)
        {
            throw new InvalidOperationException(message);
        }
    }
}
