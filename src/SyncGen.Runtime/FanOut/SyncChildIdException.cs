using System;

namespace SyncGen;

/// <summary>A parent collection listed an item whose id cannot name a child collection; the parent's pass wrote nothing.</summary>
public sealed class SyncChildIdException : SyncException
{
    /// <summary>Creates the exception.</summary>
    /// <param name="repository">The parent collection's repository.</param>
    /// <param name="childId">The refused id.</param>
    /// <param name="problem">Why it was refused, e.g. "it is empty".</param>
    public SyncChildIdException(string repository, string childId, string problem)
        : base(repository, $"{repository}: the listed id '{childId}' cannot name a child collection: {problem}. The sync token and the stored items were left unchanged.", null)
    {
        ChildId = childId;
        Problem = problem;
    }

    /// <summary>The refused id.</summary>
    public string ChildId { get; }

    /// <summary>Why it was refused.</summary>
    public string Problem { get; }
}
