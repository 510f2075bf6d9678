using System.Linq;
using System.Threading.Tasks;
using NUnit.Framework;
using SyncGen.Testing.FakeServer;

namespace CalendarSync.Tests;

/// <summary>docs/protocol.md edge cases 6 and 12: tombstones, unknown ids, recurring exceptions, replayed items.</summary>
public class DeletionTests : CalendarSyncTestBase
{
    [Test]
    public async Task Cancelled_items_delete_what_the_mirror_holds()
    {
        Calendar.AddMany(20);
        var repository = Repository();
        await repository.SyncAsync();
        var doomed = Calendar.LiveEvents.Take(4).Select(e => e.Id).ToList();
        doomed.ForEach(id => Calendar.Delete(id));

        var result = await repository.SyncAsync();

        Assert.That(result.Deletes, Is.EqualTo(4));
        var ids = (await ReadStateAsync()).Items.Select(i => i.Split('|')[0]).ToList();
        Assert.That(ids, Has.Count.EqualTo(16));
        Assert.That(ids, Has.None.AnyOf(doomed.ToArray()));
        await AssertMirrorEqualsServerAsync();
    }

    [Test]
    public async Task A_cancelled_id_the_mirror_never_held_is_not_inserted()
    {
        Calendar.AddMany(5);
        var repository = Repository();
        await repository.SyncAsync();
        Calendar.Upsert(new FakeEvent("flash", "Created and deleted between syncs", At(4)));
        Calendar.Delete("flash");

        var result = await repository.SyncAsync();

        Assert.That(result.Deletes, Is.EqualTo(1), "the tombstone arrives");
        Assert.That((await ReadStateAsync()).Items.Select(i => i.Split('|')[0]), Does.Not.Contain("flash"));
        await AssertMirrorEqualsServerAsync();
    }

    [Test]
    public async Task A_cancelled_occurrence_of_a_series_leaves_the_series_in_place()
    {
        Calendar.Upsert(new FakeEvent("series", "Weekly sync", At(2)) { Recurrence = new[] { "RRULE:FREQ=WEEKLY;COUNT=10" } });
        var repository = Repository();
        await repository.SyncAsync();
        var exceptionId = Calendar.CancelOccurrence("series", At(9));

        var result = await repository.SyncAsync();

        Assert.That(result.Deletes, Is.EqualTo(1));
        var ids = (await ReadStateAsync()).Items.Select(i => i.Split('|')[0]).ToList();
        Assert.That(ids, Is.EqualTo(new[] { "series" }), "the series survives");
        Assert.That(ids, Does.Not.Contain(exceptionId), "the cancelled exception was never stored, so it is not inserted");
    }

    [Test]
    public async Task Items_replayed_within_one_pass_apply_in_order()
    {
        Calendar.AddMany(12);
        var repository = Repository(pageSize: 5);
        await repository.SyncAsync();
        Calendar.Upsert(Calendar.Find("evt-000003")!.Event with { Summary = "renamed" });
        Calendar.Delete("evt-000004");
        Server.Faults.Enqueue(Fault.DuplicateItems(), r => r.IsIncremental, times: 5);

        var result = await repository.SyncAsync();

        Assert.That(result.Upserts, Is.EqualTo(2), "the replayed upsert counts twice");
        Assert.That(result.Deletes, Is.EqualTo(2), "the replayed tombstone counts twice");
        await AssertMirrorEqualsServerAsync();
    }
}
