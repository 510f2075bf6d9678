using System;
using System.Linq;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.Options;

namespace SyncGen.AspNetCore.Webhooks;

/// <summary>
/// Where channels send their notifications: <see cref="SyncGenPushOptions.PublicAddress"/>, or when it is null the address
/// this host listens on with the prefix <c>MapSyncGenWebhooks</c> was given (a worker reachable as it listens).
/// </summary>
internal sealed class WebhookAddress(IOptions<SyncGenPushOptions> options, IServer server)
{
    /// <summary>The prefix MapSyncGenWebhooks mapped, set when it runs.</summary>
    public string Prefix { get; set; } = SyncGenWebhookEndpointRouteBuilderExtensions.DefaultPrefix;

    /// <summary>The absolute address of one of the webhook's routes.</summary>
    public Uri Of(string route)
    {
        var root = options.Value.PublicAddress?.AbsoluteUri ?? Listening() + "/" + Prefix.Trim('/') + "/";
        return new Uri(root.EndsWith('/') ? root + route : root + "/" + route);
    }

    private string Listening() =>
        server.Features.Get<IServerAddressesFeature>()?.Addresses.FirstOrDefault()?.TrimEnd('/')
            ?? throw new InvalidOperationException("SyncGenPushOptions.PublicAddress is not set and the server reports no listening address to use instead.");
}
