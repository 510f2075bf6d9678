using System;
using System.Linq;
using System.Text;
using NUnit.Framework;
using SyncGen.Testing.FakeServer;
using SyncGen.Testing.Scenarios;

namespace SyncGen.Testing.Tests.Scenarios;

/// <summary>
/// A scenario's faults are the servers' own <see cref="FaultRule"/>s: armed afresh per run (never consumed), and what a
/// <see cref="Fault"/> carries is what the simulator (and so WireMock) serves, or a clear refusal when WireMock cannot.
/// </summary>
public sealed class ScenarioFaultRuleTests
{
    private static SyncScenario OneCall(params FaultRule[] faults) => new(
        "fault-rule-test",
        "Seven events in pages of three; the full sync meets the given faults.",
        3,
        new[] { new ScenarioCall { Changes = HistoryChange.Seed(7).ToArray(), Faults = faults } });

    [Test]
    public void A_scenario_rule_is_armed_afresh_on_every_run_and_never_consumed()
    {
        var rule = new FaultRule(Fault.Status(503)) { WithSyncToken = false, Page = 2, Times = 2 };
        var scenario = OneCall(rule);

        var first = ScenarioSimulator.Simulate(scenario);
        var second = ScenarioSimulator.Simulate(scenario);

        string[] Statuses(CompiledScenario compiled) => compiled.Calls[0].Exchanges.Select(e => $"{e.PageNumber}:{e.Response.StatusCode}").ToArray();
        Assert.That(Statuses(first), Is.EqualTo(new[] { "1:200", "2:503", "2:503", "2:200", "3:200" }));
        Assert.That(Statuses(second), Is.EqualTo(Statuses(first)), "the second run meets the same faults");
        Assert.That(rule.FiredCount, Is.Zero, "the scenario's own rule is data; each run fires a copy");
    }

    [Test]
    public void A_rule_describes_its_fault_and_its_targeting()
    {
        Assert.That(new FaultRule(Fault.Status(503)) { WithSyncToken = true, Page = 2, Skip = 1, Times = 3 }.ToString(),
            Is.EqualTo("Status(503 backendError) on incremental page 2 after 1 x3"));
        Assert.That(new FaultRule(Fault.Abort()) { Times = int.MaxValue }.ToString(), Is.EqualTo("Abort on page any always"));
    }

    [Test]
    public void The_simulator_serves_a_status_fault_with_its_own_domain_and_message_as_the_calendar_server_does()
    {
        var fault = Fault.Status(400, "invalid", "The page was refused by the test.", "calendar");
        var compiled = ScenarioSimulator.Simulate(OneCall(new FaultRule(fault) { Page = 2 }));

        var refused = compiled.Calls[0].Exchanges.Single(e => e.Response.StatusCode == 400);
        Assert.That(refused.Response.Body, Is.EqualTo(Encoding.UTF8.GetString(GoogleErrors.ForStatus(400, "calendar", "invalid", "The page was refused by the test."))));
        Assert.That(compiled.Calls[0].Outcome, Is.EqualTo(ExpectedOutcome.RequestFailed(400)));
    }

    [Test]
    public void The_simulator_serves_a_fixed_loop_token_and_a_truncation_fraction()
    {
        var looped = ScenarioSimulator.Simulate(OneCall(new FaultRule(Fault.PageTokenLoop("loop-token")) { Page = 2 }));
        Assert.That(looped.Calls[0].Exchanges[1].Response.Body, Does.Contain("\"nextPageToken\":\"loop-token\""));

        var truncated = ScenarioSimulator.Simulate(OneCall(new FaultRule(Fault.TruncatedBody(0.25)) { Page = 1 }));
        var full = ScenarioSimulator.Simulate(OneCall()).Calls[0].Exchanges[0].Response.Body!;
        Assert.That(truncated.Calls[0].Exchanges[0].Response.Body, Is.EqualTo(full[..(int)(Encoding.UTF8.GetByteCount(full) * 0.25)]));
    }

    [Test]
    public void A_fault_WireMock_cannot_replay_is_refused_with_the_fault_named()
    {
        var delayThenFail = Fault.Delay(TimeSpan.FromMilliseconds(10), Fault.Status(503));
        var exception = Assert.Throws<NotSupportedException>(() => ScenarioSimulator.Simulate(OneCall(new FaultRule(delayThenFail) { Page = 1 })));
        Assert.That(exception!.Message, Does.Contain(delayThenFail.Description));

        var lying = Fault.TruncatedBody(honestContentLength: false);
        exception = Assert.Throws<NotSupportedException>(() => ScenarioSimulator.Simulate(OneCall(new FaultRule(lying) { Page = 1 })));
        Assert.That(exception!.Message, Does.Contain("Content-Length"));
    }

    [Test]
    public void A_rule_targeting_what_the_simulator_cannot_match_is_refused_with_the_rule_and_the_condition_named()
    {
        var byCalendar = new FaultRule(Fault.Status(503)) { CalendarId = "team@example.com", Page = 2 };
        var exception = Assert.Throws<NotSupportedException>(() => ScenarioSimulator.Simulate(OneCall(byCalendar)));
        Assert.That(exception!.Message, Does.Contain(byCalendar.ToString()).And.Contain("FeedId ('team@example.com')"));

        var byPageToken = new FaultRule(Fault.Status(503)) { WithPageToken = true };
        exception = Assert.Throws<NotSupportedException>(() => ScenarioSimulator.Simulate(OneCall(byPageToken)));
        Assert.That(exception!.Message, Does.Contain(byPageToken.ToString()).And.Contain("WithPageToken"));

        var byPredicate = new FaultRule(Fault.Status(503)) { When = r => r.PageNumber == 2 };
        exception = Assert.Throws<NotSupportedException>(() => ScenarioSimulator.Simulate(OneCall(byPredicate)));
        Assert.That(exception!.Message, Does.Contain(byPredicate.ToString()).And.Contain("a When predicate"));
    }
}
