using System;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;

namespace SyncGen.Testing.WireMock;

/// <summary>The JSON form of <see cref="WireMockMapping"/>: WireMock's own mapping format (camelCase, nulls omitted).</summary>
internal static class WireMockJson
{
    /// <summary>Read-only serializer options producing WireMock's mapping format.</summary>
    public static JsonSerializerOptions Options { get; } = CreateOptions();

    /// <summary>Serialises a mapping to a JSON object in WireMock's mapping format.</summary>
    /// <param name="mapping">The mapping.</param>
    /// <returns>A new JSON object the caller owns.</returns>
    public static JsonObject ToJsonObject(WireMockMapping mapping)
    {
        ArgumentNullException.ThrowIfNull(mapping);
        return JsonSerializer.SerializeToNode(mapping, Options)!.AsObject();
    }

    /// <summary>Serialises a mapping to indented JSON text in WireMock's mapping format.</summary>
    /// <param name="mapping">The mapping.</param>
    /// <returns>The JSON text.</returns>
    public static string Serialize(WireMockMapping mapping)
    {
        ArgumentNullException.ThrowIfNull(mapping);
        return JsonSerializer.Serialize(mapping, Options);
    }

    private static JsonSerializerOptions CreateOptions()
    {
        var options = new JsonSerializerOptions(JsonSerializerDefaults.Web)
        {
            DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
            WriteIndented = true,
            // Mapping files are data for WireMock and for people, never HTML: keep '+', '<', '&' and non-ASCII readable.
            Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
        };
        options.MakeReadOnly(populateMissingResolver: true);
        return options;
    }
}
