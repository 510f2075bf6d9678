using System;
using NUnit.Framework;

namespace SyncGen.Runtime.Tests.Dialects;

/// <summary>The partial-response mask reader the Drive dialect's check stands on: which members a mask keeps.</summary>
public class GoogleFieldsMaskTests
{
    [TestCase("a", "a/b/c", true)]
    [TestCase("a(b)", "a/b/c", true)]
    [TestCase("a(b)", "a/c", false)]
    [TestCase("a(b)", "a", true)]
    [TestCase("a/b", "a/b", true)]
    [TestCase("a/b", "a/c", false)]
    [TestCase("a(b(c,d),e)", "a/b/d", true)]
    [TestCase("a(b(c,d),e)", "a/b/e", false)]
    [TestCase("a(b(c,d),e)", "a/e", true)]
    [TestCase("a/b(c,d)", "a/b/d", true)]
    [TestCase("a/b(c,d)", "a/d", false)]
    [TestCase("a(b),a(c)", "a/c", true)]
    [TestCase("a(b),a", "a/z", true)]
    [TestCase("a,a(b)", "a/z", true)]
    [TestCase("*", "a/b", true)]
    [TestCase("a(*)", "a/b/c", true)]
    [TestCase("*,a(b)", "a/z", true)]
    [TestCase("a(*/c)", "a/b/c", true)]
    [TestCase("a(*/c)", "a/b/d", false)]
    [TestCase("  a ( b , c / d ) , e ", "a/c/d", true)]
    [TestCase("  a ( b , c / d ) , e ", "e", true)]
    [TestCase("  a ( b , c / d ) , e ", "a/c/e", false)]
    [TestCase("ab", "a", false)]
    [TestCase("A", "a", false)]
    public void Selects_what_the_mask_keeps(string mask, string path, bool selected)
    {
        Assert.That(GoogleFieldsMask.Parse(mask).Selects(path.Split('/')), Is.EqualTo(selected));
    }

    [TestCase("", "expected a member name or '*' at the end of the mask")]
    [TestCase("a(", "expected a member name or '*' at the end of the mask")]
    [TestCase("a(b", "expected ')' at the end of the mask")]
    [TestCase("a)b", "expected a comma or the end of the mask at position 2, found ')'")]
    [TestCase("a b", "expected a comma or the end of the mask at position 3, found 'b'")]
    [TestCase("a//b", "expected a member name or '*' at position 3, found '/'")]
    [TestCase("a,()", "expected a member name or '*' at position 3, found '('")]
    [TestCase("a(b)(c)", "expected a comma or the end of the mask at position 5, found '('")]
    public void Refuses_a_malformed_mask_naming_where(string mask, string message)
    {
        var error = Assert.Throws<FormatException>(() => GoogleFieldsMask.Parse(mask))!;

        Assert.That(error.Message, Is.EqualTo(message));
    }
}
