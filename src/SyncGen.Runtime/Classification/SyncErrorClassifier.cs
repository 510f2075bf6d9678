using System;
using System.Collections.Generic;
using System.Linq;

namespace SyncGen;

/// <summary>
/// The built-in classifier: reads an exception into <see cref="SyncErrorFacts"/> and decides by one table.
/// <list type="table">
/// <listheader><term>facts</term><description>outcome</description></listheader>
/// <item><term>1. a non-2xx status the expiry rule matches</term><description><see cref="SyncErrorKind.TokenExpired"/></description></item>
/// <item><term>2. status 408, 429, 500, 502, 503 or 504, whatever the body</term><description><see cref="SyncErrorKind.Transient"/></description></item>
/// <item><term>3. status 403 with reason <c>rateLimitExceeded</c> or <c>userRateLimitExceeded</c></term><description><see cref="SyncErrorKind.Transient"/></description></item>
/// <item><term>4. any other non-2xx status, whatever the body</term><description><see cref="SyncErrorKind.Fatal"/></description></item>
/// <item><term>5. no status: timeout or transport failure</term><description><see cref="SyncErrorKind.Transient"/></description></item>
/// <item><term>6. no status or 2xx: a body that is not a page</term><description><see cref="SyncErrorKind.MalformedResponse"/></description></item>
/// <item><term>7. anything else</term><description><see cref="SyncErrorKind.Fatal"/></description></item>
/// </list>
/// The status comes first: a proxy's HTML 502 is retried and a plain-text 410 is an expiry, never a malformed page.
/// A transient answer whose <c>Retry-After</c> exceeds <see cref="SyncRetryOptions.MaxRetryAfter"/> fails instead of
/// being retried. Use one of the static instances, or pass your own expiry rule (see <see cref="SyncExpiryRules"/>).
/// </summary>
public sealed class SyncErrorClassifier : ISyncErrorClassifier
{
    private readonly Func<SyncErrorFacts, bool> _isExpiry;
    private readonly ISyncErrorReader[] _readers;

    /// <summary>Creates a classifier with a custom expiry rule over the whole error.</summary>
    /// <param name="isExpiry">Given the facts of an answer with a non-2xx status, says whether the sync token expired.</param>
    /// <param name="readers">
    /// Readers asked, in order, about an exception and its inner exceptions; <see langword="null"/> for the built-in ones
    /// (<see cref="DefaultReaders"/>). Put your own first to read another client library's exceptions.
    /// </param>
    public SyncErrorClassifier(Func<SyncErrorFacts, bool> isExpiry, IEnumerable<ISyncErrorReader>? readers = null)
    {
        _isExpiry = isExpiry ?? throw new ArgumentNullException(nameof(isExpiry));
        _readers = (readers ?? DefaultReaders).ToArray();
    }

    /// <summary>Creates a classifier with a custom expiry rule over the status and each reason.</summary>
    /// <param name="isExpiry">
    /// Given an HTTP status and one of the API's error reasons (null when there is none), says whether the sync token
    /// expired; the token expired when it says so for any reason.
    /// </param>
    public SyncErrorClassifier(Func<int, string?, bool> isExpiry)
        : this(FromStatusAndReason(isExpiry ?? throw new ArgumentNullException(nameof(isExpiry))))
    {
    }

    /// <summary>The readers used when none are given: plain HttpClient, <see cref="SyncHttpException"/> and transport errors.</summary>
    /// <remarks>
    /// A client library's reader comes with its page source instead (<see cref="WithReader"/>): the generated code
    /// hands the engine SyncGen.Google's reader of Google.Apis' <c>GoogleApiException</c> when the project references it.
    /// </remarks>
    public static IReadOnlyList<ISyncErrorReader> DefaultReaders { get; } = new ISyncErrorReader[] { HttpErrorReader.Instance };

    /// <summary>Google Calendar and most Google list APIs; see <see cref="SyncExpiryRules.Google"/>.</summary>
    public static SyncErrorClassifier Google { get; } = new(SyncExpiryRules.Google);

    /// <summary>Google People API; see <see cref="SyncExpiryRules.GooglePeople"/>.</summary>
    public static SyncErrorClassifier GooglePeople { get; } = new(SyncExpiryRules.GooglePeople);

    /// <summary>Microsoft Graph delta queries; see <see cref="SyncExpiryRules.MicrosoftGraph"/>.</summary>
    public static SyncErrorClassifier MicrosoftGraph { get; } = new(SyncExpiryRules.MicrosoftGraph);

    /// <summary>This classifier's expiry rule, with <paramref name="reader"/> asked after its own readers.</summary>
    /// <remarks>
    /// The engine calls it with the page source's reader (<c>SyncDefinition.ErrorReader</c>), so the rules stay the
    /// options' or the dialect's while the exceptions of the source's client library are read; readers given to the
    /// constructor still come first and can read those exceptions their own way.
    /// </remarks>
    /// <param name="reader">Reads the exceptions of a client library.</param>
    /// <returns>This classifier when it already asks <paramref name="reader"/>, otherwise a new one.</returns>
    public SyncErrorClassifier WithReader(ISyncErrorReader reader)
    {
        if (reader is null)
        {
            throw new ArgumentNullException(nameof(reader));
        }

        return Array.IndexOf(_readers, reader) >= 0 ? this : new SyncErrorClassifier(_isExpiry, _readers.Append(reader));
    }

    /// <inheritdoc />
    public SyncErrorClassification Classify(Exception exception)
    {
        if (exception is null)
        {
            throw new ArgumentNullException(nameof(exception));
        }

        var facts = ReadFacts(exception);
        return new SyncErrorClassification(Decide(facts, _isExpiry), facts.StatusCode, facts.Reason, facts.RetryAfter) { Facts = facts };
    }

    /// <summary>Reads <paramref name="exception"/>, then its inner exceptions, with the first reader that knows each.</summary>
    public SyncErrorFacts ReadFacts(Exception exception)
    {
        for (var current = exception; current is not null; current = current.InnerException)
        {
            foreach (var reader in _readers)
            {
                if (reader.Read(current) is { } facts)
                {
                    return facts;
                }
            }
        }

        return SyncErrorFacts.Unknown;
    }

    /// <summary>The decision table of the class summary, over facts alone.</summary>
    internal static SyncErrorKind Decide(SyncErrorFacts facts, Func<SyncErrorFacts, bool> isExpiry)
    {
        if (facts.StatusCode is int status and not (>= 200 and <= 299))
        {
            if (isExpiry(facts))
            {
                return SyncErrorKind.TokenExpired;
            }

            return status switch
            {
                408 or 429 or 500 or 502 or 503 or 504 => SyncErrorKind.Transient,
                403 when facts.HasReason("rateLimitExceeded") || facts.HasReason("userRateLimitExceeded") => SyncErrorKind.Transient,
                _ => SyncErrorKind.Fatal,
            };
        }

        if (facts.IsTimeout || facts.IsTransportFailure)
        {
            return SyncErrorKind.Transient;
        }

        return facts.IsUnreadablePage ? SyncErrorKind.MalformedResponse : SyncErrorKind.Fatal;
    }

    private static Func<SyncErrorFacts, bool> FromStatusAndReason(Func<int, string?, bool> isExpiry) => facts =>
        facts.StatusCode is int status && (facts.Reasons.Count == 0 ? isExpiry(status, null) : facts.Reasons.Any(reason => isExpiry(status, reason)));
}
