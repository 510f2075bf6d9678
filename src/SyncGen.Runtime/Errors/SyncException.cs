using System;

namespace SyncGen;

/// <summary>Base of every error a sync call reports.</summary>
/// <remarks>
/// When a sync call throws one, the store is exactly as it was before the call: the sync token did not advance and no
/// item changed.
/// </remarks>
public abstract class SyncException : Exception
{
    /// <summary>Creates the exception.</summary>
    protected SyncException(string repository, string message, Exception? innerException)
        : base(message, innerException)
    {
        Repository = repository;
    }

    /// <summary>The repository whose sync failed (its full type name for generated repositories).</summary>
    public string Repository { get; }
}

/// <summary>What a server did that breaks the sync-token protocol.</summary>
public enum SyncProtocolViolation
{
    /// <summary>A page carried neither a next page token nor a next sync token.</summary>
    MissingTokens,

    /// <summary>A next page token repeated one already followed in the same pass: paging would never end.</summary>
    PageTokenLoop,

    /// <summary>The response body was not valid JSON for the page type, or was cut short.</summary>
    MalformedResponse,

    /// <summary>The response had no body at all.</summary>
    EmptyResponse,

    /// <summary>An item had no key.</summary>
    MissingItemKey,

    /// <summary>The response body was larger than the cap (<see cref="SyncResponseLimitHandler"/>); not retried.</summary>
    PageTooLarge,

    /// <summary>The request was redirected to another origin than the endpoint's (<see cref="SyncRedirectRefusedException"/>); not retried.</summary>
    RedirectToAnotherOrigin,
}

/// <summary>The server answered in a way the sync-token protocol does not allow.</summary>
public sealed class SyncProtocolException : SyncException
{
    /// <summary>Creates the exception.</summary>
    public SyncProtocolException(string repository, SyncProtocolViolation violation, SyncCursor request, string detail, Exception? innerException = null)
        : base(repository, $"{repository}: {detail} (request: {request}). The sync token and the stored items were left unchanged.", innerException)
    {
        Violation = violation;
        Request = request;
    }

    /// <summary>Which rule the server broke.</summary>
    public SyncProtocolViolation Violation { get; }

    /// <summary>The request whose response broke it.</summary>
    public SyncCursor Request { get; }
}

/// <summary>A request failed with an error that is not retried (400, 401, 404...) or kept failing past the retry budget.</summary>
public sealed class SyncRequestFailedException : SyncException
{
    /// <summary>Creates the exception.</summary>
    public SyncRequestFailedException(string repository, SyncCursor request, int attempts, int? statusCode, string? reason, Exception innerException)
        : this(repository, request, attempts, statusCode, reason, null, innerException)
    {
    }

    /// <summary>Creates the exception with an explanation of why it was not retried (further).</summary>
    /// <param name="repository">The repository whose sync failed.</param>
    /// <param name="request">The request that failed.</param>
    /// <param name="attempts">How many times it was sent.</param>
    /// <param name="statusCode">The HTTP status of the last attempt, when there was a response.</param>
    /// <param name="reason">The API's error reason, when it gave one.</param>
    /// <param name="explanation">Why the request was given up, e.g. a <c>Retry-After</c> over the cap; <see langword="null"/> for none.</param>
    /// <param name="innerException">The last attempt's error.</param>
    public SyncRequestFailedException(string repository, SyncCursor request, int attempts, int? statusCode, string? reason, string? explanation, Exception innerException)
        : base(repository, BuildMessage(repository, request, attempts, statusCode, reason, explanation, innerException), innerException)
    {
        Explanation = explanation;
        Request = request;
        Attempts = attempts;
        StatusCode = statusCode;
        Reason = reason;
    }

    /// <summary>The request that failed.</summary>
    public SyncCursor Request { get; }

    /// <summary>How many times it was sent.</summary>
    public int Attempts { get; }

    /// <summary>The HTTP status of the last attempt, when there was a response.</summary>
    public int? StatusCode { get; }

    /// <summary>The API's error reason (e.g. <c>syncTokenWithRequestRestrictions</c>), when it gave one.</summary>
    public string? Reason { get; }

    /// <summary>Why the request was given up, when it was for a reason other than its status (e.g. a <c>Retry-After</c> over the cap).</summary>
    public string? Explanation { get; }

    /// <summary>Whether the last attempt ran out of time (<see cref="SyncOptions.RequestTimeout"/>).</summary>
    public bool IsTimeout => InnerException is TimeoutException;

    private static string BuildMessage(string repository, SyncCursor request, int attempts, int? statusCode, string? reason, string? explanation, Exception inner)
    {
        var status = statusCode is not null ? $"HTTP {statusCode}{(reason is null ? "" : " " + reason)}"
            : inner is TimeoutException ? "a timeout"
            : "no HTTP response";
        var tries = attempts == 1 ? "not retried" : $"gave up after {attempts} attempts";
        var why = explanation is null ? "" : $": {explanation}";
        return $"{repository}: request failed with {status}, {tries}{why} (request: {request}): {inner.Message} The sync token and the stored items were left unchanged.";
    }
}

/// <summary>The server kept declaring the sync token expired, even on the full syncs meant to recover from it.</summary>
public sealed class SyncExpiryLoopException : SyncException
{
    /// <summary>Creates the exception.</summary>
    public SyncExpiryLoopException(string repository, int expiries, Exception lastExpiry)
        : base(repository, $"{repository}: the server reported an expired sync token {expiries} times in one sync call, full syncs included; giving up instead of retrying forever. The stored items and token were left unchanged.", lastExpiry)
    {
        Expiries = expiries;
    }

    /// <summary>How many expiries the call saw.</summary>
    public int Expiries { get; }
}

/// <summary>A full pass would have removed more of the mirror than <see cref="SyncOptions.MaxReplaceRemovalFraction"/> allows.</summary>
/// <remarks>
/// Nothing was committed: the mirror and the token are as before, so the next call tries again. If the server really
/// lost the items, raise or clear the option and sync again.
/// </remarks>
public sealed class SyncMassRemovalException : SyncException
{
    /// <summary>Creates the exception.</summary>
    public SyncMassRemovalException(string repository, int storedItems, int removals, double maxFraction)
        : base(repository, string.Create(System.Globalization.CultureInfo.InvariantCulture,
            $"{repository}: a full pass would remove {removals} of the {storedItems} stored items ({(double)removals / storedItems:P0}), more than SyncOptions.MaxReplaceRemovalFraction ({maxFraction:P0}) allows; nothing was committed and the stored items and token were left unchanged. If the server really lost them, raise or clear the option and sync again."), null)
    {
        StoredItems = storedItems;
        Removals = removals;
        MaxFraction = maxFraction;
    }

    /// <summary>How many items the mirror held.</summary>
    public int StoredItems { get; }

    /// <summary>How many of them the full pass would have removed.</summary>
    public int Removals { get; }

    /// <summary>The share allowed (<see cref="SyncOptions.MaxReplaceRemovalFraction"/>).</summary>
    public double MaxFraction { get; }
}

/// <summary>
/// A pass fetched more pages than <see cref="SyncOptions.MaxPagesPerPass"/>, or more empty pages in a row than
/// <see cref="SyncOptions.MaxEmptyPagesInARow"/>, and was stopped: a server that keeps handing out new next-page tokens
/// would otherwise keep one call running without end. Nothing was committed: the token and the items are as before.
/// </summary>
public sealed class SyncPageBudgetExceededException : SyncException
{
    /// <summary>Creates the exception.</summary>
    /// <param name="repository">The repository whose sync failed.</param>
    /// <param name="request">The last page applied; the pass stopped before requesting the next one.</param>
    /// <param name="emptyPagesInARow">How many pages in a row, ending with that one, held no entry.</param>
    /// <param name="limit">The bound that was reached.</param>
    /// <param name="emptyPagesBound">Whether the bound is <see cref="SyncOptions.MaxEmptyPagesInARow"/> rather than <see cref="SyncOptions.MaxPagesPerPass"/>.</param>
    public SyncPageBudgetExceededException(string repository, SyncCursor request, int emptyPagesInARow, int limit, bool emptyPagesBound)
        : base(repository, emptyPagesBound
            ? $"{repository}: the pass reached {limit} empty pages in a row and the server still gave a next page token (request: {request}); stopped so that one sync cannot run without end. Raise SyncOptions.{nameof(SyncOptions.MaxEmptyPagesInARow)} if the feed really sends that many. The sync token and the stored items were left unchanged."
            : $"{repository}: the pass reached {limit} pages and the server still gave a next page token (request: {request}); stopped so that one sync cannot run without end. Raise SyncOptions.{nameof(SyncOptions.MaxPagesPerPass)} if the collection really needs more. The sync token and the stored items were left unchanged.", null)
    {
        Request = request;
        EmptyPagesInARow = emptyPagesInARow;
        Limit = limit;
        IsEmptyPagesBound = emptyPagesBound;
    }

    /// <summary>The last page applied; its number is <see cref="SyncCursor.PageNumber"/>.</summary>
    public SyncCursor Request { get; }

    /// <summary>How many pages in a row, ending with <see cref="Request"/>, held no entry.</summary>
    public int EmptyPagesInARow { get; }

    /// <summary>The bound that was reached: <see cref="SyncOptions.MaxPagesPerPass"/> or <see cref="SyncOptions.MaxEmptyPagesInARow"/>.</summary>
    public int Limit { get; }

    /// <summary>Whether the bound reached is <see cref="SyncOptions.MaxEmptyPagesInARow"/> rather than <see cref="SyncOptions.MaxPagesPerPass"/>.</summary>
    public bool IsEmptyPagesBound { get; }
}
