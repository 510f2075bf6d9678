using System.Text.Json;
using System.Text.Json.Nodes;
using System.Threading.Tasks;
using Microsoft.AspNetCore.Http;

namespace SyncGen.Testing.Push;

/// <summary>The JSON reading and writing the fake Calendar's channel endpoints and the fake Graph's subscription endpoints share.</summary>
internal static class PushHttp
{
    /// <summary>The request body as a JSON object; null when it is not one (the caller answers 400).</summary>
    public static async Task<JsonObject?> ReadJsonObjectAsync(HttpContext context)
    {
        try
        {
            return await JsonNode.ParseAsync(context.Request.Body, cancellationToken: context.RequestAborted).ConfigureAwait(false) as JsonObject;
        }
        catch (JsonException)
        {
            return null;
        }
    }

    /// <summary>Answers <paramref name="status"/> with a JSON body, in the content type the imitated API sends.</summary>
    public static async Task WriteJsonAsync(HttpContext context, int status, string json, string contentType)
    {
        context.Response.StatusCode = status;
        context.Response.ContentType = contentType;
        await context.Response.WriteAsync(json, context.RequestAborted).ConfigureAwait(false);
    }
}
