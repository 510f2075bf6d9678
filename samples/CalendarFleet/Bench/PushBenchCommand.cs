using System;
using System.CommandLine;
using System.Globalization;
using System.IO;
using System.Threading;
using System.Threading.Tasks;
using CalendarFleet.Chaos;

namespace CalendarFleet.Bench;

/// <summary>
/// <c>push-bench</c>: workers with push notifications on, against the embedded fake Calendar server that enforces a
/// per-user quota; random changes at a fixed rate with a forged notification beside each; one JSON summary line. Exit
/// 0 when every calendar converged, no change was missed, no forged notification was accepted and no user went over
/// its quota; latency and request counts are measured, not judged.
/// </summary>
internal static class PushBenchCommand
{
    public static Command Create()
    {
        var connection = new Option<string?>("--connection") { Description = "Npgsql connection string of a PostgreSQL database (it gets one schema and Quartz tables). Without it, a throwaway local cluster is started and removed." };
        var workers = new Option<int>("--workers") { Description = "Worker processes.", DefaultValueFactory = _ => 2 };
        var calendars = new Option<int>("--calendars") { Description = "Calendars on the fake server.", DefaultValueFactory = _ => 1000 };
        var changes = new Option<double>("--changes-per-second") { Description = "Event changes per second over all calendars.", DefaultValueFactory = _ => 10 };
        var seconds = new Option<double>("--seconds") { Description = "How long calendars keep changing.", DefaultValueFactory = _ => 60 };
        var perUser = new Option<int>("--calendars-per-user") { Description = "Calendars one user owns.", DefaultValueFactory = _ => 10 };
        var quota = new Option<int>("--quota-per-user") { Description = "Requests per minute per user the fake server allows (Google Calendar: 600); the workers share 90% of it.", DefaultValueFactory = _ => 600 };
        var interval = new Option<double>("--interval-seconds") { Description = "Polling interval of every calendar: the safety net under push.", DefaultValueFactory = _ => 300 };
        var concurrency = new Option<int>("--concurrency") { Description = "Calendars synced at once per worker.", DefaultValueFactory = _ => 8 };
        var timeout = new Option<double>("--converge-seconds") { Description = "How long to wait for the warm-up, and for convergence after the changes stop.", DefaultValueFactory = _ => 120 };
        var noPush = new Option<bool>("--no-push") { Description = "Poll only (no watch channels): the baseline." };
        var seed = new Option<int?>("--seed") { Description = "Random seed of the changes (random when omitted)." };
        var command = new Command("push-bench", "Measure push-triggered sync against the embedded fake Calendar server: latency from change to commit, requests per change, forged notifications refused, per-user quota kept.")
        {
            connection, workers, calendars, changes, seconds, perUser, quota, interval, concurrency, timeout, noPush, seed,
        };
        command.SetAction(async (parse, cancellationToken) =>
        {
            var options = new PushBenchOptions
            {
                Workers = FleetArguments.InRange("--workers", parse.GetValue(workers), 1, 100),
                Calendars = FleetArguments.InRange("--calendars", parse.GetValue(calendars), 1, FleetArguments.MaxCalendars),
                ChangesPerSecond = FleetArguments.InRange("--changes-per-second", parse.GetValue(changes), 0, 100_000),
                Duration = FleetArguments.Seconds("--seconds", parse.GetValue(seconds)),
                CalendarsPerUser = FleetArguments.InRange("--calendars-per-user", parse.GetValue(perUser), 1, FleetArguments.MaxCalendars),
                QuotaPerUser = FleetArguments.InRange("--quota-per-user", parse.GetValue(quota), 3, 1_000_000),
                Interval = FleetArguments.Seconds("--interval-seconds", parse.GetValue(interval)),
                Concurrency = FleetArguments.InRange("--concurrency", parse.GetValue(concurrency), 1, 1000),
                ConvergeTimeout = FleetArguments.Seconds("--converge-seconds", parse.GetValue(timeout)),
                Push = !parse.GetValue(noPush),
                Seed = parse.GetValue(seed) ?? Random.Shared.Next(),
            };
            var connectionString = parse.GetValue(connection) is { } given ? FleetArguments.ConnectionString(given) : null;
            return await RunAsync(connectionString, options, Console.Out, cancellationToken).ConfigureAwait(false);
        });
        return command;
    }

    public static Task<int> RunAsync(string? connectionString, PushBenchOptions options, TextWriter output, CancellationToken cancellationToken) =>
        FleetRunHost.RunAsync("push-bench", connectionString, database => new PushBenchRun(database, options, output).RunAsync(cancellationToken), report => report.Passed, output, cancellationToken);
}

/// <summary>The knobs of a push-bench run.</summary>
internal sealed record PushBenchOptions
{
    public int Workers { get; init; } = 2;

    public int Calendars { get; init; } = 1000;

    public double ChangesPerSecond { get; init; } = 10;

    public TimeSpan Duration { get; init; } = TimeSpan.FromSeconds(60);

    public int CalendarsPerUser { get; init; } = 10;

    public int QuotaPerUser { get; init; } = 600;

    public TimeSpan Interval { get; init; } = TimeSpan.FromMinutes(5);

    public int Concurrency { get; init; } = 8;

    public TimeSpan ConvergeTimeout { get; init; } = TimeSpan.FromMinutes(2);

    public bool Push { get; init; } = true;

    public int Seed { get; init; }

    public string Describe() => string.Create(CultureInfo.InvariantCulture,
        $"{Workers} workers, {Calendars} calendars ({CalendarsPerUser} per user, {QuotaPerUser} requests/min per user), {ChangesPerSecond} changes/s for {Duration.TotalSeconds:0}s, push {(Push ? "on" : "off")}, polling every {Interval.TotalSeconds}s, seed {Seed}");
}
