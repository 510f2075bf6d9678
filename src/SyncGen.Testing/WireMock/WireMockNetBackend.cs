using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using WireMock.Logging;
using WireMock.Matchers;
using WireMock.RequestBuilders;
using WireMock.ResponseBuilders;
using WireMock.Settings;
using WireMock.Types;
using WireMockNet = WireMock.Server.WireMockServer;

namespace SyncGen.Testing.WireMock;

/// <summary>
/// WireMock.Net in process, on a free port of 127.0.0.1: the default WireMock backend, no Java needed. It is fed the same
/// <see cref="WireMockMapping"/>s as the Java WireMock, translated to WireMock.Net's builders (exact path or path regex,
/// query equal-to or absent, priority, scenario states, status, headers, literal body, fixed delay), and its log is read
/// into the same <see cref="WireMockLoggedRequest"/>s.
/// </summary>
/// <remarks>
/// WireMock.Net has no connection-reset fault, so an aborted exchange is served by a response carrying
/// <see cref="AbortHeader"/>, which a middleware in front of WireMock.Net turns into an abort of the connection before
/// anything is sent: the client sees the same reset as with Java WireMock's <c>CONNECTION_RESET_BY_PEER</c>.
/// </remarks>
internal sealed class WireMockNetBackend : IWireMockBackend
{
    /// <summary>The response header that marks an exchange to abort; never reaches the client.</summary>
    internal const string AbortHeader = "X-SyncGen-Abort";

    private const string ResetFault = "CONNECTION_RESET_BY_PEER";

    private readonly WireMockNet _server;

    // Mappings whose answer is an abort: their log entries get the fault Java WireMock's journal would show.
    private readonly ConcurrentDictionary<Guid, byte> _abortMappings = new();
    private int _disposed;

    private WireMockNetBackend(WireMockNet server)
    {
        _server = server;
        BaseUri = new Uri(server.Url!.TrimEnd('/') + "/");
    }

    public string Name => "WireMock.Net";

    public Uri BaseUri { get; }

    /// <summary>Starts WireMock.Net on a free port of 127.0.0.1.</summary>
    /// <returns>The running backend.</returns>
    public static WireMockNetBackend Start()
    {
        var settings = new WireMockServerSettings
        {
            Urls = new[] { "http://127.0.0.1:0" },
            StartAdminInterface = false,
            PreWireMockMiddlewareInit = app => ((IApplicationBuilder)app).Use(AbortMarkedResponses),
        };
        return new WireMockNetBackend(WireMockNet.Start(settings));
    }

    public Task LoadMappingsAsync(IReadOnlyList<WireMockMapping> mappings, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(mappings);
        cancellationToken.ThrowIfCancellationRequested();
        _server.Reset();
        _server.ResetScenarios();
        _abortMappings.Clear();
        foreach (var mapping in mappings)
        {
            Add(mapping);
        }

        return Task.CompletedTask;
    }

    public Task SetScenarioStateAsync(string scenarioName, string state, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        if (!_server.SetScenarioState(scenarioName, state))
        {
            throw new InvalidOperationException($"WireMock.Net refused to move scenario '{scenarioName}' to state '{state}'.");
        }

        return Task.CompletedTask;
    }

    public Task ResetRequestsAsync(CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        _server.ResetLogEntries();
        return Task.CompletedTask;
    }

    public Task<IReadOnlyList<WireMockLoggedRequest>> GetRequestsAsync(CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        IReadOnlyList<WireMockLoggedRequest> requests = _server.LogEntries
            .Select((entry, index) => (entry, index))
            .OrderBy(x => x.entry.RequestMessage.DateTime)
            .ThenBy(x => x.index)
            .Select(x => ToLoggedRequest(x.entry))
            .ToArray();
        return Task.FromResult(requests);
    }

    public ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 0)
        {
            _server.Stop();
            _server.Dispose();
        }

        return ValueTask.CompletedTask;
    }

    private static async Task AbortMarkedResponses(HttpContext context, Func<Task> next)
    {
        context.Response.OnStarting(() =>
        {
            if (context.Response.Headers.ContainsKey(AbortHeader))
            {
                context.Abort();
            }

            return Task.CompletedTask;
        });
        await next().ConfigureAwait(false);
    }

    private void Add(WireMockMapping mapping)
    {
        var id = mapping.Id ?? Guid.NewGuid();
        var request = Request.Create();
        var pattern = mapping.Request;
        if (pattern.Url is not null)
        {
            throw new NotSupportedException("Mappings with an exact Url (path and query) are not compiled by the kit; use UrlPath and QueryParameters.");
        }

        if (pattern.UrlPath is { } path)
        {
            request = request.WithPath(new ExactMatcher(path));
        }
        else if (pattern.UrlPathPattern is { } regex)
        {
            request = request.WithPath(new RegexMatcher(WholeValue(regex)));
        }

        if (pattern.Method is { } method && !string.Equals(method, "ANY", StringComparison.OrdinalIgnoreCase))
        {
            request = request.UsingMethod(method);
        }

        foreach (var (name, condition) in pattern.QueryParameters ?? new Dictionary<string, WireMockStringPattern>())
        {
            request = condition switch
            {
                // Absent means the name is not in the query at all, whatever value another request gives it.
                { Absent: true } => request.WithParam(query => query is null || !query.ContainsKey(name)),
                { EqualTo: { } value } => request.WithParam(name, new ExactMatcher(value)),
                { Matches: { } regex } => request.WithParam(name, new RegexMatcher(WholeValue(regex))),
                { Contains: { } part } => request.WithParam(name, new WildcardMatcher("*" + EscapeWildcard(part) + "*")),
                _ => throw new NotSupportedException($"Query condition on '{name}' has no operator."),
            };
        }

        foreach (var condition in pattern.BodyPatterns ?? Array.Empty<WireMockStringPattern>())
        {
            request = condition switch
            {
                { Matches: { } regex } => request.WithBody(new RegexMatcher(WholeValue(regex))),
                { DoesNotMatch: { } regex } => request.WithBody(new RegexMatcher(global::WireMock.Matchers.MatchBehaviour.RejectOnMatch, WholeValue(regex))),
                _ => throw new NotSupportedException("Body conditions other than matches and doesNotMatch are not compiled by the kit."),
            };
        }

        if (pattern.Headers is { Count: > 0 })
        {
            throw new NotSupportedException("Header conditions are not compiled by the kit.");
        }

        var provider = _server.Given(request).WithGuid(id).AtPriority(mapping.Priority ?? 5);
        if (mapping.Name is { } title)
        {
            provider = provider.WithTitle(title);
        }

        if (mapping.ScenarioName is { } scenario)
        {
            provider = provider.InScenario(scenario);
            if (mapping.RequiredScenarioState is { } required)
            {
                provider = provider.WhenStateIs(required);
            }

            if (mapping.NewScenarioState is { } next)
            {
                provider = provider.WillSetStateTo(next);
            }
        }

        var definition = mapping.Response;
        var response = Response.Create();
        if (definition.Fault is { } fault)
        {
            if (fault != WireMockFault.ConnectionResetByPeer)
            {
                throw new NotSupportedException($"The WireMock.Net backend serves only the connection-reset fault, not {fault}.");
            }

            _abortMappings[id] = 0;
            response = response.WithStatusCode(200).WithHeader(AbortHeader, "true");
        }
        else
        {
            response = response.WithStatusCode(definition.Status);
            foreach (var (name, value) in definition.Headers ?? new Dictionary<string, string>())
            {
                response = response.WithHeader(name, value);
            }

            if (definition.Body is { } body)
            {
                response = response.WithBody(body);
            }
            else if (definition.JsonBody is { } json)
            {
                response = response.WithBody(json.ToJsonString());
            }
        }

        if (definition.FixedDelayMilliseconds is int delay)
        {
            response = response.WithDelay(delay);
        }

        provider.RespondWith(response);
    }

    private WireMockLoggedRequest ToLoggedRequest(ILogEntry entry)
    {
        var request = entry.RequestMessage;
        var url = request.Path + (string.IsNullOrEmpty(request.RawQuery) ? string.Empty : (request.RawQuery.StartsWith('?') ? request.RawQuery : "?" + request.RawQuery));
        var aborted = entry.MappingGuid is { } mappingId && _abortMappings.ContainsKey(mappingId);
        int? status = aborted ? null : entry.ResponseMessage?.StatusCode switch
        {
            int code => code,
            System.Net.HttpStatusCode code => (int)code,
            string text when int.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out var code) => code,
            _ => null,
        };
        var headers = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        foreach (var (name, values) in request.Headers ?? new Dictionary<string, WireMockList<string>>())
        {
            if (values.Count > 0)
            {
                headers[name] = values[0];
            }
        }

        return new WireMockLoggedRequest(entry.Guid.ToString(), request.Method, url, status, LoggedAt(request.DateTime), entry.MappingGuid is not null, headers)
        {
            Fault = aborted ? ResetFault : null,
            Body = request.Body,
        };
    }

    // WireMock.Net stamps requests in UTC; a local stamp (another version) is converted, never rejected.
    private static DateTimeOffset LoggedAt(DateTime stamp) =>
        stamp.Kind == DateTimeKind.Local ? new DateTimeOffset(stamp).ToUniversalTime() : new DateTimeOffset(DateTime.SpecifyKind(stamp, DateTimeKind.Utc));

    // Java WireMock's `matches` is a whole-value match; .NET's Regex finds a match anywhere.
    private static string WholeValue(string regex) => "^(?:" + regex + ")$";

    private static string EscapeWildcard(string value) => value.Replace("*", "\\*", StringComparison.Ordinal).Replace("?", "\\?", StringComparison.Ordinal);
}
