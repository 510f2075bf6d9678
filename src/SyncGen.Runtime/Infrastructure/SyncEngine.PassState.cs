using System;
using System.Threading;
using System.Threading.Tasks;

namespace SyncGen.Infrastructure;

// The state a pass keeps beyond its token: the fingerprint of the query that made the token, and the checkpoint of a
// pass that died before its commit.
public sealed partial class SyncEngine<TItem>
{
    /// <summary>
    /// Whether the store's token was made by another query than the configured one. A token stored without fingerprint
    /// (by a store or SyncGen that had none) is accepted: this pass's commit writes the fingerprint.
    /// </summary>
    private async Task<bool> QueryChangedAsync(string token, CancellationToken cancellationToken)
    {
        if (_fingerprint is null || _store is not ISyncQueryFingerprintStore fingerprints)
        {
            return false;
        }

        var gate = _definition.Gate;
        if (gate.VerifiedQuery is { } verified && verified.Token == token && verified.Fingerprint == _fingerprint)
        {
            return false;
        }

        var stored = await fingerprints.ReadQueryFingerprintAsync(cancellationToken).ConfigureAwait(false);
        if (stored is null || string.Equals(stored, _fingerprint, StringComparison.Ordinal))
        {
            gate.VerifiedQuery = stored is null ? null : (token, _fingerprint);
            return false;
        }

        gate.VerifiedQuery = null;
        SyncLog.QueryChanged(_logger, _definition.RepositoryName);
        return true;
    }

    /// <summary>The writer of the dead pass this pass may continue, or <see langword="null"/> to start at page 1.</summary>
    /// <exception cref="SyncCheckpointException">The stored checkpoint is from a later SyncGen or damaged: the call changes nothing.</exception>
    private async Task<Resume?> FindCheckpointAsync(SyncPass pass, CancellationToken cancellationToken)
    {
        if (_resumableStore is null)
        {
            return null;
        }

        var checkpoint = await _resumableStore.ReadCheckpointAsync(cancellationToken).ConfigureAwait(false);
        if (checkpoint is null || checkpoint.Kind != pass.Kind
            || !string.Equals(checkpoint.SyncToken, pass.SyncToken, StringComparison.Ordinal)
            || !string.Equals(checkpoint.QueryFingerprint, _fingerprint, StringComparison.Ordinal))
        {
            // Another pass's, or another query's: this pass's first write drops it with what it staged.
            return null;
        }

        var writer = await _resumableStore.ResumePassAsync(checkpoint, cancellationToken).ConfigureAwait(false);
        if (writer is null)
        {
            return null;
        }

        SyncLog.PassResumed(_logger, _definition.RepositoryName, pass, checkpoint.PagesStaged + 1);
        return new Resume(checkpoint, writer);
    }

    private SyncPassCheckpoint Checkpoint(SyncPass pass, string nextPageToken, int pagesStaged) => new()
    {
        Kind = pass.Kind,
        SyncToken = pass.SyncToken,
        QueryFingerprint = _fingerprint,
        NextPageToken = nextPageToken,
        PagesStaged = pagesStaged,
    };

    /// <summary>The status with which the server refused a resumed page token (400, 410 or an expiry), or <see langword="null"/> for another failure.</summary>
    private static int? RefusedPageToken(Exception exception) => exception switch
    {
        TokenExpiredSignal expired => expired.Classification.StatusCode ?? 410,
        SyncRequestFailedException { StatusCode: 400 or 410 } failed => failed.StatusCode,
        _ => null,
    };

    /// <summary>A dead pass's checkpoint and the writer that continues it.</summary>
    private sealed record Resume(SyncPassCheckpoint Checkpoint, ISyncPassWriter<TItem> Writer);

    /// <summary>Unwinds a resumed pass (discarding its writer) whose first page token the server refused, so the call starts the pass afresh.</summary>
    private sealed class ResumeRefusedSignal(int? statusCode, Exception inner) : Exception("resumed page token refused", inner)
    {
        public int? StatusCode { get; } = statusCode;
    }
}
