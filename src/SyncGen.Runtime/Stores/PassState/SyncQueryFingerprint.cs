using System;
using System.Security.Cryptography;
using System.Text;

namespace SyncGen;

/// <summary>Turns the description of a query into the short fingerprint that stores keep beside the sync token.</summary>
/// <remarks>
/// The description is hashed, not stored: an endpoint URL may carry an API key, and a store should not keep secrets a
/// reader of the file could lift. Two descriptions give the same fingerprint only when they are equal, ordinal.
/// </remarks>
public static class SyncQueryFingerprint
{
    /// <summary>The fingerprint of <paramref name="description"/>: <c>sha256:</c> and 32 hex digits.</summary>
    /// <param name="description">Everything that shapes the full pass: endpoint, filters, masks.</param>
    public static string Compute(string description)
    {
        ArgumentNullException.ThrowIfNull(description);
        var hash = SHA256.HashData(Encoding.UTF8.GetBytes(description));
        return "sha256:" + Convert.ToHexString(hash, 0, 16).ToLowerInvariant();
    }

    /// <summary>The fingerprint of a definition's and an options' descriptions together, or <see langword="null"/> when both are null.</summary>
    internal static string? Combine(string? fromSource, string? fromOptions) => (fromSource, fromOptions) switch
    {
        (null, null) => null,
        ({ } source, null) => Compute(source),
        (null, { } options) => Compute(options),
        ({ } source, { } options) => Compute(source + "\n" + options),
    };
}
