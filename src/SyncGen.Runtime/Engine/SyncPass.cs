namespace SyncGen;

/// <summary>Whether a pass lists the whole collection or only what changed since a sync token.</summary>
public enum SyncPassKind
{
    /// <summary>No sync token: the whole collection is listed and replaces the local mirror.</summary>
    Full,

    /// <summary>The stored sync token is sent: only changes (deletions included) are listed and merged.</summary>
    Incremental,
}

/// <summary>
/// One pass of a sync call: the pages that share one query, from the first page to the page that carries the
/// next sync token. A call runs more than one pass only when the token expired and a full sync follows.
/// </summary>
public sealed class SyncPass
{
    /// <summary>Creates a pass description.</summary>
    /// <param name="kind">Full or incremental.</param>
    /// <param name="syncToken">The token sent with every page; must be <see langword="null"/> for a full pass.</param>
    /// <param name="number">1-based position of the pass within its sync call.</param>
    public SyncPass(SyncPassKind kind, string? syncToken, int number)
    {
        if (kind == SyncPassKind.Full && syncToken is not null)
        {
            throw new System.ArgumentException("A full pass sends no sync token.", nameof(syncToken));
        }

        if (kind == SyncPassKind.Incremental && string.IsNullOrEmpty(syncToken))
        {
            throw new System.ArgumentException("An incremental pass needs the stored sync token.", nameof(syncToken));
        }

        if (number < 1)
        {
            throw new System.ArgumentOutOfRangeException(nameof(number), number, "Pass numbers start at 1.");
        }

        Kind = kind;
        SyncToken = syncToken;
        Number = number;
    }

    /// <summary>Full or incremental.</summary>
    public SyncPassKind Kind { get; }

    /// <summary><see langword="true"/> for a full pass: the place to set filters that only a full sync may use.</summary>
    public bool IsFull => Kind == SyncPassKind.Full;

    /// <summary>The sync token sent with every page of this pass, or <see langword="null"/> on a full pass.</summary>
    public string? SyncToken { get; }

    /// <summary>1-based position of the pass within its sync call.</summary>
    public int Number { get; }

    /// <inheritdoc />
    public override string ToString() => IsFull ? $"full pass #{Number}" : $"incremental pass #{Number}";
}
