using System.Diagnostics.Metrics;

namespace SyncGen.AspNetCore.Webhooks;

/// <summary>The webhook's instruments, on SyncGen's own <see cref="SyncTelemetry.Meter"/>.</summary>
internal static class WebhookTelemetry
{
    public static Counter<long> Notifications { get; } = SyncTelemetry.Meter.CreateCounter<long>(
        "syncgen.webhook.notifications", "{notification}",
        "Notifications received, tagged with syncgen.provider, syncgen.outcome (accepted, confirmed, refused) and for refusals syncgen.reason.");

    public static Counter<long> PassesTriggered { get; } = SyncTelemetry.Meter.CreateCounter<long>(
        "syncgen.webhook.passes_triggered", "{pass}", "Passes requested from the scheduler by notifications (after coalescing).");

    public static Counter<long> ChannelOperations { get; } = SyncTelemetry.Meter.CreateCounter<long>(
        "syncgen.webhook.channel_operations", "{operation}",
        "Channel and subscription calls to the provider, tagged with syncgen.provider, syncgen.operation (create, renew, stop) and syncgen.outcome.");
}
