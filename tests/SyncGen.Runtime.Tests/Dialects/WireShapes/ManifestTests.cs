using System;
using System.IO;
using System.Linq;
using NUnit.Framework;

namespace SyncGen.Runtime.Tests.Dialects.WireShapes;

/// <summary><see cref="SyncDialectManifest"/>: every member of the C# form is read, and a bad manifest is refused naming the member.</summary>
public class ManifestTests
{
    private const string Minimal = """
        { "name": "Acme", "items": "data.records", "nextPageToken": "cursor.next", "nextSyncToken": "cursor.checkpoint",
          "key": "uuid", "deletion": { "flag": "state.archived" }, "expiry": { "status": 409, "reason": "CHECKPOINT_TOO_OLD" } }
        """;

    private static string With(string member) => Minimal.TrimEnd().TrimEnd('}') + ", " + member + " }";

    [Test]
    public void Every_member_of_the_csharp_form_is_read()
    {
        var dialect = SyncDialectManifest.Parse("""
            {
              "name": "Everything", "requestStyle": "formBody", "method": "PUT", "changeFeedRequest": "changes", "continueRequest": "changes/next",
              "requestsBelowEndpoint": true, "syncTokenParameter": "since", "pageTokenParameter": "page",
              "fullPassParameters": { "withToken": "true" }, "fullPassOnlyParameters": ["createdAfter"],
              "items": "data.rows[]", "nextPageToken": "next", "nextSyncToken": "since", "hasMore": "more", "key": "id",
              "deletionKey": "gone.id", "deletion": { "anyOf": [ { "path": "state", "equals": "gone" }, { "present": "gone" } ] },
              "itemValue": "row", "entryKind": { "path": "kind", "itemKinds": ["row"] },
              "entryChanges": [ { "elements": "added", "key": "row.id", "itemValue": "row", "deletion": "never" } ],
              "subtreeSeparator": "/", "fieldsParameter": "fields",
              "expiry": [ "google", { "status": 409, "path": "error.[.tag]", "equals": "reset" } ],
              "fullListing": { "startTokenRequest": "start", "startTokenParameters": ["scope"], "startToken": "token", "listingRequest": "rows",
                "listingParameters": ["scope", "team"], "listingParameterDefaults": [ { "whenPresent": "team", "name": "corpus", "value": "team" } ],
                "items": "rows", "key": "id" }
            }
            """);

        Assert.That((dialect.Name, dialect.RequestStyle, dialect.Method, dialect.ChangeFeedRequest, dialect.ContinueRequest, dialect.RequestsBelowEndpoint),
            Is.EqualTo(("Everything", SyncRequestStyle.FormBody, "PUT", "changes", "changes/next", true)));
        Assert.That((dialect.SyncTokenParameter, dialect.PageTokenParameter, dialect.FullPassParameters[0].Key, dialect.FullPassOnlyParameters[0]),
            Is.EqualTo(("since", "page", "withToken", "createdAfter")));
        Assert.That(new[] { dialect.Items, dialect.NextPageToken, dialect.NextSyncToken, dialect.HasMore, dialect.Key, dialect.DeletionKey, dialect.ItemValue }.Select(p => p!.ToString()),
            Is.EqualTo(new[] { "data.rows[]", "next", "since", "more", "id", "gone.id", "row" }));
        Assert.That(dialect.Deletion.ToString(), Is.EqualTo("state == \"gone\" or gone present"));
        Assert.That(dialect.EntryKind!.ToString(), Is.EqualTo("kind in (row)"));
        Assert.That((dialect.EntryChanges[0].Elements.ToString(), dialect.EntryChanges[0].Key!.ToString(), dialect.EntryChanges[0].Deletion), Is.EqualTo(("added", "row.id", SyncDeletionMarker.Never)));
        Assert.That((dialect.SubtreeSeparator, dialect.FieldsParameter), Is.EqualTo(("/", "fields")));
        Assert.That(dialect.IsExpiry(SyncErrorFacts.FromResponse(410, null)), Is.True, "the named rule of the list");
        Assert.That(dialect.IsExpiry(SyncErrorFacts.FromResponse(409, """{"error":{".tag":"reset"}}""")), Is.True, "the rule object of the list");
        Assert.That(dialect.IsExpiry(SyncErrorFacts.FromResponse(409, """{"error":{".tag":"path"}}""")), Is.False);
        var listing = dialect.FullListing!;
        Assert.That((listing.StartTokenRequest, listing.StartTokenParameters[0], listing.StartToken.ToString(), listing.ListingRequest, listing.ListingParameters.Count, listing.ListingParameterDefaults[0], listing.Items.ToString(), listing.Key.ToString()),
            Is.EqualTo(("start", "scope", "token", "rows", 2, new SyncParameterDefault("team", "corpus", "team"), "rows", "id")));
    }

    [Test]
    public void A_minimal_manifest_takes_the_csharp_defaults()
    {
        var dialect = SyncDialectManifest.Parse(Minimal);

        Assert.That((dialect.RequestStyle, dialect.SyncTokenParameter, dialect.PageTokenParameter, dialect.EntryChanges.Count, dialect.FullListing),
            Is.EqualTo((SyncRequestStyle.QueryParameters, "syncToken", "pageToken", 0, (SyncFullListing?)null)));
        Assert.That(dialect.IsExpiry(SyncErrorFacts.FromResponse(409, """{"error":{"code":"CHECKPOINT_TOO_OLD"}}""")), Is.True);
    }

    [TestCase("""{ "name": "x" """, "$", "not JSON")]
    [TestCase("[]", "$", "expected a JSON object, found Array")]
    [TestCase("""{ "name": "x", "items": "a", "nextPageToken": "b", "nextSyncToken": "c", "key": "d", "deletion": "always" }""", "$.expiry", "required, and missing")]
    public void A_manifest_that_is_no_dialect_is_refused_naming_the_member(string json, string member, string says)
    {
        var error = Assert.Throws<SyncDialectManifestException>(() => SyncDialectManifest.Parse(json));

        Assert.That(error!.Member, Is.EqualTo(member));
        Assert.That(error.Message, Does.StartWith(member + ": ").And.Contain(says));
    }

    [TestCase("\"Items\": \"x\"", "$.Items", "did you mean 'items'?")]
    [TestCase("\"hasMoar\": \"x\"", "$.hasMoar", "unknown member; expected one of")]
    [TestCase("\"requestStyle\": \"soap\"", "$.requestStyle", "'soap' is not one of queryParameters, followLinks, jsonBody, formBody")]
    [TestCase("\"requestStyle\": \"jsonBody\", \"method\": \"GET\"", "$.method", "cannot carry")]
    [TestCase("\"method\": \"post\"", "$.method", "in capitals")]
    [TestCase("\"hasMore\": 3", "$.hasMore", "expected a non-empty string, found Number")]
    [TestCase("\"deletionKey\": \"a..b\"", "$.deletionKey", "empty property name")]
    [TestCase("\"entryChanges\": [ { \"key\": \"id\" } ]", "$.entryChanges[0].elements", "required, and missing")]
    [TestCase("\"entryChanges\": [ { \"elements\": \"a\", \"deletion\": \"sometimes\" } ]", "$.entryChanges[0].deletion", "'sometimes' is not a deletion marker")]
    [TestCase("\"fullListing\": { \"startTokenRequest\": \"s\", \"startToken\": \"t\", \"listingRequest\": \"l\", \"key\": \"id\" }", "$.fullListing.items", "required, and missing")]
    [TestCase("\"entryKind\": { \"path\": \"kind\", \"itemKinds\": [] }", "$.entryKind.itemKinds", "at least one item kind")]
    [TestCase("\"fullPassParameters\": { \"a\": 1 }", "$.fullPassParameters.a", "expected a string value")]
    public void A_bad_member_is_refused_naming_it(string member, string path, string says)
    {
        var error = Assert.Throws<SyncDialectManifestException>(() => SyncDialectManifest.Parse(With(member)));

        Assert.That(error!.Member, Is.EqualTo(path));
        Assert.That(error.Message, Does.Contain(says));
    }

    [TestCase("{ \"flag\": \"a\", \"present\": \"b\" }", "$.deletion", "exactly one of")]
    [TestCase("{ \"equals\": \"x\" }", "$.deletion.path", "required, and missing")]
    [TestCase("{ \"flag\": \"a\", \"path\": \"b\" }", "$.deletion.path", "equals only")]
    [TestCase("{ \"anyOf\": [] }", "$.deletion.anyOf", "at least one marker")]
    public void A_bad_deletion_marker_is_refused_naming_the_member(string marker, string path, string says)
    {
        var error = Assert.Throws<SyncDialectManifestException>(() => SyncDialectManifest.Parse(Minimal.Replace("{ \"flag\": \"state.archived\" }", marker)));

        Assert.That(error!.Member, Is.EqualTo(path));
        Assert.That(error.Message, Does.Contain(says));
    }

    [TestCase("\"hourly\"", "$.expiry", "not a built-in expiry rule")]
    [TestCase("{ \"status\": 200 }", "$.expiry.status", "not a failure status")]
    [TestCase("{ \"status\": 409, \"path\": \"error.code\" }", "$.expiry", "path and equals go together")]
    [TestCase("[ \"google\", { \"status\": \"410\" } ]", "$.expiry[1].status", "expected a whole number, found String")]
    [TestCase("[]", "$.expiry", "at least one rule")]
    public void A_bad_expiry_rule_is_refused_naming_the_member(string rule, string path, string says)
    {
        var error = Assert.Throws<SyncDialectManifestException>(() => SyncDialectManifest.Parse(Minimal.Replace("{ \"status\": 409, \"reason\": \"CHECKPOINT_TOO_OLD\" }", rule)));

        Assert.That(error!.Member, Is.EqualTo(path));
        Assert.That(error.Message, Does.Contain(says));
    }

    [Test]
    public void A_manifest_file_that_is_refused_is_named_in_the_message()
    {
        var file = Path.Combine(Path.GetTempPath(), $"syncgen-manifest-{Guid.NewGuid():N}.json");
        File.WriteAllText(file, With("\"itemz\": \"x\""));
        try
        {
            var error = Assert.Throws<SyncDialectManifestException>(() => SyncDialectManifest.Load(file));

            Assert.That(error!.Message, Does.StartWith("$.itemz: unknown member").And.EndWith($"(in {file})"));
        }
        finally
        {
            File.Delete(file);
        }
    }
}
