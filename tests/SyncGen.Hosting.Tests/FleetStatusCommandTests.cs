using System;
using System.Diagnostics;
using System.IO;
using System.Linq;
using System.Text.Json;
using System.Threading;
using System.Threading.Tasks;
using NUnit.Framework;
using SyncGen.PostgreSql;
using SyncGen.Tests.Shared;

namespace SyncGen.Hosting.Tests;

/// <summary><c>CalendarFleet status</c> and <c>worker --metrics</c>: the fleet's facts in the terminal and through OpenTelemetry.</summary>
[TestFixture]
[CancelAfter(90_000)]
public sealed class FleetStatusCommandTests
{
    private string _connection = "";

    [OneTimeSetUp]
    public async Task CreateDatabaseAsync() => _connection = await PostgreSqlCluster.Cluster.CreateDatabaseAsync("fleet_status_command");

    private async Task<PostgreSqlSyncDatabase> SeedAsync(CancellationToken cancellationToken)
    {
        var database = PostgreSqlSyncDatabase.Create(_connection, new PostgreSqlSyncStoreOptions { Schema = "cli_" + Guid.NewGuid().ToString("N")[..16] });
        var full = new SyncResult
        {
            Kind = SyncPassKind.Full, StartedAs = SyncPassKind.Full, Pages = 1, Upserts = 3, Deletes = 0,
            ExpiriesRecovered = 0, Retries = 0, Duration = TimeSpan.FromSeconds(1), SyncToken = "t",
        };
        await database.RecordPassSucceededAsync("cal-00001", full, cancellationToken);
        await database.RecordPassSucceededAsync("cal-00002", full, cancellationToken);
        await database.RecordPassFailedAsync("cal-00002", new TimeoutException("no answer\nin 30 s"), cancellationToken);
        await using var age = database.DataSource.CreateCommand(
            $"UPDATE {database.Options.Schema}.collection_status SET last_pass_at = now() - interval '2 hours', full_pass_at = now() - interval '3 days' WHERE collection = 'cal-00002';");
        await age.ExecuteNonQueryAsync(cancellationToken);
        return database;
    }

    [Test]
    public async Task Status_json_is_one_line_with_each_calendars_freshness_token_age_failures_and_last_error(CancellationToken cancellationToken)
    {
        await using var database = await SeedAsync(cancellationToken);

        var (exitCode, stdout, stderr) = await FleetCommandLineTests.RunFleetWithOutputAsync(
            ["status", "--connection", _connection, "--schema", database.Options.Schema, "--json"], cancellationToken);

        Assert.That(exitCode, Is.EqualTo(0), stderr);
        var lines = stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.That(lines, Has.Length.EqualTo(1), stdout);
        var collections = JsonDocument.Parse(lines[0]).RootElement.GetProperty("collections").EnumerateArray().ToList();
        var healthy = collections[0];
        var failing = collections[1];
        using (Assert.EnterMultipleScope())
        {
            Assert.That(collections.Select(c => c.GetProperty("id").GetString()), Is.EqualTo(new[] { "cal-00001", "cal-00002" }));
            Assert.That(healthy.GetProperty("state").GetString(), Is.EqualTo("healthy"));
            Assert.That(healthy.GetProperty("freshnessSeconds").GetDouble(), Is.LessThan(60));
            Assert.That(healthy.GetProperty("consecutiveFailures").GetInt32(), Is.Zero);
            Assert.That(healthy.GetProperty("lastError").ValueKind, Is.EqualTo(JsonValueKind.Null));
            Assert.That(healthy.GetProperty("lastCommittedAt").ValueKind, Is.EqualTo(JsonValueKind.Null), "recorded but never committed through the store");
            Assert.That(failing.GetProperty("state").GetString(), Is.EqualTo("failing"));
            Assert.That(failing.GetProperty("freshnessSeconds").GetDouble(), Is.InRange(7200, 7260));
            Assert.That(failing.GetProperty("tokenAgeSeconds").GetDouble(), Is.InRange(3 * 86400, 3 * 86400 + 60));
            Assert.That(failing.GetProperty("consecutiveFailures").GetInt32(), Is.EqualTo(1));
            Assert.That(failing.GetProperty("lastError").GetString(), Is.EqualTo("TimeoutException: no answer in 30 s"));
            Assert.That(failing.GetProperty("lastPassAt").GetDateTimeOffset(), Is.LessThan(DateTimeOffset.UtcNow.AddHours(-1.9)));
        }
    }

    [Test]
    public async Task Status_as_a_table_names_each_calendars_state_and_the_failing_ones_error(CancellationToken cancellationToken)
    {
        await using var database = await SeedAsync(cancellationToken);

        var (exitCode, stdout, stderr) = await FleetCommandLineTests.RunFleetWithOutputAsync(
            ["status", "--connection", _connection, "--schema", database.Options.Schema, "--stale-seconds", "3600"], cancellationToken);

        var lines = stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        using (Assert.EnterMultipleScope())
        {
            Assert.That(exitCode, Is.EqualTo(0), stderr);
            Assert.That(lines[0], Does.Contain("2 calendars").And.Contain("1 failing, 0 stale, 0 never synced, 1 healthy"));
            Assert.That(lines.Single(l => l.StartsWith("cal-00001", StringComparison.Ordinal)), Does.Match(@"^cal-00001\s+healthy\s+\d+ s\s+0\s+\d+ s\s+-\s*$"));
            Assert.That(lines.Single(l => l.StartsWith("cal-00002", StringComparison.Ordinal)), Does.Match(@"^cal-00002\s+failing\s+2\.0 h\s+1\s+3\.0 d\s+-\s+TimeoutException: no answer in 30 s$"));
        }
    }

    [Test]
    public async Task Status_against_an_unreachable_database_is_one_line_and_exit_1(CancellationToken cancellationToken)
    {
        using var closed = new ClosedPort();
        var (exitCode, stdout, stderr) = await FleetCommandLineTests.RunFleetWithOutputAsync(
            ["status", "--connection", $"Host=127.0.0.1;Port={closed.Port};Timeout=5", "--json"], cancellationToken);

        var lines = stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        using (Assert.EnterMultipleScope())
        {
            Assert.That(exitCode, Is.EqualTo(1), stderr);
            Assert.That(lines, Has.Length.EqualTo(1), stderr);
            Assert.That(lines[0], Does.StartWith("error: the fleet's database cannot be read: ").And.Contain(closed.Port.ToString(System.Globalization.CultureInfo.InvariantCulture)));
            Assert.That(stdout, Is.Empty);
        }
    }

    [Test]
    public async Task Status_against_a_schema_from_a_newer_version_is_one_line_and_exit_1(CancellationToken cancellationToken)
    {
        await using var database = await SeedAsync(cancellationToken);
        await using (var bump = database.DataSource.CreateCommand($"UPDATE {database.Options.Schema}.schema_version SET version = 99;"))
        {
            await bump.ExecuteNonQueryAsync(cancellationToken);
        }

        var (exitCode, _, stderr) = await FleetCommandLineTests.RunFleetWithOutputAsync(
            ["status", "--connection", _connection, "--schema", database.Options.Schema], cancellationToken);

        var lines = stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        using (Assert.EnterMultipleScope())
        {
            Assert.That(exitCode, Is.EqualTo(1), stderr);
            Assert.That(lines, Has.Length.EqualTo(1), stderr);
            Assert.That(lines[0], Does.StartWith("error: The SyncGen schema").And.Contain("version 99").And.Contain("upgrade SyncGen.PostgreSql"));
        }
    }

    [Test]
    public async Task A_worker_exports_the_fleet_gauges_and_its_runs_through_OpenTelemetry_and_serves_the_status_page(CancellationToken cancellationToken)
    {
        // The calendar server is a closed port: every call fails fast, and the gauges count the failing calendars.
        using var closed = new ClosedPort();
        var schema = "otel_" + Guid.NewGuid().ToString("N")[..12];
        var fleet = Path.Combine(AppContext.BaseDirectory, "CalendarFleet.dll");
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, RedirectStandardInput = true, UseShellExecute = false };
        foreach (var argument in new[]
        {
            fleet, "worker", "--connection", _connection, "--server", $"http://127.0.0.1:{closed.Port}/calendar/v3/", "--calendars", "2",
            "--schema", schema, "--scheduler", schema, "--interval-seconds", "1", "--metrics", "console", "--metrics-seconds", "1", "--stop-on-stdin-eof",
            "--status-url", "http://127.0.0.1:0/ops/status",
        })
        {
            start.ArgumentList.Add(argument);
        }

        using var process = Process.Start(start)!;
        var stderr = process.StandardError.ReadToEndAsync(cancellationToken);
        var seen = "";
        string? page = null;
        try
        {
            // The console exporter prints each metric with its tags and value; wait until both calendars count as failing.
            var output = new System.Text.StringBuilder();
            while (await process.StandardOutput.ReadLineAsync(cancellationToken) is { } line)
            {
                output.AppendLine(line);
                seen = output.ToString();
                if (page is null && System.Text.RegularExpressions.Regex.Match(line, @"Now listening on: (http://127\.0\.0\.1:\d+)") is { Success: true } listening)
                {
                    using var http = new System.Net.Http.HttpClient();
                    page = await http.GetStringAsync(listening.Groups[1].Value + "/ops/status?sort=id", cancellationToken);
                }

                if (page is not null && seen.Contains("syncgen.worker.run.duration", StringComparison.Ordinal) && FailingGaugeReads(seen, 2))
                {
                    break;
                }
            }
        }
        finally
        {
            process.StandardInput.Close(); // asks for a graceful stop
            await process.WaitForExitAsync(cancellationToken);
        }

        using (Assert.EnterMultipleScope())
        {
            Assert.That(FailingGaugeReads(seen, 2), Is.True, seen + await stderr);
            Assert.That(seen, Does.Contain("syncgen.worker.runs"));
            Assert.That(seen, Does.Contain("syncgen.fleet.freshness.max").Or.Contain("syncgen.fleet.collections"));
            Assert.That(process.ExitCode, Is.EqualTo(0), await stderr);
            Assert.That(page, Does.Contain("<h1>SyncGen status</h1>"), "the worker serves the status page at the path of --status-url");
        }
    }

    /// <summary>Whether the console exporter's output holds a syncgen.fleet.failing point of <paramref name="value"/>.</summary>
    private static bool FailingGaugeReads(string output, int value)
    {
        var at = output.LastIndexOf("Metric Name: syncgen.fleet.failing", StringComparison.Ordinal);
        if (at < 0)
        {
            return false;
        }

        var next = output.IndexOf("Metric Name:", at + 10, StringComparison.Ordinal);
        var block = next < 0 ? output[at..] : output[at..next];
        return block.Contains($"Value: {value}", StringComparison.Ordinal);
    }
}
