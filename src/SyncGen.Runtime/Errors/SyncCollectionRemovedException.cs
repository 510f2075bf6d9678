namespace SyncGen;

/// <summary>The collection was removed by its parent's commit (a calendar dropped from the list), so this pass of it may not commit.</summary>
/// <remarks>
/// Nothing of the pass was written: the removed collection keeps no mirror and no token. A pass that starts after the
/// removal (a scheduled job firing before the parent's reconcile deletes it) would otherwise bring them back for good.
/// The mark is cleared when a later commit of the parent lists the collection again (<see cref="ISyncCollectionRemover.KeepOnCommit"/>).
/// The PostgreSQL store records and checks these marks.
/// </remarks>
public sealed class SyncCollectionRemovedException : SyncException
{
    /// <summary>Creates the exception.</summary>
    /// <param name="collection">The removed collection.</param>
    /// <param name="removedBy">The parent collection whose commit removed it.</param>
    public SyncCollectionRemovedException(string collection, string removedBy)
        : base(collection, $"{collection}: the collection was removed by a commit of {removedBy}, so this pass was refused and wrote nothing; it syncs again once {removedBy} lists it again.", null)
    {
        Collection = collection;
        RemovedBy = removedBy;
    }

    /// <summary>The removed collection.</summary>
    public string Collection { get; }

    /// <summary>The parent collection whose commit removed it.</summary>
    public string RemovedBy { get; }
}
