using System;

namespace SyncGen;

/// <summary>One budget a request draws from: its name in the shared quota store and its limit.</summary>
/// <remarks>
/// A request usually draws from several at once: Google counts per project and per user, Graph per app and per mailbox.
/// Give the broadest first and the narrowest last (<see cref="SyncQuotaHandler"/> slows only the last one on an answer
/// that names a per-user limit). Every worker must use the same name and limit for one budget.
/// </remarks>
public sealed record SyncQuotaKey
{
    /// <summary>Creates a key.</summary>
    /// <param name="name">The budget's name, e.g. <c>google:project</c> or <c>google:user:alice@example.com</c>.</param>
    /// <param name="limit">The budget.</param>
    /// <exception cref="ArgumentException">The name is blank.</exception>
    public SyncQuotaKey(string name, SyncQuotaLimit limit)
    {
        if (string.IsNullOrWhiteSpace(name))
        {
            throw new ArgumentException("A quota key needs a name.", nameof(name));
        }

        Name = name;
        Limit = limit ?? throw new ArgumentNullException(nameof(limit));
    }

    /// <summary>The budget's name, shared by every worker.</summary>
    public string Name { get; }

    /// <summary>The budget.</summary>
    public SyncQuotaLimit Limit { get; }
}
