using System.Collections.Generic;
using System.Text.Json;

namespace SyncGen.AspNetCore.Webhooks;

/// <summary>One entry of a Graph notification batch: <c>{"value":[{"subscriptionId","clientState","lifecycleEvent"?,...}]}</c>.</summary>
internal sealed record GraphNotification(string SubscriptionId, string? ClientState, string? LifecycleEvent)
{
    /// <summary>Reads a batch; throws <see cref="JsonException"/> naming what is missing or of the wrong type.</summary>
    public static List<GraphNotification> ReadBatch(byte[] body)
    {
        using var document = JsonDocument.Parse(body);
        if (document.RootElement.ValueKind != JsonValueKind.Object
            || !document.RootElement.TryGetProperty("value", out var value) || value.ValueKind != JsonValueKind.Array || value.GetArrayLength() == 0)
        {
            throw new JsonException("expected an object with a non-empty 'value' array");
        }

        var batch = new List<GraphNotification>();
        foreach (var entry in value.EnumerateArray())
        {
            if (entry.ValueKind != JsonValueKind.Object || String(entry, "subscriptionId") is not { Length: > 0 } id)
            {
                throw new JsonException("an entry of 'value' has no 'subscriptionId' string");
            }

            batch.Add(new GraphNotification(id, String(entry, "clientState"), String(entry, "lifecycleEvent")));
        }

        return batch;
    }

    private static string? String(JsonElement entry, string name) =>
        entry.TryGetProperty(name, out var property) && property.ValueKind == JsonValueKind.String ? property.GetString() : null;
}
