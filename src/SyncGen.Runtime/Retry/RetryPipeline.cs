using System;
using System.Collections.Generic;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.Extensions.Logging;
using Polly;
using Polly.Retry;

namespace SyncGen;

/// <summary>Counts the retries of one sync call, for <see cref="SyncResult.Retries"/>.</summary>
internal sealed class RetryCounter
{
    private int _count;

    public int Count => Volatile.Read(ref _count);

    public void Increment() => Interlocked.Increment(ref _count);
}

/// <summary>
/// Polly retry around one page request: exponential backoff with jitter, the server's Retry-After when it sends
/// one, and only for failures the classifier calls transient.
/// </summary>
/// <remarks>
/// Built once per repository instance and reused by its calls (see <see cref="Infrastructure.SyncGate"/>): building a
/// Polly pipeline is a good part of the fixed cost of a call that has nothing to sync. So that one pipeline can serve
/// every call, nothing of a call is captured by it: the call's classifier, retry counter and page cursor travel with
/// each execution in the Polly context.
/// </remarks>
internal sealed class RetryPipeline
{
    private static readonly ResiliencePropertyKey<CallState> StateKey = new("syncgen.call");
    private readonly ResiliencePipeline _pipeline;

    private RetryPipeline(ResiliencePipeline pipeline, SyncRetryOptions retry, TimeProvider timeProvider, ILogger logger, string repository)
    {
        _pipeline = pipeline;
        Retry = retry;
        TimeProvider = timeProvider;
        Logger = logger;
        Repository = repository;
    }

    /// <summary>The settings the pipeline was built from; a call with equal settings may reuse it.</summary>
    public SyncRetryOptions Retry { get; }

    public TimeProvider TimeProvider { get; }

    public ILogger Logger { get; }

    public string Repository { get; }

    /// <summary>Whether this pipeline behaves exactly as one built by <see cref="Create"/> from these arguments.</summary>
    public bool Fits(SyncOptions options, ILogger logger, string repository) =>
        Retry.Equals(options.Retry) && ReferenceEquals(TimeProvider, options.TimeProvider) && ReferenceEquals(Logger, logger)
        && string.Equals(Repository, repository, StringComparison.Ordinal);

    public static RetryPipeline Create(SyncOptions options, ILogger logger, string repository)
    {
        var retry = options.Retry;
        var builder = new ResiliencePipelineBuilder { TimeProvider = options.TimeProvider };
        if (retry.MaxRetries > 0)
        {
            builder.AddRetry(new RetryStrategyOptions
            {
                MaxRetryAttempts = retry.MaxRetries,
                BackoffType = DelayBackoffType.Exponential,
                UseJitter = retry.UseJitter,
                Delay = retry.BaseDelay,
                MaxDelay = retry.MaxDelay,
                ShouldHandle = args => new ValueTask<bool>(ShouldRetry(args.Outcome.Exception, args.Context.CancellationToken, StateOf(args.Context).Classifier, retry)),
                DelayGenerator = args =>
                {
                    // The server's Retry-After wins when it asks for longer than the backoff; a shorter one (Retry-After: 0
                    // on every answer) falls back to the backoff, so retries never run back-to-back.
                    var retryAfter = args.Outcome.Exception is { } e ? StateOf(args.Context).Classifier.Classify(e).RetryAfter : null;
                    return new ValueTask<TimeSpan?>(retryAfter is { } wait && wait >= BackoffFloor(retry, args.AttemptNumber) ? wait : null);
                },
                OnRetry = args =>
                {
                    var state = StateOf(args.Context);
                    state.Counter.Increment();
                    SyncTelemetry.Retries.Add(1, new KeyValuePair<string, object?>("syncgen.repository", repository));
                    var classification = args.Outcome.Exception is { } e ? state.Classifier.Classify(e) : default;
                    SyncLog.Retrying(logger, repository, args.AttemptNumber + 1, state.Cursor, args.RetryDelay,
                        classification.StatusCode?.ToString() ?? args.Outcome.Exception?.GetType().Name ?? "?", classification.Reason);
                    return default;
                },
            });
        }

        return new RetryPipeline(builder.Build(), retry, options.TimeProvider, logger, repository);
    }

    /// <summary>Runs one page request with retries, counting them in <paramref name="counter"/>.</summary>
    public async ValueTask<T> ExecuteAsync<T>(SyncCursor cursor, AttemptClassifier classifier, RetryCounter counter, Func<CancellationToken, Task<T>> action, CancellationToken cancellationToken)
    {
        var context = ResilienceContextPool.Shared.Get(cancellationToken);
        try
        {
            context.Properties.Set(StateKey, new CallState(cursor, classifier, counter));
            return await _pipeline.ExecuteAsync(static async (ctx, state) => await state(ctx.CancellationToken).ConfigureAwait(false), context, action)
                .ConfigureAwait(false);
        }
        finally
        {
            ResilienceContextPool.Shared.Return(context);
        }
    }

    /// <summary>The un-jittered exponential backoff of an attempt (0-based), capped: the least a retry waits.</summary>
    internal static TimeSpan BackoffFloor(SyncRetryOptions retry, int attemptNumber)
    {
        var factor = Math.Pow(2, Math.Min(attemptNumber, 30));
        var ticks = Math.Min(retry.BaseDelay.Ticks * factor, retry.MaxDelay.Ticks);
        return TimeSpan.FromTicks((long)ticks);
    }

    private static CallState StateOf(ResilienceContext context) =>
        context.Properties.TryGetValue(StateKey, out var state) ? state : throw new InvalidOperationException("A page request ran without its call's state.");

    private static bool ShouldRetry(Exception? exception, CancellationToken callerToken, AttemptClassifier classifier, SyncRetryOptions retry)
    {
        if (exception is null or SyncException || (exception is OperationCanceledException && callerToken.IsCancellationRequested))
        {
            return false;
        }

        // An oversized page will be oversized again: failing at once is the only way not to download it six times. A
        // redirect to another origin will point there again, and each retry would send the request there once more.
        if (ExceptionChain.Find<SyncPageTooLargeException>(exception) is not null || ExceptionChain.Find<SyncRedirectRefusedException>(exception) is not null)
        {
            return false;
        }

        var classification = classifier.Classify(exception);
        return classification.Kind == SyncErrorKind.Transient
            && (classification.RetryAfter is null || classification.RetryAfter <= retry.MaxRetryAfter);
    }

    /// <summary>What one execution needs that differs from call to call.</summary>
    private sealed record CallState(SyncCursor Cursor, AttemptClassifier Classifier, RetryCounter Counter);
}
