using System;
using System.Collections.Generic;
using System.Text;
using System.Threading;
using SyncGen.Testing.Dialects;

namespace SyncGen.Testing.FakeServer;

/// <summary>
/// The one fault interpreter of the kit: what a request gets when a fault fired on it (or none did). Both embedded servers
/// write its answer to the wire, and the scenario simulator turns it into the script WireMock replays, so a fault means the
/// same status, headers and bytes everywhere. Delays are not answers: each server waits them out (the embedded ones) or
/// scripts them (the simulator) before asking for the answer of what follows the delay.
/// </summary>
internal static class FaultInterpreter
{
    /// <summary>The answer to a request, given the fault that fired on it.</summary>
    /// <param name="fault">The fault, its delays already waited out; null for none.</param>
    /// <param name="source">The server side of the request: its dialect's error answers and its listing.</param>
    /// <param name="requestedPageToken">The request's page token (a page-token loop repeats it), null on a first page.</param>
    /// <returns>The answer.</returns>
    public static ServedAnswer Answer(Fault? fault, IAnswerSource source, string? requestedPageToken)
    {
        switch (fault?.Kind)
        {
            case FaultKind.Delay:
                throw new ArgumentException($"'{fault}' must be waited out (or scripted) before the answer is interpreted.", nameof(fault));
            case FaultKind.Abort:
                return ServedAnswer.Reset;
            case FaultKind.Status:
                return source.Error(fault) with { RetryAfter = fault.RetryAfter };
            case FaultKind.RawResponse:
                // No reason to read: the dialect's rule on the status alone says whether it is an expiry.
                return new ServedAnswer(fault.StatusCode, Encoding.UTF8.GetBytes(fault.Body!))
                {
                    ContentType = fault.ContentType,
                    RetryAfter = fault.RetryAfter,
                    IsExpiry = source.Answers.IsExpiry(new SyncErrorFacts { StatusCode = fault.StatusCode }),
                    Raw = true,
                };
        }

        var listed = source.List(fault is { Kind: FaultKind.ShortPage } ? fault.ItemCount : null);
        if (listed.Page is not { } page)
        {
            // A fault that alters a page is consumed, but when the request itself fails the real error is served.
            return listed.Error!;
        }

        page.Shape(fault?.Kind, requestedPageToken, fault?.LoopToken);
        var body = page.Render();
        return fault?.Kind switch
        {
            FaultKind.MalformedJson => new ServedAnswer(200, PageFaults.CutAfterItemsStart(body, page.ItemsProperty)),
            FaultKind.TruncatedBody => new ServedAnswer(200, PageFaults.Truncate(body, fault.Fraction))
            {
                AnnouncedLength = fault.HonestContentLength ? null : body.Length,
            },
            _ => new ServedAnswer(200, body) { Page = page.Model },
        };
    }
}

/// <summary>The server side of one request, as the <see cref="FaultInterpreter"/> asks for it.</summary>
internal interface IAnswerSource
{
    /// <summary>The dialect's error answers.</summary>
    DialectAnswers Answers { get; }

    /// <summary>Whether the request carries a sync or page token (an expiry answer to one without any must not be a 404).</summary>
    bool CarriesToken { get; }

    /// <summary>The answer to a <see cref="FaultKind.Status"/> fault; the dialect's own expiry for a <see cref="Fault.TokenExpired"/>.</summary>
    /// <param name="fault">The fault.</param>
    ServedAnswer Error(Fault fault) => Answers.Error(fault, CarriesToken);

    /// <summary>The real answer: a page to shape and render, or the error the request itself gets.</summary>
    /// <param name="itemCount">A short page's item count, else null for the requested page size.</param>
    Listed List(int? itemCount);
}

/// <summary>A listing's answer: a page, or the error the request gets (an expired token, a bad page token...).</summary>
/// <param name="Page">The page, or null.</param>
/// <param name="Error">The error, when there is no page.</param>
internal readonly record struct Listed(IListedPage? Page, ServedAnswer? Error)
{
    public static implicit operator Listed(ServedAnswer error) => new(null, error);
}

/// <summary>A page before rendering, whatever its entry type.</summary>
internal interface IListedPage
{
    /// <summary>The items array's property name (where a malformed-JSON fault cuts).</summary>
    string ItemsProperty { get; }

    /// <summary>The page model (the simulator's reference client reads it).</summary>
    object Model { get; }

    /// <summary>Applies the page-model part of a fault (<see cref="PageFaults.Shape"/>).</summary>
    void Shape(FaultKind? kind, string? requestedPageToken, string? loopToken);

    /// <summary>Writes the page.</summary>
    byte[] Render();
}

/// <summary>A page of one entry type and how it renders.</summary>
/// <typeparam name="TEntry">The page's entry type.</typeparam>
internal sealed class ListedPage<TEntry>(ServedPage<TEntry> page, Func<ServedPage<TEntry>, byte[]> render, string itemsProperty) : IListedPage
{
    public string ItemsProperty { get; } = itemsProperty;

    public object Model => page;

    public void Shape(FaultKind? kind, string? requestedPageToken, string? loopToken) => PageFaults.Shape(kind, page, requestedPageToken, loopToken);

    public byte[] Render() => render(page);

    public static implicit operator Listed(ListedPage<TEntry> listed) => new(listed, null);
}

/// <summary>
/// One answer as the kit serves it, before a server writes it: status, body, headers, or a reset connection. The
/// embedded servers write it (<see cref="EmbeddedHttpHost.WriteAnswerAsync"/>); the simulator scripts it for WireMock.
/// </summary>
/// <param name="StatusCode">The status; 0 for a reset.</param>
/// <param name="Body">The body bytes.</param>
internal sealed record ServedAnswer(int StatusCode, byte[] Body)
{
    /// <summary>The JSON content type every page and error is sent with.</summary>
    public const string JsonContentType = "application/json; charset=UTF-8";

    /// <summary>The connection reset without an answer.</summary>
    public static ServedAnswer Reset { get; } = new(0, []) { Abort = true };

    /// <summary>The <c>Content-Type</c>; null sends none.</summary>
    public string? ContentType { get; init; } = JsonContentType;

    /// <summary>A <c>Retry-After</c> header, whole seconds rounded up.</summary>
    public TimeSpan? RetryAfter { get; init; }

    /// <summary>Other headers (Graph's <c>Location</c> on a 410, Google's <c>WWW-Authenticate</c> on a 401).</summary>
    public IReadOnlyDictionary<string, string> Headers { get; init; } = new Dictionary<string, string>();

    /// <summary>Whether the connection is reset instead of answered.</summary>
    public bool Abort { get; init; }

    /// <summary>When set, the Content-Length announced although only <see cref="Body"/> is sent, after which the connection drops.</summary>
    public int? AnnouncedLength { get; init; }

    /// <summary>Whether the answer is a front end's raw answer, sent exactly as given (never compressed).</summary>
    public bool Raw { get; init; }

    /// <summary>Whether the answer says the token expired, in the dialect's terms.</summary>
    public bool IsExpiry { get; init; }

    /// <summary>The error reason the answer carries (what the journal checks read for a 403), when it is an error.</summary>
    public string? Reason { get; init; }

    /// <summary>The page model of an unaltered page.</summary>
    public object? Page { get; init; }

    /// <summary>Whether <see cref="RetryAfter"/> is set, in whole seconds rounded up.</summary>
    public int? RetryAfterSeconds => RetryAfter is { } value ? (int)Math.Ceiling(value.TotalSeconds) : null;
}

/// <summary>
/// A dialect's error answers, the one place they are written: its expired-token answer (rotating through its documented
/// shapes, so one instance per server or simulation), its error body for any other status, and whether an answer is an
/// expiry by the dialect's own rule.
/// </summary>
internal sealed class DialectAnswers(FakeDialect dialect)
{
    private int _expiries;

    public FakeDialect Dialect { get; } = dialect;

    /// <summary>Whether the dialect is Google Calendar, whose errors keep the fault's own domain and message.</summary>
    private bool IsCalendar => ReferenceEquals(Dialect.Dialect, SyncDialects.GoogleCalendar);

    /// <summary>Whether the facts of an answer say the token expired, by the dialect's rule.</summary>
    public bool IsExpiry(SyncErrorFacts facts) => Dialect.Dialect.IsExpiry(facts);

    /// <summary>The dialect's expired-token answer, in its documented shapes in turn.</summary>
    /// <param name="carriesToken">
    /// Whether the request carries a token. One without any never gets a 404 shape (Graph's <c>syncStateNotFound</c>):
    /// SyncGen never reads a 404 to a tokenless request as an expiry, since a wrong path gets one too, so it gets the
    /// next documented shape that is not a 404 (all servers and the simulator take the same turns).
    /// </param>
    public ServedAnswer Expired(bool carriesToken = true)
    {
        FakeErrorResponse answer;
        var tries = 0;
        do
        {
            answer = Dialect.ExpiredToken(Interlocked.Increment(ref _expiries) - 1);
        }
        while (!carriesToken && answer.StatusCode == 404 && ++tries < 8);

        return new ServedAnswer(answer.StatusCode, Encoding.UTF8.GetBytes(answer.Body)) { Headers = answer.Headers, IsExpiry = true, Reason = IsCalendar ? GoogleErrors.FullSyncRequiredReason : "expired" };
    }

    /// <summary>
    /// A status fault in the dialect's error body; <see cref="Fault.TokenExpired"/> (<c>fullSyncRequired</c>) is the
    /// dialect's own expiry answer outside Calendar, whatever status it came with.
    /// </summary>
    public ServedAnswer Error(Fault fault, bool carriesToken = true)
    {
        if (!IsCalendar && fault.Reason == GoogleErrors.FullSyncRequiredReason)
        {
            return Expired(carriesToken);
        }

        var answer = Error(fault.StatusCode, fault.Reason!, fault.Message!, fault.Domain);
        return fault.StatusCode == 401 && IsCalendar
            ? answer with { Headers = new Dictionary<string, string> { ["WWW-Authenticate"] = "Bearer realm=\"https://accounts.google.com/\", error=\"invalid_token\"" } }
            : answer;
    }

    /// <summary>An error in the dialect's body, its expiry decided by the dialect's rule.</summary>
    public ServedAnswer Error(int statusCode, string reason, string message, string? domain = null)
    {
        var body = IsCalendar
            ? GoogleErrors.ForStatus(statusCode, domain ?? GoogleErrors.DefaultsFor(statusCode, reason).Domain, reason, message)
            : Encoding.UTF8.GetBytes(Dialect.ErrorBody(statusCode, reason, message));
        return new ServedAnswer(statusCode, body)
        {
            Reason = reason,
            IsExpiry = IsExpiry(new SyncErrorFacts { StatusCode = statusCode, Reasons = new[] { reason }, Message = message }),
        };
    }
}
