using System;
using System.Linq;
using System.Net.Http;
using NUnit.Framework;

namespace SyncGen.Runtime.Tests.Dialects;

/// <summary>
/// The fields-mask check is derived from the dialect's own description, so a dialect of one's own gets it by naming its
/// <see cref="SyncDialect.FieldsParameter"/>, and a mask forwarded to the full listing must keep what the listing reads.
/// </summary>
public class FieldsMaskCheckTests
{
    private const string Feed = "nextPageToken,newStartPageToken,changes(fileId,changeType,removed,file(trashed))";

    [Test]
    public void A_custom_dialect_is_checked_against_its_own_paths()
    {
        var acme = new SyncDialect
        {
            Name = "Acme records",
            FieldsParameter = "fields",
            Items = SyncJsonPath.Parse("data.records"),
            NextPageToken = SyncJsonPath.Parse("cursor.next"),
            NextSyncToken = SyncJsonPath.Parse("cursor.checkpoint"),
            Key = SyncJsonPath.Property("uuid"),
            Deletion = SyncDeletionMarker.StatusEquals(SyncJsonPath.Parse("state.name"), "archived"),
            IsExpiry = _ => false,
        };

        var error = Assert.Throws<SyncFieldsMaskException>(() => Source(acme, "cursor,data/records(uuid,title)"))!;

        Assert.That(error.MissingFields, Is.EqualTo(new[] { "data/records/state/name" }));
        Assert.That(error.Message, Does.Contain("'state.name' of each 'data.records' entry"));
        Assert.That(Source(acme, "cursor,data/records(uuid,state/name)").Endpoint.Query, Does.Contain("state/name"));
    }

    [Test]
    public void A_mask_forwarded_to_the_full_listing_must_keep_what_the_listing_reads()
    {
        var listing = SyncDialects.GoogleDrive.FullListing!;
        var forwarding = SyncDialects.GoogleDrive with
        {
            FullListing = listing with
            {
                ListingParameters = listing.ListingParameters.Append("fields").ToArray(),
                StartTokenParameters = listing.StartTokenParameters.Append("fields").ToArray(),
            },
        };

        var error = Assert.Throws<SyncFieldsMaskException>(() => Source(forwarding, Feed))!;

        Assert.That(error.MissingFields, Is.EqualTo(new[] { "files/id", "startPageToken" }));
        Assert.That(Source(forwarding, Feed + ",files(id,name),startPageToken").Endpoint.Query, Does.Contain("files(id,name)"));
        Assert.That(Source(SyncDialects.GoogleDrive, Feed).Endpoint.Query, Does.Contain(Feed), "Drive sends fields to changes.list only");
    }

    [Test]
    public void Calendar_and_People_masks_that_drop_the_deletion_marker_or_a_token_are_refused()
    {
        // Both APIs take Google's standard fields parameter; a cancelled event or a deleted contact that arrives without
        // its marker reads as a live item, and a mask without nextSyncToken leaves a pass that can never end.
        var calendar = Assert.Throws<SyncFieldsMaskException>(() => Source(SyncDialects.GoogleCalendar, "items(id,summary),nextPageToken,nextSyncToken"))!;
        Assert.That(calendar.MissingFields, Is.EqualTo(new[] { "items/status" }));
        var token = Assert.Throws<SyncFieldsMaskException>(() => Source(SyncDialects.GoogleCalendar, "items(id,status),nextPageToken"))!;
        Assert.That(token.MissingFields, Is.EqualTo(new[] { "nextSyncToken" }));
        Assert.That(Source(SyncDialects.GoogleCalendar, "items(id,status,summary),nextPageToken,nextSyncToken").Endpoint.Query, Does.Contain("items(id,status,summary)"));

        var people = Assert.Throws<SyncFieldsMaskException>(() => Source(SyncDialects.GooglePeople, "connections(resourceName,names),nextPageToken,nextSyncToken"))!;
        Assert.That(people.MissingFields, Is.EqualTo(new[] { "connections/metadata/deleted" }));
        Assert.That(Source(SyncDialects.GooglePeople, "connections(resourceName,names,metadata/deleted),nextPageToken,nextSyncToken").Endpoint.Query, Does.Contain("metadata/deleted"));
    }

    private static SyncHttpPageSource<object> Source(SyncDialect dialect, string mask)
    {
        using var http = new HttpClient();
        return new SyncHttpPageSource<object>(http, dialect, new Uri("http://127.0.0.1:9/api/changes?fields=" + mask));
    }
}
