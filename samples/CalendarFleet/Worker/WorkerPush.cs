using System;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using SyncGen.AspNetCore.Webhooks;

namespace CalendarFleet.Worker;

/// <summary>
/// Push for a worker: a Kestrel webhook (<c>--webhook-listen</c>) that turns the server's notifications into passes, and
/// a watch channel per calendar whose address is <c>--webhook-address</c> (else where the webhook listens).
/// </summary>
internal static class WorkerPush
{
    /// <summary>A web host listening on <paramref name="listen"/> (port 0 picks a free one).</summary>
    public static WebApplicationBuilder CreateBuilder(Uri listen)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls(listen.GetLeftPart(UriPartial.Authority));
        return builder;
    }

    public static void AddPush(IServiceCollection services, FleetSettings settings) =>
        services.AddSyncGenPush(push =>
        {
            push.PublicAddress = settings.WebhookAddress;
            push.Targets = calendar => GoogleWatchTarget.Calendar(settings.ServerUri, "calendars/" + Uri.EscapeDataString(calendar) + "/events");
            push.CoalesceWindow = TimeSpan.FromMilliseconds(100);
            push.RenewalCheckInterval = TimeSpan.FromSeconds(5);
        });

    public static IHost Build(WebApplicationBuilder builder)
    {
        var app = builder.Build();
        app.MapSyncGenWebhooks();
        return app;
    }
}
