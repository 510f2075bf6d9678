using System;
using System.Collections.Generic;
using System.Threading;
using System.Threading.Tasks;
using NUnit.Framework;

namespace SyncGen.Runtime.Tests.FanOut;

/// <summary>
/// The parent's commit tells its store the children it lists (<see cref="ISyncCollectionRemover.KeepOnCommit"/>), so a
/// store that marks removed children (PostgreSQL) lets a child the parent lists again sync again.
/// </summary>
[TestFixture]
public sealed class FanOutKeepOnCommitTests
{
    [Test]
    public async Task The_parent_commit_passes_the_children_it_lists_to_KeepOnCommit_and_the_ones_it_deletes_to_RemoveOnCommit()
    {
        var list = new RecordingStore();
        var fanOut = new SyncFanOut<CalendarListEntry, CalendarEvent>(
            list,
            _ => new InMemorySyncStore<CalendarEvent>(),
            (store, ct) => PassAsync(store, SyncPassKind.Full, [Entry("work"), Entry("home")], ct),
            (_, _, _) => Task.FromResult<SyncResult>(null!))
        {
            ChildCollection = id => "events/" + id,
        };
        await fanOut.SyncParentAsync();

        var incremental = new SyncFanOut<CalendarListEntry, CalendarEvent>(
            list,
            _ => new InMemorySyncStore<CalendarEvent>(),
            (store, ct) => PassAsync(store, SyncPassKind.Incremental, [SyncChange<CalendarListEntry>.Delete("home"), Entry("trips")], ct),
            (_, _, _) => Task.FromResult<SyncResult>(null!))
        {
            ChildCollection = id => "events/" + id,
        };
        await incremental.SyncParentAsync();

        Assert.That(list.Commits, Is.EqualTo(new[]
        {
            (Kept: "events/home,events/work", Removed: ""),
            (Kept: "events/trips", Removed: "events/home"),
        }));
    }

    private static SyncChange<CalendarListEntry> Entry(string id) => SyncChange<CalendarListEntry>.Upsert(id, new CalendarListEntry(id, null, null));

    private static async Task<SyncResult> PassAsync(ISyncStore<CalendarListEntry> store, SyncPassKind kind, SyncChange<CalendarListEntry>[] changes, CancellationToken cancellationToken)
    {
        await using var writer = await store.BeginPassAsync(kind, cancellationToken);
        await writer.ApplyAsync(changes, cancellationToken);
        await writer.CommitAsync("token", cancellationToken);
        return null!;
    }

    /// <summary>An in-memory store whose writers record what each commit was told to keep and remove.</summary>
    private sealed class RecordingStore : ISyncStore<CalendarListEntry>
    {
        private readonly InMemorySyncStore<CalendarListEntry> _inner = new();

        public List<(string Kept, string Removed)> Commits { get; } = new();

        public ValueTask<string?> ReadSyncTokenAsync(CancellationToken cancellationToken = default) => _inner.ReadSyncTokenAsync(cancellationToken);

        public ValueTask<IReadOnlyList<KeyValuePair<string, CalendarListEntry>>> ReadItemsAsync(CancellationToken cancellationToken = default) =>
            _inner.ReadItemsAsync(cancellationToken);

        public async ValueTask<ISyncPassWriter<CalendarListEntry>> BeginPassAsync(SyncPassKind kind, CancellationToken cancellationToken = default) =>
            new Writer(this, await _inner.BeginPassAsync(kind, cancellationToken));

        private sealed class Writer(RecordingStore store, ISyncPassWriter<CalendarListEntry> inner) : ISyncPassWriter<CalendarListEntry>, ISyncCollectionRemover
        {
            private string _kept = "";
            private string _removed = "";

            public void RemoveOnCommit(IReadOnlyCollection<string> collections) => _removed = string.Join(',', collections);

            public void KeepOnCommit(IReadOnlyCollection<string> collections) => _kept = string.Join(',', collections);

            public ValueTask ApplyAsync(IReadOnlyList<SyncChange<CalendarListEntry>> changes, CancellationToken cancellationToken = default) =>
                inner.ApplyAsync(changes, cancellationToken);

            public async ValueTask CommitAsync(string syncToken, CancellationToken cancellationToken = default)
            {
                await inner.CommitAsync(syncToken, cancellationToken);
                store.Commits.Add((_kept, _removed));
            }

            public ValueTask DisposeAsync() => inner.DisposeAsync();
        }
    }
}
