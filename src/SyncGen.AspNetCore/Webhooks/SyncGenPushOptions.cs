using System;

namespace SyncGen.AspNetCore.Webhooks;

/// <summary>How a worker subscribes its collections to push notifications; see <see cref="SyncGenPushServiceCollectionExtensions.AddSyncGenPush"/>.</summary>
public sealed class SyncGenPushOptions
{
    /// <summary>The public base URL the provider posts notifications to: where <c>MapSyncGenWebhooks</c> is reachable from outside.</summary>
    /// <value>Null by default: the address the host listens on, with the prefix given to <c>MapSyncGenWebhooks</c>.</value>
    /// <remarks>
    /// Channels name <c>{PublicAddress}google</c>, subscriptions <c>{PublicAddress}graph</c> and
    /// <c>{PublicAddress}graph/lifecycle</c>. Google and Microsoft require https here; a test server may use http.
    /// </remarks>
    public Uri? PublicAddress { get; set; }

    /// <summary>Says how to watch a collection; null for a collection that is not watched (it is then only polled).</summary>
    public Func<string, PushTarget?> Targets { get; set; } = _ => null;

    /// <summary>The lifetime asked for a new channel or subscription (Calendar's <c>params.ttl</c>, Graph's <c>expirationDateTime</c>).</summary>
    /// <value>One day by default.</value>
    /// <remarks>The provider may grant less: the expiry it answers is what renewal goes by.</remarks>
    public TimeSpan ChannelLifetime { get; set; } = TimeSpan.FromDays(1);

    /// <summary>How long before its expiry a channel is replaced (Calendar) or renewed (Graph).</summary>
    /// <value>One hour by default.</value>
    public TimeSpan RenewBefore { get; set; } = TimeSpan.FromHours(1);

    /// <summary>How often a worker looks for channels to create, renew or stop.</summary>
    /// <value>One minute by default.</value>
    public TimeSpan RenewalCheckInterval { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>How long notifications for one collection are gathered into one triggered pass.</summary>
    /// <value>250 ms by default.</value>
    /// <remarks>
    /// Providers send one notification per change, often several within milliseconds; one pass catches them all. A
    /// notification that arrives after the pass was requested asks for another, so no change is left behind.
    /// </remarks>
    public TimeSpan CoalesceWindow { get; set; } = TimeSpan.FromMilliseconds(250);

    /// <summary>The largest notification body accepted; a bigger one is refused with 413.</summary>
    /// <value>64 KiB by default: a Calendar notification has no body and a Graph batch without resource data is small.</value>
    public int MaxBodyBytes { get; set; } = 64 * 1024;

    internal void Validate()
    {
        if (PublicAddress is not null && (!PublicAddress.IsAbsoluteUri || PublicAddress.Scheme is not ("http" or "https")))
        {
            throw new InvalidOperationException($"SyncGenPushOptions.PublicAddress must be an absolute http(s) URL where the provider reaches MapSyncGenWebhooks; it is '{PublicAddress}'.");
        }

        if (ChannelLifetime <= TimeSpan.Zero || RenewBefore < TimeSpan.Zero || RenewBefore >= ChannelLifetime)
        {
            throw new InvalidOperationException($"SyncGenPushOptions: ChannelLifetime ({ChannelLifetime}) must be positive and RenewBefore ({RenewBefore}) between zero and it.");
        }

        if (RenewalCheckInterval <= TimeSpan.Zero || CoalesceWindow < TimeSpan.Zero || MaxBodyBytes < 1)
        {
            throw new InvalidOperationException($"SyncGenPushOptions: RenewalCheckInterval ({RenewalCheckInterval}) must be positive, CoalesceWindow ({CoalesceWindow}) not negative and MaxBodyBytes ({MaxBodyBytes}) at least 1.");
        }
    }
}

/// <summary>How one collection is watched: a Calendar channel (<see cref="GoogleWatchTarget"/>) or a Graph subscription (<see cref="GraphSubscriptionTarget"/>).</summary>
public abstract record PushTarget
{
    private protected PushTarget()
    {
    }
}

/// <summary>A Google watch channel: <c>POST {WatchUri}</c> creates it, <c>POST {StopUri}</c> stops it.</summary>
/// <param name="WatchUri">The collection's watch method, e.g. <c>https://www.googleapis.com/calendar/v3/calendars/primary/events/watch</c> or <c>.../users/me/calendarList/watch</c>.</param>
/// <param name="StopUri">The API's <c>channels/stop</c>, e.g. <c>https://www.googleapis.com/calendar/v3/channels/stop</c>.</param>
public sealed record GoogleWatchTarget(Uri WatchUri, Uri StopUri) : PushTarget
{
    /// <summary>The watch target of a Calendar v3 collection path under an API root.</summary>
    /// <param name="apiRoot">The API root with its trailing slash, e.g. <c>https://www.googleapis.com/calendar/v3/</c>.</param>
    /// <param name="collectionPath">The listing's path under the root, e.g. <c>calendars/primary/events</c> or <c>users/me/calendarList</c> (escape ids).</param>
    /// <returns>The target: <c>{collectionPath}/watch</c> and <c>channels/stop</c> under <paramref name="apiRoot"/>.</returns>
    public static GoogleWatchTarget Calendar(Uri apiRoot, string collectionPath)
    {
        ArgumentNullException.ThrowIfNull(apiRoot);
        ArgumentException.ThrowIfNullOrEmpty(collectionPath);
        return new GoogleWatchTarget(new Uri(apiRoot, collectionPath.TrimEnd('/') + "/watch"), new Uri(apiRoot, "channels/stop"));
    }
}

/// <summary>A Microsoft Graph subscription: <c>POST {SubscriptionsUri}</c> creates it, <c>PATCH</c> renews it, <c>DELETE</c> ends it.</summary>
/// <param name="SubscriptionsUri">Graph's subscriptions collection, e.g. <c>https://graph.microsoft.com/v1.0/subscriptions</c>.</param>
/// <param name="Resource">The watched resource, e.g. <c>users</c> or <c>me/mailFolders('inbox')/messages</c>.</param>
/// <param name="ChangeType">The change types, e.g. <c>created,updated,deleted</c>.</param>
public sealed record GraphSubscriptionTarget(Uri SubscriptionsUri, string Resource, string ChangeType = "created,updated,deleted") : PushTarget;
