using System;
using System.Linq;
using System.Threading.Tasks;
using CalendarSync.Repository;
using NUnit.Framework;
using SyncGen;
using SyncGen.Testing.FakeServer;

namespace CalendarSync.Tests;

/// <summary>The repository's partial-response mask: sent on every page of every pass, and refused when it would break paging.</summary>
public class FieldsMaskTests : CalendarSyncTestBase
{
    [Test]
    public async Task The_mask_travels_with_every_page_of_full_and_incremental_passes_and_the_mirror_still_converges()
    {
        Calendar.AddMany(250);
        Calendar.Upsert(new FakeEvent("with-notes", "Planning", At(4)) { Description = "agenda" });
        var repository = new CalendarEventsRepository(Service, "primary", OpenStore())
        {
            PageSize = 100,
            Options = FastRetries(),
            Fields = CalendarEventsRepository.MirroredFields,
        };
        await repository.SyncAsync();
        Calendar.Delete("evt-000007");
        Calendar.Upsert(new FakeEvent("with-notes", "Planning (moved)", At(5)) { Description = "new agenda" });

        var result = await repository.SyncAsync();

        Assert.That(result.Kind, Is.EqualTo(SyncPassKind.Incremental));
        Assert.That((result.Upserts, result.Deletes), Is.EqualTo((1, 1)));
        Assert.That((await EventRequestsAsync()).Select(r => r.GetQueryValue("fields")), Has.All.EqualTo(CalendarEventsRepository.MirroredFields));
        Assert.That((await EventRequestsAsync()), Has.Count.EqualTo(4), "3 full pages and 1 incremental page, each with the mask");
        await AssertMirrorEqualsServerAsync();
        var stored = (await OpenStore().ReadItemsAsync()).Single(p => p.Key == "with-notes").Value;
        Assert.That((stored.Description, stored.Start?.DateTime, stored.End?.DateTime, stored.ETag), Is.EqualTo(("new agenda", "2026-03-05T09:00:00Z", "2026-03-05T10:00:00Z", Calendar.Find("with-notes")!.ETag)),
            "the mask keeps every member the sample's Event model holds");
        Assert.That(stored.Updated, Does.StartWith("2026-"));
    }

    [TestCase("items(id,status),nextPageToken", "nextSyncToken")]
    [TestCase("nextPageToken,nextSyncToken", "items")]
    [TestCase("items/id,nextSyncToken,kind", "nextPageToken")]
    [TestCase("nextPageToken,nextSyncToken,items(id,summary)", "items/status")]
    [TestCase("nextPageToken,nextSyncToken,items/id", "items/status")]
    [TestCase("nextPageToken,nextSyncToken,items(status,start(dateTime))", "items/id")]
    public void A_mask_that_drops_what_paging_needs_is_refused_naming_it(string mask, string missing)
    {
        var error = Assert.Throws<ArgumentException>(() => _ = new CalendarEventsRepository(Service, "primary", OpenStore()) { Fields = mask });

        Assert.That(error!.ParamName, Is.EqualTo("Fields"));
        Assert.That(error.Message, Does.Contain($"leaves out '{missing}'"));
    }

    [TestCase("*")]
    [TestCase("nextSyncToken,items(id,status),nextPageToken")]
    [TestCase("items/id,items/status,nextPageToken,nextSyncToken")]
    [TestCase("nextPageToken,nextSyncToken,items(*)")]
    [TestCase(CalendarEventsRepository.MirroredFields)]
    public void A_mask_that_keeps_the_tokens_and_items_is_accepted(string mask)
    {
        var repository = new CalendarEventsRepository(Service, "primary", OpenStore()) { Fields = mask };

        Assert.That(repository.Fields, Is.EqualTo(mask));
    }
}
