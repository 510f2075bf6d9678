using System;
using System.Collections.Generic;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using SyncGen.Testing.Dialects;
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

    /// <summary>The dialect the server renders scenarios in.</summary>
    internal FakeDialect Dialect { get; }

    /// <summary>Loads a scenario (forgetting the previous one).</summary>
    /// <param name="scenario">The simulated scenario.</param>
    /// <param name="cancellationToken">Cancels.</param>
    /// <returns>The API root and the first request of a full pass the client must use.</returns>
    internal Task<ScenarioTarget> LoadAsync(CompiledScenario scenario, CancellationToken cancellationToken);

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

    /// <summary>What the server serves, for failure messages: <c>GET /calendar/v3/calendars/primary/events</c>.</summary>
    internal string Served { get; }
}

/// <summary>Where a loaded scenario is served.</summary>
/// <param name="ApiRoot">The API root, with a trailing slash.</param>
/// <param name="Endpoint">The first request of a full pass, page size included.</param>
internal sealed record ScenarioTarget(Uri ApiRoot, Uri Endpoint);

/// <summary>
/// Replays scenarios on an embedded server (a fresh one per scenario; no Java needed): <see cref="FakeCalendarServer"/> for
/// the Calendar dialect, <see cref="FakeSyncServer"/> for any other.
/// </summary>
public sealed class EmbeddedScenarioServer : IScenarioServer
{
    private readonly ScenarioEventStarts _starts = new();
    private readonly FakeDialect _dialect;
    private FakeCalendarServer? _server;
    private FakeSyncServer? _syncServer;
    private IReadOnlyList<string> _unserved = Array.Empty<string>();

    /// <summary>Replays scenarios in the Google Calendar dialect, on <see cref="FakeCalendarServer"/>.</summary>
    public EmbeddedScenarioServer()
        : this(FakeDialects.GoogleCalendar)
    {
    }

    /// <summary>Replays scenarios in a dialect: on <see cref="FakeCalendarServer"/> for Calendar, else on <see cref="FakeSyncServer"/>.</summary>
    /// <param name="dialect">The dialect, e.g. <see cref="FakeDialects.MicrosoftGraph"/>.</param>
    public EmbeddedScenarioServer(FakeDialect dialect) => _dialect = dialect ?? throw new ArgumentNullException(nameof(dialect));

    /// <inheritdoc />
    public string Name => IsCalendar ? "embedded server" : $"embedded server ({_dialect.Dialect.Name})";

    /// <summary>The server of the current scenario in the Calendar dialect.</summary>
    /// <exception cref="InvalidOperationException">No Calendar scenario is loaded.</exception>
    public FakeCalendarServer Server => _server ?? throw new InvalidOperationException("No Calendar scenario is loaded.");

    /// <summary>The server of the current scenario in any other dialect.</summary>
    /// <exception cref="InvalidOperationException">No scenario in another dialect is loaded.</exception>
    public FakeSyncServer SyncServer => _syncServer ?? throw new InvalidOperationException($"No {_dialect.Dialect.Name} scenario is loaded.");

    /// <inheritdoc />
    FakeDialect IScenarioServer.Dialect => _dialect;

    /// <inheritdoc />
    string IScenarioServer.Served => IsCalendar
        ? "GET " + new Uri(Server.BaseUri, "calendars/primary/events").AbsolutePath
        : SyncServer.ServedDescription;

    private bool IsCalendar => ReferenceEquals(_dialect, FakeDialects.GoogleCalendar);

    private FaultQueue Faults => IsCalendar ? Server.Faults : SyncServer.Faults;

    /// <inheritdoc />
    async Task<ScenarioTarget> IScenarioServer.LoadAsync(CompiledScenario scenario, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(scenario);
        await DisposeAsync().ConfigureAwait(false);
        _starts.Clear();
        var pageSize = scenario.Scenario.PageSize.ToString(System.Globalization.CultureInfo.InvariantCulture);
        if (IsCalendar)
        {
            _server = await FakeCalendarServer.StartAsync(cancellationToken: cancellationToken).ConfigureAwait(false);
            return new ScenarioTarget(_server.BaseUri, new Uri(_server.EventsUri() + "?maxResults=" + pageSize));
        }

        // A request without the page-size parameter (a full listing that does not repeat it) gets the scenario's page size too.
        _syncServer = await FakeSyncServer.StartAsync(_dialect, new FakeSyncServerOptions { DefaultPageSize = scenario.Scenario.PageSize }, cancellationToken).ConfigureAwait(false);
        var endpoint = _dialect.PageSizeParameter is { } parameter
            ? new Uri(_syncServer.Endpoint + "?" + Uri.EscapeDataString(parameter).Replace("%24", "$", StringComparison.Ordinal) + "=" + pageSize)
            : _syncServer.Endpoint;
        return new ScenarioTarget(_syncServer.BaseUri, endpoint);
    }

    /// <inheritdoc />
    Task IScenarioServer.BeforeCallAsync(CompiledCall call, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(call);
        foreach (var change in call.Call.Changes)
        {
            if (IsCalendar)
            {
                ApplyToCalendar(change);
            }
            else
            {
                ApplyToFeed(change);
            }
        }

        Faults.ArmFresh(call.Call.Faults);

        if (IsCalendar)
        {
            Server.ClearRequests();
        }
        else
        {
            SyncServer.ClearRequests();
        }

        return Task.CompletedTask;
    }

    /// <inheritdoc />
    async Task<IReadOnlyList<JournalEntry>> IScenarioServer.AfterCallAsync(CancellationToken cancellationToken)
    {
        Faults.Clear();

        // The client's call can end before the server has journalled the request it answered last (a reset reaches the
        // client before the handler's last line): wait for it, or the next call's journal would get it (1 run in 18
        // failed crash-mid-pass-then-restart that way, its restart opening with the crash's last reset).
        await (IsCalendar ? Server.WhenRequestsAnsweredAsync(cancellationToken) : SyncServer.WhenRequestsAnsweredAsync(cancellationToken)).ConfigureAwait(false);
        var requests = IsCalendar ? Server.Requests : SyncServer.Requests;
        IReadOnlyList<JournalEntry> journal = requests.Where(r => r.FeedId is not null)
            .Select((r, i) => JournalEntry.From(i + 1, r)).ToArray();
        _unserved = requests.Where(r => r.FeedId is null)
            .Select(r => $"{r.Method} {r.Path}{QueryText(r.Query)} -> {r.StatusCode.ToString(System.Globalization.CultureInfo.InvariantCulture)}")
            .ToArray();
        return journal;
    }

    /// <inheritdoc />
    IReadOnlyList<string> IScenarioServer.UnservedRequests => _unserved;

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        // Null the fields before disposing: if a new server fails to start, a later dispose must not dispose the old one again.
        var (server, syncServer) = (_server, _syncServer);
        (_server, _syncServer) = (null, null);
        if (server is not null)
        {
            await server.DisposeAsync().ConfigureAwait(false);
        }

        if (syncServer is not null)
        {
            await syncServer.DisposeAsync().ConfigureAwait(false);
        }
    }

    private static string QueryText(IReadOnlyList<KeyValuePair<string, string>> query) =>
        query.Count == 0 ? string.Empty : "?" + string.Join("&", query.Select(p => Uri.EscapeDataString(p.Key) + "=" + Uri.EscapeDataString(p.Value)));

    private void ApplyToCalendar(HistoryChange change)
    {
        var calendar = Server.Primary;
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

    private void ApplyToFeed(HistoryChange change)
    {
        switch (change.Kind)
        {
            case HistoryChangeKind.Upsert:
                SyncServer.Upsert(change.Id, change.Summary ?? change.Id);
                break;
            case HistoryChangeKind.Delete:
                SyncServer.Delete(change.Id);
                break;
            case HistoryChangeKind.DeleteSubtree:
                SyncServer.DeleteSubtree(change.Id);
                break;
            case HistoryChangeKind.ExpireTokens:
                SyncServer.ExpireSyncTokens();
                break;
            default:
                // The fixture skips scenarios a dialect cannot replay before they get here (FakeDialect.Unsupported).
                throw new InvalidOperationException($"History change '{change}' has no meaning in the {_dialect.Dialect.Name} dialect.");
        }
    }
}

/// <summary>
/// Replays scenarios on a real WireMock (WireMock.Net, in process): each scenario compiles to stub mappings
/// (<see cref="WireMockScenarioCompiler"/>), loaded after a reset; before each call the scenario state is moved to the
/// call's first request.
/// </summary>
/// <remarks>
/// The same mappings load into the Java WireMock (<see cref="WireMockMappingExport"/> writes them in its format); the
/// repository's own tests replay the catalog on both and compare the verdicts.
/// </remarks>
public sealed class WireMockScenarioServer : IScenarioServer
{
    private readonly IWireMockBackend _backend;
    private CompiledScenario? _scenario;
    private CompiledCall? _call;
    private IReadOnlyList<string> _unserved = Array.Empty<string>();

    /// <summary>Replays on another WireMock that speaks the same mappings (the repository's Java WireMock driver).</summary>
    internal WireMockScenarioServer(IWireMockBackend backend) => _backend = backend ?? throw new ArgumentNullException(nameof(backend));

    /// <inheritdoc />
    public string Name => _backend.Name;

    /// <summary>The base URI of the WireMock in use (ends with a slash).</summary>
    public Uri BaseUri => _backend.BaseUri;

    /// <summary>Starts WireMock.Net in process on a free port of 127.0.0.1, owned by the returned replayer.</summary>
    /// <param name="cancellationToken">Cancels the start.</param>
    /// <returns>The replayer.</returns>
    public static Task<WireMockScenarioServer> StartAsync(CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();
        return Task.FromResult(new WireMockScenarioServer(WireMockNetBackend.Start()));
    }

    /// <summary>
    /// The dialect scenarios are rendered in (Google Calendar by default); the WireMock conformance fixture sets its
    /// <c>ServedDialect</c> here. Set it before loading a scenario.
    /// </summary>
    public FakeDialect Dialect
    {
        get => _dialect;
        set => _dialect = value ?? throw new ArgumentNullException(nameof(value));
    }

    private FakeDialect _dialect = FakeDialects.GoogleCalendar;

    /// <inheritdoc />
    FakeDialect IScenarioServer.Dialect => Dialect;

    /// <inheritdoc />
    string IScenarioServer.Served => ReferenceEquals(Dialect, FakeDialects.GoogleCalendar) ? "GET " + WireMockScenarioCompiler.EventsPath : WireMockScenarioCompiler.Served(Dialect);

    private string Origin => _backend.BaseUri.GetLeftPart(UriPartial.Authority);

    /// <inheritdoc />
    async Task<ScenarioTarget> IScenarioServer.LoadAsync(CompiledScenario scenario, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(scenario);
        _scenario = scenario;
        _call = null;
        await _backend.LoadMappingsAsync(WireMockScenarioCompiler.Compile(scenario, Origin), cancellationToken).ConfigureAwait(false);
        var pageSize = scenario.Scenario.PageSize.ToString(System.Globalization.CultureInfo.InvariantCulture);
        if (ReferenceEquals(scenario.Dialect, FakeDialects.GoogleCalendar))
        {
            var root = new Uri(_backend.BaseUri, FakeCalendarServer.RootPath.TrimStart('/') + "/");
            return new ScenarioTarget(root, new Uri(root, "calendars/primary/events?maxResults=" + pageSize));
        }

        var dialect = scenario.Dialect;
        var apiRoot = new Uri(Origin + "/" + dialect.RootPath.Trim('/') + "/");
        var query = dialect.PageSizeParameter is { } size ? new[] { new KeyValuePair<string, string>(size, pageSize) } : Array.Empty<KeyValuePair<string, string>>();
        return new ScenarioTarget(apiRoot, new Uri(DialectRequests.Url(Origin, DialectRequests.EndpointPath(dialect), query)));
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
        var dialect = _scenario?.Dialect ?? Dialect;
        var isCalendar = ReferenceEquals(dialect, FakeDialects.GoogleCalendar);
        var next = 0;
        var journal = new List<JournalEntry>();
        bool IsServed(WireMockLoggedRequest r) => isCalendar ? IsEventsList(r) : DialectRequests.KindOf(dialect, r.Path) != DialectRequestKind.NotServed;
        _unserved = requests.Where(r => !IsServed(r))
            .Select(r => $"{r.Method} {r.Url} -> {(r.ResponseStatus is int s ? s.ToString(System.Globalization.CultureInfo.InvariantCulture) : "no response")}")
            .ToArray();
        foreach (var request in requests.Where(IsServed))
        {
            string? reason = null;
            ScriptedExchange? matched = null;
            if (next < script.Count && WireMockScenarioCompiler.Served(script[next], pageSize, request, dialect))
            {
                matched = script[next];
                reason = matched.Response.Reason;
                next++;
            }
            else if (request.Fault is null && request.ResponseStatus == 400)
            {
                reason = WireMockScenarioCompiler.UnscriptedReason;
            }

            var entry = JournalEntry.From(journal.Count + 1, request, reason);
            if (!isCalendar)
            {
                // The journal's one language: the token as syncToken, the page as pageToken (Graph: the whole link),
                // and the expiry as the dialect says, whatever status it came with.
                var kind = DialectRequests.KindOf(dialect, request.Path);
                var parameters = request.QueryParameters.Concat(DialectRequests.BodyTokens(dialect, request.Body)).ToList();
                var read = DialectRequests.Read(dialect, kind, parameters, DialectRequests.Url(Origin, request.Path, request.QueryParameters), IsSimulatedPageToken);
                entry = entry with
                {
                    Query = read.JournalQuery,
                    Wire = request.Url,
                    TokenExpired = matched?.Response.IsExpiry ?? (request.ResponseStatus is int status && dialect.Dialect.IsExpiry(new SyncErrorFacts { StatusCode = status })),
                };
            }

            journal.Add(entry);
        }

        return journal;
    }

    /// <summary>The simulator's page tokens start with <c>p</c>, its sync tokens with <c>s</c> (see <see cref="ScenarioModel"/>).</summary>
    private static bool IsSimulatedPageToken(string token) => token.StartsWith('p');

    /// <inheritdoc />
    IReadOnlyList<string> IScenarioServer.UnservedRequests => _unserved;

    /// <inheritdoc />
    public ValueTask DisposeAsync() => _backend.DisposeAsync();

    private static bool IsEventsList(WireMockLoggedRequest request) =>
        string.Equals(request.Path, WireMockScenarioCompiler.EventsPath, StringComparison.Ordinal);
}
