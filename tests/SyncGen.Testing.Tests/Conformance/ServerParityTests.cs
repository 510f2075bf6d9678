using System;
using System.Collections.Generic;
using System.Linq;
using System.Threading.Tasks;
using NUnit.Framework;
using SyncGen.Testing.Conformance;
using SyncGen.Testing.FakeServer;
using SyncGen.Testing.Journal;
using SyncGen.Testing.Scenarios;

namespace SyncGen.Testing.Tests.Conformance;

/// <summary>
/// Both servers give the journal checks the same facts: a 403 carries its error reason on WireMock too (taken from the
/// script), so a rate-limit 403 is a retry and a permission 403 is not, on either server.
/// </summary>
public sealed class ServerParityTests
{
    private static readonly SyncScenario Forbidden = new(
        "parity-403-reasons",
        "Page 1 of the full sync answers 403 rateLimitExceeded twice (retried), then an incremental pass answers 403 forbidden (not retried).",
        3,
        new[]
        {
            new ScenarioCall
            {
                Changes = HistoryChange.Seed(4).ToArray(),
                Faults = new[] { new FaultRule(Fault.Status(403, "rateLimitExceeded")) { Page = 1, Times = 2 } },
                Rule = ProtocolRules.RetryTransientErrors,
            },
            new ScenarioCall
            {
                Changes = new[] { HistoryChange.Upsert("evt-01", "evt 1 v2") },
                Faults = new[] { new FaultRule(Fault.Status(403, "forbidden")) { WithSyncToken = true, Page = 1 } },
                Expect = ExpectedOutcome.RequestFailed(403),
            },
        });

    [Test]
    public async Task A_403_carries_the_same_reason_and_gets_the_same_verdict_on_both_servers()
    {
        var cancellationToken = TestContext.CurrentContext.CancellationToken;
        await using var embedded = new EmbeddedScenarioServer();
        await using var wireMock = await WireMockScenarioServer.StartAsync(cancellationToken: cancellationToken);

        var onEmbedded = await ScenarioRunner.RunAsync(embedded, Forbidden, c => new HandWrittenSyncLoop(c, SyncLoopDefect.None), cancellationToken: cancellationToken);
        var onWireMock = await ScenarioRunner.RunAsync(wireMock, Forbidden, c => new HandWrittenSyncLoop(c, SyncLoopDefect.None), cancellationToken: cancellationToken);

        Assert.That(onEmbedded.FailureMessage, Is.Empty);
        Assert.That(onWireMock.FailureMessage, Is.Empty);
        var expected = new[]
        {
            new[] { "403 rateLimitExceeded", "403 rateLimitExceeded", "200 -", "200 -" },
            new[] { "403 forbidden" },
        };
        Assert.That(Statuses(onEmbedded), Is.EqualTo(expected), "embedded server");
        Assert.That(Statuses(onWireMock), Is.EqualTo(expected), "WireMock");

        // With a budget of 1 retry, the two rate-limit 403s are one retry too many, on both servers alike.
        Assert.That(ProtocolJournalChecks.Check(onEmbedded.Calls[0].Journal, null, maxRetries: 1), Has.One.Contains("'retry-budget'"), "embedded server");
        Assert.That(ProtocolJournalChecks.Check(onWireMock.Calls[0].Journal, null, maxRetries: 1), Has.One.Contains("'retry-budget'"), "WireMock");
    }

    private static IEnumerable<string[]> Statuses(ScenarioReport report) =>
        report.Calls.Select(c => c.Journal.Select(e => $"{e.StatusCode} {e.Reason ?? "-"}").ToArray());
}
