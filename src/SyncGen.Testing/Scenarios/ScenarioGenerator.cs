using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using SyncGen.Testing.Conformance;
using SyncGen.Testing.FakeServer;
using SyncGen.Testing.Journal;

namespace SyncGen.Testing.Scenarios;

/// <summary>
/// A seeded generator of random scenarios: random histories (creations, updates, deletions, token expiries) and random
/// fault plans drawn from every fault kind. The same seed always gives the same scenario, so a failing seed reproduces;
/// each call's expectation is what the conforming simulation reaches.
/// </summary>
public static class ScenarioGenerator
{
    private static readonly Fault[] FaultPool =
    {
        Fault.Status(503), Fault.Status(500), Fault.Status(429, "rateLimitExceeded"),
        Fault.Status(403, "rateLimitExceeded"), Fault.Status(400, "invalid"), Fault.Status(401),
        Fault.TokenExpired(), Fault.Abort(), Fault.Delay(TimeSpan.FromMilliseconds(20)), Fault.MalformedJson(),
        Fault.TruncatedBody(), Fault.NoTokens(), Fault.PageTokenLoop(), Fault.DuplicateItems(),
        Fault.ShortPage(0), Fault.ShortPage(1),
    };

    /// <summary>Generates the scenario of a seed.</summary>
    /// <param name="seed">The seed.</param>
    /// <param name="settings">The client limits the expectations assume.</param>
    /// <returns>A scenario named <c>random-{seed}</c>.</returns>
    public static SyncScenario Generate(int seed, ConformanceSettings? settings = null)
    {
        var random = new Random(seed);
        var pageSize = random.Next(2, 5);
        var live = new List<string>();
        var next = 1;
        var calls = new List<ScenarioCall>();
        var callCount = random.Next(2, 5);
        for (var c = 0; c < callCount; c++)
        {
            var changes = new List<HistoryChange>();
            var changeCount = c == 0 ? random.Next(0, 9) : random.Next(0, 6);
            for (var i = 0; i < changeCount; i++)
            {
                var roll = random.Next(10);
                if (roll < 4 || live.Count == 0)
                {
                    var id = "gen-" + next.ToString("D2", CultureInfo.InvariantCulture);
                    changes.Add(HistoryChange.Upsert(id, "gen " + next.ToString(CultureInfo.InvariantCulture)));
                    live.Add(id);
                    next++;
                }
                else if (roll < 7)
                {
                    var id = live[random.Next(live.Count)];
                    changes.Add(HistoryChange.Upsert(id, id + " v" + random.Next(2, 99).ToString(CultureInfo.InvariantCulture)));
                }
                else if (roll < 9)
                {
                    var id = live[random.Next(live.Count)];
                    changes.Add(HistoryChange.Delete(id));
                    live.Remove(id);
                }
                else
                {
                    changes.Add(HistoryChange.ExpireTokens);
                }
            }

            var faults = new List<FaultRule>();
            var faultCount = random.Next(0, 3);
            for (var f = 0; f < faultCount; f++)
            {
                faults.Add(new FaultRule(FaultPool[random.Next(FaultPool.Length)])
                {
                    WithSyncToken = random.Next(3) switch { 0 => null, 1 => true, _ => false },
                    Page = random.Next(1, 4),
                    Times = random.Next(1, 3),
                });
            }

            calls.Add(new ScenarioCall
            {
                Changes = changes,
                Faults = faults,
                Rule = ProtocolRules.MirrorConverges,
                Summary = $"{changes.Count} change(s), faults: {(faults.Count == 0 ? "none" : string.Join("; ", faults))}",
            });
        }

        var draft = new SyncScenario("random-" + seed.ToString(CultureInfo.InvariantCulture), $"Random scenario of seed {seed}.", pageSize, calls);
        var simulated = ScenarioSimulator.Simulate(draft, settings);

        // The expectation of a random call is the conforming client's outcome; the rule named on failure follows from it.
        var expected = calls.Select((call, i) => new ScenarioCall
        {
            Changes = call.Changes,
            Faults = call.Faults,
            Expect = simulated.Calls[i].Outcome,
            Rule = RuleFor(simulated.Calls[i].Outcome),
            Summary = call.Summary,
        }).ToArray();
        return new SyncScenario(draft.Name, draft.Description, pageSize, expected) { EdgeCases = Array.Empty<int>() };
    }

    /// <summary>Generates the scenarios of seeds <paramref name="firstSeed"/> .. <paramref name="firstSeed"/> + <paramref name="count"/> - 1.</summary>
    /// <param name="firstSeed">The first seed.</param>
    /// <param name="count">How many.</param>
    /// <param name="settings">The client limits the expectations assume; <see cref="ConformanceSettings.Default"/> when null.</param>
    /// <returns>The scenarios.</returns>
    public static IReadOnlyList<SyncScenario> GenerateMany(int firstSeed, int count, ConformanceSettings? settings = null) =>
        Enumerable.Range(firstSeed, count).Select(seed => Generate(seed, settings)).ToArray();

    private static string RuleFor(ExpectedOutcome outcome) => outcome.Kind switch
    {
        OutcomeKind.Success => ProtocolRules.MirrorConverges,
        OutcomeKind.ExpiryLoop => ProtocolRules.BoundedExpiryRecovery,
        OutcomeKind.ProtocolViolation when outcome.Violation == SyncProtocolViolation.PageTokenLoop => ProtocolRules.PageTokenLoopGuard,
        OutcomeKind.ProtocolViolation => ProtocolRules.RejectBrokenPages,
        _ => ProtocolRules.TypedOutcome,
    };
}
