using System;
using System.Collections.Generic;
using System.ComponentModel;
using System.Diagnostics;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace SyncGen.Infrastructure;

/// <summary>
/// Runs one sync call: a full or incremental pass over every page, staged in the store and committed with the new
/// sync token only after the last page; an expired token restarts as a full pass that replaces the mirror.
/// Generated <c>SyncAsync</c> methods create one per call.
/// </summary>
/// <typeparam name="TItem">The item type.</typeparam>
[EditorBrowsable(EditorBrowsableState.Never)]
public sealed partial class SyncEngine<TItem>
{
    private readonly SyncDefinition<TItem> _definition;
    private readonly ISyncStore<TItem> _store;
    private readonly SyncOptions _options;
    private readonly ILogger _logger;
    private readonly ISyncErrorClassifier _classifier;
    private readonly PageChangeBuffer<TItem> _pageChanges = new();
    private readonly string? _fingerprint;
    private readonly ISyncResumableStore<TItem>? _resumableStore;
    private int _pagesApplied; // by every pass of the running call

    /// <summary>Creates an engine for one call.</summary>
    /// <param name="definition">What the repository fetches and how items are keyed and deleted.</param>
    /// <param name="store">Where the mirror and the token live.</param>
    /// <param name="options">Loop settings; <see langword="null"/> for <see cref="SyncOptions.Default"/>.</param>
    /// <param name="logger">Logger; <see langword="null"/> for none.</param>
    public SyncEngine(SyncDefinition<TItem> definition, ISyncStore<TItem> store, SyncOptions? options = null, ILogger? logger = null)
    {
        _definition = definition ?? throw new ArgumentNullException(nameof(definition));
        _store = store ?? throw new ArgumentNullException(nameof(store), $"{definition.RepositoryName} has no sync store: its ISyncStore member is null.");
        _options = options ?? SyncOptions.Default;
        _options.Validate();
        _logger = logger ?? NullLogger.Instance;
        _fingerprint = SyncQueryFingerprint.Combine(definition.QueryFingerprint, _options.QueryFingerprint);

        // The mass-removal guard counts every key a full pass lists, which a resumed pass did not all see.
        _resumableStore = (_options.ResumeInterruptedPasses ?? definition.PageTokensResumable) && _options.MaxReplaceRemovalFraction is null
            ? store as ISyncResumableStore<TItem>
            : null;

        // Chosen once for the whole call: the page source's rules, then the options', then Google's; the built-in
        // classifier also reads the exceptions of the page source's client library.
        var classifier = definition.ErrorClassifier ?? _options.ErrorClassifier ?? SyncErrorClassifier.Google;
        _classifier = definition.ErrorReader is { } reader && classifier is SyncErrorClassifier builtIn ? builtIn.WithReader(reader) : classifier;
    }

    /// <summary>Runs the call; see the class summary.</summary>
    /// <param name="progress">Receives a report after every page applied.</param>
    /// <param name="cancellationToken">Cancels the call; a cancelled call leaves the store unchanged.</param>
    /// <returns>What the call did.</returns>
    /// <exception cref="SyncProtocolException">The server broke the protocol (no tokens, page-token loop, malformed page).</exception>
    /// <exception cref="SyncRequestFailedException">A request failed for good (not retryable, or retries exhausted).</exception>
    /// <exception cref="SyncExpiryLoopException">The token expired <see cref="SyncOptions.MaxExpiriesPerCall"/> times.</exception>
    public async Task<SyncResult> RunAsync(IProgress<SyncProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        var gate = _definition.Gate;
        using var entered = await gate.EnterAsync(cancellationToken).ConfigureAwait(false);
        var repository = _definition.RepositoryName;
        using var activity = SyncTelemetry.ActivitySource.StartActivity("SyncGen.Sync");
        activity?.SetTag("syncgen.repository", repository);
        var started = _options.TimeProvider.GetTimestamp();
        var retries = new RetryCounter();
        var completed = false;
        _pagesApplied = 0;

        // Inside the gate, so no other call of this repository instance touches the cache meanwhile.
        var pipeline = gate.Pipeline is { } cached && cached.Fits(_options, _logger, repository)
            ? cached
            : gate.Pipeline = RetryPipeline.Create(_options, _logger, repository);

        try
        {
            var (token, early) = await EarlyFirstRequest<TItem>.ReadSyncTokenAsync(
                _store, gate, _options.SendFirstRequestEarly, (opening, counter) => StartPass(opening, pipeline, counter, cancellationToken), _logger, repository, cancellationToken)
                .ConfigureAwait(false);

            if (token is not null && await QueryChangedAsync(token, cancellationToken).ConfigureAwait(false))
            {
                // The token describes another query's view: only a full pass that replaces the mirror gives this one's.
                if (early is not null)
                {
                    await early.DiscardAsync().ConfigureAwait(false);
                    early = null;
                }

                token = null;
            }

            // The early request's retries count once its answer is used: a discarded one belonged to no pass.
            var earlyRetries = early?.Retries;
            var startedAs = token is null ? SyncPassKind.Full : SyncPassKind.Incremental;
            SyncLog.SyncStarting(_logger, repository, startedAs);
            var expiries = 0;
            for (var passNumber = 1; ; passNumber++)
            {
                var pass = early?.Started.Pass ?? (token is null
                    ? new SyncPass(SyncPassKind.Full, null, passNumber)
                    : new SyncPass(SyncPassKind.Incremental, token, passNumber));
                PassOutcome outcome;
                try
                {
                    // Every pass looks until this call staged a page: a full pass that died after the token expired is
                    // found by the full pass that follows the incremental pass's expiry, since the store still holds the
                    // expired token. A pass of this call that died of an expiry is never continued by the next one.
                    var resume = early is null && _pagesApplied == 0 ? await FindCheckpointAsync(pass, cancellationToken).ConfigureAwait(false) : null;
                    try
                    {
                        outcome = await RunPassAsync(pass, early, resume, pipeline, retries, progress, cancellationToken).ConfigureAwait(false);
                    }
                    catch (ResumeRefusedSignal refused)
                    {
                        // The resumed writer was discarded uncommitted; the fresh pass starts from page 1 (full) or from
                        // the token (incremental), and its first write drops what the dead pass had staged.
                        SyncLog.ResumeRefused(_logger, repository, pass, refused.StatusCode);
                        outcome = await RunPassAsync(pass, null, null, pipeline, retries, progress, cancellationToken).ConfigureAwait(false);
                    }
                }
                catch (TokenExpiredSignal expired)
                {
                    expiries++;
                    SyncTelemetry.Expiries.Add(1, new KeyValuePair<string, object?>("syncgen.repository", repository));
                    SyncLog.TokenExpired(_logger, repository, pass, expired.Classification.StatusCode, expired.Classification.Reason);
                    if (expiries >= _options.MaxExpiriesPerCall)
                    {
                        throw new SyncExpiryLoopException(repository, expiries, expired.InnerException!);
                    }

                    // The staged pass was discarded when its writer was disposed; the mirror is replaced only when the
                    // full pass commits, so readers never see it half-wiped.
                    token = null;
                    early = null;
                    gate.LastSyncToken = null;
                    continue;
                }

                var elapsed = _options.TimeProvider.GetElapsedTime(started);
                var result = new SyncResult
                {
                    Kind = pass.Kind,
                    StartedAs = startedAs,
                    Pages = outcome.Pages,
                    Upserts = outcome.Upserts,
                    Deletes = outcome.Deletes,
                    SkippedEntries = outcome.Skipped,
                    ExpiriesRecovered = expiries,
                    Retries = retries.Count + (earlyRetries?.Count ?? 0),
                    Duration = elapsed,
                    SyncToken = outcome.SyncToken,
                    ResumedAtPage = outcome.ResumedAtPage,
                };
                gate.LastSyncToken = outcome.SyncToken;
                SyncTelemetry.Duration.Record(elapsed.TotalSeconds, new KeyValuePair<string, object?>("syncgen.repository", repository));
                SyncLog.SyncCompleted(_logger, repository, result.Kind, result.Pages, result.Upserts, result.Deletes, expiries, result.Retries, elapsed);
                activity?.SetTag("syncgen.kind", result.Kind.ToString());
                completed = true;
                return result;
            }
        }
        catch (Exception exception) when (exception is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            activity?.SetStatus(ActivityStatusCode.Error, exception.Message);
            SyncLog.SyncFailed(_logger, repository, exception);
            throw;
        }
        finally
        {
            if (!completed && _resumableStore is not null)
            {
                // The call may have left a dead pass to continue: the next call reads the store (and its checkpoint)
                // before any request, instead of sending an early first request whose pass would drop it.
                gate.LastSyncToken = null;
            }
        }
    }

    /// <summary>Opens a pass and sends the request of its first page (or of <paramref name="from"/>, for a resumed pass).</summary>
    private StartedPass<TItem> StartPass(SyncPass pass, RetryPipeline pipeline, RetryCounter retries, CancellationToken cancellationToken, SyncCursor? from = null)
    {
        var fetch = _definition.OpenPass(pass);
        var prefetch = new PagePrefetch(cancellationToken);
        try
        {
            return new StartedPass<TItem>(pass, fetch, prefetch, FetchAsync(fetch, from ?? new SyncCursor(pass, null, 1), pipeline, retries, prefetch.Token));
        }
        catch
        {
            prefetch.Dispose();
            throw;
        }
    }

    private async Task<PassOutcome> RunPassAsync(SyncPass pass, EarlyFirstRequest<TItem>? early, Resume? resume, RetryPipeline pipeline, RetryCounter retries, IProgress<SyncProgress>? progress, CancellationToken cancellationToken)
    {
        var repository = _definition.RepositoryName;
        var tag = new KeyValuePair<string, object?>("syncgen.repository", repository);
        using var activity = SyncTelemetry.ActivitySource.StartActivity("SyncGen.Pass");
        activity?.SetTag("syncgen.pass.kind", pass.Kind.ToString());
        var writer = early?.Writer ?? resume?.Writer ?? await _store.BeginPassAsync(pass.Kind, cancellationToken).ConfigureAwait(false);
        await using var writerScope = writer.ConfigureAwait(false);
        var checkpoints = _resumableStore is null ? null : writer as ISyncCheckpointWriter<TItem>;
        var firstCursor = resume is { } resumed ? new SyncCursor(pass, resumed.Checkpoint.NextPageToken, resumed.Checkpoint.PagesStaged + 1) : new SyncCursor(pass, null, 1);

        // Unless sent early, the first request goes out once the pass could begin: a store that cannot take a pass
        // (read-only, a lease held elsewhere) costs no request.
        var started = early?.Started ?? StartPass(pass, pipeline, retries, cancellationToken, firstCursor);
        var fetch = started.Fetch;
        using var prefetch = started.Prefetch;
        var followedPageTokens = new HashSet<string>(StringComparer.Ordinal);

        // Only with the mass-removal guard on: the keys a full pass keeps, to count what its commit would remove.
        var keptKeys = pass.Kind == SyncPassKind.Full && _options.MaxReplaceRemovalFraction is not null ? new HashSet<string>(StringComparer.Ordinal) : null;
        int upserts = 0, deletes = 0, skipped = 0, emptyInARow = 0;
        var cursor = firstCursor;
        var pending = started.FirstPage;
        SubtreeDeletions<TItem>? subtrees = null;
        try
        {
            while (true)
            {
                SyncPage<TItem> page;
                try
                {
                    page = await pending.ConfigureAwait(false);
                }
                catch (Exception exception) when (resume is not null && cursor == firstCursor && RefusedPageToken(exception) is { } status)
                {
                    throw new ResumeRefusedSignal(status, exception);
                }

                if (page.NextPageToken is null && page.NextSyncToken is null)
                {
                    throw new SyncProtocolException(repository, SyncProtocolViolation.MissingTokens, cursor,
                        "the page carries neither a next page token nor a next sync token, so the pass cannot end");
                }

                if (page.NextPageToken is not null && !followedPageTokens.Add(page.NextPageToken))
                {
                    throw new SyncProtocolException(repository, SyncProtocolViolation.PageTokenLoop, cursor,
                        $"the server returned next page token {SyncTokenText.Abbreviate(page.NextPageToken)} a second time in one pass; following it would loop forever");
                }

                emptyInARow = page.Items.Count == 0 && page.SkippedEntries == 0 ? emptyInARow + 1 : 0;
                if (page.NextPageToken is not null)
                {
                    // Checked before the next request goes out: a server that never stops handing out page tokens
                    // (empty pages with new links, 1,873 requests in 90 s) would otherwise keep this call running forever.
                    GuardPageBudget(cursor, emptyInARow);
                }

                var next = page.NextPageToken is null ? (SyncCursor?)null : new SyncCursor(pass, page.NextPageToken, cursor.PageNumber + 1);
                if (next is { } ahead && _options.PrefetchNextPage)
                {
                    // Overlap the wire with the store: page N+1 travels while page N is applied. Pages are still applied
                    // strictly in order, and a failure anywhere discards the prefetched page with the whole staged pass.
                    pending = FetchAsync(fetch, ahead, pipeline, retries, prefetch.Token);
                }

                if (page.MayDeleteSubtrees)
                {
                    subtrees ??= new SubtreeDeletions<TItem>(_store, pass.Kind);
                    page = await subtrees.ExpandAsync(page, cancellationToken).ConfigureAwait(false);
                }

                var changes = ToChanges(page.Items, page.Identities, cursor, ref upserts, ref deletes);
                if (page.SkippedEntries > 0)
                {
                    skipped += page.SkippedEntries;
                    SyncLog.EntriesSkipped(_logger, repository, cursor.PageNumber, pass, page.SkippedEntries);
                }

                if (keptKeys is not null)
                {
                    for (var i = 0; i < changes.Count; i++)
                    {
                        var change = changes[i];
                        if (change.IsDelete)
                        {
                            keptKeys.Remove(change.Key);
                        }
                        else
                        {
                            keptKeys.Add(change.Key);
                        }
                    }
                }

                try
                {
                    if (checkpoints is not null && page.NextPageToken is { } nextPageToken)
                    {
                        await checkpoints.ApplyAsync(changes, Checkpoint(pass, nextPageToken, cursor.PageNumber), cancellationToken).ConfigureAwait(false);
                    }
                    else
                    {
                        await writer.ApplyAsync(changes, cancellationToken).ConfigureAwait(false);
                    }
                }
                finally
                {
                    _pageChanges.End();
                }

                _pagesApplied++;
                SyncTelemetry.Pages.Add(1, tag);
                SyncLog.PageApplied(_logger, repository, cursor.PageNumber, pass, changes.Count);
                progress?.Report(new SyncProgress(pass.Kind, pass.Number, cursor.PageNumber, changes.Count, upserts, deletes));

                if (next is { } following)
                {
                    if (!_options.PrefetchNextPage)
                    {
                        pending = FetchAsync(fetch, following, pipeline, retries, prefetch.Token);
                    }

                    cursor = following;
                    continue;
                }

                if (keptKeys is not null)
                {
                    await GuardMassRemovalAsync(keptKeys, _options.MaxReplaceRemovalFraction!.Value, cancellationToken).ConfigureAwait(false);
                }

                // Last page: only now, with every page staged, does the new token become durable, together with the items
                // and the fingerprint of the query that made it.
                var fingerprinted = writer as ISyncQueryFingerprintWriter;
                fingerprinted?.SetQueryFingerprint(_fingerprint);
                await writer.CommitAsync(page.NextSyncToken!, cancellationToken).ConfigureAwait(false);
                _definition.Gate.VerifiedQuery = fingerprinted is not null && _fingerprint is not null ? (page.NextSyncToken!, _fingerprint) : null;
                SyncTelemetry.Upserts.Add(upserts, tag);
                SyncTelemetry.Deletes.Add(deletes, tag);
                SyncTelemetry.Skipped.Add(skipped, tag);
                return new PassOutcome(cursor.PageNumber, upserts, deletes, skipped, page.NextSyncToken!, resume is null ? null : firstCursor.PageNumber);
            }
        }
        finally
        {
            await prefetch.AbandonAsync(pending).ConfigureAwait(false);
        }
    }

    /// <summary>Throws <see cref="SyncPageBudgetExceededException"/> when the page after <paramref name="cursor"/> would exceed a bound of <see cref="SyncOptions"/>.</summary>
    private void GuardPageBudget(SyncCursor cursor, int emptyInARow)
    {
        if (cursor.PageNumber >= _options.MaxPagesPerPass)
        {
            throw new SyncPageBudgetExceededException(_definition.RepositoryName, cursor, emptyInARow, _options.MaxPagesPerPass, emptyPagesBound: false);
        }

        if (emptyInARow >= _options.MaxEmptyPagesInARow)
        {
            throw new SyncPageBudgetExceededException(_definition.RepositoryName, cursor, emptyInARow, _options.MaxEmptyPagesInARow, emptyPagesBound: true);
        }
    }

    /// <summary>Throws <see cref="SyncMassRemovalException"/> when committing a full pass keeping <paramref name="keptKeys"/> would remove too much.</summary>
    private async Task GuardMassRemovalAsync(HashSet<string> keptKeys, double maxFraction, CancellationToken cancellationToken)
    {
        var stored = await _store.ReadItemsAsync(cancellationToken).ConfigureAwait(false);
        if (stored.Count == 0)
        {
            return;
        }

        var removals = 0;
        foreach (var pair in stored)
        {
            if (!keptKeys.Contains(pair.Key))
            {
                removals++;
            }
        }

        if ((double)removals / stored.Count > maxFraction)
        {
            throw new SyncMassRemovalException(_definition.RepositoryName, stored.Count, removals, maxFraction);
        }
    }

    private PageChangeBuffer<TItem>.View ToChanges(IReadOnlyList<TItem> items, IReadOnlyList<SyncItemIdentity>? identities, SyncCursor cursor, ref int upserts, ref int deletes)
    {
        if (identities is not null && identities.Count != items.Count)
        {
            throw new SyncProtocolException(_definition.RepositoryName, SyncProtocolViolation.MalformedResponse, cursor,
                $"the page source read {identities.Count} keys for {items.Count} items");
        }

        var changes = _pageChanges.Begin(items.Count, cursor.PageNumber);
        for (var i = 0; i < changes.Count; i++)
        {
            var item = items[i];
            var key = identities is not null ? identities[i].Key : item is null ? null : _definition.GetKey(item);
            if (string.IsNullOrEmpty(key))
            {
                throw new SyncProtocolException(_definition.RepositoryName, SyncProtocolViolation.MissingItemKey, cursor,
                    $"item {i} of the page has no key");
            }

            if (identities is not null ? identities[i].IsDeleted : _definition.IsDeleted(item!))
            {
                changes.Set(i, SyncChange<TItem>.Delete(key!));
                deletes++;
            }
            else if (item is null)
            {
                throw new SyncProtocolException(_definition.RepositoryName, SyncProtocolViolation.MalformedResponse, cursor,
                    $"item {i} of the page (key '{key}') is not a deletion but carries no item");
            }
            else
            {
                changes.Set(i, SyncChange<TItem>.Upsert(key!, item!));
                upserts++;
            }
        }

        return changes;
    }

    private async Task<SyncPage<TItem>> FetchAsync(SyncPageFetcher<TItem> fetch, SyncCursor cursor, RetryPipeline pipeline, RetryCounter retries, CancellationToken cancellationToken)
    {
        var attempts = 0;
        var classifier = new AttemptClassifier(_classifier);
        try
        {
            return await pipeline.ExecuteAsync(
                cursor,
                classifier,
                retries,
                async token =>
                {
                    attempts++;
                    var page = await FetchWithinTimeoutAsync(fetch, cursor, token).ConfigureAwait(false);
                    if (page.Items is null)
                    {
                        throw new SyncProtocolException(_definition.RepositoryName, SyncProtocolViolation.EmptyResponse, cursor, "the response had no page");
                    }

                    return page;
                },
                cancellationToken).ConfigureAwait(false);
        }
        catch (Exception exception) when (exception is not SyncException && !(exception is OperationCanceledException && cancellationToken.IsCancellationRequested))
        {
            if (ExceptionChain.Find<SyncPageTooLargeException>(exception) is { } tooLarge)
            {
                throw new SyncProtocolException(_definition.RepositoryName, SyncProtocolViolation.PageTooLarge, cursor, tooLarge.Message, exception);
            }

            if (ExceptionChain.Find<SyncRedirectRefusedException>(exception) is { } redirect)
            {
                throw new SyncProtocolException(_definition.RepositoryName, SyncProtocolViolation.RedirectToAnotherOrigin, cursor, redirect.Message, exception);
            }

            var classification = classifier.Classify(exception);
            if (classification is { Kind: SyncErrorKind.TokenExpired, StatusCode: 404 } && cursor.SyncToken is null && cursor.PageToken is null)
            {
                // A request that carried no token cannot have sent an expired one: this 404 is a wrong URL or user (an
                // expiry rule such as Gmail's reads 404 as expiry), and a full pass started again would get it again.
                classification = classification with { Kind = SyncErrorKind.Fatal };
            }

            throw classification.Kind switch
            {
                SyncErrorKind.TokenExpired => new TokenExpiredSignal(classification, exception),
                SyncErrorKind.MalformedResponse => new SyncProtocolException(_definition.RepositoryName, SyncProtocolViolation.MalformedResponse, cursor,
                    $"the response could not be read as a page ({exception.Message})", exception),
                _ => new SyncRequestFailedException(_definition.RepositoryName, cursor, attempts, classification.StatusCode, classification.Reason,
                    ExplainGivingUp(classification), exception),
            };
        }
    }

    /// <summary>One attempt, cancelled after <see cref="SyncOptions.RequestTimeout"/>; running out of time is a <see cref="TimeoutException"/>.</summary>
    private async Task<SyncPage<TItem>> FetchWithinTimeoutAsync(SyncPageFetcher<TItem> fetch, SyncCursor cursor, CancellationToken cancellationToken)
    {
        if (_options.RequestTimeout == Timeout.InfiniteTimeSpan)
        {
            return await fetch(cursor, cancellationToken).ConfigureAwait(false);
        }

        using var deadline = new CancellationTokenSource(_options.RequestTimeout, _options.TimeProvider);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, deadline.Token);
        try
        {
            return await fetch(cursor, linked.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException exception) when (deadline.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
        {
            throw new TimeoutException(
                $"the request did not complete within {_options.RequestTimeout.TotalSeconds:0.###} s (SyncOptions.RequestTimeout)", exception);
        }
    }

    private string? ExplainGivingUp(SyncErrorClassification classification) =>
        classification is { Kind: SyncErrorKind.Transient, RetryAfter: { } wait } && wait > _options.Retry.MaxRetryAfter
            ? $"the server asked to wait {RetryAfterHeader.Format(wait)} s, more than the {Describe(_options.Retry.MaxRetryAfter)} cap (SyncOptions.Retry.MaxRetryAfter)"
            : null;

    private static string Describe(TimeSpan span) =>
        span.TotalMinutes >= 1 && span.Seconds == 0 && span.Milliseconds == 0 ? $"{span.TotalMinutes:0}-minute" : $"{span.TotalSeconds:0.###}-second";

    private readonly record struct PassOutcome(int Pages, int Upserts, int Deletes, int Skipped, string SyncToken, int? ResumedAtPage);

    /// <summary>Unwinds a pass (disposing, so discarding, its writer) to the call loop, which starts a full pass.</summary>
    private sealed class TokenExpiredSignal(SyncErrorClassification classification, Exception inner) : Exception("sync token expired", inner)
    {
        public SyncErrorClassification Classification { get; } = classification;
    }
}
