using System;
using System.Security.Cryptography;
using System.Text;

namespace SyncGen.AspNetCore.Webhooks;

/// <summary>The secret a channel's notifications must echo (Calendar's channel token, Graph's clientState), and its check.</summary>
internal static class PushSecrets
{
    /// <summary>A new secret: 32 random bytes, base64url (Google allows 256 characters, Graph 128).</summary>
    public static string NewSecret() => Base64Url(RandomNumberGenerator.GetBytes(32));

    /// <summary>A new channel id: unique, and unguessable so that a forger cannot name a live channel.</summary>
    public static string NewChannelId() => "syncgen-" + Base64Url(RandomNumberGenerator.GetBytes(18));

    public static byte[] Hash(string secret) => SHA256.HashData(Encoding.UTF8.GetBytes(secret));

    /// <summary>Whether <paramref name="presented"/> is the secret hashed as <paramref name="expectedHash"/>, in time independent of where they differ.</summary>
    /// <remarks>Both sides are fixed-length hashes, so neither the content nor the length of the stored secret leaks through timing.</remarks>
    public static bool Matches(string? presented, byte[] expectedHash) =>
        presented is not null && CryptographicOperations.FixedTimeEquals(Hash(presented), expectedHash);

    private static string Base64Url(byte[] bytes) => Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_');
}
