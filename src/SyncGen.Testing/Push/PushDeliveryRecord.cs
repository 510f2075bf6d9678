using System;

namespace SyncGen.Testing.Push;

/// <summary>One notification a fake server sent, or decided not to send.</summary>
/// <param name="ChannelId">The channel or subscription it was for (what it claimed, when forged).</param>
/// <param name="Kind">What it said: Calendar's resource state (<c>sync</c>, <c>exists</c>, <c>not_exists</c>), <c>change</c>, a Graph lifecycle event, or <c>validation</c>.</param>
/// <param name="StatusCode">The webhook's answer; 0 when it was dropped or the webhook could not be reached.</param>
/// <param name="Dropped">Whether the server's faults dropped it.</param>
/// <param name="Forged">Whether it was forged on purpose (<c>ForgeAsync</c>).</param>
/// <param name="SentAt">When it was sent or dropped.</param>
public sealed record PushDeliveryRecord(string ChannelId, string Kind, int StatusCode, bool Dropped, bool Forged, DateTimeOffset SentAt);
