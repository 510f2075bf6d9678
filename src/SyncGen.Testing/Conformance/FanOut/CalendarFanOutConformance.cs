using System;
using System.Collections.Generic;
using System.Linq;
using System.Threading.Tasks;
using NUnit.Framework;
using SyncGen.Testing.FakeServer;

namespace SyncGen.Testing.Conformance.FanOut;

/// <summary>
/// The fan-out conformance suite of an all-calendars repository: one test per <see cref="FanOutScenarioCatalog"/>
/// scenario, each on a fresh embedded Calendar server over real HTTP. Subclass it and override
/// <see cref="CreateRepository"/>.
/// </summary>
public abstract class CalendarFanOutConformance
{
    /// <summary>The catalog as NUnit test cases named after the scenarios.</summary>
    /// <returns>One case per scenario.</returns>
    public static IEnumerable<TestCaseData> FanOutScenarios() =>
        FanOutScenarioCatalog.All.Select(s => new TestCaseData(s.Name).SetName("fan-out " + s.Name).SetDescription(s.Description));

    /// <summary>Builds the repository under test with its own empty store, syncing from <see cref="FanOutContext.ApiRoot"/>.</summary>
    /// <param name="context">Where and how.</param>
    /// <returns>The adapter the kit drives.</returns>
    protected abstract ICalendarFanOutUnderTest CreateRepository(FanOutContext context);

    /// <summary>Runs one scenario: seed three calendars, sync all, change the server, sync again, check.</summary>
    /// <param name="name">The scenario's name.</param>
    /// <returns>A task.</returns>
    [TestCaseSource(nameof(FanOutScenarios))]
    public async Task Fan_out_scenario(string name)
    {
        var scenario = FanOutScenarioCatalog.Get(name);
        var cancellation = TestContext.CurrentContext.CancellationToken;
        await using var server = await FakeCalendarServer.StartAsync(cancellationToken: cancellation).ConfigureAwait(false);
        var options = new SyncOptions { Retry = new SyncRetryOptions { BaseDelay = TimeSpan.FromMilliseconds(1), MaxDelay = TimeSpan.FromMilliseconds(2) } };
        await using var repository = CreateRepository(new FanOutContext(server.BaseUri, options));
        var run = new FanOutRun(server, repository, cancellation);
        run.Seed();

        var first = await run.SyncAsync().ConfigureAwait(false);
        Assert.That(first.Parent.WasFullSync, Is.True);
        Assert.That(first.Failures, Is.Empty);
        Assert.That(first.Children.Select(c => c.Result.WasFullSync), Is.All.True);
        await run.ExpectListAsync(FanOutScenarioCatalog.Holidays, FanOutScenarioCatalog.Primary, FanOutScenarioCatalog.Team).ConfigureAwait(false);
        await run.ExpectCalendarAsync(FanOutScenarioCatalog.Holidays, "h1").ConfigureAwait(false);
        await run.ExpectCalendarAsync(FanOutScenarioCatalog.Primary, "p1", "p2").ConfigureAwait(false);

        await scenario.Run(run).ConfigureAwait(false);
    }
}
