using System;
using System.Collections.Generic;
using System.Linq;
using Microsoft.Graph.Models.ODataErrors;
using Microsoft.Kiota.Abstractions;
using SyncGen;

namespace GraphSync.GraphApi;

/// <summary>
/// Reads the Graph SDK's errors for SyncGen's classifier: an <see cref="ODataError"/> (what the SDK throws for a JSON
/// error body) gives its status, <c>error.code</c>, the codes of <c>error.details[]</c>, <c>error.message</c> and the
/// response headers; any other Kiota <see cref="ApiException"/> with a status gives the status, message and headers.
/// So the Graph expiry rule sees <c>410</c>, <c>resyncRequired</c> or <c>syncStateNotFound</c> exactly as the server
/// said them, and a 429's <c>Retry-After</c> is honoured.
/// </summary>
public sealed class GraphErrorReader : ISyncErrorReader
{
    /// <summary>The one instance; the reader holds no state.</summary>
    public static GraphErrorReader Instance { get; } = new();

    /// <summary>
    /// The classifier for Graph delta through the SDK: <see cref="SyncExpiryRules.MicrosoftGraph"/> over facts read by
    /// this reader first, then by SyncGen's own readers (transport failures, timeouts, unreadable pages).
    /// </summary>
    public static SyncErrorClassifier Classifier { get; } =
        new(SyncExpiryRules.MicrosoftGraph, SyncErrorClassifier.DefaultReaders.Prepend(Instance));

    /// <inheritdoc />
    public SyncErrorFacts? Read(Exception exception) => exception switch
    {
        ODataError odata when odata.ResponseStatusCode > 0 => Facts(odata, Codes(odata.Error), odata.Error?.Message ?? odata.Message),

        // Kiota's own ApiException: a status for which the SDK has no error model, or an error body that was empty.
        ApiException api when api.ResponseStatusCode > 0 => Facts(api, Array.Empty<string>(), api.Message),
        _ => null,
    };

    private static SyncErrorFacts Facts(ApiException exception, IReadOnlyList<string> reasons, string? message)
    {
        var headers = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        foreach (var (name, values) in exception.ResponseHeaders)
        {
            headers[name] = string.Join(",", values);
        }

        // The SDK has already read the body into its error model, so no body goes in: FromResponse contributes the
        // status, the headers and their Retry-After (read as SyncGen reads it everywhere else).
        return SyncErrorFacts.FromResponse(exception.ResponseStatusCode, body: null, headers: headers) with
        {
            Reasons = reasons,
            Message = message,
        };
    }

    /// <summary><c>error.code</c>, then each <c>error.details[].code</c>, without repeats.</summary>
    private static IReadOnlyList<string> Codes(MainError? error)
    {
        if (error is null)
        {
            return Array.Empty<string>();
        }

        return new[] { error.Code }
            .Concat(error.Details?.Select(detail => detail.Code) ?? Enumerable.Empty<string?>())
            .Where(code => !string.IsNullOrEmpty(code))
            .Select(code => code!)
            .Distinct(StringComparer.Ordinal)
            .ToList();
    }
}
