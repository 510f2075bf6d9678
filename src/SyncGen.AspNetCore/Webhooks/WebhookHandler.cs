using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Text;
using System.Text.Json;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace SyncGen.AspNetCore.Webhooks;

/// <summary>
/// Checks a notification against the fleet's channels and answers it at once; accepted ones ask the
/// <see cref="PushDispatcher"/> for a pass, which runs after the answer has gone out.
/// </summary>
/// <remarks>
/// Nothing of the application runs before a notification is accepted: a forged or unknown one costs one indexed read of
/// the channels table and a hash, and is refused with a 4xx that is logged and counted.
/// </remarks>
internal sealed partial class WebhookHandler(
    PushChannelStore channels,
    PushDispatcher dispatcher,
    PushChannelManager manager,
    TimeProvider time,
    IOptions<SyncGenPushOptions> options,
    ILogger<WebhookHandler> logger)
{
    private const int MaxHeaderLength = 256;
    private const int MaxValidationTokenLength = 4096;

    private readonly SyncGenPushOptions _options = options.Value;

    /// <summary>A Calendar notification: headers only, as Google sends it.</summary>
    public async Task HandleGoogleAsync(HttpContext context)
    {
        var refusal = await CheckGoogleAsync(context).ConfigureAwait(false);
        await AnswerAsync(context, "google", refusal, StatusCodes.Status200OK).ConfigureAwait(false);
    }

    /// <summary>A Graph change or lifecycle notification, or Graph's validation request for either URL.</summary>
    public async Task HandleGraphAsync(HttpContext context)
    {
        if (context.Request.Query.TryGetValue("validationToken", out var validation))
        {
            await AnswerValidationAsync(context, validation.ToString()).ConfigureAwait(false);
            return;
        }

        var (accepted, refusal, counted) = await CheckGraphAsync(context).ConfigureAwait(false);
        await AnswerAsync(context, "graph", accepted > 0 ? null : refusal, StatusCodes.Status202Accepted, counted).ConfigureAwait(false);
    }

    private async Task<WebhookRefusal?> CheckGoogleAsync(HttpContext context)
    {
        var (body, tooLarge) = await ReadBodyAsync(context).ConfigureAwait(false);
        if (tooLarge is not null)
        {
            return tooLarge;
        }

        if (body.Length > 0)
        {
            return WebhookRefusal.Malformed("a Calendar notification has no body");
        }

        var headers = context.Request.Headers;
        var channelId = Single(headers, "X-Goog-Channel-ID");
        var state = Single(headers, "X-Goog-Resource-State");
        var number = Single(headers, "X-Goog-Message-Number");
        if (channelId is null || state is null || number is null)
        {
            return WebhookRefusal.Malformed("X-Goog-Channel-ID, X-Goog-Resource-State and X-Goog-Message-Number must each appear once");
        }

        if (state is not ("sync" or "exists" or "not_exists"))
        {
            return WebhookRefusal.Malformed($"X-Goog-Resource-State '{state}' is none of sync, exists, not_exists");
        }

        if (!long.TryParse(number, NumberStyles.None, CultureInfo.InvariantCulture, out var messageNumber) || messageNumber < 1)
        {
            return WebhookRefusal.Malformed("X-Goog-Message-Number is not a positive integer");
        }

        var (channel, refusal) = await CheckChannelAsync(PushProvider.Google, channelId, Single(headers, "X-Goog-Channel-Token"), context.RequestAborted).ConfigureAwait(false);
        if (refusal is not null)
        {
            return refusal;
        }

        if (channel!.ResourceId is { } resourceId && Single(headers, "X-Goog-Resource-ID") is { } sent && !string.Equals(resourceId, sent, StringComparison.Ordinal))
        {
            return WebhookRefusal.WrongResource(channelId);
        }

        if (state == "sync")
        {
            // Only says the channel works; nothing changed.
            Count("google", "confirmed", null);
            return null;
        }

        Count("google", "accepted", null);
        Log.Accepted(logger, "google", channel.Collection, channelId, state, messageNumber);
        dispatcher.RequestPass(channel.Collection);
        return null;
    }

    /// <summary>Checks a batch; every refused entry is counted here, so <c>Counted</c> says the refusal returned needs no count.</summary>
    private async Task<(int Accepted, WebhookRefusal? Refusal, bool Counted)> CheckGraphAsync(HttpContext context)
    {
        var (body, tooLarge) = await ReadBodyAsync(context).ConfigureAwait(false);
        if (tooLarge is not null)
        {
            return (0, tooLarge, false);
        }

        List<GraphNotification> notifications;
        try
        {
            notifications = GraphNotification.ReadBatch(body);
        }
        catch (JsonException exception)
        {
            return (0, WebhookRefusal.Malformed("the body is not a Graph notification batch: " + exception.Message), false);
        }

        var accepted = 0;
        WebhookRefusal? firstRefusal = null;
        foreach (var notification in notifications)
        {
            var (channel, refusal) = await CheckChannelAsync(PushProvider.Graph, notification.SubscriptionId, notification.ClientState, context.RequestAborted).ConfigureAwait(false);
            if (refusal is not null)
            {
                // Counted one by one: a batch may mix subscriptions, and one forged entry must not hide the others.
                Refused("graph", refusal);
                firstRefusal ??= refusal;
                continue;
            }

            accepted++;
            Accept(channel!, notification.LifecycleEvent);
        }

        return (accepted, firstRefusal, true);
    }

    private void Accept(PushChannel channel, string? lifecycleEvent)
    {
        Count("graph", lifecycleEvent is null ? "accepted" : "lifecycle", null);
        Log.Accepted(logger, "graph", channel.Collection, channel.Id, lifecycleEvent ?? "change", 0);
        switch (lifecycleEvent)
        {
            case null:
            case "missed":
                // A change, or changes Graph could not deliver: the incremental pass reads them all.
                dispatcher.RequestPass(channel.Collection);
                break;
            case "reauthorizationRequired":
                dispatcher.Run(cancellationToken => manager.RenewNowAsync(channel, cancellationToken));
                break;
            case "subscriptionRemoved":
                // Changes made while no subscription existed are caught by the pass.
                dispatcher.Run(cancellationToken => manager.ResubscribeAsync(channel, cancellationToken));
                dispatcher.RequestPass(channel.Collection);
                break;
            default:
                Log.UnknownLifecycle(logger, channel.Collection, lifecycleEvent);
                break;
        }
    }

    private async Task<(PushChannel? Channel, WebhookRefusal? Refusal)> CheckChannelAsync(PushProvider provider, string id, string? secret, CancellationToken cancellationToken)
    {
        if (id.Length > MaxHeaderLength)
        {
            return (null, WebhookRefusal.UnknownChannel(id));
        }

        if (await channels.FindAsync(id, cancellationToken).ConfigureAwait(false) is not var (channel, secretHash) || channel.Provider != provider)
        {
            return (null, WebhookRefusal.UnknownChannel(id));
        }

        // The secret first: a forger learns nothing about a channel's expiry from the answer.
        if (!PushSecrets.Matches(secret, secretHash))
        {
            return (null, WebhookRefusal.WrongToken(id));
        }

        if (channel.ExpiresAt <= time.GetUtcNow())
        {
            return (null, WebhookRefusal.Expired(id));
        }

        return (channel, null);
    }

    private async Task AnswerValidationAsync(HttpContext context, string token)
    {
        // Graph waits 10 s for the echo; nothing but the echo happens here.
        if (token.Length == 0 || token.Length > MaxValidationTokenLength)
        {
            await AnswerAsync(context, "graph", WebhookRefusal.Malformed("validationToken is empty or too long"), StatusCodes.Status200OK).ConfigureAwait(false);
            return;
        }

        Count("graph", "validated", null);
        context.Response.StatusCode = StatusCodes.Status200OK;
        context.Response.ContentType = "text/plain; charset=utf-8";
        await context.Response.WriteAsync(token, context.RequestAborted).ConfigureAwait(false);
    }

    private Task AnswerAsync(HttpContext context, string provider, WebhookRefusal? refusal, int success, bool counted = false)
    {
        if (refusal is null)
        {
            context.Response.StatusCode = success;
            return Task.CompletedTask;
        }

        if (!counted)
        {
            Refused(provider, refusal);
        }

        context.Response.StatusCode = refusal.StatusCode;
        context.Response.ContentType = "text/plain; charset=utf-8";
        return context.Response.WriteAsync(refusal.Detail, context.RequestAborted);
    }

    private void Refused(string provider, WebhookRefusal refusal)
    {
        Count(provider, "refused", refusal.Reason);
        Log.Refused(logger, provider, refusal.StatusCode, refusal.Reason, refusal.Detail);
    }

    private static void Count(string provider, string outcome, string? reason)
    {
        KeyValuePair<string, object?>[] tags = reason is null
            ? [new("syncgen.provider", provider), new("syncgen.outcome", outcome)]
            : [new("syncgen.provider", provider), new("syncgen.outcome", outcome), new("syncgen.reason", reason)];
        WebhookTelemetry.Notifications.Add(1, tags);
    }

    /// <summary>Reads the body up to the limit; a longer one (announced or sent) is refused without reading the rest.</summary>
    private async Task<(byte[] Body, WebhookRefusal? TooLarge)> ReadBodyAsync(HttpContext context)
    {
        var limit = _options.MaxBodyBytes;
        if (context.Request.ContentLength > limit)
        {
            return ([], WebhookRefusal.TooLarge(limit));
        }

        using var buffer = new MemoryStream();
        var chunk = new byte[8192];
        int read;
        while ((read = await context.Request.Body.ReadAsync(chunk, context.RequestAborted).ConfigureAwait(false)) > 0)
        {
            if (buffer.Length + read > limit)
            {
                return ([], WebhookRefusal.TooLarge(limit));
            }

            buffer.Write(chunk, 0, read);
        }

        return (buffer.ToArray(), null);
    }

    /// <summary>The header's value when it appears exactly once, non-empty and of sane length; null otherwise.</summary>
    private static string? Single(IHeaderDictionary headers, string name) =>
        headers.TryGetValue(name, out var values) && values.Count == 1 && values[0] is { Length: > 0 and <= MaxHeaderLength } value ? value : null;

    private static partial class Log
    {
        [LoggerMessage(320, LogLevel.Debug, "{Provider} notification for {Collection} on channel {Channel} accepted ({State}, message {Number})")]
        public static partial void Accepted(ILogger logger, string provider, string collection, string channel, string state, long number);

        [LoggerMessage(321, LogLevel.Warning, "{Provider} notification refused with {Status} ({Reason}): {Detail}")]
        public static partial void Refused(ILogger logger, string provider, int status, string reason, string detail);

        [LoggerMessage(322, LogLevel.Warning, "{Collection}: unknown Graph lifecycle event '{Event}' ignored")]
        public static partial void UnknownLifecycle(ILogger logger, string collection, string @event);
    }
}
