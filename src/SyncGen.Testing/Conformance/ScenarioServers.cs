using System;
using System.Collections.Generic;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using SyncGen.Testing.Journal;
using SyncGen.Testing.Scenarios;
using SyncGen.Testing.WireMock;

namespace SyncGen.Testing.Conformance;

/// <summary>A server that replays scenarios: it loads one, prepares each call and hands back each call's request journal.</summary>
public interface IScenarioServer : IAsyncDisposable
{
    /// <summary>A short name for messages: <c>WireMock</c> or <c>embedded server</c>.</summary>
    string Name { get; }

    /// <summary>Loads a scenario (forgetting the previous one).</summary>
    /// <param name="scenario">The simulated scenario.</param>
    /// <param name="cancellationToken">Cancels.</param>
    /// <returns>The API root the client must use.</returns>
    Task<Uri> LoadAsync(CompiledScenario scenario, CancellationToken cancellationToken);

    /// <summary>Prepares a call: applies the history that changed before it, arms its faults, empties the journal.</summary>
    /// <param name="call">The call.</param>
    /// <param name="cancellationToken">Cancels.</param>
    /// <returns>A task.</returns>
    Task BeforeCallAsync(CompiledCall call, CancellationToken cancellationToken);

    /// <summary>Ends a call: disarms its faults and returns its events.list requests, in order.</summary>
    /// <param name="cancellationToken">Cancels.</param>
    /// <returns>The journal of the call.</returns>
    Task<IReadOnlyList<JournalEntry>> AfterCallAsync(CancellationToken cancellationToken);
}

/// <summary>Replays scenarios on the embedded <see cref="FakeCalendarServer"/> (a fresh server per scenario; no Java needed).</summary>
public sealed class EmbeddedScenarioServer : IScenarioServer
{
    private readonly Dictionary<string, DateTimeOffset> _starts = new(StringComparer.Ordinal);
    private readonly Dictionary<string, DateTimeOffset> _seriesStarts = new(StringComparer.Ordinal);
    private FakeCalendarServer? _server;

    /// <inheritdoc />
    public string Name => "embedded server";

    /// <summary>The server of the current scenario.</summary>
    public FakeCalendarServer Server => _server ?? throw new InvalidOperationException("No scenario is loaded.");

    /// <inheritdoc />
    public async Task<Uri> LoadAsync(CompiledScenario scenario, CancellationToken cancellationToken)
    {
        if (_server is not null)
        {
            await _server.DisposeAsync().ConfigureAwait(false);
        }

        _starts.Clear();
        _seriesStarts.Clear();
        _server = await FakeCalendarServer.StartAsync(cancellationToken: cancellationToken).ConfigureAwait(false);
        return _server.BaseUri;
    }

    /// <inheritdoc />
    public Task BeforeCallAsync(CompiledCall call, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(call);
        var calendar = Server.Primary;
        foreach (var change in call.Call.Changes)
        {
            switch (change.Kind)
            {
                case HistoryChangeKind.Upsert:
                case HistoryChangeKind.UpsertSeries:
                    var start = StartOf(change.Id);
                    calendar.Upsert(new FakeEvent(change.Id, change.Summary ?? change.Id, start, start.AddHours(1))
                    {
                        Recurrence = change.Kind == HistoryChangeKind.UpsertSeries ? new[] { "RRULE:FREQ=DAILY" } : null,
                    });
                    break;
                case HistoryChangeKind.Delete:
                    calendar.Delete(change.Id);
                    break;
                case HistoryChangeKind.CancelOccurrence:
                    calendar.CancelOccurrence(change.Id, StartOf(change.Id).AddDays(change.OccurrenceIndex));
                    break;
                case HistoryChangeKind.ExpireTokens:
                    calendar.ExpireSyncTokens();
                    break;
            }
        }

        Server.Faults.Clear();
        foreach (var plan in call.Call.Faults)
        {
            var page = plan.Page;
            Server.Faults.Enqueue(new FaultRule(ToFault(plan.Fault))
            {
                WithSyncToken = plan.Incremental,
                When = page is { } p ? r => r.PageNumber == p : null,
                Skip = plan.Skip,
                Times = plan.Times,
            });
        }

        Server.ClearRequests();
        return Task.CompletedTask;
    }

    /// <inheritdoc />
    public Task<IReadOnlyList<JournalEntry>> AfterCallAsync(CancellationToken cancellationToken)
    {
        Server.Faults.Clear();
        IReadOnlyList<JournalEntry> journal = Server.Requests.Where(r => r.CalendarId is not null)
            .Select((r, i) => JournalEntry.From(i + 1, r)).ToArray();
        return Task.FromResult(journal);
    }

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        if (_server is not null)
        {
            await _server.DisposeAsync().ConfigureAwait(false);
            _server = null;
        }
    }

    /// <summary>The same start times as the simulation: one hour apart in order of first creation.</summary>
    private DateTimeOffset StartOf(string id)
    {
        if (!_starts.TryGetValue(id, out var start))
        {
            start = new DateTimeOffset(2026, 2, 1, 9, 0, 0, TimeSpan.Zero).AddHours(_starts.Count);
            _starts[id] = start;
        }

        return start;
    }

    private static Fault ToFault(ScenarioFault fault) => fault.Kind switch
    {
        ScenarioFaultKind.Status => Fault.Status(fault.StatusCode, fault.Reason, retryAfter: fault.RetryAfterSeconds is { } s ? TimeSpan.FromSeconds(s) : null),
        ScenarioFaultKind.Abort => Fault.Abort(),
        ScenarioFaultKind.Delay => Fault.Delay(TimeSpan.FromMilliseconds(fault.DelayMilliseconds)),
        ScenarioFaultKind.MalformedJson => Fault.MalformedJson(),
        ScenarioFaultKind.TruncatedBody => Fault.TruncatedBody(0.5, honestContentLength: true),
        ScenarioFaultKind.NoTokens => Fault.NoTokens(),
        ScenarioFaultKind.PageTokenLoop => Fault.PageTokenLoop(),
        ScenarioFaultKind.DuplicateItems => Fault.DuplicateItems(),
        ScenarioFaultKind.ShortPage => Fault.ShortPage(fault.ItemCount),
        _ => throw new ArgumentOutOfRangeException(nameof(fault), fault.Kind, "Unknown fault."),
    };
}

/// <summary>
/// Replays scenarios on a real WireMock: each scenario compiles to stub mappings (<see cref="WireMockScenarioCompiler"/>),
/// imported after a reset; before each call the scenario state is moved to the call's first request.
/// </summary>
public sealed class WireMockScenarioServer : IScenarioServer
{
    private readonly WireMockServer _wireMock;
    private readonly bool _ownsServer;
    private CompiledScenario? _scenario;

    /// <summary>Drives a running WireMock.</summary>
    /// <param name="wireMock">The server.</param>
    /// <param name="ownsServer">Whether disposing this disposes the server.</param>
    public WireMockScenarioServer(WireMockServer wireMock, bool ownsServer = false)
    {
        _wireMock = wireMock ?? throw new ArgumentNullException(nameof(wireMock));
        _ownsServer = ownsServer;
    }

    /// <inheritdoc />
    public string Name => "WireMock";

    /// <summary>Starts a WireMock (see <see cref="WireMockServer.StartAsync"/>) owned by the returned replayer.</summary>
    /// <param name="options">WireMock options.</param>
    /// <param name="cancellationToken">Cancels the start.</param>
    /// <returns>The replayer.</returns>
    /// <exception cref="WireMockUnavailableException">Java or the jar is missing; the message says what to install.</exception>
    public static async Task<WireMockScenarioServer> StartAsync(WireMockServerOptions? options = null, CancellationToken cancellationToken = default) =>
        new(await WireMockServer.StartAsync(options, cancellationToken).ConfigureAwait(false), ownsServer: true);

    /// <inheritdoc />
    public async Task<Uri> LoadAsync(CompiledScenario scenario, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(scenario);
        _scenario = scenario;
        await _wireMock.Admin.ResetAsync(cancellationToken).ConfigureAwait(false);
        await _wireMock.Admin.ImportMappingsAsync(WireMockScenarioCompiler.Compile(scenario), true, cancellationToken).ConfigureAwait(false);
        return new Uri(_wireMock.BaseUri, FakeCalendarServer.RootPath.TrimStart('/') + "/");
    }

    /// <inheritdoc />
    public async Task BeforeCallAsync(CompiledCall call, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(call);
        var scenario = _scenario ?? throw new InvalidOperationException("No scenario is loaded.");
        await _wireMock.Admin.SetScenarioStateAsync(scenario.Scenario.Name, WireMockScenarioCompiler.StateBeforeCall(call.Index), cancellationToken).ConfigureAwait(false);
        await _wireMock.Admin.ResetRequestsAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <inheritdoc />
    public async Task<IReadOnlyList<JournalEntry>> AfterCallAsync(CancellationToken cancellationToken)
    {
        var requests = await _wireMock.Admin.GetRequestsAsync(cancellationToken).ConfigureAwait(false);
        return requests.Where(r => r.Path.EndsWith("/events", StringComparison.Ordinal))
            .Select((r, i) => JournalEntry.From(i + 1, r)).ToArray();
    }

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        if (_ownsServer)
        {
            await _wireMock.DisposeAsync().ConfigureAwait(false);
        }
    }
}
