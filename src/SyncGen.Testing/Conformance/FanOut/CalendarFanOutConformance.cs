using System;
using System.Threading;
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
    /// <remarks>A WireMock scenario builds two (one records, one replays): each needs a store of its own.</remarks>
    /// <param name="context">Where and how.</param>
    /// <returns>The adapter the kit drives.</returns>
    protected abstract ICalendarFanOutUnderTest CreateRepository(FanOutContext context);

    /// <summary>Runs one scenario on the embedded server: seed three calendars, sync all, change the server, sync again, check.</summary>
    /// <param name="name">The scenario's name.</param>
    /// <returns>A task.</returns>
    [TestCaseSource(nameof(FanOutScenarios))]
    public async Task Fan_out_scenario_on_the_embedded_server(string name)
    {
        var cancellation = TestContext.CurrentContext.CancellationToken;
        await using var server = await FakeCalendarServer.StartAsync(cancellationToken: cancellation).ConfigureAwait(false);
        await RunAsync(FanOutScenarioCatalog.Get(name), server, server.BaseUri, _ => Task.CompletedTask).ConfigureAwait(false);
    }

    /// <summary>
    /// Runs one scenario on WireMock.Net: recorded first through a proxy in front of the embedded server, then replayed by a
    /// fresh repository with each sync call's answers as one WireMock scenario state.
    /// </summary>
    /// <param name="name">The scenario's name.</param>
    /// <returns>A task.</returns>
    [TestCaseSource(nameof(FanOutScenarios))]
    public async Task Fan_out_scenario_on_WireMock(string name)
    {
        var scenario = FanOutScenarioCatalog.Get(name);
        var cancellation = TestContext.CurrentContext.CancellationToken;
        IReadOnlyList<WireMock.WireMockMapping> mappings;
        await using (var server = await FakeCalendarServer.StartAsync(cancellationToken: cancellation).ConfigureAwait(false))
        {
            await using var recording = await FanOutRecording.StartAsync(server, cancellation).ConfigureAwait(false);
            await RunAsync(scenario, server, recording.ApiRoot, call =>
            {
                recording.Call = call;
                return Task.CompletedTask;
            }).ConfigureAwait(false);
            mappings = recording.Mappings();
        }

        await using var wireMock = WireMock.WireMockNetBackend.Start();
        await wireMock.LoadMappingsAsync(mappings, cancellation).ConfigureAwait(false);

        // The script changes a server nobody asks: WireMock answers what the recorded run saw.
        await using var unused = await FakeCalendarServer.StartAsync(cancellationToken: cancellation).ConfigureAwait(false);
        await RunAsync(scenario, unused, new Uri(wireMock.BaseUri, FakeCalendarServer.RootPath.TrimStart('/') + "/"), call =>
            wireMock.SetScenarioStateAsync(FanOutRecording.ScenarioName, FanOutRecording.State(call), cancellation)).ConfigureAwait(false);
    }

    private async Task RunAsync(FanOutScenario scenario, FakeCalendarServer server, Uri apiRoot, Func<int, Task> beforeCall)
    {
        var cancellation = TestContext.CurrentContext.CancellationToken;
        var options = new SyncOptions { Retry = new SyncRetryOptions { BaseDelay = TimeSpan.FromMilliseconds(1), MaxDelay = TimeSpan.FromMilliseconds(2) } };
        await using var repository = CreateRepository(new FanOutContext(apiRoot, options));
        var run = new FanOutRun(server, repository, beforeCall, cancellation);
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
