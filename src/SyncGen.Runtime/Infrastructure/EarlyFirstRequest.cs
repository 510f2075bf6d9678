using System;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.Extensions.Logging;

namespace SyncGen.Infrastructure;

/// <summary>
/// <see cref="SyncOptions.SendFirstRequestEarly"/>: when this repository instance's last call ended on a token, the
/// first request of an incremental pass from that token is sent before the store is read, to travel while the store
/// begins that pass and then reads the token. The pass is used, its writer begun, only if the store holds that same
/// token; otherwise it is discarded, its answer unseen.
/// </summary>
/// <remarks>
/// The pass begins before the token is read, not after: the early answer describes the collection as it was when
/// the request left, so it may be applied only over a mirror that no pass committed after that. A pass another
/// instance commits before this one begins (under PostgreSQL's lease: one that held the lease meanwhile) changes the
/// token read after the begin, so the answer is discarded; read before the begin, that pass would be overwritten
/// by the older answer, bringing back what it deleted and storing a token from before it.
/// </remarks>
/// <typeparam name="TItem">The item type.</typeparam>
internal sealed class EarlyFirstRequest<TItem>
{
    private EarlyFirstRequest(StartedPass<TItem> started, ISyncPassWriter<TItem> writer, RetryCounter retries)
    {
        Started = started;
        Writer = writer;
        Retries = retries;
    }

    /// <summary>The pass started early; its first page is the early request.</summary>
    public StartedPass<TItem> Started { get; }

    /// <summary>The store's writer of that pass, begun before the token was read.</summary>
    public ISyncPassWriter<TItem> Writer { get; }

    /// <summary>The early request's retries, counted apart: they count for the call only once its answer is used.</summary>
    public RetryCounter Retries { get; }

    /// <summary>
    /// Reads the stored token, sending the first request early when the option and the gate's last token allow (see
    /// the class summary). Also records the token read in <see cref="SyncGate.LastSyncToken"/>.
    /// </summary>
    /// <param name="store">The call's store.</param>
    /// <param name="gate">The repository instance's gate, holding the token its last call ended on.</param>
    /// <param name="enabled"><see cref="SyncOptions.SendFirstRequestEarly"/>.</param>
    /// <param name="startPass">Opens a pass and sends its first request, counting retries in the counter given.</param>
    /// <param name="logger">The call's logger.</param>
    /// <param name="repository">The repository's name, for the log.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>The stored token, and the early pass when its answer may be used.</returns>
    public static async Task<(string? Token, EarlyFirstRequest<TItem>? Early)> ReadSyncTokenAsync(
        ISyncStore<TItem> store, SyncGate gate, bool enabled, Func<SyncPass, RetryCounter, StartedPass<TItem>> startPass, ILogger logger, string repository, CancellationToken cancellationToken)
    {
        var retries = new RetryCounter();
        if (!enabled || gate.LastSyncToken is not { } guess
            || TryStartPass(new SyncPass(SyncPassKind.Incremental, guess, 1), startPass, retries, logger, repository) is not { } early)
        {
            var read = await store.ReadSyncTokenAsync(cancellationToken).ConfigureAwait(false);
            gate.LastSyncToken = read;
            return (read, null);
        }

        ISyncPassWriter<TItem>? writer = null;
        string? token;
        try
        {
            writer = await store.BeginPassAsync(SyncPassKind.Incremental, cancellationToken).ConfigureAwait(false);
            token = await store.ReadSyncTokenAsync(cancellationToken).ConfigureAwait(false);
        }
        catch
        {
            gate.LastSyncToken = null;
            await DiscardAsync(early, writer).ConfigureAwait(false);
            throw;
        }

        gate.LastSyncToken = token;
        if (string.Equals(token, guess, StringComparison.Ordinal))
        {
            return (token, new EarlyFirstRequest<TItem>(early, writer, retries));
        }

        await DiscardAsync(early, writer).ConfigureAwait(false);
        SyncLog.EarlyRequestDiscarded(logger, repository);
        return (token, null);
    }

    /// <summary>
    /// <paramref name="startPass"/> for the early request, or <see langword="null"/> if opening the pass throws: that runs
    /// the repository's own code for a pass the call may never run (the store may hold another token, or none), so its
    /// failure must not fail the call. Without the early request the call then runs as with the option off, and a pass
    /// from the stored token that still cannot open fails there.
    /// </summary>
    private static StartedPass<TItem>? TryStartPass(SyncPass pass, Func<SyncPass, RetryCounter, StartedPass<TItem>> startPass, RetryCounter retries, ILogger logger, string repository)
    {
        try
        {
            return startPass(pass, retries);
        }
        catch (Exception exception)
        {
            SyncLog.EarlyPassNotOpened(logger, repository, exception);
            return null;
        }
    }

    /// <summary>Cancels this early request and ends, uncommitted, the pass begun for it: the call will not use it.</summary>
    public Task DiscardAsync() => DiscardAsync(Started, Writer);

    /// <summary>Cancels an early request and ends, uncommitted, the pass begun for it (if it was).</summary>
    private static async Task DiscardAsync(StartedPass<TItem> early, ISyncPassWriter<TItem>? writer)
    {
        try
        {
            await early.AbandonAsync().ConfigureAwait(false);
        }
        finally
        {
            if (writer is not null)
            {
                await writer.DisposeAsync().ConfigureAwait(false);
            }
        }
    }
}
