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

/// <summary>A watch channel a <see cref="FakeCalendarServer"/> holds, as created by a client's watch call.</summary>
/// <param name="Id">The client's channel id.</param>
/// <param name="ResourceId">The id the server gave the watched resource.</param>
/// <param name="Resource">What is watched: <c>calendars/{id}/events</c> or <c>users/me/calendarList</c>.</param>
/// <param name="Address">Where notifications go.</param>
/// <param name="Token">The client's token, echoed in <c>X-Goog-Channel-Token</c>; null when none was given.</param>
/// <param name="Expiration">When the channel stops.</param>
public sealed record FakeWatchChannel(string Id, string ResourceId, string Resource, Uri Address, string? Token, DateTimeOffset Expiration);

/// <summary>
/// The push side of a <see cref="FakeCalendarServer"/>: <c>POST .../events/watch</c>, <c>POST users/me/calendarList/watch</c> and
/// <c>POST channels/stop</c>, and the notifications Google sends (headers only, empty body) to every live channel of a
/// calendar that changes, through <see cref="Faults"/>.
/// </summary>
/// <remarks>
/// A new channel gets its <c>sync</c> notification (message 1) at once, possibly before the client has read the watch
/// answer, as Google's may. Channels end at their expiry (<c>params.ttl</c>, at most <see cref="MaxTtl"/>) or with
/// <see cref="Expire"/>; an ended channel sends nothing more.
/// </remarks>
public sealed class FakeCalendarChannels : IAsyncDisposable
{
    private readonly object _gate = new();
    private readonly Dictionary<string, ChannelState> _channels = new(StringComparer.Ordinal);
    private readonly PushDelivery _delivery;
    private readonly TimeProvider _time;
    private readonly Func<Uri> _baseUri;

    internal FakeCalendarChannels(Func<Uri> baseUri, TimeProvider time)
    {
        _baseUri = baseUri;
        _time = time;
        _delivery = new PushDelivery(time);
    }

    /// <summary>The longest life a channel is given, whatever its <c>params.ttl</c> asks.</summary>
    /// <value>Seven days by default.</value>
    public TimeSpan MaxTtl { get; set; } = TimeSpan.FromDays(7);

    /// <summary>What happens to the notifications sent (dropped, duplicated, reordered, delayed).</summary>
    public PushFaults Faults => _delivery.Faults;

    /// <summary>The channels that have neither expired nor been stopped.</summary>
    public IReadOnlyList<FakeWatchChannel> Live
    {
        get
        {
            var now = _time.GetUtcNow();
            lock (_gate)
            {
                return _channels.Values.Where(c => c.Channel.Expiration > now).Select(c => c.Channel).OrderBy(c => c.Expiration).ToArray();
            }
        }
    }

    /// <summary>Every notification sent or dropped so far, in order.</summary>
    public IReadOnlyList<PushDeliveryRecord> Deliveries => _delivery.Journal;

    /// <summary>The channel ids stopped by <c>channels/stop</c>, in order.</summary>
    public IReadOnlyList<string> Stopped => Calls.Where(call => call.Key == "stop").Select(call => call.Value).ToArray();

    /// <summary>The watch and stop calls answered, in order: (<c>watch</c> or <c>stop</c>, channel id).</summary>
    public IReadOnlyList<KeyValuePair<string, string>> Calls
    {
        get
        {
            lock (_gate)
            {
                return _calls.ToArray();
            }
        }
    }

    private readonly List<KeyValuePair<string, string>> _calls = new();

    /// <summary>Completes when every notification sent so far has been answered (or dropped).</summary>
    /// <param name="cancellationToken">Stops the wait.</param>
    /// <returns>A task.</returns>
    public Task WhenDeliveredAsync(CancellationToken cancellationToken = default) => _delivery.WhenDeliveredAsync(cancellationToken);

    /// <summary>Ends a channel now, as its expiry would: it sends nothing more, and <c>channels/stop</c> no longer finds it.</summary>
    /// <param name="channelId">The channel id.</param>
    /// <returns>False when there is no such channel.</returns>
    public bool Expire(string channelId)
    {
        lock (_gate)
        {
            return _channels.Remove(channelId);
        }
    }

    /// <summary>Ends every channel now.</summary>
    public void ExpireAll()
    {
        lock (_gate)
        {
            _channels.Clear();
        }
    }

    /// <summary>Tells the watchers of <c>users/me/calendarList</c> that the list changed.</summary>
    public void NotifyCalendarListChanged() => Notify(CalendarListResource);

    /// <summary>
    /// Posts a notification no channel of this server sent, past the faults: to <paramref name="address"/>, naming
    /// <paramref name="channelId"/> with <paramref name="token"/>. Returns the webhook's status.
    /// </summary>
    /// <param name="address">The webhook.</param>
    /// <param name="channelId">The channel it claims (a live one with a wrong token, or an unknown one).</param>
    /// <param name="token">The token it claims; null sends none.</param>
    /// <param name="state">The resource state it claims.</param>
    /// <param name="resourceId">The resource id it claims; null sends the live channel's own, if any.</param>
    /// <returns>The webhook's status; 0 when it could not be reached.</returns>
    public Task<int> ForgeAsync(Uri address, string channelId, string? token, string state = "exists", string? resourceId = null)
    {
        ArgumentNullException.ThrowIfNull(address);
        ArgumentNullException.ThrowIfNull(channelId);
        ChannelState? live;
        lock (_gate)
        {
            _channels.TryGetValue(channelId, out live);
        }

        var channel = new FakeWatchChannel(channelId, resourceId ?? live?.Channel.ResourceId ?? "forged-resource", live?.Channel.Resource ?? "calendars/primary/events", address, token, _time.GetUtcNow().AddHours(1));
        return _delivery.SendAsync(Notification(channel, state, 1), forged: true);
    }

    /// <inheritdoc />
    public ValueTask DisposeAsync() => _delivery.DisposeAsync();

    internal const string CalendarListResource = "users/me/calendarList";

    internal static string EventsResource(string calendarId) => "calendars/" + calendarId + "/events";

    /// <summary>Sends an <c>exists</c> notification to every live channel on <paramref name="resource"/>.</summary>
    internal void Notify(string resource)
    {
        var now = _time.GetUtcNow();
        List<PushNotification> due;
        lock (_gate)
        {
            due = _channels.Values
                .Where(c => c.Channel.Resource == resource && c.Channel.Expiration > now)
                .Select(c => Notification(c.Channel, "exists", ++c.MessageNumber))
                .ToList();
        }

        foreach (var notification in due)
        {
            _delivery.Enqueue(notification);
        }
    }

    /// <summary>Answers the watch and stop calls; false for any other request.</summary>
    internal async Task<bool> TryHandleAsync(HttpContext context, string rootPath)
    {
        var path = context.Request.Path.Value ?? string.Empty;
        if (!HttpMethods.IsPost(context.Request.Method) || !path.StartsWith(rootPath + "/", StringComparison.Ordinal))
        {
            return false;
        }

        var relative = path[(rootPath.Length + 1)..];
        if (relative == "channels/stop")
        {
            await StopAsync(context).ConfigureAwait(false);
            return true;
        }

        if (!relative.EndsWith("/watch", StringComparison.Ordinal))
        {
            return false;
        }

        var resource = relative[..^"/watch".Length];
        var watchable = resource == CalendarListResource
            || (resource.StartsWith("calendars/", StringComparison.Ordinal) && resource.EndsWith("/events", StringComparison.Ordinal) && resource.Count(c => c == '/') == 2);
        if (!watchable)
        {
            return false;
        }

        if (resource != CalendarListResource)
        {
            resource = EventsResource(Uri.UnescapeDataString(resource["calendars/".Length..^"/events".Length]));
        }

        await WatchAsync(context, resource).ConfigureAwait(false);
        return true;
    }

    private async Task WatchAsync(HttpContext context, string resource)
    {
        var body = await PushHttp.ReadJsonObjectAsync(context).ConfigureAwait(false);
        var id = body?["id"]?.GetValue<string>();
        var type = body?["type"]?.GetValue<string>();
        var address = body?["address"]?.GetValue<string>();
        if (string.IsNullOrEmpty(id) || !string.Equals(type, "web_hook", StringComparison.Ordinal) || !Uri.TryCreate(address, UriKind.Absolute, out var addressUri))
        {
            await ErrorAsync(context, 400, "required", "A watch request needs id, type \"web_hook\" and an absolute address.").ConfigureAwait(false);
            return;
        }

        var ttl = MaxTtl;
        if (body!["params"]?["ttl"]?.ToString() is { } ttlText)
        {
            if (!long.TryParse(ttlText, NumberStyles.None, CultureInfo.InvariantCulture, out var seconds))
            {
                await ErrorAsync(context, 400, "invalid", $"Invalid ttl value '{ttlText}'.").ConfigureAwait(false);
                return;
            }

            ttl = TimeSpan.FromSeconds(Math.Min(seconds, MaxTtl.TotalSeconds));
        }

        var now = _time.GetUtcNow();
        var expiration = DateTimeOffset.FromUnixTimeMilliseconds((now + ttl).ToUnixTimeMilliseconds());
        var channel = new FakeWatchChannel(id, "res-" + FakeTokens.Hash(resource), resource, addressUri, body["token"]?.GetValue<string>(), expiration);
        var state = new ChannelState(channel) { MessageNumber = 1 };
        lock (_gate)
        {
            if (_channels.ContainsKey(id))
            {
                state = null;
            }
            else
            {
                _channels[id] = state;
                _calls.Add(new("watch", id));
            }
        }

        if (state is null)
        {
            await ErrorAsync(context, 400, "channelIdNotUnique", $"Channel id {id} not unique").ConfigureAwait(false);
            return;
        }

        // Google confirms a new channel with a `sync` message, which may reach the client before this answer does.
        _delivery.Enqueue(Notification(channel, "sync", 1));
        var answer = new JsonObject
        {
            ["kind"] = "api#channel",
            ["id"] = id,
            ["resourceId"] = channel.ResourceId,
            ["resourceUri"] = ResourceUri(channel),
            ["token"] = channel.Token,
            ["expiration"] = expiration.ToUnixTimeMilliseconds().ToString(CultureInfo.InvariantCulture),
        };
        await WriteAsync(context, 200, answer.ToJsonString()).ConfigureAwait(false);
    }

    private async Task StopAsync(HttpContext context)
    {
        var body = await PushHttp.ReadJsonObjectAsync(context).ConfigureAwait(false);
        var id = body?["id"]?.GetValue<string>();
        var resourceId = body?["resourceId"]?.GetValue<string>();
        bool stopped;
        lock (_gate)
        {
            stopped = id is not null && _channels.TryGetValue(id, out var state) && state.Channel.ResourceId == resourceId && _channels.Remove(id);
            if (stopped)
            {
                _calls.Add(new("stop", id!));
            }
        }

        if (!stopped)
        {
            await ErrorAsync(context, 404, "notFound", $"Channel '{id}' not found for project.").ConfigureAwait(false);
            return;
        }

        context.Response.StatusCode = 204;
    }

    private PushNotification Notification(FakeWatchChannel channel, string state, long messageNumber)
    {
        var headers = new List<KeyValuePair<string, string>>
        {
            new("X-Goog-Channel-ID", channel.Id),
            new("X-Goog-Channel-Expiration", channel.Expiration.UtcDateTime.ToString("R", CultureInfo.InvariantCulture)),
            new("X-Goog-Resource-ID", channel.ResourceId),
            new("X-Goog-Resource-URI", ResourceUri(channel)),
            new("X-Goog-Resource-State", state),
            new("X-Goog-Message-Number", messageNumber.ToString(CultureInfo.InvariantCulture)),
        };
        if (channel.Token is not null)
        {
            headers.Add(new("X-Goog-Channel-Token", channel.Token));
        }

        return new PushNotification(channel.Address, channel.Id, state, headers);
    }

    private string ResourceUri(FakeWatchChannel channel) => new Uri(_baseUri(), channel.Resource + "?alt=json").AbsoluteUri;

    private static Task ErrorAsync(HttpContext context, int status, string reason, string message) =>
        WriteAsync(context, status, System.Text.Encoding.UTF8.GetString(GoogleErrors.Body(status, "global", reason, message)));

    private static Task WriteAsync(HttpContext context, int status, string json) => PushHttp.WriteJsonAsync(context, status, json, "application/json; charset=UTF-8");

    private sealed class ChannelState(FakeWatchChannel channel)
    {
        public FakeWatchChannel Channel { get; } = channel;

        public long MessageNumber { get; set; }
    }
}
