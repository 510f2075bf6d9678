using System;
using System.Collections.Generic;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using NUnit.Framework;
using SyncGen.Testing.Dialects;
using SyncGen.Testing.Scenarios;

namespace SyncGen.Testing.Conformance;

/// <summary>
/// The protocol conformance suite of a sync repository: one test per catalog scenario (<see cref="ScenarioCatalog"/>).
/// Subclass <see cref="IncrementalSyncConformanceOnWireMock"/> and/or <see cref="IncrementalSyncConformanceOnEmbeddedServer"/>
/// and override <see cref="CreateRepository"/>; opt out of a scenario you cannot support with a capability flag, which
/// reports the scenario as Ignored with the reason, never as passed.
/// </summary>
/// <remarks>
/// The scenarios of one fixture share its server and every scenario resets it, so the fixture is
/// <c>[NonParallelizable]</c> (inherited by subclasses): an assembly-level <c>[Parallelizable]</c> cannot run two of its
/// scenarios at once.
/// </remarks>
[NonParallelizable]
public abstract class IncrementalSyncConformance
{
    private IScenarioServer? _scenarioServer;

    /// <summary>The client limits the scenarios are scripted for; build the repository with <see cref="ConformanceContext.Options"/>.</summary>
    protected virtual ConformanceSettings Settings => ConformanceSettings.Default;

    /// <summary>Whether the repository sends a full-sync-only filter (<see cref="ConformanceContext.FullSyncTimeMin"/> as timeMin).</summary>
    protected virtual bool SupportsFullSyncFilter => true;

    /// <summary>Whether the repository mirrors recurring series and their cancelled exceptions.</summary>
    protected virtual bool SupportsRecurringEvents => true;

    /// <summary>
    /// The wire protocol the repository speaks; Google Calendar by default. Override with another of
    /// <see cref="SyncDialects"/> to replay the catalog in it (the repository then requests
    /// <see cref="ConformanceContext.Endpoint"/>); scenarios the dialect cannot replay are skipped with the reason.
    /// </summary>
    protected virtual SyncDialect Dialect => SyncDialects.GoogleCalendar;

    /// <summary>
    /// How the kit's servers render <see cref="Dialect"/>; the built-in serving for a built-in dialect. Override for your
    /// own dialect (its feed path and expiry answer, see <see cref="FakeDialect"/>).
    /// </summary>
    protected virtual FakeDialect ServedDialect => FakeDialects.For(Dialect);

    /// <summary>The server the scenarios replay on; started once per fixture in <see cref="StartScenarioServerAsync"/>.</summary>
    /// <exception cref="InvalidOperationException">The server is not started (outside the fixture's tests).</exception>
    protected IScenarioServer ScenarioServer =>
        _scenarioServer ?? throw new InvalidOperationException("The scenario server is not started: it is started in the fixture's one-time set-up.");

    /// <summary>The catalog (<see cref="ScenarioCatalog.All"/>, then <see cref="ScenarioCatalog.WireShapes"/>), as NUnit test cases named after the scenarios.</summary>
    /// <returns>One case per scenario.</returns>
    public static IEnumerable<TestCaseData> CatalogScenarios() =>
        ScenarioCatalog.All.Concat(ScenarioCatalog.WireShapes).Select(s => new TestCaseData(s.Name).SetName(s.Name).SetDescription(s.Description));

    /// <summary>
    /// Builds the repository under test, with its own empty store, for one scenario: it must start full passes at
    /// <see cref="ConformanceContext.Endpoint"/> (Calendar: <c>{context.ApiRoot}calendars/{context.CalendarId}/events</c>
    /// with <c>maxResults = context.PageSize</c>) and use the retry budget and expiry bound of
    /// <see cref="ConformanceContext.Options"/>.
    /// </summary>
    /// <param name="context">Where and how.</param>
    /// <returns>The adapter the kit drives.</returns>
    protected abstract ISyncUnderTest CreateRepository(ConformanceContext context);

    /// <summary>Starts the scenario server of this fixture.</summary>
    /// <param name="cancellationToken">Cancels the start.</param>
    /// <returns>The server.</returns>
    protected abstract Task<IScenarioServer> StartServerAsync(CancellationToken cancellationToken);

    /// <summary>Starts the server once per fixture.</summary>
    /// <returns>A task.</returns>
    [OneTimeSetUp]
    public async Task StartScenarioServerAsync() =>
        _scenarioServer = await StartServerAsync(TestContext.CurrentContext.CancellationToken).ConfigureAwait(false);

    /// <summary>Stops the server.</summary>
    /// <returns>A task.</returns>
    [OneTimeTearDown]
    public async Task StopScenarioServerAsync()
    {
        var server = _scenarioServer;
        _scenarioServer = null;
        if (server is not null)
        {
            await server.DisposeAsync().ConfigureAwait(false);
        }
    }

    /// <summary>Replays one catalog scenario and fails with every protocol rule the repository broke.</summary>
    /// <param name="scenarioName">The scenario.</param>
    /// <returns>A task.</returns>
    [TestCaseSource(nameof(CatalogScenarios))]
    public async Task Scenario(string scenarioName)
    {
        var scenario = ScenarioCatalog.Get(scenarioName);
        if (scenario.Requires.HasFlag(ScenarioCapability.FullSyncFilter) && !SupportsFullSyncFilter)
        {
            Assert.Ignore($"Scenario '{scenarioName}' opted out via {nameof(SupportsFullSyncFilter)}.");
        }

        if (scenario.Requires.HasFlag(ScenarioCapability.RecurringEvents) && !SupportsRecurringEvents)
        {
            Assert.Ignore($"Scenario '{scenarioName}' opted out via {nameof(SupportsRecurringEvents)}.");
        }

        if (ServedDialect.SkipReason(scenario) is { } notInDialect)
        {
            // Visible as Ignored with the reason, never counted as passed.
            Assert.Ignore(notInDialect);
        }

        var report = await ScenarioRunner.RunAsync(ScenarioServer, scenario, CreateRepository, Settings, TestContext.CurrentContext.CancellationToken).ConfigureAwait(false);
        TestContext.Out.WriteLine(report.ToString());
        Assert.That(report.Failures, Is.Empty, report.FailureMessage);
    }
}

/// <summary>The conformance suite on a real WireMock: WireMock.Net in process (no Java, no npm).</summary>
/// <remarks>
/// Each fixture starts its own WireMock.Net on a free port of 127.0.0.1, and each scenario resets its mappings, scenario
/// states and request journal.
/// </remarks>
public abstract class IncrementalSyncConformanceOnWireMock : IncrementalSyncConformance
{
    /// <inheritdoc />
    protected override async Task<IScenarioServer> StartServerAsync(CancellationToken cancellationToken)
    {
        var server = await WireMockScenarioServer.StartAsync(cancellationToken).ConfigureAwait(false);
        server.Dialect = ServedDialect;
        return server;
    }
}

/// <summary>
/// The conformance suite on the embedded server (no Java needed): the fake Calendar server, or in another
/// <see cref="IncrementalSyncConformance.Dialect"/> the <see cref="FakeServer.FakeSyncServer"/>.
/// </summary>
public abstract class IncrementalSyncConformanceOnEmbeddedServer : IncrementalSyncConformance
{
    /// <inheritdoc />
    protected override Task<IScenarioServer> StartServerAsync(CancellationToken cancellationToken) =>
        Task.FromResult<IScenarioServer>(new EmbeddedScenarioServer(ServedDialect));
}
