using System;
using System.Globalization;
using System.Text;

namespace SyncGen.Testing.FakeServer;

/// <summary>A decoded page token: where one page of one pass starts.</summary>
/// <param name="Snapshot">The log position the pass lists (fixed by its first page).</param>
/// <param name="Since">The sync position of an incremental pass, or -1 for a full pass.</param>
/// <param name="Offset">The index of the first item of the page within the pass.</param>
/// <param name="PageNumber">The 1-based number of the page within the pass.</param>
/// <param name="QueryHash">The hash of the pass's query (calendar and every parameter but the page token).</param>
internal readonly record struct PageTokenData(long Snapshot, long Since, int Offset, int PageNumber, ulong QueryHash);

/// <summary>A decoded sync token.</summary>
internal readonly record struct SyncTokenData(string CalendarId, long Position, int Epoch);

/// <summary>
/// Token codecs. Tokens are base64url text so that they look opaque to clients, but they are a pure function of their
/// content: the same position gives the same token string, which is how "nothing changed" returns the same sync token.
/// </summary>
internal static class FakeTokens
{
    private const string SyncPrefix = "s1";
    private const string PagePrefix = "p1";

    public static string EncodeSyncToken(string calendarId, long position, int epoch) =>
        Encode(string.Create(CultureInfo.InvariantCulture, $"{SyncPrefix}.{epoch}.{position}.{calendarId}"));

    public static SyncTokenData? DecodeSyncToken(string token)
    {
        var text = Decode(token);
        if (text is null)
        {
            return null;
        }

        var parts = text.Split('.', 4);
        if (parts.Length != 4 || parts[0] != SyncPrefix
            || !int.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out var epoch)
            || !long.TryParse(parts[2], NumberStyles.None, CultureInfo.InvariantCulture, out var position))
        {
            return null;
        }

        return new SyncTokenData(parts[3], position, epoch);
    }

    public static string EncodePageToken(PageTokenData data) =>
        Encode(string.Create(
            CultureInfo.InvariantCulture,
            $"{PagePrefix}.{data.Snapshot}.{data.Since}.{data.Offset}.{data.PageNumber}.{data.QueryHash:x16}"));

    public static PageTokenData? DecodePageToken(string token)
    {
        var text = Decode(token);
        if (text is null)
        {
            return null;
        }

        var parts = text.Split('.');
        if (parts.Length != 6 || parts[0] != PagePrefix
            || !long.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out var snapshot)
            || !long.TryParse(parts[2], NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var since)
            || !int.TryParse(parts[3], NumberStyles.None, CultureInfo.InvariantCulture, out var offset)
            || !int.TryParse(parts[4], NumberStyles.None, CultureInfo.InvariantCulture, out var page)
            || !ulong.TryParse(parts[5], NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out var hash))
        {
            return null;
        }

        return new PageTokenData(snapshot, since, offset, page, hash);
    }

    /// <summary>Whether a token sent as the sync token is one of this server's page tokens (a client bug, answered 400).</summary>
    public static bool IsPageTokenAsSyncToken(string token) => DecodeSyncToken(token) is null && DecodePageToken(token) is not null;

    /// <summary>The 400's message for a page token sent as the sync token, in the dialect's parameter names.</summary>
    public static string PageTokenAsSyncTokenMessage(string syncTokenName, string pageTokenName) =>
        $"Invalid {syncTokenName} value: it is a page token; send it as {pageTokenName} and keep {syncTokenName} for the token of the last page.";

    /// <summary>FNV-1a, 64 bits: stable across processes, unlike <see cref="string.GetHashCode()"/>.</summary>
    public static ulong Hash(string text)
    {
        var hash = 14695981039346656037UL;
        foreach (var c in text)
        {
            hash = (hash ^ c) * 1099511628211UL;
        }

        return hash;
    }

    private static string Encode(string text)
    {
        var bytes = Encoding.UTF8.GetBytes(text);
        return Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_');
    }

    private static string? Decode(string token)
    {
        if (string.IsNullOrEmpty(token) || token.Length > 4096)
        {
            return null;
        }

        var base64 = token.Replace('-', '+').Replace('_', '/');
        base64 += (base64.Length % 4) switch { 2 => "==", 3 => "=", _ => string.Empty };
        var buffer = new byte[base64.Length];
        if (!Convert.TryFromBase64String(base64, buffer, out var written))
        {
            return null;
        }

        try
        {
            return new UTF8Encoding(false, true).GetString(buffer, 0, written);
        }
        catch (DecoderFallbackException)
        {
            return null;
        }
    }
}
