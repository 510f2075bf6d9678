using System;
using System.Collections.Generic;
using System.Linq;

namespace SyncGen;

/// <summary>
/// What a failed page request said, whichever library threw it: the HTTP status, every reason the error body named,
/// its message and headers. An <see cref="ISyncErrorReader"/> turns an exception into these facts; the
/// <see cref="SyncErrorClassifier"/> decides from them alone (see its decision table).
/// </summary>
public sealed record SyncErrorFacts
{
    private static readonly IReadOnlyDictionary<string, string> NoHeaders = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);

    /// <summary>The HTTP status of the response, or <see langword="null"/> when no response arrived.</summary>
    public int? StatusCode { get; init; }

    /// <summary>
    /// Every reason the error body named, in body order: <c>error.errors[].reason</c>, <c>error.details[].reason</c>,
    /// <c>error.status</c> and a string <c>error.code</c> (Google, People and Graph shapes). Empty when the body
    /// was not JSON or named none.
    /// </summary>
    public IReadOnlyList<string> Reasons { get; init; } = Array.Empty<string>();

    /// <summary>The error message of the body (<c>error.message</c>), or the start of a body that was not JSON.</summary>
    public string? Message { get; init; }

    /// <summary>
    /// The error body as the server sent it, cut at <see cref="BodyLimit"/> characters, or <see langword="null"/> when
    /// there was none. Rules test it with <see cref="BodyValue"/> and <see cref="BodyEquals"/> when the API says
    /// "expired" in a shape of its own (Dropbox: <c>{"error": {".tag": "reset"}}</c>).
    /// </summary>
    public string? Body { get; init; }

    /// <summary>
    /// The most characters of an error body <see cref="Body"/> keeps (64 KiB of text): enough for any API's error
    /// object, while a proxy's page of megabytes is not held in memory. A body cut there is not JSON any more, so a
    /// rule over its members sees none.
    /// </summary>
    public const int BodyLimit = 65536;

    /// <summary>
    /// The string (or the text of the number or boolean) at <paramref name="path"/> in the JSON error body, or
    /// <see langword="null"/> when the body is not JSON, or has no such member, or it is an object, array or null.
    /// </summary>
    /// <param name="path">Where in the body, e.g. <c>SyncJsonPath.Parse("error.[.tag]")</c>.</param>
    public string? BodyValue(SyncJsonPath path)
    {
        if (path is null)
        {
            throw new ArgumentNullException(nameof(path));
        }

        if (string.IsNullOrWhiteSpace(Body))
        {
            return null;
        }

        try
        {
            using var document = System.Text.Json.JsonDocument.Parse(Body);
            if (!path.TryGet(document.RootElement, out var value))
            {
                return null;
            }

            return value.ValueKind switch
            {
                System.Text.Json.JsonValueKind.String => value.GetString(),
                System.Text.Json.JsonValueKind.Number or System.Text.Json.JsonValueKind.True or System.Text.Json.JsonValueKind.False => value.GetRawText(),
                _ => null,
            };
        }
        catch (System.Text.Json.JsonException)
        {
            // Not JSON (a proxy's page, a body cut at the limit), or a path that selects several values: no member to test.
            return null;
        }
    }

    /// <summary>Whether the JSON error body holds <paramref name="value"/> at <paramref name="path"/> (ordinal), e.g. Dropbox's <c>error.[.tag]</c> equal to <c>reset</c>.</summary>
    /// <param name="path">Where in the body.</param>
    /// <param name="value">The value that means what the rule tests.</param>
    public bool BodyEquals(SyncJsonPath path, string value) => string.Equals(BodyValue(path), value, StringComparison.Ordinal);

    /// <summary>Response headers that matter to classification (e.g. <c>Location</c> on a Graph 410), case-insensitive.</summary>
    public IReadOnlyDictionary<string, string> Headers { get; init; } = NoHeaders;

    /// <summary>The server's <c>Retry-After</c>, as a delay.</summary>
    public TimeSpan? RetryAfter { get; init; }

    /// <summary>No response arrived, or its body broke off: connection refused or reset, DNS, TLS, a corrupt compressed body.</summary>
    public bool IsTransportFailure { get; init; }

    /// <summary>The request did not complete in time (<see cref="SyncOptions.RequestTimeout"/> or the client's own timeout).</summary>
    public bool IsTimeout { get; init; }

    /// <summary>
    /// A successful response (or no status at all) whose body could not be read as a page. Only meaningful without a
    /// failure status: a non-2xx status decides whatever its body holds.
    /// </summary>
    public bool IsUnreadablePage { get; init; }

    /// <summary>The first reason, for logs and <see cref="SyncErrorClassification.Reason"/>.</summary>
    public string? Reason => Reasons.Count > 0 ? Reasons[0] : null;

    /// <summary>Whether the status is an HTTP failure (4xx or 5xx), which decides the outcome whatever the body holds.</summary>
    public bool HasFailureStatus => StatusCode is >= 400 and <= 599;

    /// <summary>Whether any reason equals <paramref name="reason"/> (ordinal, case-insensitive).</summary>
    public bool HasReason(string reason) => Reasons.Any(r => string.Equals(r, reason, StringComparison.OrdinalIgnoreCase));

    /// <summary>Whether the message contains <paramref name="text"/> (ordinal, case-insensitive).</summary>
    public bool MessageContains(string text) => Message?.IndexOf(text, StringComparison.OrdinalIgnoreCase) >= 0;

    /// <summary>
    /// The facts of an HTTP answer: its status, and the reasons and message of its error body in the Google, People or
    /// Graph shape. A body that is not JSON (a proxy's HTML or text page) gives no reason and its first 200 characters,
    /// on one line, as the message; the body itself is kept in <see cref="Body"/>. For readers of other client libraries.
    /// </summary>
    /// <param name="statusCode">The HTTP status.</param>
    /// <param name="body">The error body, or <see langword="null"/>.</param>
    /// <param name="retryAfter">
    /// The server's <c>Retry-After</c>, when the caller already read it; <see langword="null"/> reads it from
    /// <paramref name="headers"/> (seconds or an HTTP date; a malformed value is ignored).
    /// </param>
    /// <param name="headers">Response headers, case-insensitive; <see langword="null"/> for none.</param>
    public static SyncErrorFacts FromResponse(int statusCode, string? body, TimeSpan? retryAfter = null, IReadOnlyDictionary<string, string>? headers = null)
    {
        var (reasons, message) = ErrorBody.Read(body);
        return new SyncErrorFacts
        {
            StatusCode = statusCode,
            Reasons = reasons,
            Message = message,
            Body = CapBody(body),
            RetryAfter = retryAfter ?? RetryAfterHeader.Read(HeaderValue(headers, "Retry-After")),
            Headers = headers ?? NoHeaders,
        };
    }

    /// <summary>The body cut at <see cref="BodyLimit"/>; none for an empty one.</summary>
    internal static string? CapBody(string? body) =>
        string.IsNullOrEmpty(body) ? null : body.Length > BodyLimit ? body.Substring(0, BodyLimit) : body;

    /// <summary>
    /// A header's value whatever the dictionary's comparer: a reader may hand over a case-sensitive dictionary that
    /// holds the name as the server spelled it (<c>retry-after</c> over HTTP/2).
    /// </summary>
    private static string? HeaderValue(IReadOnlyDictionary<string, string>? headers, string name)
    {
        if (headers is null)
        {
            return null;
        }

        if (headers.TryGetValue(name, out var value))
        {
            return value;
        }

        foreach (var header in headers)
        {
            if (string.Equals(header.Key, name, StringComparison.OrdinalIgnoreCase))
            {
                return header.Value;
            }
        }

        return null;
    }

    /// <summary>Facts of an exception no reader recognised: no status, nothing transient, nothing to read.</summary>
    public static SyncErrorFacts Unknown { get; } = new();
}
