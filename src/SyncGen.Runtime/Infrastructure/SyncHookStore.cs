using System;
using System.Collections.Generic;
using System.ComponentModel;
using System.Threading;
using System.Threading.Tasks;

namespace SyncGen.Infrastructure;

/// <summary>
/// Hooks mode: the store the engine runs on when a repository keeps its own state through the <c>LoadSyncTokenAsync</c>
/// and <c>ApplyPassAsync</c> hooks instead of an <see cref="ISyncStore{TItem}"/> member. A pass is buffered and handed
/// to <c>ApplyPassAsync</c> in one call when it commits; a pass discarded without a commit reaches no hook.
/// </summary>
/// <typeparam name="TItem">The item type.</typeparam>
[EditorBrowsable(EditorBrowsableState.Never)]
public sealed class SyncHookStore<TItem> : ISyncStore<TItem>
{
    private readonly string _repositoryName;
    private readonly Func<CancellationToken, ValueTask<string?>> _loadSyncToken;
    private readonly Func<SyncPassKind, IReadOnlyList<SyncChange<TItem>>, string, CancellationToken, ValueTask> _applyPass;

    /// <summary>Creates the store over the repository's hooks.</summary>
    /// <param name="repositoryName">The repository, for messages.</param>
    /// <param name="loadSyncToken">The repository's <c>LoadSyncTokenAsync</c>.</param>
    /// <param name="applyPass">The repository's <c>ApplyPassAsync</c>.</param>
    public SyncHookStore(
        string repositoryName,
        Func<CancellationToken, ValueTask<string?>> loadSyncToken,
        Func<SyncPassKind, IReadOnlyList<SyncChange<TItem>>, string, CancellationToken, ValueTask> applyPass)
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

    /// <summary>Not supported: the engine never reads the mirror back, and the items live wherever <c>ApplyPassAsync</c> puts them.</summary>
    public ValueTask<IReadOnlyList<KeyValuePair<string, TItem>>> ReadItemsAsync(CancellationToken cancellationToken = default) =>
        throw new NotSupportedException($"{_repositoryName} applies its changes through its hook methods: hooks mode has no readable mirror; read the items where ApplyPassAsync stores them.");

    private sealed class PassWriter(SyncHookStore<TItem> store, SyncPassKind kind) : ISyncPassWriter<TItem>
    {
        private List<SyncChange<TItem>>? _changes = new();

        public ValueTask ApplyAsync(IReadOnlyList<SyncChange<TItem>> changes, CancellationToken cancellationToken = default)
        {
            ArgumentNullException.ThrowIfNull(changes);
            cancellationToken.ThrowIfCancellationRequested();
            var buffered = _changes ?? throw Ended();

            // The same page checks as every store's, before any of the page is buffered: ApplyPassAsync is the user's own
            // storage, and must not get a change without key or a key no UTF-8 store could keep apart from another.
            SyncChangeValidation.Validate(changes, nameof(changes));
            buffered.AddRange(changes);
            return default;
        }

        public ValueTask CommitAsync(string syncToken, CancellationToken cancellationToken = default)
        {
            if (string.IsNullOrEmpty(syncToken))
            {
                throw new ArgumentException("A pass commits with the server's next sync token; it was empty.", nameof(syncToken));
            }

            var changes = _changes ?? throw Ended();
            _changes = null;
            return store._applyPass(kind, changes.AsReadOnly(), syncToken, cancellationToken);
        }

        // Without a commit, the buffered pass is dropped: no hook ever sees a pass that did not complete.
        public ValueTask DisposeAsync()
        {
            _changes = null;
            return default;
        }

        private static InvalidOperationException Ended() => new("This pass was already committed or discarded.");
    }
}
