using System;
using System.Collections.Generic;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;

namespace SyncGen.Testing.Conformance;

/// <summary>
/// The adapter the conformance kit drives: one repository with its own store, synced call after call. Build one in
/// <see cref="IncrementalSyncConformance.CreateRepository"/>; <see cref="SyncUnderTest.Create{TItem}"/> adapts a generated
/// repository in one line.
/// </summary>
public interface ISyncUnderTest : IAsyncDisposable
{
    /// <summary>Runs one sync call. Typed failures (<see cref="SyncException"/> subclasses) must propagate unchanged.</summary>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>A task completing when the call ends.</returns>
    Task SyncAsync(CancellationToken cancellationToken);

    /// <summary>Reads back the committed mirror and token.</summary>
    /// <param name="cancellationToken">Cancels the read.</param>
    /// <returns>The mirror.</returns>
    Task<MirrorSnapshot> ReadMirrorAsync(CancellationToken cancellationToken);
}

/// <summary>One mirrored item, as the kit compares it.</summary>
/// <param name="Id">The item key.</param>
/// <param name="Summary">The item's summary (the field scenarios change).</param>
public sealed record MirrorItem(string Id, string? Summary)
{
    /// <inheritdoc />
    public override string ToString() => $"{Id} '{Summary}'";
}

/// <summary>The committed state of a mirror: its items and its sync token.</summary>
/// <param name="Items">The items (any order; compared ordered by id).</param>
/// <param name="SyncToken">The stored token, null when none.</param>
public sealed record MirrorSnapshot(IReadOnlyList<MirrorItem> Items, string? SyncToken);

/// <summary>Ready-made adapters.</summary>
public static class SyncUnderTest
{
    /// <summary>
    /// Adapts a repository whose mirror lives in an <see cref="ISyncStore{TItem}"/>: typically
    /// <c>SyncUnderTest.Create(ct => repository.SyncAsync(ct), store, e => e.Summary, service)</c>.
    /// </summary>
    /// <typeparam name="TItem">The item type.</typeparam>
    /// <param name="sync">Runs one sync call.</param>
    /// <param name="store">The store the repository writes.</param>
    /// <param name="summary">Reads an item's summary.</param>
    /// <param name="disposables">Disposed with the adapter (e.g. the API client).</param>
    /// <returns>The adapter.</returns>
    public static ISyncUnderTest Create<TItem>(Func<CancellationToken, Task> sync, ISyncStore<TItem> store, Func<TItem, string?> summary, params IDisposable[] disposables)
    {
        ArgumentNullException.ThrowIfNull(sync);
        ArgumentNullException.ThrowIfNull(store);
        ArgumentNullException.ThrowIfNull(summary);
        return new StoreAdapter<TItem>(sync, store, summary, disposables);
    }

    private sealed class StoreAdapter<TItem>(Func<CancellationToken, Task> sync, ISyncStore<TItem> store, Func<TItem, string?> summary, IDisposable[] disposables) : ISyncUnderTest
    {
        public Task SyncAsync(CancellationToken cancellationToken) => sync(cancellationToken);

        public async Task<MirrorSnapshot> ReadMirrorAsync(CancellationToken cancellationToken)
        {
            var token = await store.ReadSyncTokenAsync(cancellationToken).ConfigureAwait(false);
            var items = await store.ReadItemsAsync(cancellationToken).ConfigureAwait(false);
            return new MirrorSnapshot(items.Select(pair => new MirrorItem(pair.Key, summary(pair.Value))).ToArray(), token);
        }

        public ValueTask DisposeAsync()
        {
            // Dispose every one even when one throws, then report what failed.
            List<Exception>? errors = null;
            foreach (var disposable in disposables)
            {
                try
                {
                    disposable.Dispose();
                }
                catch (Exception e)
                {
                    (errors ??= new List<Exception>()).Add(e);
                }
            }

            return errors switch
            {
                null => ValueTask.CompletedTask,
                [var single] => ValueTask.FromException(single),
                _ => ValueTask.FromException(new AggregateException("Several disposables of the adapter failed to dispose.", errors)),
            };
        }
    }
}
