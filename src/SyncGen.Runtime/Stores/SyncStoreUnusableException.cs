using System;

namespace SyncGen;

/// <summary>A persistent sync store cannot be used as asked; the file was left as it was.</summary>
/// <remarks>
/// The path is a directory or cannot be opened, the file is not a database or is damaged, it belongs to another
/// program, it was written by a newer SyncGen, or it cannot be written (read-only, disk full).
/// </remarks>
public sealed class SyncStoreUnusableException : Exception
{
    /// <summary>Creates the exception.</summary>
    /// <param name="path">The store's file.</param>
    /// <param name="detail">What is wrong, and what to do about it, in one sentence.</param>
    /// <param name="innerException">The database's own error, when there is one.</param>
    public SyncStoreUnusableException(string path, string detail, Exception? innerException = null)
        : base($"The sync store '{path}' cannot be used: {detail}", innerException)
    {
        Path = path;
        Detail = detail;
    }

    /// <summary>The store's file.</summary>
    public string Path { get; }

    /// <summary>What is wrong with it.</summary>
    public string Detail { get; }
}
