namespace SyncGen;

/// <summary>Reported through <see cref="System.IProgress{T}"/> after each page is applied.</summary>
/// <param name="PassKind">Full or incremental.</param>
/// <param name="PassNumber">1-based pass number within the call.</param>
/// <param name="PageNumber">1-based page number within the pass.</param>
/// <param name="ItemsInPage">Items in the page just applied.</param>
/// <param name="Upserts">Upserts so far in this pass.</param>
/// <param name="Deletes">Deletes so far in this pass.</param>
public readonly record struct SyncProgress(
    SyncPassKind PassKind,
    int PassNumber,
    int PageNumber,
    int ItemsInPage,
    int Upserts,
    int Deletes);
