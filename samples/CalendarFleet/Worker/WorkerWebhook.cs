using System;
using Microsoft.Extensions.DependencyInjection;
using SyncGen.AspNetCore.Webhooks;

namespace CalendarFleet.Worker;

/// <summary>
/// A worker with <c>--webhook-listen</c>: a watch channel per calendar on the <c>--server</c> (any implementation of
/// Calendar's watch, channels/stop and notifications), and the webhook that turns notifications into passes.
/// </summary>
internal static class WorkerWebhook
{
    public static void AddPush(IServiceCollection services, FleetSettings settings) =>
        services.AddSyncGenPush(push =>
        {
            push.PublicAddress = settings.WebhookAddress;
            push.Targets = calendar => GoogleWatchTarget.Calendar(settings.ServerUri, "calendars/" + Uri.EscapeDataString(calendar) + "/events");
        });
}
