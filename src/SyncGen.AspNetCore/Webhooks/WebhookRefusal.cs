using Microsoft.AspNetCore.Http;

namespace SyncGen.AspNetCore.Webhooks;

/// <summary>Why a notification was refused: its status code and the reason counted and logged.</summary>
internal sealed record WebhookRefusal(int StatusCode, string Reason, string Detail)
{
    public static WebhookRefusal Malformed(string detail) => new(StatusCodes.Status400BadRequest, "malformed", detail);

    public static WebhookRefusal TooLarge(int limit) => new(StatusCodes.Status413PayloadTooLarge, "too_large", $"the body is over {limit} bytes");

    public static WebhookRefusal UnknownChannel(string id) => new(StatusCodes.Status404NotFound, "unknown_channel", $"no live channel '{Clip(id)}'");

    public static WebhookRefusal Expired(string id) => new(StatusCodes.Status404NotFound, "expired_channel", $"channel '{Clip(id)}' has expired");

    public static WebhookRefusal WrongToken(string id) => new(StatusCodes.Status403Forbidden, "wrong_token", $"the secret of channel '{Clip(id)}' does not match");

    public static WebhookRefusal WrongResource(string id) => new(StatusCodes.Status403Forbidden, "wrong_resource", $"channel '{Clip(id)}' watches another resource");

    // What an attacker sent ends up in logs: keep it short.
    private static string Clip(string text) => text.Length > 80 ? text[..80] + "..." : text;
}
