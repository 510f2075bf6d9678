namespace SyncGen.Generator.Model;

/// <summary>The accepted shapes of page source.</summary>
public enum PageSourceKind
{
    /// <summary><c>TRequest M(SyncPass pass)</c>: a Google.Apis-style request created once per pass and executed per page.</summary>
    Request,

    /// <summary><c>Task&lt;TPage&gt; M(SyncCursor cursor, CancellationToken cancellationToken)</c>: a plain fetch per page.</summary>
    Fetch,

    /// <summary>A <c>SyncHttpPageSource&lt;TItem&gt;</c> field or property: the runtime does the HTTP, its dialect reads keys and deletions.</summary>
    Dialect,
}
