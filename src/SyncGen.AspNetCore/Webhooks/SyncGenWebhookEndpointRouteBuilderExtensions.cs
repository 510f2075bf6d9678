using System;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;

namespace SyncGen.AspNetCore.Webhooks;

/// <summary>Maps the webhook that turns Calendar and Graph push notifications into sync passes.</summary>
public static class SyncGenWebhookEndpointRouteBuilderExtensions
{
    /// <summary>The prefix the routes sit under unless another is given.</summary>
    public const string DefaultPrefix = "/syncgen/webhooks";

    /// <summary>Maps <c>POST {prefix}/google</c>, <c>POST {prefix}/graph</c> and <c>POST {prefix}/graph/lifecycle</c>; needs <see cref="SyncGenPushServiceCollectionExtensions.AddSyncGenPush"/>.</summary>
    /// <remarks>
    /// Every notification is answered before any sync work: an accepted one (a live channel, its secret matching in
    /// constant time) asks the scheduler for a pass of its collection once the answer is out, a burst for one collection
    /// becoming one pass. A refused one (unknown or expired channel, wrong secret, malformed or too large) gets a 4xx, is
    /// logged and counted (<c>syncgen.webhook.notifications</c>), and triggers nothing. Graph's validation request
    /// (<c>?validationToken=</c>) is echoed as <c>text/plain</c>. Set <see cref="SyncGenPushOptions.PublicAddress"/> to
    /// where this prefix is reachable from outside.
    /// </remarks>
    /// <param name="endpoints">The application's routes.</param>
    /// <param name="prefix">The path the routes sit under.</param>
    /// <returns>The group of the routes, to add conventions (e.g. rate limiting) to.</returns>
    public static RouteGroupBuilder MapSyncGenWebhooks(this IEndpointRouteBuilder endpoints, string prefix = DefaultPrefix)
    {
        ArgumentNullException.ThrowIfNull(endpoints);
        ArgumentException.ThrowIfNullOrEmpty(prefix);
        var address = endpoints.ServiceProvider.GetService<WebhookAddress>()
            ?? throw new InvalidOperationException("MapSyncGenWebhooks needs services.AddSyncGenPush(...) first.");
        address.Prefix = prefix;
        var group = endpoints.MapGroup(prefix);
        group.MapPost(WebhookRoutes.Google, (HttpContext context, WebhookHandler handler) => handler.HandleGoogleAsync(context));
        group.MapPost(WebhookRoutes.Graph, (HttpContext context, WebhookHandler handler) => handler.HandleGraphAsync(context));
        group.MapPost(WebhookRoutes.GraphLifecycle, (HttpContext context, WebhookHandler handler) => handler.HandleGraphAsync(context));
        return group;
    }
}
