using System;
using System.Linq;
using System.Net.Http;

namespace SyncGen;

/// <summary>Settings of <see cref="SyncQuotaHandler"/>.</summary>
public sealed class SyncQuotaHandlerOptions
{
    /// <summary>The longest random delay before the first request of a full pass.</summary>
    /// <value>Ten seconds by default; zero turns it off.</value>
    /// <remarks>
    /// Sync tokens of collections created together tend to expire together (Graph and People tokens live about 7 days),
    /// and every 410 starts a relisting. Spread over this window, a wave of expiries is a steady stream the budget can
    /// absorb rather than a burst that starves every incremental pass behind it.
    /// </remarks>
    public TimeSpan FullPassJitter { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>Tells the first request of a full pass; it is delayed by up to <see cref="FullPassJitter"/>.</summary>
    /// <value><see cref="IsFirstListingRequest"/> by default.</value>
    public Func<HttpRequestMessage, bool> IsFullPassStart { get; set; } = IsFirstListingRequest;

    /// <summary>How long a budget pauses after a throttling answer without <c>Retry-After</c>.</summary>
    /// <value>One second by default.</value>
    public TimeSpan DefaultPause { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>The longest pause a <c>Retry-After</c> may ask for; longer ones are cut to it.</summary>
    /// <value>Two minutes by default.</value>
    public TimeSpan MaxPause { get; set; } = TimeSpan.FromMinutes(2);

    /// <summary>The clock of the jitter delay.</summary>
    public TimeProvider TimeProvider { get; set; } = TimeProvider.System;

    /// <summary>A GET with neither a sync token nor a page token in its query (<c>syncToken</c>, <c>pageToken</c>, <c>$deltatoken</c>, <c>$skiptoken</c>).</summary>
    /// <param name="request">The request.</param>
    /// <returns>Whether it starts a full listing.</returns>
    public static bool IsFirstListingRequest(HttpRequestMessage request)
    {
        if (request is null)
        {
            throw new ArgumentNullException(nameof(request));
        }

        if (request.Method != HttpMethod.Get || request.RequestUri is not { IsAbsoluteUri: true } uri)
        {
            return false;
        }

        return !uri.Query.TrimStart('?').Split('&').Select(part => Uri.UnescapeDataString(part.Split('=')[0]))
            .Any(name => name is "syncToken" or "pageToken" or "$deltatoken" or "$skiptoken");
    }

    internal void Validate()
    {
        if (FullPassJitter < TimeSpan.Zero || DefaultPause <= TimeSpan.Zero || MaxPause < DefaultPause)
        {
            throw new ArgumentException($"SyncQuotaHandlerOptions: FullPassJitter ({FullPassJitter}) must be 0 or more, DefaultPause ({DefaultPause}) positive and MaxPause ({MaxPause}) at least DefaultPause.");
        }

        if (IsFullPassStart is null || TimeProvider is null)
        {
            throw new ArgumentException("SyncQuotaHandlerOptions: IsFullPassStart and TimeProvider must be set.");
        }
    }
}
