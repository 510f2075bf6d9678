using System;
using System.Collections.Generic;
using System.Linq;
using System.Threading.Tasks;
using NUnit.Framework;
using SyncGen.Infrastructure;

namespace SyncGen.Runtime.Tests.Infrastructure;

/// <summary>Hooks mode refuses the same bad pages as every store, before the user's ApplyPassAsync could see them.</summary>
public sealed class SyncHookStoreTests
{
    // What ApplyPassAsync received; NUnit runs every case on one fixture instance, so it is emptied before each.
    private readonly List<(SyncPassKind Kind, List<SyncChange<string>> Changes, string Token)> _applied = new();

    [SetUp]
    public void ForgetAppliedPasses() => _applied.Clear();

    private SyncHookStore<string> CreateStore() => new(
        "Tests.Repo",
        _ => new ValueTask<string?>((string?)null),
        (kind, changes, token, _) =>
        {
            _applied.Add((kind, changes.ToList(), token));
            return default;
        });

    [TestCase("default change")]
    [TestCase("lone high surrogate")]
    [TestCase("lone low surrogate")]
    public async Task A_bad_page_is_refused_naming_the_change_and_the_hook_gets_only_the_good_pages(string bad)
    {
        var badChange = bad switch
        {
            "default change" => default,
            "lone high surrogate" => SyncChange<string>.Upsert("b\uD800", "B"),
            _ => SyncChange<string>.Delete("b\uDC00"),
        };

        await using var writer = await CreateStore().BeginPassAsync(SyncPassKind.Full);
        await writer.ApplyAsync(new[] { SyncChange<string>.Upsert("a", "A") });

        var refused = Assert.ThrowsAsync<ArgumentException>(async () => await writer.ApplyAsync(new[] { SyncChange<string>.Upsert("c", "C"), badChange }));
        Assert.That(refused!.ParamName, Is.EqualTo("changes"));
        Assert.That(refused.Message, Does.StartWith("Change #1 of the page"));

        await writer.CommitAsync("t1");
        Assert.That(_applied, Has.Count.EqualTo(1));
        Assert.That(_applied[0].Token, Is.EqualTo("t1"));
        Assert.That(_applied[0].Changes.Select(c => c.Key), Is.EqualTo(new[] { "a" }), "nothing of the refused page reached the hook");
    }

    [Test]
    public async Task A_null_page_is_refused_with_ArgumentNullException()
    {
        await using var writer = await CreateStore().BeginPassAsync(SyncPassKind.Incremental);
        var refused = Assert.ThrowsAsync<ArgumentNullException>(async () => await writer.ApplyAsync(null!));
        Assert.That(refused!.ParamName, Is.EqualTo("changes"));
    }
}
