using System.Text.Json;
using System.Text.Json.Nodes;
using NUnit.Framework;

namespace SyncGen.Runtime.Tests.Dialects;

/// <summary><see cref="SyncDeletionMarker.Mark"/> writes what <see cref="SyncDeletionMarker.IsDeleted"/> reads: the test kit renders deletions with it.</summary>
public class DeletionMarkerWriteTests
{
    [TestCase("{\"id\":\"e1\",\"status\":\"cancelled\"}", "GoogleCalendar")]
    [TestCase("{\"resourceName\":\"people/c1\",\"metadata\":{\"deleted\":true}}", "GooglePeople")]
    [TestCase("{\"id\":\"u1\",\"@removed\":{\"reason\":\"deleted\"}}", "MicrosoftGraph")]
    [TestCase("{\"fileId\":\"f1\",\"removed\":true}", "GoogleDrive")]
    public void Each_built_in_marker_writes_the_APIs_own_tombstone_and_reads_it_back(string expected, string dialectName)
    {
        var dialect = (SyncDialect)typeof(SyncDialects).GetProperty(dialectName)!.GetValue(null)!;
        var entry = new JsonObject { [dialect.Key.Segments[0]] = JsonNode.Parse(expected)![dialect.Key.Segments[0]]!.GetValue<string>() };

        dialect.Deletion.Mark(entry);

        Assert.That(entry.ToJsonString(), Is.EqualTo(expected));
        using var document = JsonDocument.Parse(entry.ToJsonString());
        Assert.That(dialect.Deletion.IsDeleted(document.RootElement), Is.True);
    }

    [Test]
    public void A_nested_flag_creates_the_objects_on_its_path_and_keeps_their_other_members()
    {
        var marker = SyncDeletionMarker.Flag(SyncJsonPath.Parse("state.archived"));
        var entry = new JsonObject { ["uuid"] = "r1", ["state"] = new JsonObject { ["color"] = "red" } };

        marker.Mark(entry);

        Assert.That(entry.ToJsonString(), Is.EqualTo("{\"uuid\":\"r1\",\"state\":{\"color\":\"red\",\"archived\":true}}"));
    }
}
