using System;
using System.Collections.Generic;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;

namespace SyncGen.Testing.WireMock;

/// <summary>
/// One WireMock stub mapping: a request pattern and the response it serves, optionally a step of a stateful scenario.
/// Serialised (camelCase, nulls omitted) in WireMock's JSON mapping format; see <see cref="WireMockJson"/>.
/// </summary>
internal sealed class WireMockMapping
{
    /// <summary>The mapping id; WireMock assigns one when null. Import with an id overwrites the mapping of that id.</summary>
    public Guid? Id { get; init; }

    /// <summary>A human-readable name; also names the file written by <see cref="WireMockMappingExport"/>.</summary>
    public string? Name { get; init; }

    /// <summary>The priority: 1 is highest; WireMock's default (5) applies when null.</summary>
    public int? Priority { get; init; }

    /// <summary>The scenario this mapping belongs to; every scenario starts in state <see cref="WireMockScenario.StartedState"/>.</summary>
    public string? ScenarioName { get; init; }

    /// <summary>The scenario state the mapping requires to match (e.g. <c>Started</c>).</summary>
    public string? RequiredScenarioState { get; init; }

    /// <summary>The state the scenario moves to once this mapping has served a request.</summary>
    public string? NewScenarioState { get; init; }

    /// <summary>What the request must look like.</summary>
    public WireMockRequestPattern Request { get; init; } = new();

    /// <summary>What is served.</summary>
    public WireMockResponseDefinition Response { get; init; } = new();
}

/// <summary>The request half of a <see cref="WireMockMapping"/>.</summary>
internal sealed class WireMockRequestPattern
{
    /// <summary>The HTTP method (<c>GET</c>, <c>POST</c>, ... or <c>ANY</c>); any method matches when null.</summary>
    public string? Method { get; init; }

    /// <summary>The exact path and query (query included, in order); prefer <see cref="UrlPath"/> with <see cref="QueryParameters"/>.</summary>
    public string? Url { get; init; }

    /// <summary>The exact path, query ignored (match the query with <see cref="QueryParameters"/>).</summary>
    public string? UrlPath { get; init; }

    /// <summary>A regular expression the path must match, query ignored.</summary>
    public string? UrlPathPattern { get; init; }

    /// <summary>Conditions on query parameters, by name.</summary>
    public IReadOnlyDictionary<string, WireMockStringPattern>? QueryParameters { get; init; }

    /// <summary>Conditions the request body must meet, all of them (<c>matches</c> / <c>doesNotMatch</c> regular expressions).</summary>
    public IReadOnlyList<WireMockStringPattern>? BodyPatterns { get; init; }

    /// <summary>Conditions on request headers, by name.</summary>
    public IReadOnlyDictionary<string, WireMockStringPattern>? Headers { get; init; }
}

/// <summary>
/// A condition on one query parameter or header value: set exactly one of <see cref="EqualTo"/>, <see cref="Matches"/>,
/// <see cref="Contains"/> or <see cref="Absent"/> (or use the factory methods).
/// </summary>
internal sealed class WireMockStringPattern
{
    /// <summary>The value must equal this string.</summary>
    public string? EqualTo { get; init; }

    /// <summary>The value must match this regular expression (whole value).</summary>
    public string? Matches { get; init; }

    /// <summary>The value must contain this string.</summary>
    public string? Contains { get; init; }

    /// <summary>The value must not match this regular expression (whole value).</summary>
    public string? DoesNotMatch { get; init; }

    /// <summary>When true the parameter or header must be absent.</summary>
    public bool? Absent { get; init; }

    /// <summary>A pattern matching exactly <paramref name="value"/>.</summary>
    /// <param name="value">The expected value.</param>
    /// <returns>The pattern.</returns>
    public static WireMockStringPattern Equal(string value) => new() { EqualTo = value };

    /// <summary>A pattern matching values that match the regular expression <paramref name="regex"/>.</summary>
    /// <param name="regex">A Java regular expression.</param>
    /// <returns>The pattern.</returns>
    public static WireMockStringPattern Regex(string regex) => new() { Matches = regex };

    /// <summary>A pattern matching only when the parameter or header is not sent.</summary>
    /// <returns>The pattern.</returns>
    public static WireMockStringPattern IsAbsent() => new() { Absent = true };
}

/// <summary>The response half of a <see cref="WireMockMapping"/>.</summary>
internal sealed class WireMockResponseDefinition
{
    /// <summary>The HTTP status (default 200).</summary>
    public int Status { get; init; } = 200;

    /// <summary>Response headers (e.g. <c>Content-Type</c>, <c>Retry-After</c>).</summary>
    public IReadOnlyDictionary<string, string>? Headers { get; init; }

    /// <summary>A literal body; leave null when <see cref="JsonBody"/> is set.</summary>
    public string? Body { get; init; }

    /// <summary>A JSON body (WireMock sends it as <c>application/json</c> unless a Content-Type header is set).</summary>
    public JsonNode? JsonBody { get; init; }

    /// <summary>A delay before the response is sent, in milliseconds.</summary>
    public int? FixedDelayMilliseconds { get; init; }

    /// <summary>A transport fault served instead of a response.</summary>
    public WireMockFault? Fault { get; init; }
}

/// <summary>Transport faults WireMock can serve instead of a response.</summary>
[JsonConverter(typeof(WireMockFaultJsonConverter))]
internal enum WireMockFault
{
    /// <summary><c>CONNECTION_RESET_BY_PEER</c>: the connection is closed with a TCP reset.</summary>
    ConnectionResetByPeer,

    /// <summary><c>EMPTY_RESPONSE</c>: the connection is closed without a response.</summary>
    EmptyResponse,

    /// <summary><c>MALFORMED_RESPONSE_CHUNK</c>: a 200 status, then garbage in a chunked body, then close.</summary>
    MalformedResponseChunk,

    /// <summary><c>RANDOM_DATA_THEN_CLOSE</c>: garbage instead of a status line, then close.</summary>
    RandomDataThenClose,
}

/// <summary>Writes <see cref="WireMockFault"/> as WireMock's upper snake case names.</summary>
internal sealed class WireMockFaultJsonConverter : JsonStringEnumConverter<WireMockFault>
{
    public WireMockFaultJsonConverter()
        : base(System.Text.Json.JsonNamingPolicy.SnakeCaseUpper, allowIntegerValues: false)
    {
    }
}
