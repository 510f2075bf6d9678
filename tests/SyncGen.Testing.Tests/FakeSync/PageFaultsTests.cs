using System.Text;
using NUnit.Framework;
using SyncGen.Testing.FakeServer;

namespace SyncGen.Testing.Tests.FakeSync;

/// <summary>The one fault shaper: the simulator and both embedded servers cut bodies the same way.</summary>
[TestFixture]
public sealed class PageFaultsTests
{
    [Test]
    public void Truncation_counts_bytes_not_characters()
    {
        // 4 characters, 8 bytes: half the bytes is "éé", half the characters would be "é" plus half a byte sequence.
        var body = Encoding.UTF8.GetBytes("éééé");
        var cut = PageFaults.Truncate(body, 0.5);
        Assert.That(cut, Has.Length.EqualTo(4));
        Assert.That(Encoding.UTF8.GetString(cut), Is.EqualTo("éé"));
    }

    [Test]
    public void Truncation_never_sends_everything_nor_nothing()
    {
        Assert.That(PageFaults.Truncate(Encoding.UTF8.GetBytes("{}"), 0.01), Has.Length.EqualTo(1));
        Assert.That(PageFaults.Truncate(Encoding.UTF8.GetBytes("{}"), 0.99), Has.Length.EqualTo(1));
    }

    [Test]
    public void Malformed_json_cuts_after_the_dialects_items_array()
    {
        var body = Encoding.UTF8.GetBytes("{\"@odata.nextLink\":\"x\",\"value\":[{\"id\":\"u1\"}]}");
        Assert.That(Encoding.UTF8.GetString(PageFaults.CutAfterItemsStart(body, "value")), Is.EqualTo("{\"@odata.nextLink\":\"x\",\"value\":["));
    }

    [Test]
    public void Malformed_json_without_the_items_array_is_cut_in_half_everywhere_instead_of_failing()
    {
        var body = Encoding.UTF8.GetBytes("{\"other\":[1,2,3,4]}");
        Assert.That(Encoding.UTF8.GetString(PageFaults.CutAfterItemsStart(body, "items")), Is.EqualTo("{\"other\":"));
    }
}
