using System;
using System.Threading;
using System.Threading.Tasks;

namespace SyncGen.Infrastructure;

/// <summary>A pass whose fetcher is open and whose first page is requested; its prefetch owns that request.</summary>
/// <typeparam name="TItem">The item type.</typeparam>
internal sealed record StartedPass<TItem>(SyncPass Pass, SyncPageFetcher<TItem> Fetch, PagePrefetch Prefetch, Task<SyncPage<TItem>> FirstPage)
{
    /// <summary>Cancels the first page's request, waits for it to end without looking at its outcome, and releases it.</summary>
    public async Task AbandonAsync()
    {
        await Prefetch.AbandonAsync(FirstPage).ConfigureAwait(false);
        Prefetch.Dispose();
    }
}

/// <summary>
/// Owns the cancellation of page fetches within one pass, so that a page fetched ahead is cancelled and observed
/// (never left running or faulting unobserved) when the pass ends early.
/// </summary>
internal sealed class PagePrefetch(CancellationToken callerToken) : IDisposable
{
    private readonly CancellationTokenSource _source = CancellationTokenSource.CreateLinkedTokenSource(callerToken);

    public CancellationToken Token => _source.Token;

    public async Task AbandonAsync(Task pending)
    {
        if (pending.IsCompleted)
        {
            _ = pending.Exception; // observed: its failure, if any, was already reported or is moot
            return;
        }

        _source.Cancel();
        try
        {
            await pending.ConfigureAwait(false);
        }
        catch (Exception)
        {
            // The pass already ended (committed or failed); the abandoned page's outcome changes nothing.
        }
    }

    public void Dispose() => _source.Dispose();
}
