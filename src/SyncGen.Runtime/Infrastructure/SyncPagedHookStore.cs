using System;
using System.Collections.Generic;
using System.ComponentModel;
using System.Threading;
using System.Threading.Tasks;

namespace SyncGen.Infrastructure;

/// <summary>
/// Hooks mode with an <c>ApplyPassAsync(SyncHookPass&lt;TItem&gt;, CancellationToken)</c> hook: the pass reaches the hook
/// page by page while it runs, in bounded memory, instead of buffered whole until its end (<see cref="SyncHookStore{TItem}"/>).
/// </summary>
/// <remarks>
/// The hook is started when the pass begins and gets each page once the store applied it. <c>CommitAsync</c> hands it the
/// token and waits for it to return: its failure is the commit's. A pass discarded without a commit makes the hook's
/// read throw <see cref="SyncPassAbandonedException"/>, and its outcome is then awaited and dropped.
/// </remarks>
/// <typeparam name="TItem">The item type.</typeparam>
[EditorBrowsable(EditorBrowsableState.Never)]
public sealed class SyncPagedHookStore<TItem> : ISyncStore<TItem>
{
    private readonly string _repositoryName;
    private readonly Func<CancellationToken, ValueTask<string?>> _loadSyncToken;
    private readonly Func<SyncHookPass<TItem>, CancellationToken, ValueTask> _applyPass;

    /// <summary>Creates the store over the repository's hooks.</summary>
    /// <param name="repositoryName">The repository, for messages.</param>
    /// <param name="loadSyncToken">The repository's <c>LoadSyncTokenAsync</c>.</param>
    /// <param name="applyPass">The repository's <c>ApplyPassAsync</c>.</param>
    public SyncPagedHookStore(string repositoryName, Func<CancellationToken, ValueTask<string?>> loadSyncToken, Func<SyncHookPass<TItem>, CancellationToken, ValueTask> applyPass)
    {
        _repositoryName = repositoryName ?? throw new ArgumentNullException(nameof(repositoryName));
        _loadSyncToken = loadSyncToken ?? throw new ArgumentNullException(nameof(loadSyncToken));
        _applyPass = applyPass ?? throw new ArgumentNullException(nameof(applyPass));
    }

    /// <inheritdoc />
    public ValueTask<string?> ReadSyncTokenAsync(CancellationToken cancellationToken = default) => _loadSyncToken(cancellationToken);

    /// <inheritdoc />
    public ValueTask<ISyncPassWriter<TItem>> BeginPassAsync(SyncPassKind kind, CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();
        return new ValueTask<ISyncPassWriter<TItem>>(new PassWriter(this, kind));
    }

    /// <summary>Not supported: the items live wherever <c>ApplyPassAsync</c> puts them.</summary>
    /// <param name="cancellationToken">Unused.</param>
    /// <returns>Never returns.</returns>
    public ValueTask<IReadOnlyList<KeyValuePair<string, TItem>>> ReadItemsAsync(CancellationToken cancellationToken = default) =>
        throw new NotSupportedException($"{_repositoryName} applies its changes through its hook methods: hooks mode has no readable mirror; read the items where ApplyPassAsync stores them.");

    private sealed class PassWriter : ISyncPassWriter<TItem>
    {
        private readonly SyncPagedHookStore<TItem> _store;
        private readonly SyncHookPass<TItem> _pass;
        private readonly CancellationTokenSource _hookCancellation = new();
        private Task? _hook;
        private bool _done;

        public PassWriter(SyncPagedHookStore<TItem> store, SyncPassKind kind)
        {
            _store = store;
            _pass = new SyncHookPass<TItem>(kind);
        }

        public async ValueTask ApplyAsync(IReadOnlyList<SyncChange<TItem>> changes, CancellationToken cancellationToken = default)
        {
            ArgumentNullException.ThrowIfNull(changes);
            ThrowIfDone();
            cancellationToken.ThrowIfCancellationRequested();
            SyncChangeValidation.Validate(changes, nameof(changes));
            if (changes.Count == 0)
            {
                return;
            }

            // A copy: the engine reuses the page's storage once this returns, and the hook may still be reading it.
            var page = new SyncChange<TItem>[changes.Count];
            for (var i = 0; i < page.Length; i++)
            {
                page[i] = changes[i];
            }

            var hook = StartHook();
            var written = _pass.WriteAsync(page, cancellationToken).AsTask();
            if (await Task.WhenAny(written, hook).ConfigureAwait(false) == hook && !written.IsCompleted)
            {
                // The hook ended while the pass still had pages: its failure, or its returning early, is this page's.
                _ = written.ContinueWith(static write => _ = write.Exception, CancellationToken.None, TaskContinuationOptions.OnlyOnFaulted, TaskScheduler.Default);
                await hook.ConfigureAwait(false);
                throw new InvalidOperationException($"{_store._repositoryName}.ApplyPassAsync returned before reading every page of the pass; nothing was committed.");
            }

            await written.ConfigureAwait(false);
        }

        public async ValueTask CommitAsync(string syncToken, CancellationToken cancellationToken = default)
        {
            if (string.IsNullOrEmpty(syncToken))
            {
                throw new ArgumentException("A pass commits with the server's next sync token; it was empty.", nameof(syncToken));
            }

            ThrowIfDone();
            cancellationToken.ThrowIfCancellationRequested();
            var hook = StartHook();
            _pass.Complete(syncToken);
            _done = true;
            using (cancellationToken.Register(static source => ((CancellationTokenSource)source!).Cancel(), _hookCancellation))
            {
                await hook.ConfigureAwait(false);
            }
        }

        public async ValueTask DisposeAsync()
        {
            if (!_done)
            {
                _done = true;
                _pass.Abandon();
                if (_hook is not null)
                {
                    // Not cancelled: the hook reads SyncPassAbandonedException, as documented, and rolls back in its own time.
                    try
                    {
                        await _hook.ConfigureAwait(false);
                    }
                    catch (Exception)
                    {
                        // The pass was discarded: the hook's failure over it (the abandon it read, most likely) changes nothing.
                    }
                }
            }

            _hookCancellation.Dispose();
        }

        // Started on the first page (or at the commit of a pass without any), so that a pass with nothing to apply and
        // discarded never calls the hook.
        private Task StartHook() => _hook ??= Task.Run(() => _store._applyPass(_pass, _hookCancellation.Token).AsTask());

        private void ThrowIfDone()
        {
            if (_done)
            {
                throw new InvalidOperationException("This pass writer was already committed or disposed.");
            }
        }
    }
}
