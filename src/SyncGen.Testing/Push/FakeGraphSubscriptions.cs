using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.AspNetCore.Http;
using SyncGen.Testing.FakeServer;

namespace SyncGen.Testing.Push;

/// <summary>A subscription a fake Graph server holds.</summary>
/// <param name="Id">The subscription id.</param>
/// <param name="Resource">The watched resource.</param>
/// <param name="ChangeType">The change types asked for.</param>
/// <param name="NotificationUrl">Where change notifications go.</param>
/// <param name="LifecycleNotificationUrl">Where lifecycle notifications go; null sends them to <paramref name="NotificationUrl"/>.</param>
/// <param name="ClientState">The client's secret, echoed in every notification.</param>
/// <param name="ExpirationDateTime">When it ends.</param>
public sealed record FakeGraphSubscription(string Id, string Resource, string ChangeType, Uri NotificationUrl, Uri? LifecycleNotificationUrl, string? ClientState, DateTimeOffset ExpirationDateTime);

/// <summary>
/// The push side of a Microsoft Graph <see cref="FakeSyncServer"/>: <c>POST /subscriptions</c> with Graph's validation
/// handshake, <c>PATCH</c> and <c>DELETE /subscriptions/{id}</c>, change notifications when an item changes (through
/// <see cref="Faults"/>), and lifecycle notifications on demand.
/// </summary>
/// <remarks>
/// Creating a subscription first posts <c>?validationToken=</c> to its notification URL (and lifecycle URL): unless the
/// answer is 200, <c>text/plain</c>, the token itself, within <see cref="ValidationDeadline"/>, the creation fails with 400
/// as Graph's does. Renewal past <see cref="MaxLifetime"/> is cut to it.
/// </remarks>
public sealed class FakeGraphSubscriptions : IAsyncDisposable
{
    private readonly object _gate = new();
    private readonly Dictionary<string, FakeGraphSubscription> _subscriptions = new(StringComparer.Ordinal);
    private readonly PushDelivery _delivery;
    private readonly TimeProvider _time;
    private int _created;

    internal FakeGraphSubscriptions(TimeProvider time)
    {
        _time = time;
        _delivery = new PushDelivery(time);
    }

    /// <summary>The longest a subscription may live.</summary>
    /// <value>Three days by default (Graph allows from under an hour to about 29 days depending on the resource).</value>
    public TimeSpan MaxLifetime { get; set; } = TimeSpan.FromDays(3);

    /// <summary>How long the validation request waits for the echo.</summary>
    /// <value>Ten seconds, as Graph documents.</value>
    public TimeSpan ValidationDeadline { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>What happens to change notifications (dropped, duplicated, reordered, delayed).</summary>
    public PushFaults Faults => _delivery.Faults;

    /// <summary>The subscriptions that have not expired or been removed.</summary>
    public IReadOnlyList<FakeGraphSubscription> Live
    {
        get
        {
            var now = _time.GetUtcNow();
            lock (_gate)
            {
                return _subscriptions.Values.Where(s => s.ExpirationDateTime > now).OrderBy(s => s.Id, StringComparer.Ordinal).ToArray();
            }
        }
    }

    /// <summary>Every notification and validation request sent or dropped so far, in order.</summary>
    public IReadOnlyList<PushDeliveryRecord> Deliveries => _delivery.Journal;

    /// <summary>Completes when every notification sent so far has been answered (or dropped).</summary>
    /// <param name="cancellationToken">Stops the wait.</param>
    /// <returns>A task.</returns>
    public Task WhenDeliveredAsync(CancellationToken cancellationToken = default) => _delivery.WhenDeliveredAsync(cancellationToken);

    /// <summary>Sends a lifecycle notification (<c>reauthorizationRequired</c>, <c>missed</c>) for a live subscription, past the faults.</summary>
    /// <param name="subscriptionId">The subscription.</param>
    /// <param name="lifecycleEvent">The event.</param>
    /// <returns>The webhook's status.</returns>
    public Task<int> SendLifecycleAsync(string subscriptionId, string lifecycleEvent)
    {
        FakeGraphSubscription subscription;
        lock (_gate)
        {
            subscription = _subscriptions.TryGetValue(subscriptionId, out var found) ? found : throw new InvalidOperationException($"No subscription '{subscriptionId}'.");
        }

        return _delivery.SendAsync(Lifecycle(subscription, lifecycleEvent), forged: false);
    }

    /// <summary>Removes a subscription as Graph does on its own (lost access, a failing endpoint) and sends <c>subscriptionRemoved</c>.</summary>
    /// <param name="subscriptionId">The subscription.</param>
    /// <returns>The webhook's status.</returns>
    public Task<int> RemoveAsync(string subscriptionId)
    {
        FakeGraphSubscription subscription;
        lock (_gate)
        {
            subscription = _subscriptions.TryGetValue(subscriptionId, out var found) ? found : throw new InvalidOperationException($"No subscription '{subscriptionId}'.");
            _subscriptions.Remove(subscriptionId);
        }

        return _delivery.SendAsync(Lifecycle(subscription, "subscriptionRemoved"), forged: false);
    }

    /// <summary>Ends a subscription silently, as an expiry the client did not see coming: no lifecycle notification, nothing more sent.</summary>
    /// <param name="subscriptionId">The subscription.</param>
    /// <returns>False when there is no such subscription.</returns>
    public bool Expire(string subscriptionId)
    {
        lock (_gate)
        {
            return _subscriptions.Remove(subscriptionId);
        }
    }

    /// <summary>Posts a change notification no subscription sent, past the faults; returns the webhook's status.</summary>
    /// <param name="address">The webhook.</param>
    /// <param name="subscriptionId">The subscription it claims.</param>
    /// <param name="clientState">The clientState it claims.</param>
    /// <returns>The webhook's status; 0 when it could not be reached.</returns>
    public Task<int> ForgeAsync(Uri address, string subscriptionId, string? clientState)
    {
        var forged = new FakeGraphSubscription(subscriptionId, "users", "updated", address, null, clientState, _time.GetUtcNow().AddHours(1));
        return _delivery.SendAsync(Change(forged, "forged"), forged: true);
    }

    /// <inheritdoc />
    public ValueTask DisposeAsync() => _delivery.DisposeAsync();

    /// <summary>Sends a change notification to every live subscription.</summary>
    internal void Notify(string itemId)
    {
        var now = _time.GetUtcNow();
        List<FakeGraphSubscription> live;
        lock (_gate)
        {
            live = _subscriptions.Values.Where(s => s.ExpirationDateTime > now).ToList();
        }

        foreach (var subscription in live)
        {
            _delivery.Enqueue(Change(subscription, itemId));
        }
    }

    /// <summary>Answers the subscription calls; false for any other request.</summary>
    internal async Task<bool> TryHandleAsync(HttpContext context, string subscriptionsPath)
    {
        var path = (context.Request.Path.Value ?? string.Empty).TrimEnd('/');
        if (path == subscriptionsPath && HttpMethods.IsPost(context.Request.Method))
        {
            await CreateAsync(context).ConfigureAwait(false);
            return true;
        }

        if (!path.StartsWith(subscriptionsPath + "/", StringComparison.Ordinal))
        {
            return false;
        }

        var id = Uri.UnescapeDataString(path[(subscriptionsPath.Length + 1)..]);
        FakeGraphSubscription? subscription;
        lock (_gate)
        {
            _subscriptions.TryGetValue(id, out subscription);
        }

        if (subscription is null || subscription.ExpirationDateTime <= _time.GetUtcNow())
        {
            await ErrorAsync(context, 404, "ResourceNotFound", $"The object was not found: subscription {id}.").ConfigureAwait(false);
            return true;
        }

        if (HttpMethods.IsDelete(context.Request.Method))
        {
            lock (_gate)
            {
                _subscriptions.Remove(id);
            }

            context.Response.StatusCode = 204;
            return true;
        }

        if (HttpMethods.IsPatch(context.Request.Method))
        {
            var body = await PushHttp.ReadJsonObjectAsync(context).ConfigureAwait(false);
            if (!TryReadExpiry(body, out var requested))
            {
                await ErrorAsync(context, 400, "InvalidRequest", "expirationDateTime is missing or invalid.").ConfigureAwait(false);
                return true;
            }

            var renewed = subscription with { ExpirationDateTime = Cap(requested) };
            lock (_gate)
            {
                _subscriptions[id] = renewed;
            }

            await WriteAsync(context, 200, Render(renewed)).ConfigureAwait(false);
            return true;
        }

        await ErrorAsync(context, 405, "MethodNotAllowed", "Method Not Allowed").ConfigureAwait(false);
        return true;
    }

    private async Task CreateAsync(HttpContext context)
    {
        var body = await PushHttp.ReadJsonObjectAsync(context).ConfigureAwait(false);
        var resource = body?["resource"]?.ToString();
        var changeType = body?["changeType"]?.ToString();
        var clientState = body?["clientState"]?.ToString();
        if (string.IsNullOrEmpty(resource) || string.IsNullOrEmpty(changeType)
            || !Uri.TryCreate(body!["notificationUrl"]?.ToString(), UriKind.Absolute, out var notificationUrl) || !TryReadExpiry(body, out var requested))
        {
            await ErrorAsync(context, 400, "InvalidRequest", "A subscription needs changeType, notificationUrl, resource and expirationDateTime.").ConfigureAwait(false);
            return;
        }

        Uri? lifecycleUrl = null;
        if (body["lifecycleNotificationUrl"]?.ToString() is { } lifecycleText && !Uri.TryCreate(lifecycleText, UriKind.Absolute, out lifecycleUrl))
        {
            await ErrorAsync(context, 400, "InvalidRequest", "lifecycleNotificationUrl is not an absolute URL.").ConfigureAwait(false);
            return;
        }

        foreach (var url in new[] { notificationUrl, lifecycleUrl })
        {
            if (url is null)
            {
                continue;
            }

            var token = "validation-" + Guid.NewGuid().ToString("N");
            var (status, echoed, contentType) = await _delivery.ValidateAsync(url, token, ValidationDeadline).ConfigureAwait(false);
            if (status != 200 || echoed != token || !string.Equals(contentType, "text/plain", StringComparison.OrdinalIgnoreCase))
            {
                await ErrorAsync(context, 400, "ValidationError", $"Subscription validation request failed. Notification endpoint {url} must respond with 200 OK and the validation token as text/plain; it answered {status}.").ConfigureAwait(false);
                return;
            }
        }

        var subscription = new FakeGraphSubscription(
            "sub-" + Interlocked.Increment(ref _created).ToString("D4", CultureInfo.InvariantCulture) + "-" + Guid.NewGuid().ToString("N")[..8],
            resource, changeType, notificationUrl, lifecycleUrl, clientState, Cap(requested));
        lock (_gate)
        {
            _subscriptions[subscription.Id] = subscription;
        }

        await WriteAsync(context, 201, Render(subscription)).ConfigureAwait(false);
    }

    private DateTimeOffset Cap(DateTimeOffset requested)
    {
        var limit = _time.GetUtcNow() + MaxLifetime;
        return requested > limit ? limit : requested;
    }

    private static bool TryReadExpiry(JsonObject? body, out DateTimeOffset expiry) =>
        DateTimeOffset.TryParse(body?["expirationDateTime"]?.ToString(), CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out expiry);

    private static PushNotification Change(FakeGraphSubscription subscription, string itemId)
    {
        var entry = Entry(subscription);
        entry["changeType"] = "updated";
        entry["resource"] = subscription.Resource + "/" + itemId;
        return new PushNotification(subscription.NotificationUrl, subscription.Id, "change", [], new JsonObject { ["value"] = new JsonArray(entry) }.ToJsonString());
    }

    private static PushNotification Lifecycle(FakeGraphSubscription subscription, string lifecycleEvent)
    {
        var entry = Entry(subscription);
        entry["lifecycleEvent"] = lifecycleEvent;
        return new PushNotification(subscription.LifecycleNotificationUrl ?? subscription.NotificationUrl, subscription.Id, lifecycleEvent, [], new JsonObject { ["value"] = new JsonArray(entry) }.ToJsonString());
    }

    private static JsonObject Entry(FakeGraphSubscription subscription) => new()
    {
        ["subscriptionId"] = subscription.Id,
        ["subscriptionExpirationDateTime"] = subscription.ExpirationDateTime.ToString("O", CultureInfo.InvariantCulture),
        ["tenantId"] = "00000000-0000-0000-0000-000000000000",
        ["clientState"] = subscription.ClientState,
    };

    private static string Render(FakeGraphSubscription subscription) => new JsonObject
    {
        ["@odata.context"] = "https://graph.microsoft.com/v1.0/$metadata#subscriptions/$entity",
        ["id"] = subscription.Id,
        ["resource"] = subscription.Resource,
        ["changeType"] = subscription.ChangeType,
        ["clientState"] = subscription.ClientState,
        ["notificationUrl"] = subscription.NotificationUrl.AbsoluteUri,
        ["lifecycleNotificationUrl"] = subscription.LifecycleNotificationUrl?.AbsoluteUri,
        ["expirationDateTime"] = subscription.ExpirationDateTime.ToString("O", CultureInfo.InvariantCulture),
    }.ToJsonString();

    private static Task ErrorAsync(HttpContext context, int status, string code, string message) =>
        WriteAsync(context, status, new JsonObject { ["error"] = new JsonObject { ["code"] = code, ["message"] = message } }.ToJsonString());

    private static Task WriteAsync(HttpContext context, int status, string json) => PushHttp.WriteJsonAsync(context, status, json, "application/json");
}
