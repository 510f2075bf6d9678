using System.Threading;
using System.Threading.Tasks;

namespace SyncGen;

/// <summary>A store that keeps, beside its sync token, the fingerprint of the query whose full pass started that token.</summary>
/// <remarks>
/// A sync token describes one query's view of the collection: the filters of the full pass that started it
/// (<c>timeMin</c>, a <c>fields</c> mask, <c>$select</c>, <c>personFields</c>, ...). When the repository's configured
/// query changes, the engine reads this fingerprint, finds it different, and runs a full pass that replaces the mirror
/// instead of an incremental one that would keep the old query's view. A store written before fingerprints existed
/// returns <see langword="null"/>: the engine accepts that token once and the next commit writes the fingerprint.
/// Stores that do not implement this interface keep working; their tokens are simply not bound to a query.
/// </remarks>
public interface ISyncQueryFingerprintStore
{
    /// <summary>Reads the fingerprint committed with the sync token, or <see langword="null"/> when none was written.</summary>
    ValueTask<string?> ReadQueryFingerprintAsync(CancellationToken cancellationToken = default);
}

/// <summary>A pass writer that commits a query fingerprint together with the token; see <see cref="ISyncQueryFingerprintStore"/>.</summary>
public interface ISyncQueryFingerprintWriter
{
    /// <summary>Sets the fingerprint the commit stores with the token; a commit without a call stores none.</summary>
    /// <param name="fingerprint">The query's fingerprint, or <see langword="null"/> for none.</param>
    void SetQueryFingerprint(string? fingerprint);
}
