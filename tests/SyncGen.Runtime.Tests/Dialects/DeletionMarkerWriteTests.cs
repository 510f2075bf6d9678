using System;
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

    [TestCase("{\"fileId\":\"f1\",\"removed\":true}", true)]
    [TestCase("{\"fileId\":\"f1\",\"removed\":false,\"file\":{\"trashed\":true}}", true)]
    [TestCase("{\"fileId\":\"f1\",\"removed\":false,\"file\":{\"trashed\":false}}", false)]
    [TestCase("{\"fileId\":\"f1\"}", false)]
    public void Any_of_is_a_deletion_when_one_of_its_markers_says_so(string entry, bool deleted)
    {
        var marker = SyncDeletionMarker.AnyOf(SyncDeletionMarker.Flag(SyncJsonPath.Property("removed")), SyncDeletionMarker.Flag(SyncJsonPath.Nested("file", "trashed")));
        using var document = JsonDocument.Parse(entry);

        Assert.That(marker.IsDeleted(document.RootElement), Is.EqualTo(deleted));
    }

    [Test]
    public void Any_of_writes_its_first_marker_only()
    {
        var marker = SyncDeletionMarker.AnyOf(SyncDeletionMarker.StatusEquals(SyncJsonPath.Property("status"), "gone"), SyncDeletionMarker.Flag(SyncJsonPath.Property("archived")));
        var entry = new JsonObject { ["id"] = "r1" };

        marker.Mark(entry);

        Assert.That(entry.ToJsonString(), Is.EqualTo("{\"id\":\"r1\",\"status\":\"gone\"}"));
        Assert.That(marker.ToString(), Is.EqualTo("status == \"gone\" or archived == true"));
    }

    [Test]
    public void Any_of_refuses_no_markers_and_a_null_one_naming_it()
    {
        var empty = Assert.Throws<ArgumentException>(() => SyncDeletionMarker.AnyOf());
        var withNull = Assert.Throws<ArgumentException>(() => SyncDeletionMarker.AnyOf(SyncDeletionMarker.Flag(SyncJsonPath.Property("removed")), null!));
        var nullArray = Assert.Throws<ArgumentException>(() => SyncDeletionMarker.AnyOf(null!));

        Assert.That(empty!.Message, Does.Contain("at least one"));
        Assert.That(withNull!.Message, Does.Contain("marker 1 of AnyOf is null"));
        Assert.That((empty.ParamName, withNull.ParamName, nullArray!.ParamName), Is.EqualTo(("markers", "markers", "markers")));
    }
}
