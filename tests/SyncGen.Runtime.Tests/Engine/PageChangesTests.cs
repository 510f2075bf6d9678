using System;
using System.Collections.Generic;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using NUnit.Framework;
using SyncGen.Infrastructure;

namespace SyncGen.Runtime.Tests.Engine;

/// <summary>
/// The engine reuses the storage of a page's changes for the next page. A writer that copies sees every page exactly;
/// a writer that keeps the list past its apply gets a clear error instead of another page's changes.
/// </summary>
public class PageChangesTests
{
    private sealed record Item(string Id, bool Deleted = false);

    // In-process pages: what is under test is the engine's contract with the store, not the transport.
    private static SyncDefinition<Item> Pages(params Item[][] pages) => new()
    {
        RepositoryName = "PageChangesTests",
        OpenPass = _ => async (cursor, cancellationToken) =>
        {
            await Task.Yield();
            var index = cursor.PageNumber - 1;
            var last = index == pages.Length - 1;
            return SyncPage<Item>.Create(pages[index], last ? null : "page-" + (index + 2), last ? "token-1" : null);
        },
        GetKey = item => item.Id,
        IsDeleted = item => item.Deleted,
        Gate = new SyncGate(),
    };

    [TestCase(true)]
    [TestCase(false)]
    public async Task A_copying_writer_sees_every_page_exactly_even_when_pages_shrink(bool prefetch)
    {
        var store = new RecordingStore(keepReference: false);
        var definition = Pages(
            [new("a"), new("b"), new("c")],
            [new("d", Deleted: true)],
            [],
            [new("e"), new("a", Deleted: true)]);

        var result = await new SyncEngine<Item>(definition, store, new SyncOptions { PrefetchNextPage = prefetch }).RunAsync();

        Assert.That(result.Pages, Is.EqualTo(4));
        Assert.That(store.Pages, Is.EqualTo(new[] { "+a +b +c", "-d", string.Empty, "+e -a" }));
        Assert.That(store.Committed, Is.EqualTo("token-1"));
    }

    [Test]
    public void A_writer_that_reads_a_kept_list_after_its_apply_fails_naming_the_page()
    {
        var store = new RecordingStore(keepReference: true);
        var definition = Pages([new("a"), new("b")], [new("c")]);

        var error = Assert.ThrowsAsync<InvalidOperationException>(() => new SyncEngine<Item>(definition, store).RunAsync());

        Assert.That(error!.Message, Does.Contain("changes of page 1 were read after ApplyAsync completed"));
        Assert.That(error.Message, Does.Contain("must copy what it keeps"));
        Assert.That(store.Committed, Is.Null, "the pass failed, so nothing was committed");
    }

    [Test]
    public async Task A_list_kept_past_the_last_page_fails_when_read_after_the_call()
    {
        var store = new RecordingStore(keepReference: true);

        await new SyncEngine<Item>(Pages([new Item("a")]), store).RunAsync();

        Assert.That(store.Pages, Is.EqualTo(new[] { "+a" }));
        var error = Assert.Throws<InvalidOperationException>(() => _ = store.LastKept![0]);
        Assert.That(error!.Message, Does.Contain("changes of page 1 were read after ApplyAsync completed"));
    }

    /// <summary>Records each page as text; optionally keeps the previous page's list and re-reads it on the next apply.</summary>
    private sealed class RecordingStore(bool keepReference) : ISyncStore<Item>
    {
        public List<string> Pages { get; } = new();

        public bool KeepReference { get; } = keepReference;

        public IReadOnlyList<SyncChange<Item>>? LastKept { get; set; }

        public string? Committed { get; private set; }

        public ValueTask<string?> ReadSyncTokenAsync(CancellationToken cancellationToken = default) => new((string?)null);

        public ValueTask<ISyncPassWriter<Item>> BeginPassAsync(SyncPassKind kind, CancellationToken cancellationToken = default) =>
            new(new Writer(this));

        public ValueTask<IReadOnlyList<KeyValuePair<string, Item>>> ReadItemsAsync(CancellationToken cancellationToken = default) =>
            throw new NotSupportedException("not read in these tests");

        private sealed class Writer(RecordingStore store) : ISyncPassWriter<Item>
        {
            private IReadOnlyList<SyncChange<Item>>? _kept;

            public ValueTask ApplyAsync(IReadOnlyList<SyncChange<Item>> changes, CancellationToken cancellationToken = default)
            {
                if (_kept is not null)
                {
                    _ = _kept.Count > 0 ? _kept[0] : default;
                }

                store.Pages.Add(string.Join(" ", changes.Select(c => (c.IsDelete ? "-" : "+") + c.Key)));
                _kept = store.KeepReference ? changes : null;
                store.LastKept = _kept;
                return default;
            }

            public ValueTask CommitAsync(string syncToken, CancellationToken cancellationToken = default)
            {
                store.Committed = syncToken;
                return default;
            }

            public ValueTask DisposeAsync() => default;
        }
    }
}
