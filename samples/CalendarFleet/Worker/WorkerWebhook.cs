using System;
using System.Linq;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using SyncGen.AspNetCore.Webhooks;

namespace CalendarFleet.Worker;

/// <summary>
/// A worker with <c>--webhook-listen</c>: the same worker on a web host that serves the webhook, with a watch channel per
/// calendar on the <c>--server</c> (any implementation of Calendar's watch, channels/stop and notifications).
/// </summary>
internal static class WorkerWebhook
{
    public static WebApplicationBuilder CreateBuilder(FleetSettings settings)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls(settings.WebhookListen!.AbsoluteUri.TrimEnd('/'));
        builder.Services.AddSyncGenPush(push =>
        {
            push.PublicAddress = settings.WebhookAddress;
            push.Targets = calendar => GoogleWatchTarget.Calendar(settings.ServerUri, "calendars/" + Uri.EscapeDataString(calendar) + "/events");
        });
        return builder;
    }

    public static IHost Build(WebApplicationBuilder builder)
    {
        var app = builder.Build();
        app.MapSyncGenWebhooks();
        return app;
    }
}
