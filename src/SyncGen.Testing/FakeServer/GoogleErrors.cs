using System.Text.Encodings.Web;
using System.Text.Json;
using System.IO;

namespace SyncGen.Testing.FakeServer;

/// <summary>Google's JSON error bodies.</summary>
internal static class GoogleErrors
{
    public const string FullSyncRequiredReason = "fullSyncRequired";

    public const string FullSyncRequiredMessage = "Sync token is no longer valid, a full sync is required.";
    public const string RestrictionsMessage = "Sync token cannot be used with other request restrictions.";

    public static readonly JsonWriterOptions WriterOptions = new()
    {
        // Google writes quotes inside strings as \" (etags) and non-ASCII text as is; the default encoder would write \u0022.
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    };

    public static (string Domain, string Reason, string Message) DefaultsFor(int statusCode, string? reason) => reason switch
    {
        "rateLimitExceeded" => ("usageLimits", "rateLimitExceeded", "Rate Limit Exceeded"),
        "userRateLimitExceeded" => ("usageLimits", "userRateLimitExceeded", "User Rate Limit Exceeded"),
        "fullSyncRequired" => ("calendar", "fullSyncRequired", FullSyncRequiredMessage),
        "backendError" => ("global", "backendError", "Backend Error"),
        "authError" => ("global", "authError", "Invalid Credentials"),
        "invalid" => ("global", "invalid", "Invalid Value"),
        "notFound" => ("global", "notFound", "Not Found"),
        _ => statusCode switch
        {
            400 => ("global", reason ?? "badRequest", "Bad Request"),
            401 => ("global", reason ?? "authError", "Invalid Credentials"),
            403 => ("global", reason ?? "forbidden", "Forbidden"),
            404 => ("global", reason ?? "notFound", "Not Found"),
            405 => ("global", reason ?? "httpMethodNotAllowed", "Method Not Allowed"),
            410 => ("calendar", reason ?? "fullSyncRequired", FullSyncRequiredMessage),
            429 => ("usageLimits", reason ?? "rateLimitExceeded", "Rate Limit Exceeded"),
            503 => ("global", reason ?? "backendError", "The service is currently unavailable."),
            >= 500 => ("global", reason ?? "backendError", "Backend Error"),
            _ => ("global", reason ?? "badRequest", "Bad Request"),
        },
    };

    /// <summary>
    /// Writes <c>{"error":{"errors":[{domain, reason, message, locationType?, location?}],"code":N,"message":...}}</c>, the
    /// member order Google uses (the 410 body must match docs/protocol.md byte for byte).
    /// </summary>
    public static byte[] Body(int statusCode, string domain, string reason, string message, string? locationType = null, string? location = null)
    {
        using var stream = new MemoryStream();
        using (var writer = new Utf8JsonWriter(stream, WriterOptions))
        {
            writer.WriteStartObject();
            writer.WriteStartObject("error");
            writer.WriteStartArray("errors");
            writer.WriteStartObject();
            writer.WriteString("domain", domain);
            writer.WriteString("reason", reason);
            writer.WriteString("message", message);
            if (locationType is not null)
            {
                writer.WriteString("locationType", locationType);
            }

            if (location is not null)
            {
                writer.WriteString("location", location);
            }

            writer.WriteEndObject();
            writer.WriteEndArray();
            writer.WriteNumber("code", statusCode);
            writer.WriteString("message", message);
            writer.WriteEndObject();
            writer.WriteEndObject();
        }

        return stream.ToArray();
    }

    /// <summary>Exactly the 410 body of an expired sync token.</summary>
    public static byte[] FullSyncRequired() =>
        Body(410, "calendar", "fullSyncRequired", FullSyncRequiredMessage, "parameter", "syncToken");

    public static byte[] ForStatus(int statusCode, string domain, string reason, string message) => (statusCode, reason) switch
    {
        (410, "fullSyncRequired") => Body(410, domain, reason, message, "parameter", "syncToken"),
        (401, _) => Body(401, domain, reason, message, "header", "Authorization"),
        _ => Body(statusCode, domain, reason, message),
    };
}
