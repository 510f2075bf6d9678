namespace SyncGen.Generator.Model;

/// <summary>The two accepted shapes of page source.</summary>
public enum PageSourceKind
{
    /// <summary><c>TRequest M(SyncPass pass)</c>: a Google.Apis-style request created once per pass and executed per page.</summary>
    Request,

    /// <summary><c>Task&lt;TPage&gt; M(SyncCursor cursor, CancellationToken cancellationToken)</c>: a plain fetch per page.</summary>
    Fetch,
}
