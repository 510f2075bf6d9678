using System;
using System.Collections.Generic;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using SyncGen.Testing.FakeServer;
using SyncGen.Testing.Journal;
using SyncGen.Testing.Scenarios;
using SyncGen.Testing.WireMock;

namespace SyncGen.Testing.Conformance;

/// <summary>
/// A server that replays scenarios: it loads one, prepares each call and hands back each call's request journal. The kit
/// provides the two implementations (<see cref="EmbeddedScenarioServer"/>, <see cref="WireMockScenarioServer"/>); the
/// compiled scripts they replay are the kit's own business, so their members are internal.
/// </summary>
public interface IScenarioServer : IAsyncDisposable
{
    /// <summary>A short name for messages: <c>WireMock.Net</c>, <c>WireMock</c> (the Java one) or <c>embedded server</c>.</summary>
    string Name { get; }

    /// <summary>Loads a scenario (forgetting the previous one).</summary>
    /// <param name="scenario">The simulated scenario.</param>
    /// <param name="cancellationToken">Cancels.</param>
    /// <returns>The API root the client must use.</returns>
    internal Task<Uri> LoadAsync(CompiledScenario scenario, CancellationToken cancellationToken);

    /// <summary>Prepares a call: applies the history that changed before it, arms its faults, empties the journal.</summary>
    /// <param name="call">The call.</param>
    /// <param name="cancellationToken">Cancels.</param>
    /// <returns>A task.</returns>
    internal Task BeforeCallAsync(CompiledCall call, CancellationToken cancellationToken);

    /// <summary>Ends a call: disarms its faults and returns its events.list requests, in order.</summary>
    /// <param name="cancellationToken">Cancels.</param>
    /// <returns>The journal of the call.</returns>
    internal Task<IReadOnlyList<JournalEntry>> AfterCallAsync(CancellationToken cancellationToken);

    /// <summary>The requests of the last call the server does not serve (any path but events.list), as <c>METHOD path?query -&gt; 404</c>.</summary>
    internal IReadOnlyList<string> UnservedRequests { get; }
}

/// <summary>Replays scenarios on the embedded <see cref="FakeCalendarServer"/> (a fresh server per scenario; no Java needed).</summary>
public sealed class EmbeddedScenarioServer : IScenarioServer
{
    private readonly ScenarioEventStarts _starts = new();
    private FakeCalendarServer? _server;
    private IReadOnlyList<string> _unserved = Array.Empty<string>();

    /// <inheritdoc />
    public string Name => "embedded server";

    /// <summary>The server of the current scenario.</summary>
    public FakeCalendarServer Server => _server ?? throw new InvalidOperationException("No scenario is loaded.");

    /// <inheritdoc />
    async Task<Uri> IScenarioServer.LoadAsync(CompiledScenario scenario, CancellationToken cancellationToken)
    {
        // Null the field before disposing: if the new server fails to start, a later dispose must not dispose the old one again.
        var previous = _server;
        _server = null;
        if (previous is not null)
        {
            await previous.DisposeAsync().ConfigureAwait(false);
        }

        _starts.Clear();
        _server = await FakeCalendarServer.StartAsync(cancellationToken: cancellationToken).ConfigureAwait(false);
        return _server.BaseUri;
    }

    /// <inheritdoc />
    Task IScenarioServer.BeforeCallAsync(CompiledCall call, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(call);
        var calendar = Server.Primary;
        foreach (var change in call.Call.Changes)
        {
            switch (change.Kind)
            {
                case HistoryChangeKind.Upsert:
                case HistoryChangeKind.UpsertSeries:
                    var start = _starts.StartOf(change.Id);
                    calendar.Upsert(new FakeEvent(change.Id, change.Summary ?? change.Id, start, start.AddHours(1))
                    {
                        Recurrence = change.Kind == HistoryChangeKind.UpsertSeries ? new[] { "RRULE:FREQ=DAILY" } : null,
                    });
                    break;
                case HistoryChangeKind.Delete:
                    calendar.Delete(change.Id);
                    break;
                case HistoryChangeKind.CancelOccurrence:
                    calendar.CancelOccurrence(change.Id, _starts.StartOf(change.Id).AddDays(change.OccurrenceIndex));
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
    Task<IReadOnlyList<JournalEntry>> IScenarioServer.AfterCallAsync(CancellationToken cancellationToken)
    {
        Server.Faults.Clear();
        var requests = Server.Requests;
        IReadOnlyList<JournalEntry> journal = requests.Where(r => r.CalendarId is not null)
            .Select((r, i) => JournalEntry.From(i + 1, r)).ToArray();
        _unserved = requests.Where(r => r.CalendarId is null)
            .Select(r => $"{r.Method} {r.Path}{QueryText(r.Query)} -> {r.StatusCode.ToString(System.Globalization.CultureInfo.InvariantCulture)}")
            .ToArray();
        return Task.FromResult(journal);
    }

    /// <inheritdoc />
    IReadOnlyList<string> IScenarioServer.UnservedRequests => _unserved;

    private static string QueryText(IReadOnlyList<KeyValuePair<string, string>> query) =>
        query.Count == 0 ? string.Empty : "?" + string.Join("&", query.Select(p => Uri.EscapeDataString(p.Key) + "=" + Uri.EscapeDataString(p.Value)));

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        var server = _server;
        _server = null;
        if (server is not null)
        {
            await server.DisposeAsync().ConfigureAwait(false);
        }
    }

    private static Fault ToFault(ScenarioFault fault) => fault.Kind switch
    {
        FaultKind.Status => Fault.Status(fault.StatusCode, fault.Reason, retryAfter: fault.RetryAfterSeconds is { } s ? TimeSpan.FromSeconds(s) : null),
        FaultKind.Abort => Fault.Abort(),
        FaultKind.Delay => Fault.Delay(TimeSpan.FromMilliseconds(fault.DelayMilliseconds)),
        FaultKind.MalformedJson => Fault.MalformedJson(),
        FaultKind.TruncatedBody => Fault.TruncatedBody(0.5, honestContentLength: true),
        FaultKind.NoTokens => Fault.NoTokens(),
        FaultKind.PageTokenLoop => Fault.PageTokenLoop(),
        FaultKind.DuplicateItems => Fault.DuplicateItems(),
        FaultKind.ShortPage => Fault.ShortPage(fault.ItemCount),
        FaultKind.RawResponse => Fault.Raw(fault.StatusCode, fault.ContentType, fault.Body!, fault.RetryAfterSeconds is { } raw ? TimeSpan.FromSeconds(raw) : null),
        _ => throw new ArgumentOutOfRangeException(nameof(fault), fault.Kind, "Unknown fault."),
    };
}

/// <summary>
/// Replays scenarios on a real WireMock, WireMock.Net in process (the default) or the Java WireMock: each scenario compiles
/// to stub mappings (<see cref="WireMockScenarioCompiler"/>), loaded after a reset; before each call the scenario state is
/// moved to the call's first request. Both backends get the same mappings and are read the same way.
/// </summary>
public sealed class WireMockScenarioServer : IScenarioServer
{
    private readonly IWireMockBackend _backend;
    private CompiledScenario? _scenario;
    private CompiledCall? _call;
    private IReadOnlyList<string> _unserved = Array.Empty<string>();

    /// <summary>Drives a running Java WireMock.</summary>
    /// <param name="wireMock">The server.</param>
    /// <param name="ownsServer">Whether disposing this disposes the server.</param>
    public WireMockScenarioServer(WireMockServer wireMock, bool ownsServer = false)
        : this(new JavaWireMockBackend(wireMock, ownsServer))
    {
    }

    private WireMockScenarioServer(IWireMockBackend backend) => _backend = backend;

    /// <inheritdoc />
    public string Name => _backend.Name;

    /// <summary>The base URI of the WireMock in use (ends with a slash).</summary>
    public Uri BaseUri => _backend.BaseUri;

    /// <summary>
    /// Starts the WireMock that <see cref="WireMockServerOptions.Backend"/> names (WireMock.Net in process unless the Java
    /// WireMock is asked for), owned by the returned replayer.
    /// </summary>
    /// <param name="options">WireMock options.</param>
    /// <param name="cancellationToken">Cancels the start.</param>
    /// <returns>The replayer.</returns>
    /// <exception cref="WireMockUnavailableException">The Java WireMock was asked for and Java or the jar is missing; the message says what to install.</exception>
    public static async Task<WireMockScenarioServer> StartAsync(WireMockServerOptions? options = null, CancellationToken cancellationToken = default)
    {
        options ??= new WireMockServerOptions();
        if (options.Backend == WireMockBackend.WireMockNet)
        {
            cancellationToken.ThrowIfCancellationRequested();
            return new WireMockScenarioServer(WireMockNetBackend.Start());
        }

        var java = await WireMockServer.StartAsync(options, cancellationToken).ConfigureAwait(false);
        return new WireMockScenarioServer(new JavaWireMockBackend(java, ownsServer: true));
    }

    /// <inheritdoc />
    async Task<Uri> IScenarioServer.LoadAsync(CompiledScenario scenario, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(scenario);
        _scenario = scenario;
        _call = null;
        await _backend.LoadMappingsAsync(WireMockScenarioCompiler.Compile(scenario), cancellationToken).ConfigureAwait(false);
        return new Uri(_backend.BaseUri, FakeCalendarServer.RootPath.TrimStart('/') + "/");
    }

    /// <inheritdoc />
    async Task IScenarioServer.BeforeCallAsync(CompiledCall call, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(call);
        var scenario = _scenario ?? throw new InvalidOperationException("No scenario is loaded.");
        _call = call;
        await _backend.SetScenarioStateAsync(scenario.Scenario.Name, WireMockScenarioCompiler.StateBeforeCall(call.Index), cancellationToken).ConfigureAwait(false);
        await _backend.ResetRequestsAsync(cancellationToken).ConfigureAwait(false);
    }
    /// <summary>
    /// Ends a call and returns its events.list requests. WireMock's journal does not carry the error reason of a response,
    /// so each request is paired with the script: a request that matched the next scripted mapping (same tokens and page
    /// size, same status or reset) gets that exchange's reason, any other request was answered by the catch-all
    /// (<see cref="WireMockScenarioCompiler.UnscriptedReason"/>). A scripted 403 thus carries the same reason as on the
    /// embedded server (where the fault records it), and the journal checks (a 403 is retryable only with a rate-limit
    /// reason) give both servers the same verdict.
    /// </summary>
    /// <param name="cancellationToken">Cancels.</param>
    /// <returns>The journal of the call.</returns>
    async Task<IReadOnlyList<JournalEntry>> IScenarioServer.AfterCallAsync(CancellationToken cancellationToken)
    {
        var requests = await _backend.GetRequestsAsync(cancellationToken).ConfigureAwait(false);
        var script = _call?.Exchanges ?? Array.Empty<ScriptedExchange>();
        var pageSize = _scenario?.Scenario.PageSize ?? 0;
        var next = 0;
        var journal = new List<JournalEntry>();
        _unserved = requests.Where(r => !IsEventsList(r))
            .Select(r => $"{r.Method} {r.Url} -> {(r.ResponseStatus is int s ? s.ToString(System.Globalization.CultureInfo.InvariantCulture) : "no response")}")
            .ToArray();
        foreach (var request in requests.Where(IsEventsList))
        {
            string? reason = null;
            if (next < script.Count && WireMockScenarioCompiler.Served(script[next], pageSize, request))
            {
                reason = script[next].Response.Reason;
                next++;
            }
            else if (request.Fault is null && request.ResponseStatus == 400)
            {
                reason = WireMockScenarioCompiler.UnscriptedReason;
            }

            journal.Add(JournalEntry.From(journal.Count + 1, request, reason));
        }

        return journal;
    }

    /// <inheritdoc />
    IReadOnlyList<string> IScenarioServer.UnservedRequests => _unserved;

    /// <inheritdoc />
    public ValueTask DisposeAsync() => _backend.DisposeAsync();

    private static bool IsEventsList(WireMockLoggedRequest request) =>
        string.Equals(request.Path, WireMockScenarioCompiler.EventsPath, StringComparison.Ordinal);
}
