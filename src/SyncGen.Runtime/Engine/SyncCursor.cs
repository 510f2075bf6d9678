namespace SyncGen;

/// <summary>Where a page fetch stands: the pass it belongs to, and the page token to send (none on the first page).</summary>
/// <param name="Pass">The pass the page belongs to; its <see cref="SyncPass.SyncToken"/> is sent with every page.</param>
/// <param name="PageToken">The page token to send, or <see langword="null"/> for the first page of the pass.</param>
/// <param name="PageNumber">1-based page number within the pass.</param>
public readonly record struct SyncCursor(SyncPass Pass, string? PageToken, int PageNumber)
{
    /// <summary>The sync token to send, or <see langword="null"/> on a full pass.</summary>
    public string? SyncToken => Pass.SyncToken;

    /// <summary>Describes the request for error messages and logs, without the full token values.</summary>
    public override string ToString() =>
        $"{Pass}, page {PageNumber} (syncToken={SyncTokenText.Abbreviate(Pass.SyncToken)}, pageToken={SyncTokenText.Abbreviate(PageToken)})";
}

/// <summary>Shortens tokens for messages: they can be long and are credentials of a sort.</summary>
internal static class SyncTokenText
{
    public static string Abbreviate(string? token) =>
        token is null ? "none" : token.Length <= 12 ? $"\"{token}\"" : $"\"{token.Substring(0, 8)}…\"({token.Length} chars)";
}
