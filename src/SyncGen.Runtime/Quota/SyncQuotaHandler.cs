using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Linq;
using System.Net;
using System.Net.Http;
using System.Threading;
using System.Threading.Tasks;

namespace SyncGen;

/// <summary>Sends each request once an <see cref="ISyncQuota"/> admits it, and slows its budgets fleet-wide when the server says one is spent.</summary>
/// <remarks>
/// Put it in the <see cref="HttpClient"/> a repository or a <see cref="SyncHttpPageSource{TItem}"/> uses, so every page
/// request is admitted (a retried request is admitted again). A throttling answer is a 429, or a 403 whose reasons
/// include <c>rateLimitExceeded</c> or <c>userRateLimitExceeded</c>: the request's budgets are emptied and paused for
/// its <c>Retry-After</c> (else <see cref="SyncQuotaHandlerOptions.DefaultPause"/>), so every collection drawing from
/// them waits, not only the one that saw it; the answer itself goes on to the sync loop, which retries it. A
/// <c>userRateLimitExceeded</c> names a per-user limit, so only the request's last (narrowest) budget is slowed. The
/// first request of a full pass waits a random delay first (<see cref="SyncQuotaHandlerOptions.FullPassJitter"/>).
/// </remarks>
public sealed class SyncQuotaHandler : DelegatingHandler
{
    private readonly ISyncQuota _quota;
    private readonly Func<HttpRequestMessage, IReadOnlyList<SyncQuotaKey>> _keys;
    private readonly SyncQuotaHandlerOptions _options;

    /// <summary>Creates the handler.</summary>
    /// <param name="quota">The shared budgets.</param>
    /// <param name="keys">The budgets of a request, broadest first (e.g. the project, then the calendar's user); none to send it unmetered.</param>
    /// <param name="options">Settings; defaults when <see langword="null"/>.</param>
    /// <exception cref="ArgumentException">The options are out of range.</exception>
    public SyncQuotaHandler(ISyncQuota quota, Func<HttpRequestMessage, IReadOnlyList<SyncQuotaKey>> keys, SyncQuotaHandlerOptions? options = null)
    {
        _quota = quota ?? throw new ArgumentNullException(nameof(quota));
        _keys = keys ?? throw new ArgumentNullException(nameof(keys));
        _options = options ?? new SyncQuotaHandlerOptions();
        _options.Validate();
    }

    /// <inheritdoc />
    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        var keys = _keys(request);
        if (keys.Count == 0)
        {
            return await base.SendAsync(request, cancellationToken).ConfigureAwait(false);
        }

        if (_options.FullPassJitter > TimeSpan.Zero && _options.IsFullPassStart(request))
        {
            var jitter = TimeSpan.FromTicks((long)(Random.Shared.NextDouble() * _options.FullPassJitter.Ticks));
            await Task.Delay(jitter, _options.TimeProvider, cancellationToken).ConfigureAwait(false);
        }

        var waitStarted = Stopwatch.GetTimestamp();
        var admission = await _quota.AdmitAsync(keys, cancellationToken).ConfigureAwait(false);
        QuotaTelemetry.Wait.Record(Stopwatch.GetElapsedTime(waitStarted).TotalSeconds);
        await using (admission.ConfigureAwait(false))
        {
            var response = await base.SendAsync(request, cancellationToken).ConfigureAwait(false);
            if (await ThrottledKeysAsync(response, keys, cancellationToken).ConfigureAwait(false) is { } slowed)
            {
                QuotaTelemetry.SlowDowns.Add(1);
                var pause = RetryAfterHeader.Read(response) is { } asked && asked > TimeSpan.Zero ? asked : _options.DefaultPause;
                await _quota.SlowDownAsync(slowed, pause < _options.MaxPause ? pause : _options.MaxPause, cancellationToken).ConfigureAwait(false);
            }

            return response;
        }
    }

    /// <summary>The budgets a throttling answer slows, or <see langword="null"/> for any other answer.</summary>
    private static async Task<IReadOnlyList<SyncQuotaKey>?> ThrottledKeysAsync(HttpResponseMessage response, IReadOnlyList<SyncQuotaKey> keys, CancellationToken cancellationToken)
    {
        if (response.StatusCode == (HttpStatusCode)429)
        {
            return keys;
        }

        if (response.StatusCode != HttpStatusCode.Forbidden || response.Content is null)
        {
            return null;
        }

        // Buffered, so the sync loop can still read the body (a 403 body is a small JSON error).
        await response.Content.LoadIntoBufferAsync().ConfigureAwait(false);
        var body = await response.Content.ReadAsStringAsync(cancellationToken).ConfigureAwait(false);
        var (reasons, _) = ErrorBody.Read(body);
        if (reasons.Contains("userRateLimitExceeded", StringComparer.Ordinal))
        {
            return [keys[keys.Count - 1]];
        }

        return reasons.Contains("rateLimitExceeded", StringComparer.Ordinal) ? keys : null;
    }
}
