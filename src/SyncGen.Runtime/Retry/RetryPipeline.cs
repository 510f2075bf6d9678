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
internal sealed class RetryPipeline
{
    private static readonly ResiliencePropertyKey<SyncCursor> CursorKey = new("syncgen.cursor");
    private readonly ResiliencePipeline _pipeline;

    private RetryPipeline(ResiliencePipeline pipeline) => _pipeline = pipeline;

    public static RetryPipeline Create(SyncOptions options, ILogger logger, string repository, RetryCounter counter)
    {
        var retry = options.Retry;
        var builder = new ResiliencePipelineBuilder { TimeProvider = options.TimeProvider };
        if (retry.MaxRetries > 0)
        {
            var classifier = options.ErrorClassifier;
            builder.AddRetry(new RetryStrategyOptions
            {
                MaxRetryAttempts = retry.MaxRetries,
                BackoffType = DelayBackoffType.Exponential,
                UseJitter = retry.UseJitter,
                Delay = retry.BaseDelay,
                MaxDelay = retry.MaxDelay,
                ShouldHandle = args => new ValueTask<bool>(ShouldRetry(args.Outcome.Exception, args.Context.CancellationToken, classifier, retry)),
                DelayGenerator = args =>
                {
                    // The server's Retry-After wins when it asks for longer than the backoff; a shorter one (Retry-After: 0
                    // on every answer) falls back to the backoff, so retries never run back-to-back.
                    var retryAfter = args.Outcome.Exception is { } e ? classifier.Classify(e).RetryAfter : null;
                    return new ValueTask<TimeSpan?>(retryAfter is { } wait && wait >= BackoffFloor(retry, args.AttemptNumber) ? wait : null);
                },
                OnRetry = args =>
                {
                    counter.Increment();
                    SyncTelemetry.Retries.Add(1, new KeyValuePair<string, object?>("syncgen.repository", repository));
                    var classification = args.Outcome.Exception is { } e ? classifier.Classify(e) : default;
                    args.Context.Properties.TryGetValue(CursorKey, out var cursor);
                    SyncLog.Retrying(logger, repository, args.AttemptNumber + 1, cursor, args.RetryDelay,
                        classification.StatusCode?.ToString() ?? args.Outcome.Exception?.GetType().Name ?? "?", classification.Reason);
                    return default;
                },
            });
        }

        return new RetryPipeline(builder.Build());
    }

    public async ValueTask<T> ExecuteAsync<T>(SyncCursor cursor, Func<CancellationToken, Task<T>> action, CancellationToken cancellationToken)
    {
        var context = ResilienceContextPool.Shared.Get(cancellationToken);
        try
        {
            context.Properties.Set(CursorKey, cursor);
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

    private static bool ShouldRetry(Exception? exception, CancellationToken callerToken, ISyncErrorClassifier classifier, SyncRetryOptions retry)
    {
        if (exception is null or SyncException || (exception is OperationCanceledException && callerToken.IsCancellationRequested))
        {
            return false;
        }

        // An oversized page will be oversized again: failing at once is the only way not to download it six times.
        if (ExceptionChain.Find<SyncPageTooLargeException>(exception) is not null)
        {
            return false;
        }

        var classification = classifier.Classify(exception);
        return classification.Kind == SyncErrorKind.Transient
            && (classification.RetryAfter is null || classification.RetryAfter <= retry.MaxRetryAfter);
    }
}
