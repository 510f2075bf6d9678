using System;
using System.Collections;
using System.Collections.Generic;

namespace SyncGen;

/// <summary>
/// The storage for one page's changes, reused page after page within a pass: a page of 2,500 items would otherwise cost
/// a new 60 KB array each time. The store sees each page through a fresh <see cref="View"/> that stops working once its
/// apply has completed, so a store that kept the list instead of copying it fails loudly rather than reading the
/// next page's changes.
/// </summary>
/// <typeparam name="TItem">The item type.</typeparam>
internal sealed class PageChangeBuffer<TItem>
{
    private SyncChange<TItem>[] _changes = Array.Empty<SyncChange<TItem>>();
    private int _count;
    private int _generation;

    /// <summary>Starts a page of <paramref name="count"/> changes; fill them through <see cref="View.Set"/>.</summary>
    public View Begin(int count, int pageNumber)
    {
        if (_changes.Length < count)
        {
            _changes = new SyncChange<TItem>[count];
        }

        _count = count;
        _generation++;
        return new View(this, count, _generation, pageNumber);
    }

    /// <summary>
    /// Ends the current page: its view (and any copy of its reference) no longer reads the storage, and the page's items
    /// are released. The check is a guard against a store that keeps the list, not a synchronisation primitive: the
    /// engine's own calls all run on the pass loop, one after another.
    /// </summary>
    public void End()
    {
        _generation++;
        Array.Clear(_changes, 0, _count);
        _count = 0;
    }

    /// <summary>One page's changes as the store sees them, valid until the engine ends the page.</summary>
    internal sealed class View : IReadOnlyList<SyncChange<TItem>>
    {
        private readonly PageChangeBuffer<TItem> _owner;
        private readonly int _generation;
        private readonly int _pageNumber;

        public View(PageChangeBuffer<TItem> owner, int count, int generation, int pageNumber)
        {
            _owner = owner;
            Count = count;
            _generation = generation;
            _pageNumber = pageNumber;
        }

        public int Count { get; }

        public SyncChange<TItem> this[int index]
        {
            get
            {
                var changes = Storage();
                return (uint)index < (uint)Count ? changes[index] : throw new ArgumentOutOfRangeException(nameof(index));
            }
        }

        public void Set(int index, SyncChange<TItem> change) => Storage()[index] = change;

        public IEnumerator<SyncChange<TItem>> GetEnumerator()
        {
            for (var i = 0; i < Count; i++)
            {
                yield return this[i];
            }
        }

        IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();

        private SyncChange<TItem>[] Storage() => _owner._generation == _generation
            ? _owner._changes
            : throw new InvalidOperationException(
                $"The changes of page {_pageNumber} were read after ApplyAsync completed. The engine reuses their storage for the next page: an ISyncPassWriter must copy what it keeps.");
    }
}
