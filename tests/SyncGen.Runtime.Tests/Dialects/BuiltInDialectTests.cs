using System.Linq;
using System.Text.Json;
using NUnit.Framework;

namespace SyncGen.Runtime.Tests.Dialects;

/// <summary>
/// Each built-in dialect reads example bodies written from its API's public documentation: entries, keys, deletions,
/// the next page and the final token; and a user-defined dialect reads its in-house shape (the docs/dialects.md example).
/// </summary>
public class BuiltInDialectTests
{
    private static SyncDialectPage Read(SyncDialect dialect, string json)
    {
        using var document = JsonDocument.Parse(json);
        return dialect.ReadPage(document.RootElement);
    }

    private static (string?, bool)[] Keys(SyncDialectPage page) => page.Entries.Select(e => (e.Key, e.IsDeleted)).ToArray();

    [Test]
    public void Calendar_reads_items_and_a_cancelled_status_as_a_deletion()
    {
        var page = Read(SyncDialects.GoogleCalendar, """
            {"kind":"calendar#events","summary":"Work","updated":"2026-01-02T10:00:00.000Z",
             "items":[{"kind":"calendar#event","id":"ev1","status":"confirmed","summary":"Standup"},
                      {"kind":"calendar#event","id":"ev2","status":"cancelled"}],
             "nextSyncToken":"CPDAlvWDx70CEPDAlvWDx70CGAU="}
            """);

        Assert.That(Keys(page), Is.EqualTo(new[] { ("ev1", false), ("ev2", true) }));
        Assert.That((page.NextPageToken, page.NextSyncToken), Is.EqualTo(((string?)null, "CPDAlvWDx70CEPDAlvWDx70CGAU=")));
    }

    [Test]
    public void People_reads_connections_keyed_by_resource_name_with_metadata_deleted()
    {
        var page = Read(SyncDialects.GooglePeople, """
            {"connections":[{"resourceName":"people/c1","etag":"%Eg0","names":[{"displayName":"Ann Lee"}]},
                            {"resourceName":"people/c2","etag":"%Eg1","metadata":{"deleted":true,"objectType":"PERSON"}}],
             "nextPageToken":"GhQKEgoQ","totalPeople":2,"totalItems":2}
            """);

        Assert.That(Keys(page), Is.EqualTo(new[] { ("people/c1", false), ("people/c2", true) }));
        Assert.That((page.NextPageToken, page.NextSyncToken), Is.EqualTo(("GhQKEgoQ", (string?)null)));
        Assert.That(SyncDialects.GooglePeople.FullPassParameters.Single(), Is.EqualTo(new System.Collections.Generic.KeyValuePair<string, string>("requestSyncToken", "true")));
    }

    [Test]
    public void Graph_reads_value_and_any_removed_object_as_a_deletion_and_keeps_links_whole()
    {
        var page = Read(SyncDialects.MicrosoftGraph, """
            {"@odata.context":"https://graph.microsoft.com/v1.0/$metadata#users(displayName)",
             "value":[{"displayName":"Ann","id":"u1"},
                      {"id":"u2","@removed":{"reason":"changed"}},
                      {"id":"u3","@removed":{"reason":"deleted"}}],
             "@odata.deltaLink":"https://graph.microsoft.com/v1.0/users/delta?$deltatoken=oEcOySpF_hWYmTIUZBOIfPzcwisr"}
            """);

        Assert.That(Keys(page), Is.EqualTo(new[] { ("u1", false), ("u2", true), ("u3", true) }));
        Assert.That(page.NextSyncToken, Is.EqualTo("https://graph.microsoft.com/v1.0/users/delta?$deltatoken=oEcOySpF_hWYmTIUZBOIfPzcwisr"));
        Assert.That(SyncDialects.MicrosoftGraph.RequestStyle, Is.EqualTo(SyncRequestStyle.FollowLinks));
    }

    [Test]
    public void Drive_reads_changes_keyed_by_file_id_with_the_file_as_the_item()
    {
        using var document = JsonDocument.Parse("""
            {"kind":"drive#changeList",
             "changes":[{"kind":"drive#change","changeType":"file","time":"2026-01-02T10:00:00Z","removed":false,"fileId":"f1","file":{"kind":"drive#file","id":"f1","name":"plan.txt"}},
                        {"kind":"drive#change","changeType":"file","removed":true,"fileId":"f2"}],
             "newStartPageToken":"4519"}
            """);
        var page = SyncDialects.GoogleDrive.ReadPage(document.RootElement); // entries point into the document: keep it open

        Assert.That(Keys(page), Is.EqualTo(new[] { ("f1", false), ("f2", true) }));
        Assert.That(page.Entries[0].Item!.Value.GetProperty("name").GetString(), Is.EqualTo("plan.txt"));
        Assert.That(page.Entries[1].Item, Is.Null);
        Assert.That(page.NextSyncToken, Is.EqualTo("4519"));
    }

    [Test]
    public void Drive_reads_a_change_whose_file_is_trashed_as_a_deletion()
    {
        // What Drive sends when a file goes to the trash and when it comes back: removed stays false both times.
        using var document = JsonDocument.Parse("""
            {"changes":[{"changeType":"file","removed":false,"fileId":"f1","file":{"id":"f1","name":"plan.txt","trashed":true}},
                        {"changeType":"file","removed":false,"fileId":"f2","file":{"id":"f2","name":"back.txt","trashed":false}},
                        {"changeType":"file","removed":false,"fileId":"f3","file":{"id":"f3","name":"no-field.txt"}}],
             "newStartPageToken":"12"}
            """);

        var page = SyncDialects.GoogleDrive.ReadPage(document.RootElement);

        Assert.That(Keys(page), Is.EqualTo(new[] { ("f1", true), ("f2", false), ("f3", false) }));
        Assert.That(SyncDialects.GoogleDrive.Deletion.ToString(), Is.EqualTo("removed == true or file.trashed == true"));
    }

    [Test]
    public void Drive_trashed_that_is_not_a_boolean_is_a_json_error_naming_its_path()
    {
        var error = Assert.Throws<JsonException>(() =>
            Read(SyncDialects.GoogleDrive, """{"changes":[{"removed":false,"fileId":"f1","file":{"id":"f1","trashed":"yes"}}]}"""));

        Assert.That(error!.Message, Does.Contain("'file.trashed' is a JSON String"));
    }

    [Test]
    public void Drive_full_listing_asks_files_list_to_leave_trashed_files_out()
    {
        Assert.That(SyncDialects.GoogleDrive.FullListing!.ListingRequest, Is.EqualTo("files?q=trashed%20%3D%20false"));
    }

    [Test]
    public void Drive_full_listing_reads_files_and_no_deletions()
    {
        using var document = JsonDocument.Parse("""{"kind":"drive#fileList","files":[{"id":"f1","name":"a"},{"id":"f2","name":"b"}],"nextPageToken":"~!!~AI9"}""");

        var page = SyncDialects.GoogleDrive.ReadFullListingPage(document.RootElement);

        Assert.That(Keys(page), Is.EqualTo(new[] { ("f1", false), ("f2", false) }));
        Assert.That((page.NextPageToken, page.NextSyncToken), Is.EqualTo(("~!!~AI9", (string?)null)));
    }

    [Test]
    public void Items_of_the_wrong_kind_are_a_json_error_naming_the_path()
    {
        var error = Assert.Throws<JsonException>(() => Read(SyncDialects.GoogleCalendar, """{"items":{"id":"x"}}"""));

        Assert.That(error!.Message, Does.Contain("'items' is a JSON Object, not an array"));
    }

    [Test]
    public void A_deletion_flag_that_is_not_a_bool_is_a_json_error_naming_it()
    {
        var error = Assert.Throws<JsonException>(() => Read(SyncDialects.GooglePeople, """{"connections":[{"resourceName":"people/c1","metadata":{"deleted":"yes"}}]}"""));

        Assert.That(error!.Message, Does.Contain("'metadata.deleted' is a JSON String"));
    }

    [TestCase(400, """{"error":{"code":400,"message":"Request had an invalid argument: EXPIRED_SYNC_TOKEN","status":"FAILED_PRECONDITION"}}""", SyncErrorKind.TokenExpired)]
    [TestCase(400, """{"error":{"code":400,"message":"Invalid personFields mask path","status":"INVALID_ARGUMENT"}}""", SyncErrorKind.Fatal)]
    public void The_people_dialects_classifier_applies_its_expiry_rule(int status, string body, SyncErrorKind expected)
    {
        var exception = new SyncHttpException(status, ErrorBodyReasons(body), ErrorBodyMessage(body), null, null, "x");

        Assert.That(SyncDialects.GooglePeople.CreateErrorClassifier().Classify(exception).Kind, Is.EqualTo(expected));
    }

    [Test]
    public void A_user_defined_dialect_reads_an_in_house_shape()
    {
        var page = Read(InHouse, """
            {"data":{"records":[{"uuid":"r1","title":"One","state":{"archived":false}},{"uuid":"r2","state":{"archived":true}}]},
             "cursor":{"next":null,"checkpoint":"cp-77"}}
            """);

        Assert.That(Keys(page), Is.EqualTo(new[] { ("r1", false), ("r2", true) }));
        Assert.That((page.NextPageToken, page.NextSyncToken), Is.EqualTo(((string?)null, "cp-77")));
    }

    /// <summary>The in-house dialect of docs/dialects.md.</summary>
    internal static SyncDialect InHouse { get; } = new()
    {
        Name = "Acme records",
        SyncTokenParameter = "since",
        PageTokenParameter = "cursor",
        FullPassOnlyParameters = new[] { "createdAfter" },
        Items = SyncJsonPath.Parse("data.records"),
        NextPageToken = SyncJsonPath.Parse("cursor.next"),
        NextSyncToken = SyncJsonPath.Parse("cursor.checkpoint"),
        Key = SyncJsonPath.Property("uuid"),
        Deletion = SyncDeletionMarker.Flag(SyncJsonPath.Parse("state.archived")),
        IsExpiry = facts => facts.StatusCode == 409 && facts.HasReason("CHECKPOINT_TOO_OLD"),
    };

    private static string[] ErrorBodyReasons(string body) => SyncErrorFacts.FromResponse(400, body).Reasons.ToArray();

    private static string? ErrorBodyMessage(string body) => SyncErrorFacts.FromResponse(400, body).Message;
}
