using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Text;
using System.Threading;
using System.Threading.Tasks;
using SyncGen.Testing.Dialects;
using SyncGen.Testing.FakeServer;
using SyncGen.Testing.Journal;
using SyncGen.Testing.Scenarios;

namespace SyncGen.Testing.WireMock;

/// <summary>
/// Compiles a simulated scenario to WireMock stub mappings. Each request of the conforming client's script becomes one
/// mapping of a WireMock scenario named after the scenario: it requires the state of its position in the script, matches
/// the exact query (syncToken / pageToken equalTo or absent, maxResults, no restricted filter next to a token) and moves
/// the state on, so retries and faults play in order (the first request for page 2 answers 503, the next gets the page).
/// Call N (N &gt; 1) starts in state <see cref="StateBeforeCall"/>: the harness moves the scenario there through the admin
/// API, which models the history that changed between calls. A low-priority catch-all answers any unscripted events.list
/// request with 400, so a client that strays from the protocol gets an error; any other path gets a 404 whose message
/// names the one endpoint served (<see cref="NotServedMessage"/>).
/// </summary>
internal static class WireMockScenarioCompiler
{
    /// <summary>The events.list path on WireMock: the API root is <c>{WireMock}/calendar/v3/</c>.</summary>
    public const string EventsPath = FakeCalendarServer.RootPath + "/calendars/primary/events";

    /// <summary>The message of the 404 every path but <see cref="EventsPath"/> gets: the mappings serve nothing else.</summary>
    public const string NotServedMessage =
        "SyncGen test server: this path is not served. This server serves only Google Calendar v3 events.list: GET " + EventsPath + ".";

    /// <summary>The reason of the catch-all's 400 answer.</summary>
    public const string UnscriptedReason = "unscriptedRequest";

    /// <summary>The WireMock scenario state a call starts in (0-based call index).</summary>
    /// <param name="callIndex">The call.</param>
    /// <returns><c>Started</c> for the first call, else <c>call{N}-request1</c>.</returns>
    public static string StateBeforeCall(int callIndex) => State(callIndex, 0);

    /// <summary>Compiles the mappings of a scenario.</summary>
    /// <param name="compiled">The simulated scenario.</param>
    /// <param name="origin">The server's origin (<c>http://127.0.0.1:PORT</c>), written into the dialect's links (Graph); null leaves <see cref="ScenarioRendering.Origin"/>.</param>
    /// <returns>The mappings, script order, catch-all last.</returns>
    public static IReadOnlyList<WireMockMapping> Compile(CompiledScenario compiled, string? origin = null)
    {
        ArgumentNullException.ThrowIfNull(compiled);
        var name = compiled.Scenario.Name;
        var dialect = compiled.Dialect;
        var isCalendar = ReferenceEquals(dialect, FakeDialects.GoogleCalendar);
        var mappings = new List<WireMockMapping>();
        foreach (var call in compiled.Calls)
        {
            for (var i = 0; i < call.Exchanges.Count; i++)
            {
                var exchange = call.Exchanges[i];
                var query = QueryPattern(exchange, compiled.Scenario.PageSize, dialect);
                var body = BodyPatterns(query, dialect);
                var response = exchange.Response;
                var headers = new Dictionary<string, string>(StringComparer.Ordinal);
                if (response.ContentType is { } contentType)
                {
                    headers["Content-Type"] = contentType;
                }

                if (response.RetryAfterSeconds is { } retryAfter)
                {
                    headers["Retry-After"] = retryAfter.ToString(CultureInfo.InvariantCulture);
                }

                foreach (var header in response.Headers)
                {
                    headers[header.Key] = header.Value;
                }

                mappings.Add(new WireMockMapping
                {
                    Name = $"{name} call {call.Index + 1} request {i + 1}: {Describe(exchange)}",
                    Priority = 1,
                    ScenarioName = name,
                    RequiredScenarioState = State(call.Index, i),
                    NewScenarioState = State(call.Index, i + 1),
                    Request = new WireMockRequestPattern
                    {
                        Method = exchange.Target == DialectRequestKind.Feed && !isCalendar ? DialectRequests.FeedMethod(dialect) : "GET",
                        UrlPath = PathOf(exchange, dialect),
                        QueryParameters = query,
                        BodyPatterns = body,
                    },
                    Response = response.Abort
                        ? new WireMockResponseDefinition { Fault = WireMockFault.ConnectionResetByPeer }
                        : new WireMockResponseDefinition
                        {
                            Status = response.StatusCode,
                            Headers = headers,
                            Body = origin is null ? response.Body : response.Body?.Replace(ScenarioRendering.Origin, origin, StringComparison.Ordinal),
                            FixedDelayMilliseconds = response.DelayMilliseconds > 0 ? response.DelayMilliseconds : null,
                        },
                });
            }
        }

        foreach (var path in ServedPaths(dialect))
        {
            mappings.Add(new WireMockMapping
            {
                Name = $"{name} unscripted request{(isCalendar ? string.Empty : " " + path)}",
                Priority = 10,
                Request = new WireMockRequestPattern { UrlPath = path },
                Response = new WireMockResponseDefinition
                {
                    Status = 400,
                    Headers = JsonContentType(),
                    Body = ErrorBody(dialect, 400, UnscriptedReason,
                        $"SyncGen conformance: scenario '{name}' has no response for this request; a client honouring the protocol would not send it."),
                },
            });
        }

        mappings.Add(new WireMockMapping
        {
            Name = $"{name} not served",
            Priority = 20,
            Request = new WireMockRequestPattern { UrlPathPattern = ".*" },
            Response = new WireMockResponseDefinition
            {
                Status = 404,
                Headers = JsonContentType(),
                Body = ErrorBody(dialect, 404, "notFound", isCalendar ? NotServedMessage
                    : $"SyncGen test server ({dialect.Dialect.Name}): this path is not served. This server serves only {Served(dialect)}."),
            },
        });
        return mappings;
    }

    /// <summary>Writes a scenario's mappings as a WireMock root directory (<c>mappings/*.json</c>).</summary>
    /// <param name="folder">The folder.</param>
    /// <param name="compiled">The simulated scenario.</param>
    /// <param name="cancellationToken">Cancels the writes.</param>
    /// <returns>The files written.</returns>
    internal static Task<IReadOnlyList<string>> ExportAsync(string folder, CompiledScenario compiled, CancellationToken cancellationToken = default) =>
        WireMockMappingExport.WriteFolderAsync(folder, Compile(compiled), cancellationToken);

    /// <summary>
    /// Whether WireMock served a logged request from the mapping of a scripted exchange: the request matches the mapping's
    /// query pattern and got its answer (the same status, or a reset for an aborted exchange).
    /// </summary>
    /// <param name="exchange">The scripted exchange.</param>
    /// <param name="pageSize">The scenario's page size.</param>
    /// <param name="request">The logged request.</param>
    /// <param name="dialect">The scenario's dialect; Google Calendar when null.</param>
    /// <returns>True when the request was answered by that exchange's mapping.</returns>
    internal static bool Served(ScriptedExchange exchange, int pageSize, WireMockLoggedRequest request, FakeDialect? dialect = null)
    {
        dialect ??= FakeDialects.GoogleCalendar;
        var answered = exchange.Response.Abort
            ? request.Fault is not null
            : request.Fault is null && request.ResponseStatus == exchange.Response.StatusCode;
        var bodyTokens = DialectRequests.BodyTokens(dialect, request.Body);
        string? Value(string name) => request.GetQueryValue(name) ?? bodyTokens.FirstOrDefault(p => p.Key == name).Value;
        return answered && request.Path == PathOf(exchange, dialect) && QueryPattern(exchange, pageSize, dialect).All(pair => pair.Value.Absent == true
            ? Value(pair.Key) is null
            : string.Equals(Value(pair.Key), pair.Value.EqualTo, StringComparison.Ordinal));
    }

    /// <summary>The paths the mappings of a dialect serve: the feed, and a full listing's start-token and listing paths.</summary>
    internal static IReadOnlyList<string> ServedPaths(FakeDialect dialect)
    {
        if (ReferenceEquals(dialect, FakeDialects.GoogleCalendar))
        {
            return new[] { EventsPath };
        }

        var paths = new List<string> { DialectRequests.FeedPath(dialect) };
        if (DialectRequests.ContinuePath(dialect) is { } continued)
        {
            paths.Add(continued);
        }

        if (DialectRequests.ListingPaths(dialect) is { } listing)
        {
            paths.Add(listing.StartToken);
            paths.Add(listing.Listing);
        }

        return paths;
    }

    /// <summary>What the mappings serve, for messages.</summary>
    internal static string Served(FakeDialect dialect) =>
        string.Join(", ", ServedPaths(dialect).Select(p => (DialectRequests.KindOf(dialect, p) == DialectRequestKind.Feed ? DialectRequests.FeedMethod(dialect) : "GET") + " " + p))
        + (dialect.Dialect.RequestStyle == SyncRequestStyle.FollowLinks ? " and the links it hands out" : string.Empty);

    private static string PathOf(ScriptedExchange exchange, FakeDialect dialect)
    {
        if (ReferenceEquals(dialect, FakeDialects.GoogleCalendar))
        {
            return EventsPath;
        }

        return exchange.Target switch
        {
            DialectRequestKind.StartToken => DialectRequests.ListingPaths(dialect)!.Value.StartToken,
            DialectRequestKind.Listing => DialectRequests.ListingPaths(dialect)!.Value.Listing,

            // Dropbox continues a pass (and starts an incremental one) at list_folder/continue.
            _ when (exchange.SyncToken ?? exchange.PageToken) is not null && DialectRequests.ContinuePath(dialect) is { } continued => continued,
            _ => DialectRequests.FeedPath(dialect),
        };
    }

    /// <summary>
    /// For a body-style dialect (Dropbox), moves the token conditions out of <paramref name="query"/> into conditions on
    /// the JSON body: the member with that string value, or no such string member (a JSON null is no token, as on the
    /// embedded server); null for any other dialect.
    /// </summary>
    private static List<WireMockStringPattern>? BodyPatterns(Dictionary<string, WireMockStringPattern> query, FakeDialect dialect)
    {
        if (!DialectRequests.HasBody(dialect) || dialect.Dialect.RequestStyle != SyncRequestStyle.JsonBody)
        {
            return null;
        }

        var patterns = new List<WireMockStringPattern>();
        foreach (var name in new[] { dialect.Dialect.SyncTokenParameter, dialect.Dialect.PageTokenParameter }.Distinct())
        {
            if (!query.Remove(name, out var condition))
            {
                continue;
            }

            // Only a string member carries a token, as the embedded server reads bodies: "cursor": null is no token.
            var member = "\"" + System.Text.RegularExpressions.Regex.Escape(name) + "\"\\s*:\\s*\"";
            patterns.Add(condition.Absent == true
                ? new WireMockStringPattern { DoesNotMatch = "(?s).*" + member + ".*" }
                : WireMockStringPattern.Regex("(?s).*" + member + System.Text.RegularExpressions.Regex.Escape(condition.EqualTo!) + "\".*"));
        }

        return patterns;
    }

    private static string ErrorBody(FakeDialect dialect, int status, string reason, string message) =>
        ReferenceEquals(dialect, FakeDialects.GoogleCalendar)
            ? Encoding.UTF8.GetString(GoogleErrors.Body(status, "global", reason, message))
            : dialect.ErrorBody(status, reason, message);

    /// <summary>The query a scripted request must carry: its tokens (or their absence), the page size, no restricted filter next to a token.</summary>
    private static Dictionary<string, WireMockStringPattern> QueryPattern(ScriptedExchange exchange, int pageSize, FakeDialect dialect)
    {
        if (ReferenceEquals(dialect, FakeDialects.GoogleCalendar))
        {
            return QueryPattern(exchange, pageSize);
        }

        static WireMockStringPattern EqualOrAbsent(string? value) => value is null ? WireMockStringPattern.IsAbsent() : WireMockStringPattern.Equal(value);
        var protocol = dialect.Dialect;
        var query = new Dictionary<string, WireMockStringPattern>(StringComparer.Ordinal);
        switch (exchange.Target)
        {
            case DialectRequestKind.StartToken:
                return query;
            case DialectRequestKind.Listing:
                // The listing repeats only the endpoint parameters its method accepts (Drive: pageSize, the shared-drive
                // ones); the page token is what tells one scripted listing page from another.
                query[protocol.PageTokenParameter] = EqualOrAbsent(exchange.PageToken);
                return query;
        }

        if (dialect.PageSizeParameter is { } size)
        {
            query[size] = WireMockStringPattern.Equal(pageSize.ToString(CultureInfo.InvariantCulture));
        }

        if (protocol.RequestStyle == SyncRequestStyle.FollowLinks)
        {
            query[DialectRequests.DeltaTokenParameter] = EqualOrAbsent(exchange.SyncToken);
            query[DialectRequests.SkipTokenParameter] = EqualOrAbsent(exchange.PageToken);
        }
        else if (protocol.SyncTokenParameter == protocol.PageTokenParameter)
        {
            query[protocol.PageTokenParameter] = EqualOrAbsent(exchange.PageToken ?? exchange.SyncToken);
        }
        else
        {
            query[protocol.SyncTokenParameter] = EqualOrAbsent(exchange.SyncToken);
            query[protocol.PageTokenParameter] = EqualOrAbsent(exchange.PageToken);
        }

        if (!exchange.Incremental)
        {
            // People gives no sync token to a full pass without requestSyncToken=true: the script has none for it either.
            foreach (var parameter in protocol.FullPassParameters)
            {
                query[parameter.Key] = WireMockStringPattern.Equal(parameter.Value);
            }
        }
        else
        {
            foreach (var restricted in protocol.FullPassOnlyParameters)
            {
                query[restricted] = WireMockStringPattern.IsAbsent();
            }
        }

        return query;
    }

    /// <summary>The Calendar query pattern: its tokens (or their absence), maxResults, no restricted filter next to a token.</summary>
    private static Dictionary<string, WireMockStringPattern> QueryPattern(ScriptedExchange exchange, int pageSize)
    {
        var query = new Dictionary<string, WireMockStringPattern>(StringComparer.Ordinal)
        {
            ["maxResults"] = WireMockStringPattern.Equal(pageSize.ToString(CultureInfo.InvariantCulture)),
            ["syncToken"] = exchange.SyncToken is null ? WireMockStringPattern.IsAbsent() : WireMockStringPattern.Equal(exchange.SyncToken),
            ["pageToken"] = exchange.PageToken is null ? WireMockStringPattern.IsAbsent() : WireMockStringPattern.Equal(exchange.PageToken),
        };
        if (exchange.SyncToken is not null)
        {
            // Google refuses these next to a token; without a mapping the catch-all refuses them too.
            foreach (var restricted in ProtocolJournalChecks.RestrictedWithSyncToken)
            {
                query[restricted] = WireMockStringPattern.IsAbsent();
            }
        }

        return query;
    }

    private static Dictionary<string, string> JsonContentType() =>
        new(StringComparer.Ordinal) { ["Content-Type"] = "application/json; charset=UTF-8" };

    private static string State(int call, int request) =>
        call == 0 && request == 0 ? WireMockScenario.StartedState : $"call{call + 1}-request{request + 1}";

    private static string Describe(ScriptedExchange exchange) =>
        (exchange.Target == DialectRequestKind.StartToken ? "start token of the " : string.Empty) + (exchange.Incremental || exchange.SyncToken is not null ? "incremental" : "full") + " page " + exchange.PageNumber.ToString(CultureInfo.InvariantCulture)
        + (exchange.Response.FaultDescription is { } fault ? " " + fault : string.Empty);
}
