using System;
using System.Collections.Generic;
using System.Runtime.CompilerServices;
using System.Threading;
using System.Threading.Channels;
using System.Threading.Tasks;

namespace SyncGen;

/// <summary>
/// One pass as hooks mode hands it to an <c>ApplyPassAsync(SyncHookPass&lt;TItem&gt;, CancellationToken)</c> hook: its
/// pages as the server delivers them, then its sync token.
/// </summary>
/// <remarks>
/// <para>
/// The hook is called when the pass begins and runs alongside it: it opens its transaction, reads
/// <see cref="ReadPagesAsync"/> (each page arrives once the server sent it, and the next page is fetched only once the
/// hook asked for it, so at most two pages are in memory whatever the pass's size), then reads <see cref="SyncToken"/>,
/// stores it with the changes and commits, once.
/// </para>
/// <para>
/// A pass that fails, expires or is cancelled before its end makes <see cref="ReadPagesAsync"/> throw: the hook lets the
/// exception go and its transaction is rolled back, so the token never describes changes that were not applied.
/// </para>
/// </remarks>
/// <typeparam name="TItem">The item type.</typeparam>
public sealed class SyncHookPass<TItem>
{
    // One page waits here at most: the pass's next fetch waits until the hook took it.
    private readonly Channel<SyncChange<TItem>[]> _pages = Channel.CreateBounded<SyncChange<TItem>[]>(new BoundedChannelOptions(1) { SingleReader = true, SingleWriter = true });
    private string? _syncToken;
    private int _reading;
    private volatile bool _readToEnd;

    internal SyncHookPass(SyncPassKind kind) => Kind = kind;

    /// <summary><see cref="SyncPassKind.Full"/>: replace the collection (remove every item the pass does not list); <see cref="SyncPassKind.Incremental"/>: merge into it.</summary>
    public SyncPassKind Kind { get; }

    /// <summary>The token to store with the changes; readable once <see cref="ReadPagesAsync"/> has ended.</summary>
    /// <exception cref="InvalidOperationException">The pages were not all read yet.</exception>
    public string SyncToken => _readToEnd ? _syncToken! : throw new InvalidOperationException("The sync token is known once every page of the pass was read: read ReadPagesAsync to its end first.");

    /// <summary>The pass's pages in server order, each change in order (a later change of the same key wins); readable once.</summary>
    /// <param name="cancellationToken">Cancels the read.</param>
    /// <returns>The pages, as they arrive.</returns>
    /// <exception cref="InvalidOperationException">The pages were already read.</exception>
    /// <exception cref="SyncPassAbandonedException">The pass ended without completing: do not commit.</exception>
    public async IAsyncEnumerable<IReadOnlyList<SyncChange<TItem>>> ReadPagesAsync([EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        if (Interlocked.Exchange(ref _reading, 1) != 0)
        {
            throw new InvalidOperationException("The pages of a pass can be read once.");
        }

        while (await _pages.Reader.WaitToReadAsync(cancellationToken).ConfigureAwait(false))
        {
            while (_pages.Reader.TryRead(out var page))
            {
                yield return page;
            }
        }

        // The channel completes without error only from Complete, after the token was set.
        _readToEnd = true;
    }

    /// <summary>The pass's changes in order, page after page; readable once (see <see cref="ReadPagesAsync"/>).</summary>
    /// <param name="cancellationToken">Cancels the read.</param>
    /// <returns>The changes, as their pages arrive.</returns>
    public async IAsyncEnumerable<SyncChange<TItem>> ReadChangesAsync([EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        await foreach (var page in ReadPagesAsync(cancellationToken).ConfigureAwait(false))
        {
            foreach (var change in page)
            {
                yield return change;
            }
        }
    }

    internal ValueTask WriteAsync(SyncChange<TItem>[] page, CancellationToken cancellationToken) => _pages.Writer.WriteAsync(page, cancellationToken);

    internal void Complete(string syncToken)
    {
        _syncToken = syncToken;
        _pages.Writer.TryComplete();
    }

    internal void Abandon() => _pages.Writer.TryComplete(new SyncPassAbandonedException());
}

/// <summary>The pass a hook was reading ended without completing (a failure, an expired token, a cancellation): roll back.</summary>
public sealed class SyncPassAbandonedException : Exception
{
    /// <summary>Creates the exception.</summary>
    public SyncPassAbandonedException()
        : base("The sync pass ended without completing; nothing of it may be committed.")
    {
    }
}
