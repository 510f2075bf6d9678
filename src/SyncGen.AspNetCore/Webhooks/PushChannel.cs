using System;

namespace SyncGen.AspNetCore.Webhooks;

/// <summary>Who sends a channel's notifications.</summary>
public enum PushProvider
{
    /// <summary>A Google watch channel (Calendar, and the other APIs with <c>watch</c> methods).</summary>
    Google,

    /// <summary>A Microsoft Graph subscription.</summary>
    Graph,
}

/// <summary>One watch channel or subscription as the fleet's database keeps it.</summary>
/// <param name="Id">The channel id (Google) or subscription id (Graph): what notifications name.</param>
/// <param name="Collection">The collection whose pass a notification triggers.</param>
/// <param name="Provider">Who sends its notifications.</param>
/// <param name="ResourceId">Google's <c>resourceId</c> (needed to stop the channel; notifications carry it too); null for Graph and until Google answers.</param>
/// <param name="ControlUri">Where it is stopped: Calendar's <c>channels/stop</c>, or the Graph subscription's own URL.</param>
/// <param name="CreatedAt">When the worker asked for it.</param>
/// <param name="ExpiresAt">When the provider stops sending (as it answered); notifications after it are refused.</param>
public sealed record PushChannel(string Id, string Collection, PushProvider Provider, string? ResourceId, Uri ControlUri, DateTimeOffset CreatedAt, DateTimeOffset ExpiresAt);
