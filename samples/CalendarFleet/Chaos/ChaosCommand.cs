using System;
using System.CommandLine;
using System.Globalization;
using System.IO;
using System.Threading;
using System.Threading.Tasks;

namespace CalendarFleet.Chaos;

/// <summary>
/// <c>chaos</c>: the embedded fake Calendar server with many calendars, N worker processes, calendars changing while
/// workers are killed with SIGKILL, then one JSON summary line. Exit 0 only when every calendar converged with no
/// overlapping passes and no token regression.
/// </summary>
internal static class ChaosCommand
{
    public static Command Create()
    {
        var connection = new Option<string?>("--connection") { Description = "Npgsql connection string of a PostgreSQL database (it gets one schema and Quartz tables). Without it, a throwaway local cluster is started and removed." };
        var workers = new Option<int>("--workers") { Description = "Worker processes kept running.", DefaultValueFactory = _ => 3 };
        var calendars = new Option<int>("--calendars") { Description = "Calendars on the fake server.", DefaultValueFactory = _ => 300 };
        var kills = new Option<int>("--kills") { Description = "Workers killed with SIGKILL during the run (each replaced by a new one).", DefaultValueFactory = _ => 5 };
        var seconds = new Option<double>("--change-seconds") { Description = "How long calendars keep changing (kills are spread over this time).", DefaultValueFactory = _ => 30 };
        var changes = new Option<double>("--changes-per-second") { Description = "Event changes (adds, edits, deletes) per second over all calendars.", DefaultValueFactory = _ => 40 };
        var interval = new Option<double>("--interval-seconds") { Description = "Seconds between two syncs of one calendar.", DefaultValueFactory = _ => 5 };
        var lease = new Option<double>("--lease-seconds") { Description = "Collection lease length.", DefaultValueFactory = _ => 10 };
        var concurrency = new Option<int>("--concurrency") { Description = "Calendars synced at once per worker.", DefaultValueFactory = _ => 4 };
        var pauses = new Option<int>("--pauses") { Description = "Workers stopped with SIGSTOP in the middle of a pass for longer than their lease, then resumed with SIGCONT: their commit must be refused (staleCommitsRefused).", DefaultValueFactory = _ => 0 };
        var timeout = new Option<double>("--converge-seconds") { Description = "How long to wait for convergence after the changes stop.", DefaultValueFactory = _ => 180 };
        var seed = new Option<int?>("--seed") { Description = "Random seed of changes and kills (random when omitted)." };
        var command = new Command("chaos", "Run a fleet against the embedded fake server, kill workers while calendars change, and check that every mirror converges.")
        {
            connection, workers, calendars, kills, pauses, seconds, changes, interval, lease, concurrency, timeout, seed,
        };
        command.SetAction(async (parse, cancellationToken) =>
        {
            // Every flag is checked here, before a cluster, the fake server or a worker starts.
            var options = new ChaosOptions
            {
                Workers = FleetArguments.InRange("--workers", parse.GetValue(workers), 1, 100),
                Calendars = FleetArguments.InRange("--calendars", parse.GetValue(calendars), 1, FleetArguments.MaxCalendars),
                Kills = FleetArguments.InRange("--kills", parse.GetValue(kills), 0, 10_000),
                Pauses = FleetArguments.InRange("--pauses", parse.GetValue(pauses), 0, 100),
                ChangePhase = FleetArguments.Seconds("--change-seconds", parse.GetValue(seconds), allowZero: true),
                ChangesPerSecond = FleetArguments.InRange("--changes-per-second", parse.GetValue(changes), 0, 100_000),
                Interval = FleetArguments.Seconds("--interval-seconds", parse.GetValue(interval)),
                Lease = FleetArguments.Seconds("--lease-seconds", parse.GetValue(lease)),
                Concurrency = FleetArguments.InRange("--concurrency", parse.GetValue(concurrency), 1, 1000),
                ConvergeTimeout = FleetArguments.Seconds("--converge-seconds", parse.GetValue(timeout)),
                Seed = parse.GetValue(seed) ?? Random.Shared.Next(),
            };
            var connectionString = parse.GetValue(connection) is { } given ? FleetArguments.ConnectionString(given) : null;
            return await RunAsync(connectionString, options, Console.Out, cancellationToken).ConfigureAwait(false);
        });
        return command;
    }

    public static Task<int> RunAsync(string? connectionString, ChaosOptions options, TextWriter output, CancellationToken cancellationToken) =>
        FleetRunHost.RunAsync("chaos run", connectionString, database => new ChaosRun(database, options, output).RunAsync(cancellationToken), report => report.Passed, output, cancellationToken);
}

/// <summary>The knobs of a chaos run.</summary>
internal sealed record ChaosOptions
{
    public int Workers { get; init; } = 3;

    public int Calendars { get; init; } = 300;

    public int Kills { get; init; } = 5;

    public int Pauses { get; init; }

    public TimeSpan ChangePhase { get; init; } = TimeSpan.FromSeconds(30);

    public double ChangesPerSecond { get; init; } = 40;

    public TimeSpan Interval { get; init; } = TimeSpan.FromSeconds(5);

    public TimeSpan Lease { get; init; } = TimeSpan.FromSeconds(10);

    public int Concurrency { get; init; } = 4;

    public TimeSpan ConvergeTimeout { get; init; } = TimeSpan.FromMinutes(3);

    public int Seed { get; init; }

    public string Describe() => string.Create(CultureInfo.InvariantCulture,
        $"{Workers} workers, {Calendars} calendars, {Kills} kills and {Pauses} pauses over {ChangePhase.TotalSeconds:0}s of changes at {ChangesPerSecond}/s, interval {Interval.TotalSeconds}s, lease {Lease.TotalSeconds}s, seed {Seed}");
}
