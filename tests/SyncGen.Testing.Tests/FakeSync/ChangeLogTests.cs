using System.Linq;
using NUnit.Framework;
using SyncGen.Testing.FakeServer;

namespace SyncGen.Testing.Tests.FakeSync;

/// <summary>The one snapshot model and paging rule that the embedded servers and the scenario simulator share.</summary>
public sealed class ChangeLogTests
{
    private sealed record Version(string Id, int Value);

    private static ChangeLog<Version> Log(params (string Id, int Value)[] changes)
    {
        var log = new ChangeLog<Version>(static v => v.Id);
        foreach (var (id, value) in changes)
        {
            log.Append(new Version(id, value));
        }

        return log;
    }

    [Test]
    public void Changes_are_the_latest_version_of_each_id_as_of_the_snapshot_in_change_order()
    {
        var log = Log(("b", 1), ("a", 2), ("b", 3), ("c", 4), ("a", 5));

        Assert.That(log.Changes(snapshot: 5, since: -1), Is.EqualTo(new[] { new Version("b", 3), new Version("c", 4), new Version("a", 5) }));
        Assert.That(log.Changes(snapshot: 3, since: -1), Is.EqualTo(new[] { new Version("a", 2), new Version("b", 3) }), "a snapshot ignores later changes");
        Assert.That(log.Changes(snapshot: 5, since: 3), Is.EqualTo(new[] { new Version("c", 4), new Version("a", 5) }), "an incremental pass starts after its position");
        Assert.That(log.Changes(snapshot: 99, since: -1), Has.Count.EqualTo(3), "a snapshot beyond the log is the whole log");
        Assert.That(log.At(3), Is.EqualTo(new Version("b", 3)));
        Assert.That(log.TryGetLatest("a", out var latest) ? latest : null, Is.EqualTo(new Version("a", 5)));
        Assert.That(log.Latest.Select(v => v.Value).Order(), Is.EqualTo(new[] { 3, 4, 5 }));
    }

    [TestCase(7, 0, 3, 0, 3, false)]
    [TestCase(7, 6, 3, 6, 1, true)]
    [TestCase(6, 3, 3, 3, 3, true)]
    [TestCase(7, 3, 0, 3, 0, false)] // an empty short page still leads on
    [TestCase(0, 0, 3, 0, 0, true)] // an empty listing is one empty last page
    [TestCase(5, 9, 3, 5, 0, true)] // an offset beyond the end is clamped
    public void A_page_window_takes_up_to_a_page_and_only_the_one_reaching_the_end_is_last(int total, int offset, int pageSize, int start, int count, bool last)
    {
        var window = PageWindow.Of(total, offset, pageSize);

        Assert.That(window, Is.EqualTo(new PageWindow(start, count, last)));
        Assert.That(window.NextOffset, Is.EqualTo(start + count));
    }
}
