using System;
using SyncGen.Testing.FakeServer;

namespace SyncGen.Dialects.Tests;

/// <summary>What the Calendar, People and Drive fields-mask tests share: the endpoint with a query, and quick retries.</summary>
internal static class FieldsMaskEndpoints
{
    /// <summary>Retries that do not slow a test down.</summary>
    public static readonly SyncOptions FastRetries = new() { Retry = new SyncRetryOptions { BaseDelay = TimeSpan.FromMilliseconds(1), MaxDelay = TimeSpan.FromMilliseconds(2) } };

    /// <summary>The server's endpoint with <paramref name="query"/> appended as written (escaped or not).</summary>
    public static Uri WithQuery(FakeSyncServer server, string query) =>
        new(server.Endpoint + (string.IsNullOrEmpty(server.Endpoint.Query) ? "?" : "&") + query);
}
