using System.Collections.Generic;

namespace SyncGen;

/// <summary>A pass writer whose commit can also remove other collections of its database, items and token.</summary>
/// <remarks>
/// A parent collection's pass (a calendar list) removes the child collections (the events of each calendar) of the
/// entries it deletes in the same transaction as its own commit (<see cref="SyncFanOut{TParent, TChild}"/>): a crash between
/// two commits would otherwise leave a deleted calendar's events, or a calendar list that still names removed events.
/// The SQLite and PostgreSQL stores' writers implement it.
/// </remarks>
public interface ISyncCollectionRemover
{
    /// <summary>Makes the next <see cref="ISyncPassWriter{TItem}.CommitAsync"/> also delete these collections' items and tokens.</summary>
    /// <param name="collections">Collection names of the same database; one that holds nothing is skipped.</param>
    void RemoveOnCommit(IReadOnlyCollection<string> collections);

    /// <summary>Tells the next <see cref="ISyncPassWriter{TItem}.CommitAsync"/> the collections its parent lists: their removal marks are cleared in that commit.</summary>
    /// <remarks>
    /// A store that marks removed collections (PostgreSQL) refuses their passes with <see cref="SyncCollectionRemovedException"/>
    /// until the parent lists them again; the default does nothing, for stores that keep no marks.
    /// </remarks>
    /// <param name="collections">Collection names of the same database.</param>
    void KeepOnCommit(IReadOnlyCollection<string> collections)
    {
    }
}
