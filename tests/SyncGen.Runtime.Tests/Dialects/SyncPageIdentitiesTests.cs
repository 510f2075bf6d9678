using System;
using System.Threading.Tasks;
using NUnit.Framework;
using SyncGen.Infrastructure;

namespace SyncGen.Runtime.Tests.Dialects;

/// <summary>The engine's use of <see cref="SyncPage{TItem}.Identities"/>: keys and deletions from the page source, checked.</summary>
public class SyncPageIdentitiesTests
{
    private static SyncEngine<Named> Engine(SyncPage<Named> page, InMemorySyncStore<Named> store) => new(
        new SyncDefinition<Named>
        {
            RepositoryName = "identities",
            OpenPass = _ => (_, _) => Task.FromResult(page),
            GetKey = _ => throw new InvalidOperationException("the page's identities decide"),
            IsDeleted = _ => throw new InvalidOperationException("the page's identities decide"),
            Gate = new SyncGate(),
        },
        store);

    [Test]
    public async Task Identities_key_items_and_let_a_deletion_carry_no_item()
    {
        var store = new InMemorySyncStore<Named>();
        var page = SyncPage<Named>.Create(new[] { new Named("Ann"), default! }, null, "s1") with
        {
            Identities = new[] { new SyncItemIdentity("a", false), new SyncItemIdentity("gone", true) },
        };

        var result = await Engine(page, store).RunAsync();

        Assert.That((result.Upserts, result.Deletes), Is.EqualTo((1, 1)));
        Assert.That(store.Items["a"].Name, Is.EqualTo("Ann"));
    }

    [Test]
    public void Identities_that_do_not_match_the_items_are_a_malformed_page()
    {
        var store = new InMemorySyncStore<Named>();
        var page = SyncPage<Named>.Create(new[] { new Named("Ann") }, null, "s1") with { Identities = Array.Empty<SyncItemIdentity>() };

        var failure = Assert.ThrowsAsync<SyncProtocolException>(() => Engine(page, store).RunAsync());

        Assert.That(failure!.Violation, Is.EqualTo(SyncProtocolViolation.MalformedResponse));
        Assert.That(failure.Message, Does.Contain("0 keys for 1 items"));
        Assert.That(store.SyncToken, Is.Null);
    }

    [Test]
    public void An_upsert_without_an_item_is_a_malformed_page()
    {
        var store = new InMemorySyncStore<Named>();
        var page = SyncPage<Named>.Create(new Named[] { default! }, null, "s1") with { Identities = new[] { new SyncItemIdentity("a", false) } };

        var failure = Assert.ThrowsAsync<SyncProtocolException>(() => Engine(page, store).RunAsync());

        Assert.That(failure!.Message, Does.Contain("(key 'a') is not a deletion but carries no item"));
        Assert.That(store.SyncToken, Is.Null);
    }
}
