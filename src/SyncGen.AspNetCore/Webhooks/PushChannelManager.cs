using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Net;
using System.Net.Http;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace SyncGen.AspNetCore.Webhooks;

/// <summary>Creates, renews and stops the fleet's watch channels (Calendar) and subscriptions (Graph).</summary>
/// <remarks>
/// <para>
/// Calendar channels do not renew: a channel due for renewal is replaced by a new one, and only then is the old one
/// stopped (<c>channels/stop</c>), so there is no moment without a live channel. Graph subscriptions are renewed in place
/// (<c>PATCH</c> of <c>expirationDateTime</c>).
/// </para>
/// <para>
/// Each collection's channels are changed under a lock in PostgreSQL, so workers renewing together do not create two.
/// A failed call leaves the collection polled as before and is tried again at the next renewal check.
/// </para>
/// </remarks>
public sealed partial class PushChannelManager
{
    private readonly PushChannelStore _store;
    private readonly SyncGenPushOptions _options;
    private readonly IHttpClientFactory _http;
    private readonly WebhookAddress _address;
    private readonly TimeProvider _time;
    private readonly ILogger<PushChannelManager> _logger;

    /// <summary>Creates the manager; <see cref="SyncGenPushServiceCollectionExtensions.AddSyncGenPush"/> registers it.</summary>
    /// <param name="store">The channels table.</param>
    /// <param name="options">Addresses, lifetimes and targets.</param>
    /// <param name="http">Gives the <see cref="SyncGenPushServiceCollectionExtensions.HttpClientName"/> client (with the application's authentication).</param>
    /// <param name="time">The clock expiries are compared with.</param>
    /// <param name="logger">Logs channel changes and failures.</param>
    /// <param name="address">Where notifications are to be sent.</param>
    internal PushChannelManager(PushChannelStore store, IOptions<SyncGenPushOptions> options, IHttpClientFactory http, TimeProvider time, ILogger<PushChannelManager> logger, WebhookAddress address)
    {
        _address = address;
        ArgumentNullException.ThrowIfNull(options);
        _store = store;
        _options = options.Value;
        _http = http;
        _time = time;
        _logger = logger;
    }

    /// <summary>Makes sure <paramref name="collection"/> has a channel that is not due for renewal: creates, replaces or renews one.</summary>
    /// <param name="collection">The collection id.</param>
    /// <param name="cancellationToken">Cancels the calls.</param>
    /// <returns>False when the collection has no target (<see cref="SyncGenPushOptions.Targets"/>) or another worker is renewing it now.</returns>
    public async Task<bool> EnsureAsync(string collection, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(collection);
        if (_options.Targets(collection) is not { } target)
        {
            return false;
        }

        return await _store.WithCollectionLockAsync(collection, async () =>
        {
            var channels = await _store.ListOfCollectionAsync(collection, cancellationToken).ConfigureAwait(false);
            var due = _time.GetUtcNow() + _options.RenewBefore;
            if (channels.Any(channel => channel.ExpiresAt > due))
            {
                await StopAllAsync(channels.Where(channel => channel.ExpiresAt <= due), cancellationToken).ConfigureAwait(false);
                return;
            }

            var graph = channels.LastOrDefault(channel => channel.Provider == PushProvider.Graph);
            if (target is GraphSubscriptionTarget && graph is not null && graph.ExpiresAt > _time.GetUtcNow()
                && await RenewGraphAsync(graph, cancellationToken).ConfigureAwait(false))
            {
                await StopAllAsync(channels.Where(channel => channel != graph), cancellationToken).ConfigureAwait(false);
                return;
            }

            await CreateAsync(collection, target, cancellationToken).ConfigureAwait(false);
            await StopAllAsync(channels, cancellationToken).ConfigureAwait(false);
        }, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Stops every channel of <paramref name="collection"/> now: for a collection that went away.</summary>
    /// <remarks>
    /// The renewal check does the same within a minute once <see cref="SyncGenPushOptions.Targets"/> no longer names the
    /// collection (or it left the worker's collections); until then it would give the collection a channel again.
    /// </remarks>
    /// <param name="collection">The collection id.</param>
    /// <param name="cancellationToken">Cancels the calls.</param>
    /// <returns>A task that completes when the channels are stopped and forgotten.</returns>
    public async Task StopAsync(string collection, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(collection);
        var channels = await _store.ListOfCollectionAsync(collection, cancellationToken).ConfigureAwait(false);
        await StopAllAsync(channels, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Renews a Graph subscription now (a <c>reauthorizationRequired</c> lifecycle event); recreates it when the renewal is refused.</summary>
    internal async Task RenewNowAsync(PushChannel channel, CancellationToken cancellationToken)
    {
        if (_options.Targets(channel.Collection) is not GraphSubscriptionTarget target)
        {
            return;
        }

        await _store.WithCollectionLockAsync(channel.Collection, async () =>
        {
            if (!await RenewGraphAsync(channel, cancellationToken).ConfigureAwait(false))
            {
                await CreateAsync(channel.Collection, target, cancellationToken).ConfigureAwait(false);
                await _store.RemoveAsync(channel.Id, cancellationToken).ConfigureAwait(false);
            }
        }, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Replaces a subscription the provider removed (<c>subscriptionRemoved</c>): forgets it and subscribes again.</summary>
    internal async Task ResubscribeAsync(PushChannel channel, CancellationToken cancellationToken)
    {
        await _store.RemoveAsync(channel.Id, cancellationToken).ConfigureAwait(false);
        await EnsureAsync(channel.Collection, cancellationToken).ConfigureAwait(false);
    }

    private async Task CreateAsync(string collection, PushTarget target, CancellationToken cancellationToken)
    {
        switch (target)
        {
            case GoogleWatchTarget google:
                await CreateGoogleAsync(collection, google, cancellationToken).ConfigureAwait(false);
                break;
            case GraphSubscriptionTarget graph:
                await CreateGraphAsync(collection, graph, cancellationToken).ConfigureAwait(false);
                break;
        }
    }

    private async Task CreateGoogleAsync(string collection, GoogleWatchTarget target, CancellationToken cancellationToken)
    {
        var id = PushSecrets.NewChannelId();
        var token = PushSecrets.NewSecret();
        var now = _time.GetUtcNow();

        // Recorded first: Google may post the channel's `sync` notification before its answer to the watch call arrives.
        await _store.AddAsync(new PushChannel(id, collection, PushProvider.Google, null, target.StopUri, now, now + _options.ChannelLifetime), token, cancellationToken).ConfigureAwait(false);
        var body = new JsonObject
        {
            ["id"] = id,
            ["type"] = "web_hook",
            ["address"] = _address.Of(WebhookRoutes.Google).AbsoluteUri,
            ["token"] = token,
            ["params"] = new JsonObject { ["ttl"] = ((long)_options.ChannelLifetime.TotalSeconds).ToString(CultureInfo.InvariantCulture) },
        };
        JsonObject answer;
        try
        {
            answer = await SendAsync(HttpMethod.Post, target.WatchUri, body, PushProvider.Google, "create", cancellationToken).ConfigureAwait(false)
                ?? throw new PushChannelException($"{collection}: the watch call to {target.WatchUri} answered no channel.");
        }
        catch
        {
            await _store.RemoveAsync(id, CancellationToken.None).ConfigureAwait(false);
            throw;
        }

        var expiresAt = answer["expiration"]?.ToString() is { } text && long.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var ms)
            ? DateTimeOffset.FromUnixTimeMilliseconds(ms)
            : now + _options.ChannelLifetime;
        var resourceId = answer["resourceId"]?.ToString();
        await _store.ConfirmAsync(id, resourceId, expiresAt, cancellationToken).ConfigureAwait(false);
        Log.Created(_logger, collection, id, expiresAt);
    }

    private async Task CreateGraphAsync(string collection, GraphSubscriptionTarget target, CancellationToken cancellationToken)
    {
        var clientState = PushSecrets.NewSecret();
        var now = _time.GetUtcNow();
        var body = new JsonObject
        {
            ["changeType"] = target.ChangeType,
            ["notificationUrl"] = _address.Of(WebhookRoutes.Graph).AbsoluteUri,
            ["lifecycleNotificationUrl"] = _address.Of(WebhookRoutes.GraphLifecycle).AbsoluteUri,
            ["resource"] = target.Resource,
            ["expirationDateTime"] = GraphTime(now + _options.ChannelLifetime),
            ["clientState"] = clientState,
        };
        var answer = await SendAsync(HttpMethod.Post, target.SubscriptionsUri, body, PushProvider.Graph, "create", cancellationToken).ConfigureAwait(false);
        var id = answer?["id"]?.ToString() ?? throw new PushChannelException($"{collection}: Graph answered the subscription without an id.");
        var expiresAt = ReadGraphExpiry(answer) ?? now + _options.ChannelLifetime;
        await _store.AddAsync(new PushChannel(id, collection, PushProvider.Graph, null, SubscriptionUri(target, id), now, expiresAt), clientState, cancellationToken).ConfigureAwait(false);
        Log.Created(_logger, collection, id, expiresAt);
    }

    /// <summary>PATCHes the expiry; false when Graph no longer knows the subscription (404), which then needs a new one.</summary>
    private async Task<bool> RenewGraphAsync(PushChannel channel, CancellationToken cancellationToken)
    {
        var requested = _time.GetUtcNow() + _options.ChannelLifetime;
        try
        {
            var answer = await SendAsync(HttpMethod.Patch, channel.ControlUri, new JsonObject { ["expirationDateTime"] = GraphTime(requested) }, PushProvider.Graph, "renew", cancellationToken).ConfigureAwait(false);
            var expiresAt = ReadGraphExpiry(answer) ?? requested;
            await _store.ConfirmAsync(channel.Id, null, expiresAt, cancellationToken).ConfigureAwait(false);
            Log.Renewed(_logger, channel.Collection, channel.Id, expiresAt);
            return true;
        }
        catch (PushChannelException exception) when (exception.StatusCode == HttpStatusCode.NotFound)
        {
            return false;
        }
    }

    private async Task StopAllAsync(IEnumerable<PushChannel> channels, CancellationToken cancellationToken)
    {
        foreach (var channel in channels.ToList())
        {
            try
            {
                if (channel.Provider == PushProvider.Graph)
                {
                    await SendAsync(HttpMethod.Delete, channel.ControlUri, null, PushProvider.Graph, "stop", cancellationToken).ConfigureAwait(false);
                }
                else if (channel.ResourceId is not null)
                {
                    // Without a resource id the watch call never answered: there is nothing Google could stop.
                    await SendAsync(HttpMethod.Post, channel.ControlUri, new JsonObject { ["id"] = channel.Id, ["resourceId"] = channel.ResourceId }, PushProvider.Google, "stop", cancellationToken).ConfigureAwait(false);
                }
            }
            catch (PushChannelException exception) when (exception.StatusCode == HttpStatusCode.NotFound)
            {
                // Already gone at the provider (expired, or stopped by another worker): forgetting it is all that is left.
            }
            catch (Exception exception) when (exception is PushChannelException or HttpRequestException)
            {
                // The provider stops sending at the expiry anyway; a channel we no longer know is refused by the webhook.
                Log.StopFailed(_logger, channel.Collection, channel.Id, exception);
            }

            await _store.RemoveAsync(channel.Id, cancellationToken).ConfigureAwait(false);
            Log.Stopped(_logger, channel.Collection, channel.Id);
        }
    }

    private async Task<JsonObject?> SendAsync(HttpMethod method, Uri uri, JsonObject? body, PushProvider provider, string operation, CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(method, uri) { Content = body is null ? null : JsonContent.Create(body) };
        var client = _http.CreateClient(SyncGenPushServiceCollectionExtensions.HttpClientName);
        using var response = await client.SendAsync(request, cancellationToken).ConfigureAwait(false);
        var text = await response.Content.ReadAsStringAsync(cancellationToken).ConfigureAwait(false);
        var outcome = response.IsSuccessStatusCode ? "succeeded" : "failed";
        WebhookTelemetry.ChannelOperations.Add(1, [new("syncgen.provider", provider == PushProvider.Graph ? "graph" : "google"), new("syncgen.operation", operation), new("syncgen.outcome", outcome)]);
        if (!response.IsSuccessStatusCode)
        {
            var excerpt = text.Length > 200 ? text[..200] : text;
            throw new PushChannelException($"{method} {uri} answered {(int)response.StatusCode}: {excerpt}", response.StatusCode);
        }

        try
        {
            return text.Length == 0 ? null : JsonNode.Parse(text) as JsonObject;
        }
        catch (System.Text.Json.JsonException exception)
        {
            throw new PushChannelException($"{method} {uri} answered {(int)response.StatusCode} with a body that is not JSON: {exception.Message}", response.StatusCode);
        }
    }

    private static Uri SubscriptionUri(GraphSubscriptionTarget target, string id) =>
        new(target.SubscriptionsUri.AbsoluteUri.TrimEnd('/') + "/" + Uri.EscapeDataString(id));

    private static string GraphTime(DateTimeOffset time) => time.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fffffff'Z'", CultureInfo.InvariantCulture);

    private static DateTimeOffset? ReadGraphExpiry(JsonObject? answer) =>
        answer?["expirationDateTime"]?.ToString() is { } text && DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var value)
            ? value
            : null;

    private static partial class Log
    {
        [LoggerMessage(310, LogLevel.Information, "{Collection}: push channel {Channel} created, expires {ExpiresAt:O}")]
        public static partial void Created(ILogger logger, string collection, string channel, DateTimeOffset expiresAt);

        [LoggerMessage(311, LogLevel.Information, "{Collection}: subscription {Channel} renewed until {ExpiresAt:O}")]
        public static partial void Renewed(ILogger logger, string collection, string channel, DateTimeOffset expiresAt);

        [LoggerMessage(312, LogLevel.Information, "{Collection}: push channel {Channel} stopped")]
        public static partial void Stopped(ILogger logger, string collection, string channel);

        [LoggerMessage(313, LogLevel.Warning, "{Collection}: could not stop push channel {Channel}; forgotten, it ends at its expiry")]
        public static partial void StopFailed(ILogger logger, string collection, string channel, Exception exception);
    }
}

/// <summary>A provider refused or garbled a channel call (watch, channels/stop, subscriptions).</summary>
public sealed class PushChannelException : Exception
{
    /// <summary>Creates the exception.</summary>
    /// <param name="message">What was asked and what came back.</param>
    /// <param name="statusCode">The provider's status, when it answered.</param>
    public PushChannelException(string message, HttpStatusCode? statusCode = null)
        : base(message)
    {
        StatusCode = statusCode;
    }

    /// <summary>The provider's status code; null when it did not answer one.</summary>
    public HttpStatusCode? StatusCode { get; }
}
