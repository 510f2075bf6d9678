using System;

namespace SyncGen;

/// <summary>A dialect manifest that cannot be loaded: not JSON, or a member missing, unknown, of the wrong kind or out of range.</summary>
/// <remarks>The message names the member as a path from the manifest's root (<c>$.fullListing.items</c>), and the file when it came from one.</remarks>
public sealed class SyncDialectManifestException : FormatException
{
    internal SyncDialectManifestException(string member, string message, Exception? innerException = null)
        : base($"{member}: {message}", innerException)
    {
        Member = member;
    }

    /// <summary>The bad member, as a path from the manifest's root, e.g. <c>$.deletion.equals</c>; <c>$</c> for the whole manifest.</summary>
    public string Member { get; }
}
