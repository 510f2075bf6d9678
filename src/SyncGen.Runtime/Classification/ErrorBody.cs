using System;
using System.Collections.Generic;
using System.Text.Json;

namespace SyncGen;

/// <summary>
/// Reads the reasons and message of an error body in the shapes Google (<c>error.errors[].reason</c>,
/// <c>error.status</c>), People (<c>error.details[].reason</c>), Graph (<c>error.code</c>) and Dropbox (<c>error..tag</c>,
/// <c>error_summary</c>) use. A body that is
/// not JSON (a proxy's HTML or plain-text page) gives no reasons and its first characters as the message: the
/// status, not the body, decides what such an answer means.
/// </summary>
internal static class ErrorBody
{
    private const int MessageLimit = 200;

    public static (IReadOnlyList<string> Reasons, string? Message) Read(string? body)
    {
        if (string.IsNullOrWhiteSpace(body))
        {
            return (Array.Empty<string>(), null);
        }

        try
        {
            using var document = JsonDocument.Parse(body);
            if (document.RootElement.ValueKind != JsonValueKind.Object
                || !document.RootElement.TryGetProperty("error", out var error)
                || error.ValueKind != JsonValueKind.Object)
            {
                return (Array.Empty<string>(), Excerpt(body));
            }

            var reasons = new List<string>();
            AddReasons(error, "errors", reasons);
            AddReasons(error, "details", reasons);
            AddString(error, "status", reasons);
            AddString(error, "code", reasons);
            AddString(error, ".tag", reasons);
            var message = error.TryGetProperty("message", out var m) && m.ValueKind == JsonValueKind.String ? m.GetString()
                : document.RootElement.TryGetProperty("error_summary", out var summary) && summary.ValueKind == JsonValueKind.String ? summary.GetString()
                : null;
            return (reasons, message);
        }
        catch (JsonException)
        {
            return (Array.Empty<string>(), Excerpt(body));
        }
    }

    /// <summary>The start of a body on one line, for an error message.</summary>
    public static string Excerpt(string body)
    {
        var text = body.Trim().Replace('\r', ' ').Replace('\n', ' ');
        return text.Length > MessageLimit ? text.Substring(0, MessageLimit) + "..." : text;
    }

    private static void AddReasons(JsonElement error, string arrayName, List<string> reasons)
    {
        if (!error.TryGetProperty(arrayName, out var array) || array.ValueKind != JsonValueKind.Array)
        {
            return;
        }

        foreach (var entry in array.EnumerateArray())
        {
            if (entry.ValueKind == JsonValueKind.Object)
            {
                AddString(entry, "reason", reasons);
            }
        }
    }

    private static void AddString(JsonElement owner, string name, List<string> reasons)
    {
        if (owner.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String && value.GetString() is { Length: > 0 } text && !reasons.Contains(text))
        {
            reasons.Add(text);
        }
    }
}
