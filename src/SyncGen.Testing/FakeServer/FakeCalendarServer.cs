using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using SyncGen.Testing.Dialects;
using SyncGen.Testing.Push;

namespace SyncGen.Testing.FakeServer;

/// <summary>
/// An embedded fake of Google Calendar API v3 <c>events.list</c> over real HTTP on 127.0.0.1: full and incremental sync with
/// snapshot-consistent paging, Google's sync-token rules and error bodies, fault injection and a request journal.
/// Clients request <c>{BaseUri}calendars/{calendarId}/events</c>; calendars are created on demand.
/// </summary>
/// <example>
/// <code>
/// await using var server = await FakeCalendarServer.StartAsync();
/// server.Primary.AddMany(600);
/// server.Faults.Enqueue(Fault.RateLimited(TimeSpan.FromSeconds(1)), r => r.PageNumber == 2);
/// var json = await http.GetStringAsync(new Uri(server.BaseUri, "calendars/primary/events?maxResults=250"));
/// </code>
/// </example>
public sealed partial class FakeCalendarServer : IAsyncDisposable
{
    /// <summary>The path root of the API, as Google serves it.</summary>
    public const string RootPath = "/calendar/v3";

    private const string CalendarsPrefix = RootPath + "/calendars/";
    private const string EventsSuffix = "/events";

    private readonly WebApplication _app;
    private readonly FakeCalendarServerOptions _options;
    private readonly TimeProvider _journalClock;
    private readonly ConcurrentDictionary<string, FakeCalendar> _calendars = new(StringComparer.Ordinal);
    private readonly EmbeddedServerState _state = new();
    private readonly DialectAnswers _answers = new(FakeDialects.GoogleCalendar);
    private long _sequence;

    private FakeCalendarServer(WebApplication app, FakeCalendarServerOptions options)
    {
        _app = app;
        _options = options;
        _journalClock = options.TimeProvider ?? TimeProvider.System;
        BaseUri = new Uri("http://127.0.0.1/");
        Channels = new FakeCalendarChannels(() => BaseUri, _journalClock);
    }

    /// <summary>The push side: watch channels, <c>channels/stop</c>, and the notifications sent when a calendar changes.</summary>
    public FakeCalendarChannels Channels { get; }

    /// <summary>The API root with a trailing slash, e.g. <c>http://127.0.0.1:54321/calendar/v3/</c>.</summary>
    public Uri BaseUri { get; private set; }

    /// <summary>The calendar <c>primary</c>.</summary>
    public FakeCalendar Primary => GetCalendar("primary");

    /// <summary>The ids of the calendars created so far (by C# or by a request), ordered.</summary>
    public IReadOnlyList<string> CalendarIds => _calendars.Keys.OrderBy(id => id, StringComparer.Ordinal).ToArray();

    /// <summary>The armed faults.</summary>
    public FaultQueue Faults { get; } = new();

    /// <summary>
    /// A snapshot of the request journal, in arrival order. A request is journaled once its answer has gone out, so one
    /// whose answer (or reset) the client has just seen can still be missing: await
    /// <see cref="WhenRequestsAnsweredAsync"/> before reading the journal after a call.
    /// </summary>
    public IReadOnlyList<RecordedRequest> Requests => _state.Requests;

    /// <summary>Starts a server on 127.0.0.1 (an ephemeral port unless <see cref="FakeCalendarServerOptions.Port"/> is set).</summary>
    /// <param name="options">Options; defaults when null.</param>
    /// <param name="cancellationToken">Cancels the start.</param>
    /// <returns>The started server; dispose it to stop.</returns>
    public static async Task<FakeCalendarServer> StartAsync(FakeCalendarServerOptions? options = null, CancellationToken cancellationToken = default)
    {
        options ??= new FakeCalendarServerOptions();
        FakeCalendarServer? server = null;
        var (app, origin) = await EmbeddedHttpHost.StartAsync(options.Port, options.LoggerFactory, context => server!.HandleAsync(context), cancellationToken).ConfigureAwait(false);
        server = new FakeCalendarServer(app, options) { BaseUri = new Uri(origin + RootPath + "/") };
        return server;
    }

    /// <summary>The calendar with this id, created empty when new.</summary>
    /// <param name="calendarId">The calendar id, e.g. <c>primary</c> or an email address.</param>
    public FakeCalendar GetCalendar(string calendarId)
    {
        ArgumentException.ThrowIfNullOrEmpty(calendarId);
        return _calendars.GetOrAdd(calendarId, id => new FakeCalendar(id, _options.TimeProvider, _options.ClockStart) { Changed = () => Channels.Notify(FakeCalendarChannels.EventsResource(id)) });
    }

    /// <summary>The events.list URI of a calendar, e.g. <c>http://127.0.0.1:54321/calendar/v3/calendars/primary/events</c>.</summary>
    /// <param name="calendarId">The calendar id.</param>
    public Uri EventsUri(string calendarId = "primary") =>
        new(BaseUri, "calendars/" + Uri.EscapeDataString(calendarId) + EventsSuffix);

    /// <summary>Empties the request journal.</summary>
    public void ClearRequests() => _state.ClearRequests();

    /// <summary>
    /// Completes when no request is being answered, so every request whose answer a client has seen is then in
    /// <see cref="Requests"/>. Call it after a client call returns and before reading <see cref="Requests"/>: the server
    /// journals a request only after its answer went out, and an aborted connection (<see cref="Fault.Abort"/>) or a
    /// response reaches the client before that, so a journal read at once can miss the last request. A request held by a
    /// delay fault keeps it pending until the delay ends or its client disconnects.
    /// </summary>
    /// <param name="cancellationToken">Stops the wait; the returned task is then cancelled.</param>
    /// <returns>A task that completes when the server answers no request.</returns>
    public Task WhenRequestsAnsweredAsync(CancellationToken cancellationToken = default) => _state.WhenIdleAsync(cancellationToken);

    /// <summary>Stops the server; requests still waiting on a delay fault are cancelled.</summary>
    /// <returns>A task that completes when the server has stopped.</returns>
    public async ValueTask DisposeAsync()
    {
        await _state.StopAsync(_app).ConfigureAwait(false);
        await Channels.DisposeAsync().ConfigureAwait(false);
    }

    private async Task HandleAsync(HttpContext context)
    {
        if (await Channels.TryHandleAsync(context, RootPath).ConfigureAwait(false))
        {
            return;
        }

        var arrived = _journalClock.GetUtcNow();
        var request = ParseRequest(context);
        var fault = request.CalendarId is null ? null : Faults.Take(request);
        var status = 0;
        _state.BeginRequest();
        try
        {
            status = await RespondAsync(context, request, fault).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (context.RequestAborted.IsCancellationRequested || _state.Stopping.IsCancellationRequested)
        {
            // The client gave up (or the server is stopping) while a delay fault held the answer: nothing to send.
            context.Abort();
        }
        finally
        {
            _state.Record(new RecordedRequest(request, arrived, status, fault));
        }
    }

    /// <summary>The message of the 404 a request outside events.list gets: what was asked, and what this server serves.</summary>
    internal static string NotServedMessage(string method, string path) =>
        $"SyncGen test server: {method} {path} is not served. This server serves only Google Calendar v3 events.list: GET {CalendarsPrefix}{{calendarId}}/events.";

    private async Task<int> RespondAsync(HttpContext context, FakeCalendarRequest request, Fault? fault)
    {
        if (request.CalendarId is null)
        {
            if (await TryServeCollectionAsync(context, request).ConfigureAwait(false) is { } served)
            {
                return served;
            }

            return await WriteAsync(context, new ServedAnswer(404, GoogleErrors.Body(404, "global", "notFound", NotServedMessage(request.Method, request.Path)))).ConfigureAwait(false);
        }

        if (!HttpMethods.IsGet(request.Method))
        {
            return await WriteAsync(context, new ServedAnswer(405, GoogleErrors.Body(405, "global", "httpMethodNotAllowed", "Method Not Allowed"))).ConfigureAwait(false);
        }

        if (_options.Quota is { } quota && !quota.TryAdmit(request.CalendarId, _journalClock.GetUtcNow()))
        {
            return await WriteAsync(context, new ServedAnswer(403, GoogleErrors.Body(403, "usageLimits", "rateLimitExceeded", "Rate Limit Exceeded"))).ConfigureAwait(false);
        }

        fault = await _state.WaitOutDelaysAsync(fault, context).ConfigureAwait(false);
        return await WriteAsync(context, FaultInterpreter.Answer(fault, new EventsListSource(this, request), request.PageToken)).ConfigureAwait(false);
    }

    /// <summary>An events.list request as the fault interpreter asks for it: Google's errors and the calendar's listing.</summary>
    private sealed class EventsListSource(FakeCalendarServer server, FakeCalendarRequest request) : IAnswerSource
    {
        public DialectAnswers Answers => server._answers;

        public bool CarriesToken => request.SyncToken is not null || request.PageToken is not null;

        public Listed List(int? itemCount)
        {
            var calendar = server.GetCalendar(request.CalendarId!);
            var result = EventsList.Execute(calendar, request, itemCount);
            if (result.Page is not { } page)
            {
                return new ServedAnswer(result.StatusCode, result.ErrorBody!) { IsExpiry = result.StatusCode == 410, Reason = result.StatusCode == 410 ? GoogleErrors.FullSyncRequiredReason : null };
            }

            return new ListedPage<FakeEventVersion>(page, p => EventsList.Render(calendar, p, result.Fields), "items");
        }
    }

    /// <summary>Writes an answer; Google's own answers carry its headers and are gzip-compressed when the client accepts it.</summary>
    private Task<int> WriteAsync(HttpContext context, ServedAnswer answer)
    {
        if (!answer.Abort && !answer.Raw)
        {
            var response = context.Response;
            response.Headers.CacheControl = "private, max-age=0, must-revalidate, no-transform";
            response.Headers.Vary = "Origin, X-Origin, Referer";
            response.Headers.Server = "ESF";
        }

        var gzip = _options.EnableGzip && EmbeddedHttpHost.AcceptsGzip(context.Request, _options.GzipRequiresUserAgent);
        return EmbeddedHttpHost.WriteAnswerAsync(context, answer, gzip);
    }

    private FakeCalendarRequest ParseRequest(HttpContext context)
    {
        var path = context.Request.Path.Value ?? string.Empty;
        string? calendarId = null;
        if (path.StartsWith(CalendarsPrefix, StringComparison.Ordinal) && path.EndsWith(EventsSuffix, StringComparison.Ordinal)
            && path.Length > CalendarsPrefix.Length + EventsSuffix.Length)
        {
            var id = path[CalendarsPrefix.Length..^EventsSuffix.Length];
            if (!id.Contains('/', StringComparison.Ordinal))
            {
                calendarId = id;
            }
        }

        var sequence = Interlocked.Increment(ref _sequence);
        return new FakeCalendarRequest(sequence, context.Request.Method, path, calendarId, EmbeddedHttpHost.ParseQuery(context.Request.QueryString.Value));
    }

}
