using System;

namespace SyncGen;

/// <summary>A persistent sync store found stored state it cannot read.</summary>
/// <remarks>
/// For example a JSON state file that is not valid JSON or does not have the expected shape, or a stored item that no
/// longer deserializes. The store never treats such state as empty, because a silent reset would make the next pass
/// look like a first sync and quietly lose the mirror; the stored state is left untouched so it can be inspected or
/// restored.
/// </remarks>
public sealed class SyncStoreCorruptException : Exception
{
    /// <summary>Creates the exception.</summary>
    /// <param name="location">The file (and, where it applies, the collection and key) that could not be read.</param>
    /// <param name="detail">What is wrong with it.</param>
    /// <param name="innerException">The parser's error, when there is one.</param>
    public SyncStoreCorruptException(string location, string detail, Exception? innerException = null)
        : base($"The sync store at '{location}' is corrupt: {detail} It was left untouched; repair or delete it to run a full sync.", innerException)
    {
        Location = location;
        Detail = detail;
    }

    /// <summary>The file (and, where it applies, the collection and key) that could not be read.</summary>
    public string Location { get; }

    /// <summary>What is wrong with the stored state.</summary>
    public string Detail { get; }
}
