using System;
using System.ComponentModel;
using System.Threading;
using System.Threading.Tasks;

namespace SyncGen.Infrastructure;

/// <summary>Fetches one page of a pass; see <see cref="SyncDefinition{TItem}.OpenPass"/>.</summary>
/// <typeparam name="TItem">The item type.</typeparam>
[EditorBrowsable(EditorBrowsableState.Never)]
public delegate Task<SyncPage<TItem>> SyncPageFetcher<TItem>(SyncCursor cursor, CancellationToken cancellationToken);

/// <summary>
/// Everything the engine needs to know about one repository. Generated code fills it from what it found at compile
/// time; hand-written code may fill it too.
/// </summary>
/// <typeparam name="TItem">The item type.</typeparam>
[EditorBrowsable(EditorBrowsableState.Never)]
public sealed class SyncDefinition<TItem>
{
    /// <summary>Name used in logs, metrics and error messages.</summary>
    public required string RepositoryName { get; init; }

    /// <summary>
    /// Called once per pass; returns the fetcher for that pass's pages. The query built here is reused for every
    /// page, so every page of a pass repeats exactly the same parameters.
    /// </summary>
    public required Func<SyncPass, SyncPageFetcher<TItem>> OpenPass { get; init; }

    /// <summary>Reads an item's key; <see langword="null"/> or empty is a protocol error.</summary>
    public required Func<TItem, string?> GetKey { get; init; }

    /// <summary>Says whether an item is a deletion (a tombstone).</summary>
    public required Func<TItem, bool> IsDeleted { get; init; }

    /// <summary>
    /// The page source's own error rules (a dialect's), or <see langword="null"/> when it has none; it wins over
    /// <see cref="SyncOptions.ErrorClassifier"/>.
    /// </summary>
    public ISyncErrorClassifier? ErrorClassifier { get; init; }

    /// <summary>Reads the exceptions of the page source's client library, or <see langword="null"/> when it throws only HttpClient's.</summary>
    /// <remarks>
    /// Generated code sets SyncGen.Google's reader of <c>GoogleApiException</c> when the project references that package.
    /// The engine adds it to the chosen classifier when that is a <see cref="SyncErrorClassifier"/>
    /// (<see cref="SyncErrorClassifier.WithReader"/>); a classifier of your own reads exceptions itself.
    /// </remarks>
    public ISyncErrorReader? ErrorReader { get; init; }

    /// <summary>
    /// Text that changes whenever the page source's full-pass query changes (endpoint, filters, fields mask), or
    /// <see langword="null"/> when the source cannot tell; the engine hashes it with <see cref="SyncOptions.QueryFingerprint"/>
    /// and binds the stored token to it (<see cref="ISyncQueryFingerprintStore"/>).
    /// </summary>
    public string? QueryFingerprint { get; init; }

    /// <summary>Whether the page source's API accepts a page token again later, so a dead pass may be resumed (<see cref="SyncOptions.ResumeInterruptedPasses"/>).</summary>
    public bool PageTokensResumable { get; init; }

    /// <summary>Serialises the calls of one repository instance.</summary>
    public required SyncGate Gate { get; init; }
}
