using System;
using System.IO;
using System.Linq;
using System.Text.Json;
using System.Threading;
using System.Threading.Tasks;
using NUnit.Framework;

namespace SyncGen.Hosting.Tests;

/// <summary>The CalendarFleet sample's push-bench at a tiny size, as a user runs it: its summary line and what it claims.</summary>
[TestFixture]
public sealed class FleetPushBenchTests
{
    [Test]
    [CancelAfter(3 * 60 * 1000)]
    public async Task A_tiny_push_bench_converges_misses_nothing_refuses_every_forgery_and_stays_under_quota(CancellationToken cancellationToken)
    {
        var fleet = Path.Combine(AppContext.BaseDirectory, "CalendarFleet.dll");
        var connection = await PostgreSqlCluster.Cluster.CreateDatabaseAsync("fleet_push_bench_test", cancellationToken);

        // Polling every 5 minutes: within the run, only notifications can bring a change in.
        var (exitCode, output) = await FleetClusterTests.RunAsync(
            fleet,
            ["push-bench", "--connection", connection, "--workers", "1", "--calendars", "12", "--calendars-per-user", "4",
             "--changes-per-second", "4", "--seconds", "4", "--quota-per-user", "600", "--interval-seconds", "300",
             "--converge-seconds", "60", "--seed", "11"],
            cancellationToken);

        TestContext.Out.WriteLine(output);
        var lines = output.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        using var summary = JsonDocument.Parse(lines[^1]);
        var root = summary.RootElement;
        using (Assert.EnterMultipleScope())
        {
            Assert.That(root.EnumerateObject().Select(p => p.Name), Is.SupersetOf(new[]
            {
                "calendars", "changes", "converged", "missedChanges", "p50Ms", "p99Ms", "requestsPerChange", "pollingRequestsPerChange",
                "forgedAccepted", "maxRequestsPerMinutePerKey", "quotaPerMinutePerKey",
            }));
            Assert.That(root.GetProperty("calendars").GetInt32(), Is.EqualTo(12));
            Assert.That(root.GetProperty("changes").GetInt32(), Is.InRange(12, 16), "4 changes per second for 4 s");
            Assert.That(root.GetProperty("converged").GetInt32(), Is.EqualTo(12));
            Assert.That(root.GetProperty("missedChanges").GetInt32(), Is.Zero);
            Assert.That(root.GetProperty("p50Ms").GetDouble(), Is.Positive.And.LessThanOrEqualTo(root.GetProperty("p99Ms").GetDouble()));
            Assert.That(root.GetProperty("p99Ms").GetDouble(), Is.LessThan(60_000), "changes came in by notification, not by the 5-minute poll");
            Assert.That(root.GetProperty("requestsPerChange").GetDouble(), Is.Positive);
            Assert.That(root.GetProperty("forgedSent").GetInt32(), Is.EqualTo(root.GetProperty("changes").GetInt32()), "one forgery beside every change");
            Assert.That(root.GetProperty("forgedAccepted").GetInt32(), Is.Zero);
            Assert.That(root.GetProperty("quotaPerMinutePerKey").GetInt32(), Is.EqualTo(600));
            Assert.That(root.GetProperty("maxRequestsPerMinutePerKey").GetInt32(), Is.InRange(1, 600));
            Assert.That(exitCode, Is.Zero);
        }
    }
}
