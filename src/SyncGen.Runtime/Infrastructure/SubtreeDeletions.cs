using System;
using System.Collections.Generic;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;

namespace SyncGen.Infrastructure;

/// <summary>
/// Expands a deletion that takes its subtree along (<see cref="SyncItemIdentity.DescendantPrefix"/>, Dropbox's deleted
/// folder) into one deletion per key below it, so that every store applies it as plain deletions. The keys alive in the
/// staged pass are the committed ones (incremental passes) plus and minus the pass's own changes so far.
/// </summary>
/// <remarks>
/// The committed keys are read only when the first subtree deletion of a pass arrives; until then only the pass's own
/// changes are remembered, last change per key.
/// </remarks>
/// <typeparam name="TItem">The item type.</typeparam>
internal sealed class SubtreeDeletions<TItem>(ISyncStore<TItem> store, SyncPassKind kind)
{
    private Dictionary<string, bool>? _pending = new(StringComparer.Ordinal);
    private SortedSet<string>? _live;

    /// <summary><paramref name="page"/> with every key below a subtree deletion deleted right after it.</summary>
    public async ValueTask<SyncPage<TItem>> ExpandAsync(SyncPage<TItem> page, CancellationToken cancellationToken)
    {
        if (page.Identities is not { } identities || page.Items.Count != identities.Count)
        {
            return page; // the engine refuses a page whose keys and items disagree
        }

        if (_live is null && !identities.Any(i => i.DescendantPrefix is not null))
        {
            foreach (var identity in identities.Where(i => !string.IsNullOrEmpty(i.Key)))
            {
                _pending![identity.Key!] = !identity.IsDeleted;
            }

            return page;
        }

        var live = _live ??= await LiveKeysAsync(cancellationToken).ConfigureAwait(false);
        var items = new List<TItem>(page.Items.Count);
        var expanded = new List<SyncItemIdentity>(identities.Count);
        for (var i = 0; i < identities.Count; i++)
        {
            var identity = identities[i];
            items.Add(page.Items[i]);
            expanded.Add(identity with { DescendantPrefix = null });
            if (string.IsNullOrEmpty(identity.Key))
            {
                continue;
            }

            if (!identity.IsDeleted)
            {
                live.Add(identity.Key!);
                continue;
            }

            live.Remove(identity.Key!);
            if (identity.DescendantPrefix is { Length: > 0 } prefix && live.Count > 0 && string.CompareOrdinal(prefix, live.Max) <= 0)
            {
                foreach (var below in live.GetViewBetween(prefix, live.Max!).TakeWhile(k => k.StartsWith(prefix, StringComparison.Ordinal)).ToList())
                {
                    items.Add(default!);
                    expanded.Add(new SyncItemIdentity(below, true));
                    live.Remove(below);
                }
            }
        }

        return page with { Items = items, Identities = expanded };
    }

    private async Task<SortedSet<string>> LiveKeysAsync(CancellationToken cancellationToken)
    {
        var live = new SortedSet<string>(StringComparer.Ordinal);
        if (kind == SyncPassKind.Incremental)
        {
            foreach (var pair in await store.ReadItemsAsync(cancellationToken).ConfigureAwait(false))
            {
                live.Add(pair.Key);
            }
        }

        foreach (var (key, alive) in _pending!)
        {
            if (alive)
            {
                live.Add(key);
            }
            else
            {
                live.Remove(key);
            }
        }

        _pending = null;
        return live;
    }
}
