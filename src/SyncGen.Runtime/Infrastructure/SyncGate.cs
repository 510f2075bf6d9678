using System;
using System.ComponentModel;
using System.Threading;
using System.Threading.Tasks;

namespace SyncGen.Infrastructure;

/// <summary>
/// Serialises the sync calls of one repository instance so that two concurrent <c>SyncAsync</c> calls never
/// interleave their passes. Generated repositories hold one each.
/// </summary>
[EditorBrowsable(EditorBrowsableState.Never)]
public sealed class SyncGate
{
    private readonly SemaphoreSlim _semaphore = new(1, 1);

    /// <summary>
    /// The retry pipeline of this instance's last call, reused while the options allow (see
    /// <see cref="RetryPipeline.Fits"/>). Read and written only by a call that holds the gate.
    /// </summary>
    internal RetryPipeline? Pipeline { get; set; }

    /// <summary>
    /// The sync token this instance's last call read from or committed to its store, which the next call's first
    /// request may be sent with before the store confirms it (see <see cref="SyncOptions.SendFirstRequestEarly"/>).
    /// Only a guess: the call checks it against the store before using the answer. Read and written only inside the gate.
    /// </summary>
    internal string? LastSyncToken { get; set; }

    /// <summary>
    /// The token this instance last found, or committed, with its own query fingerprint beside it, and that fingerprint:
    /// a call from that same token with the same fingerprint skips reading the stored one. Read and written only inside the gate.
    /// </summary>
    internal (string Token, string Fingerprint)? VerifiedQuery { get; set; }

    /// <summary>Waits for the gate; dispose the result to release it.</summary>
    public async ValueTask<IDisposable> EnterAsync(CancellationToken cancellationToken)
    {
        await _semaphore.WaitAsync(cancellationToken).ConfigureAwait(false);
        return new Releaser(_semaphore);
    }

    private sealed class Releaser(SemaphoreSlim semaphore) : IDisposable
    {
        private SemaphoreSlim? _semaphore = semaphore;

        public void Dispose() => Interlocked.Exchange(ref _semaphore, null)?.Release();
    }
}
