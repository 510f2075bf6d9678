namespace SyncGen.AspNetCore.Webhooks;

/// <summary>The routes <see cref="SyncGenWebhookEndpointRouteBuilderExtensions.MapSyncGenWebhooks"/> maps under its prefix.</summary>
internal static class WebhookRoutes
{
    public const string Google = "google";
    public const string Graph = "graph";
    public const string GraphLifecycle = "graph/lifecycle";
}
