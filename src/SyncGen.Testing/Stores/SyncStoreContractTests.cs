using System;
using System.Collections.Generic;
using System.Linq;
using System.Text.Json;
using System.Text.Json.Serialization;
using System.Threading;
using System.Threading.Tasks;
using NUnit.Framework;

namespace SyncGen.Testing.Stores;

/// <summary>The item type every store contract test stores.</summary>
/// <param name="Id">The item's key.</param>
/// <param name="Title">A value that changes between passes.</param>
public sealed record TestItem(string Id, string Title);

/// <summary>
/// The behaviour every <see cref="ISyncStore{TItem}"/> must have, as an inheritable NUnit suite: SyncGen runs it on its
/// in-memory, JSON file, SQLite and PostgreSQL stores, and a store of your own passes it by subclassing and overriding
/// <see cref="CreateStore"/>, which must return a new instance over the same backing storage (the same collection) every
/// time it is called within one test, so that persistence can be checked by reopening. Give each test its own storage
/// (a new file, database or collection) in a <c>[SetUp]</c> of the subclass.
/// </summary>
public abstract partial class SyncStoreContractTests
{
    private ISyncStore<TestItem>? _store;

    /// <summary>The store under test, created on first use in each test (after the subclass's SetUp ran).</summary>
    protected ISyncStore<TestItem> Store => _store ??= CreateStore();

    /// <summary>Opens the store under test over this test's storage; see the class summary.</summary>
    /// <returns>A new store instance over the same storage as every other call within the test.</returns>
    protected abstract ISyncStore<TestItem> CreateStore();

    /// <summary>Drops the store of the finished test.</summary>
    [TearDown]
    public void ForgetStore() => _store = null;

    /// <summary>An upsert of <paramref name="id"/> with <paramref name="title"/>.</summary>
    protected static SyncChange<TestItem> Up(string id, string title) => SyncChange<TestItem>.Upsert(id, new TestItem(id, title));

    /// <summary>A deletion of <paramref name="id"/>.</summary>
    protected static SyncChange<TestItem> Del(string id) => SyncChange<TestItem>.Delete(id);

    /// <summary>The stored pair of <paramref name="id"/> with <paramref name="title"/>.</summary>
    protected static KeyValuePair<string, TestItem> Kv(string id, string title) => KeyValuePair.Create(id, new TestItem(id, title));

    /// <summary>Runs one pass of <paramref name="kind"/> with <paramref name="pages"/> and commits it with <paramref name="token"/>.</summary>
    protected static async Task CommitPassAsync(ISyncStore<TestItem> store, SyncPassKind kind, string token, params SyncChange<TestItem>[][] pages)
    {
        var writer = await store.BeginPassAsync(kind);
        await using (writer)
        {
            foreach (var page in pages)
            {
                await writer.ApplyAsync(page);
            }

            await writer.CommitAsync(token);
        }
    }

    /// <summary>The committed items of <paramref name="store"/>.</summary>
    protected static async Task<List<KeyValuePair<string, TestItem>>> ItemsAsync(ISyncStore<TestItem> store) => (await store.ReadItemsAsync()).ToList();

    /// <summary>Commits a full pass of a=A1, b=B1 with token t1.</summary>
    protected async Task SeedAsync() => await CommitPassAsync(Store, SyncPassKind.Full, "t1", [Up("a", "A1"), Up("b", "B1")]);

    /// <summary>Asserts that <paramref name="store"/> holds exactly what <see cref="SeedAsync"/> committed.</summary>
    protected async Task AssertSeededAsync(ISyncStore<TestItem> store)
    {
        var token = await store.ReadSyncTokenAsync();
        var items = await ItemsAsync(store);
        await Assert.MultipleAsync(async () =>
        {
            Assert.That(token, Is.EqualTo("t1"));
            Assert.That(items, Is.EqualTo(new[] { Kv("a", "A1"), Kv("b", "B1") }));
        });
    }

    /// <summary>Contract: Empty store has no token and no items.</summary>
    [Test]
    public async Task EmptyStore_HasNoTokenAndNoItems()
    {
        var token = await Store.ReadSyncTokenAsync();
        var items = await Store.ReadItemsAsync();
        await Assert.MultipleAsync(async () =>
        {
            Assert.That(token, Is.Null);
            Assert.That(items, Is.Empty);
        });
    }

    /// <summary>Contract: Full pass replaces the mirror, items not re-listed disappear.</summary>
    [Test]
    public async Task FullPass_ReplacesTheMirror_ItemsNotReListedDisappear()
    {
        await SeedAsync();

        await CommitPassAsync(Store, SyncPassKind.Full, "t2", [Up("b", "B2")], [Up("c", "C2")]);

        await Assert.MultipleAsync(async () =>
        {
            Assert.That(await Store.ReadSyncTokenAsync(), Is.EqualTo("t2"));
            Assert.That(await ItemsAsync(Store), Is.EqualTo(new[] { Kv("b", "B2"), Kv("c", "C2") }));
        });
    }

    /// <summary>Contract: Full pass, with no items, empties the mirror.</summary>
    [Test]
    public async Task FullPass_WithNoItems_EmptiesTheMirror()
    {
        await SeedAsync();

        await CommitPassAsync(Store, SyncPassKind.Full, "t2");

        await Assert.MultipleAsync(async () =>
        {
            Assert.That(await Store.ReadSyncTokenAsync(), Is.EqualTo("t2"));
            Assert.That(await ItemsAsync(Store), Is.Empty);
        });
    }

    /// <summary>Contract: Incremental pass merges into the mirror.</summary>
    [Test]
    public async Task IncrementalPass_MergesIntoTheMirror()
    {
        await SeedAsync();

        await CommitPassAsync(Store, SyncPassKind.Incremental, "t2", [Up("b", "B2"), Up("c", "C2")], [Del("a")]);

        await Assert.MultipleAsync(async () =>
        {
            Assert.That(await Store.ReadSyncTokenAsync(), Is.EqualTo("t2"));
            Assert.That(await ItemsAsync(Store), Is.EqualTo(new[] { Kv("b", "B2"), Kv("c", "C2") }));
        });
    }

    /// <summary>Contract: Incremental pass, with no changes, keeps items and stores the token.</summary>
    [Test]
    public async Task IncrementalPass_WithNoChanges_KeepsItemsAndStoresTheToken()
    {
        await SeedAsync();

        await CommitPassAsync(Store, SyncPassKind.Incremental, "t1");

        await AssertSeededAsync(Store);
    }

    /// <summary>Contract: Changes within one pass, apply in order, later change of the same key wins.</summary>
    [TestCase(SyncPassKind.Full)]
    [TestCase(SyncPassKind.Incremental)]
    public async Task ChangesWithinOnePass_ApplyInOrder_LaterChangeOfTheSameKeyWins(SyncPassKind kind)
    {
        await CommitPassAsync(Store, SyncPassKind.Full, "t1", [Up("kept", "K1"), Up("gone", "G1"), Up("back", "R1")]);

        await CommitPassAsync(
            Store,
            kind,
            "t2",
            [Up("x", "X1"), Del("x"), Up("x", "X2"), Up("y", "Y1"), Del("y")],
            [Up("z", "Z1"), Up("z", "Z2"), Del("gone")],
            [Del("back"), Up("back", "R2"), Up("kept", "K2"), Up("z", "Z3")]);

        await Assert.MultipleAsync(async () =>
        {
            Assert.That(await Store.ReadSyncTokenAsync(), Is.EqualTo("t2"));
            Assert.That(await ItemsAsync(Store), Is.EqualTo(new[] { Kv("back", "R2"), Kv("kept", "K2"), Kv("x", "X2"), Kv("z", "Z3") }));
        });
    }

    /// <summary>Contract: Delete of a key never stored, inserts nothing.</summary>
    [TestCase(SyncPassKind.Full)]
    [TestCase(SyncPassKind.Incremental)]
    public async Task DeleteOfAKeyNeverStored_InsertsNothing(SyncPassKind kind)
    {
        await SeedAsync();

        await CommitPassAsync(Store, kind, "t2", [Del("ghost"), Up("a", "A2")], [Del("phantom")]);

        var expected = kind == SyncPassKind.Full ? new[] { Kv("a", "A2") } : new[] { Kv("a", "A2"), Kv("b", "B1") };
        await Assert.MultipleAsync(async () =>
        {
            Assert.That(await Store.ReadSyncTokenAsync(), Is.EqualTo("t2"));
            Assert.That(await ItemsAsync(Store), Is.EqualTo(expected));
        });
    }

    /// <summary>Contract: Disposing without commit, leaves items and token exactly unchanged.</summary>
    [TestCase(SyncPassKind.Full)]
    [TestCase(SyncPassKind.Incremental)]
    public async Task DisposingWithoutCommit_LeavesItemsAndTokenExactlyUnchanged(SyncPassKind kind)
    {
        await SeedAsync();

        var writer = await Store.BeginPassAsync(kind);
        await writer.ApplyAsync([Up("c", "C2"), Del("a"), Up("b", "B2")]);
        await writer.ApplyAsync([Up("d", "D2")]);
        await writer.DisposeAsync();

        await AssertSeededAsync(Store);

        // Nothing the discarded pass staged leaks into the next one.
        await CommitPassAsync(Store, SyncPassKind.Incremental, "t3", [Up("e", "E3")]);
        Assert.That(await ItemsAsync(Store), Is.EqualTo(new[] { Kv("a", "A1"), Kv("b", "B1"), Kv("e", "E3") }));
    }

    /// <summary>Contract: Disposing twice, is harmless.</summary>
    [Test]
    public async Task DisposingTwice_IsHarmless()
    {
        await SeedAsync();
        var writer = await Store.BeginPassAsync(SyncPassKind.Full);
        await writer.ApplyAsync([Up("c", "C2")]);

        await writer.DisposeAsync();
        await writer.DisposeAsync();

        await AssertSeededAsync(Store);
    }

    /// <summary>Contract: Readers during an uncommitted full pass, see the old items.</summary>
    [Test]
    public async Task ReadersDuringAnUncommittedFullPass_SeeTheOldItems()
    {
        await SeedAsync();
        var writer = await Store.BeginPassAsync(SyncPassKind.Full);
        await using (writer)
        {
            await writer.ApplyAsync([Up("c", "C2")]);

            await AssertSeededAsync(Store);
            await AssertSeededAsync(CreateStore());

            await writer.CommitAsync("t2");
        }

        await Assert.MultipleAsync(async () =>
        {
            Assert.That(await Store.ReadSyncTokenAsync(), Is.EqualTo("t2"));
            Assert.That(await ItemsAsync(Store), Is.EqualTo(new[] { Kv("c", "C2") }));
        });
    }

    /// <summary>Contract: Commit with an empty token, throws argument exception, and changes nothing.</summary>
    [TestCase("")]
    [TestCase(null)]
    public async Task CommitWithAnEmptyToken_ThrowsArgumentException_AndChangesNothing(string? token)
    {
        await SeedAsync();
        var writer = await Store.BeginPassAsync(SyncPassKind.Full);
        await using (writer)
        {
            await writer.ApplyAsync([Up("c", "C2")]);

            var error = Assert.ThrowsAsync<ArgumentException>(async () => await writer.CommitAsync(token!));

            Assert.That(error!.ParamName, Is.EqualTo("syncToken"));
            await AssertSeededAsync(Store);
        }
    }

    /// <summary>Contract: Writer used after commit, throws invalid operation exception.</summary>
    [Test]
    public async Task WriterUsedAfterCommit_ThrowsInvalidOperationException()
    {
        var writer = await Store.BeginPassAsync(SyncPassKind.Full);
        await using (writer)
        {
            await writer.ApplyAsync([Up("a", "A1")]);
            await writer.CommitAsync("t1");

            await Assert.MultipleAsync(async () =>
            {
                Assert.ThrowsAsync<InvalidOperationException>(async () => await writer.ApplyAsync([Up("b", "B1")]));
                Assert.ThrowsAsync<InvalidOperationException>(async () => await writer.CommitAsync("t2"));
            });
        }

        await Assert.MultipleAsync(async () =>
        {
            Assert.That(await Store.ReadSyncTokenAsync(), Is.EqualTo("t1"));
            Assert.That(await ItemsAsync(Store), Is.EqualTo(new[] { Kv("a", "A1") }));
        });
    }

    /// <summary>Contract: Writer used after dispose, throws invalid operation exception.</summary>
    [Test]
    public async Task WriterUsedAfterDispose_ThrowsInvalidOperationException()
    {
        var writer = await Store.BeginPassAsync(SyncPassKind.Incremental);
        await writer.DisposeAsync();

        await Assert.MultipleAsync(async () =>
        {
            Assert.ThrowsAsync<InvalidOperationException>(async () => await writer.ApplyAsync([Up("b", "B1")]));
            Assert.ThrowsAsync<InvalidOperationException>(async () => await writer.CommitAsync("t2"));
            Assert.That(await Store.ReadSyncTokenAsync(), Is.Null);
        });
    }

    /// <summary>Contract: Cancelled token, is honoured by every operation, and changes nothing.</summary>
    [Test]
    public async Task CancelledToken_IsHonouredByEveryOperation_AndChangesNothing()
    {
        await SeedAsync();
        using var cancelled = new CancellationTokenSource();
        await cancelled.CancelAsync();
        var writer = await Store.BeginPassAsync(SyncPassKind.Full);
        await using (writer)
        {
            await writer.ApplyAsync([Up("c", "C2")]);

            await Assert.MultipleAsync(async () =>
            {
                Assert.CatchAsync<OperationCanceledException>(async () => await Store.ReadSyncTokenAsync(cancelled.Token));
                Assert.CatchAsync<OperationCanceledException>(async () => await Store.ReadItemsAsync(cancelled.Token));
                Assert.CatchAsync<OperationCanceledException>(async () => await Store.BeginPassAsync(SyncPassKind.Incremental, cancelled.Token));
                Assert.CatchAsync<OperationCanceledException>(async () => await writer.ApplyAsync([Up("d", "D2")], cancelled.Token));
                Assert.CatchAsync<OperationCanceledException>(async () => await writer.CommitAsync("t2", cancelled.Token));
            });

            await AssertSeededAsync(Store);

            // A cancelled apply staged nothing and a cancelled commit ended nothing: the pass can still be committed.
            await writer.CommitAsync("t2");
        }

        await Assert.MultipleAsync(async () =>
        {
            Assert.That(await Store.ReadSyncTokenAsync(), Is.EqualTo("t2"));
            Assert.That(await ItemsAsync(Store), Is.EqualTo(new[] { Kv("c", "C2") }));
        });
    }

    /// <summary>Contract: Page with a default change, is rejected, and stages nothing of that page.</summary>
    [Test]
    public async Task PageWithADefaultChange_IsRejected_AndStagesNothingOfThatPage()
    {
        await SeedAsync();
        var writer = await Store.BeginPassAsync(SyncPassKind.Incremental);
        await using (writer)
        {
            var error = Assert.ThrowsAsync<ArgumentException>(async () => await writer.ApplyAsync([Up("c", "C2"), default]));
            Assert.That(error!.ParamName, Is.EqualTo("changes"));

            await writer.CommitAsync("t2");
        }

        await Assert.MultipleAsync(async () =>
        {
            Assert.That(await Store.ReadSyncTokenAsync(), Is.EqualTo("t2"));
            Assert.That(await ItemsAsync(Store), Is.EqualTo(new[] { Kv("a", "A1"), Kv("b", "B1") }));
        });
    }

    /// <summary>Contract: Apply with null page, throws argument null exception.</summary>
    [Test]
    public async Task ApplyWithNullPage_ThrowsArgumentNullException()
    {
        var writer = await Store.BeginPassAsync(SyncPassKind.Full);
        await using (writer)
        {
            var error = Assert.ThrowsAsync<ArgumentNullException>(async () => await writer.ApplyAsync(null!));
            Assert.That(error!.ParamName, Is.EqualTo("changes"));
        }
    }

    /// <summary>
    /// Contract: a key holding a lone UTF-16 surrogate is refused, naming the change, and nothing of its page is staged.
    /// Such a key has no UTF-8 form: a store that encodes keys as UTF-8 would turn it into U+FFFD and merge distinct keys
    /// into one row, so every store refuses it rather than each deciding on its own.
    /// </summary>
    /// <param name="shape">Which bad key (named, not given: attribute strings are stored as UTF-8, which has no lone surrogates).</param>
    /// <param name="delete">Whether the bad key comes in a deletion rather than an upsert.</param>
    [TestCase("high surrogate at the end", false)]
    [TestCase("low surrogate at the end", false)]
    [TestCase("pair in the wrong order", false)]
    [TestCase("high surrogate after a pair, then a letter", false)]
    [TestCase("low surrogate at the end", true)]
    public async Task KeyWithALoneSurrogate_IsRejected_NamingTheChange_AndStagesNothingOfThatPage(string shape, bool delete)
    {
        var key = shape switch
        {
            "high surrogate at the end" => "a\uD800",
            "low surrogate at the end" => "a\uDC00",
            "pair in the wrong order" => "\uDE00\uD83D",
            "high surrogate after a pair, then a letter" => "\uD83D\uDE00\uD800b",
            _ => throw new ArgumentOutOfRangeException(nameof(shape), shape, "Unknown key shape."),
        };
        await SeedAsync();
        var writer = await Store.BeginPassAsync(SyncPassKind.Incremental);
        await using (writer)
        {
            var bad = delete ? SyncChange<TestItem>.Delete(key) : SyncChange<TestItem>.Upsert(key, new TestItem("bad", "X2"));
            var error = Assert.ThrowsAsync<ArgumentException>(async () => await writer.ApplyAsync([Up("c", "C2"), Del("a"), bad]));
            Assert.Multiple(() =>
            {
                Assert.That(error!.ParamName, Is.EqualTo("changes"));
                Assert.That(error.Message, Does.StartWith("Change #2 of the page"));
                Assert.That(error.Message, Does.Contain("is not valid UTF-16"));
            });

            // Refused before anything was staged: neither the pass nor the committed state saw the page.
            await AssertSeededAsync(Store);
            await writer.ApplyAsync([Up("d", "D2")]);
            await writer.CommitAsync("t2");
        }

        await Assert.MultipleAsync(async () =>
        {
            Assert.That(await Store.ReadSyncTokenAsync(), Is.EqualTo("t2"));
            Assert.That(await ItemsAsync(Store), Is.EqualTo(new[] { Kv("a", "A1"), Kv("b", "B1"), Kv("d", "D2") }));
        });
    }

    /// <summary>Contract: keys with surrogate pairs (supplementary characters) are valid UTF-16 and stay distinct.</summary>
    [Test]
    public async Task KeysWithSurrogatePairs_AreAccepted_AndStayDistinct()
    {
        string[] keys = ["a\U0001F600", "a\U0001F601", "\U00010000", "\U0010FFFF", "a\uFFFD"];
        await CommitPassAsync(Store, SyncPassKind.Full, "t1", keys.Select(key => Up(key, "T" + key)).ToArray());

        var items = await ItemsAsync(Store);

        var expected = keys.Order(StringComparer.Ordinal).ToArray();
        Assert.That(items, Is.EqualTo(expected.Select(key => Kv(key, "T" + key))));
    }

    /// <summary>Contract: Items, are read in ordinal key order.</summary>
    [Test]
    public async Task Items_AreReadInOrdinalKeyOrder()
    {
        // "\uFF21" sorts after "\U0001F600" ordinally (UTF-16 surrogates are below U+FF21) but before it by code point.
        string[] keys = ["b", "B", "a", "aa", "é", "Z", "\uFF21", "\U0001F600", "10", "9"];
        await CommitPassAsync(Store, SyncPassKind.Full, "t1", keys.Select(key => Up(key, "T" + key)).ToArray());

        var items = await ItemsAsync(Store);

        var expected = keys.Order(StringComparer.Ordinal).ToArray();
        await Assert.MultipleAsync(async () =>
        {
            Assert.That(items.Select(pair => pair.Key), Is.EqualTo(expected));
            Assert.That(items.Select(pair => pair.Value), Is.EqualTo(expected.Select(key => new TestItem(key, "T" + key))));
        });
    }
}

/// <summary>The contract, plus what a store that outlives its instance (a file or a database) must also do.</summary>
public abstract class PersistentSyncStoreContractTests : SyncStoreContractTests
{
    /// <summary>Contract: Committed state, survives a new instance.</summary>
    [Test]
    public async Task CommittedState_SurvivesANewInstance()
    {
        await CommitPassAsync(Store, SyncPassKind.Full, "t1", [Up("a", "A1"), Up("b", "B1")]);
        await CommitPassAsync(Store, SyncPassKind.Incremental, "t2", [Up("c", "C2"), Del("a")]);

        var reopened = CreateStore();

        await Assert.MultipleAsync(async () =>
        {
            Assert.That(await reopened.ReadSyncTokenAsync(), Is.EqualTo("t2"));
            Assert.That(await ItemsAsync(reopened), Is.EqualTo(new[] { Kv("b", "B1"), Kv("c", "C2") }));
        });
    }

    /// <summary>Contract: Commit of one instance, is seen by another on its next pass.</summary>
    [Test]
    public async Task CommitOfOneInstance_IsSeenByAnotherOnItsNextPass()
    {
        var other = CreateStore();
        await SeedAsync();
        await CommitPassAsync(other, SyncPassKind.Incremental, "t2", [Up("c", "C2")]);

        await CommitPassAsync(Store, SyncPassKind.Incremental, "t3", [Del("b")]);

        await Assert.MultipleAsync(async () =>
        {
            Assert.That(await other.ReadSyncTokenAsync(), Is.EqualTo("t3"));
            Assert.That(await ItemsAsync(other), Is.EqualTo(new[] { Kv("a", "A1"), Kv("c", "C2") }));
        });
    }

    /// <summary>
    /// Opens the store under test over this test's storage, as <see cref="SyncStoreContractTests.CreateStore"/> does, but
    /// serializing items with <paramref name="serializerOptions"/>. Return <see langword="null"/> (the default) for a
    /// store that does not serialize items with System.Text.Json: the tests that need it are then ignored.
    /// </summary>
    /// <param name="serializerOptions">How the store must serialize and deserialize its items.</param>
    /// <returns>A new store instance over the same storage as <see cref="SyncStoreContractTests.CreateStore"/>, or <see langword="null"/>.</returns>
    protected virtual ISyncStore<TestItem>? CreateStore(JsonSerializerOptions serializerOptions) => null;

    /// <summary>
    /// Contract: an upsert whose item serializes to JSON <c>null</c> (here through a converter, as a custom one or a
    /// <see cref="JsonElement"/> of kind Null would) is refused when its page is applied, naming the change; nothing of
    /// that page is staged and the pass goes on. Stored, such an item would make every later read fail.
    /// </summary>
    /// <param name="kind">The kind of the pass.</param>
    [TestCase(SyncPassKind.Full)]
    [TestCase(SyncPassKind.Incremental)]
    public async Task UpsertWhoseItemSerializesToJsonNull_IsRejected_NamingTheChange_AndStagesNothingOfThatPage(SyncPassKind kind)
    {
        await SeedAsync();
        var store = CreateStore(NullTitleConverter.Options());
        if (store is null)
        {
            Assert.Ignore("The store does not serialize with System.Text.Json (CreateStore(JsonSerializerOptions) is not overridden).");
            return;
        }

        var writer = await store.BeginPassAsync(kind);
        await using (writer)
        {
            var error = Assert.ThrowsAsync<ArgumentException>(async () => await writer.ApplyAsync(
                [Up("c", "C2"), Del("a"), Up("n", NullTitleConverter.NullTitle), Up("d", "D2")]));
            Assert.Multiple(() =>
            {
                Assert.That(error!.ParamName, Is.EqualTo("changes"));
                Assert.That(error.Message, Does.StartWith("Change #2 of the page (key 'n') is an upsert whose item serializes to JSON null"));
            });

            // Refused before anything was staged: the committed state is untouched and the pass can still commit.
            await AssertSeededAsync(Store);
            await writer.ApplyAsync([Up("e", "E2")]);
            await writer.CommitAsync("t2");
        }

        var expected = kind == SyncPassKind.Full ? new[] { Kv("e", "E2") } : new[] { Kv("a", "A1"), Kv("b", "B1"), Kv("e", "E2") };
        await Assert.MultipleAsync(async () =>
        {
            Assert.That(await Store.ReadSyncTokenAsync(), Is.EqualTo("t2"));
            Assert.That(await ItemsAsync(Store), Is.EqualTo(expected));
            Assert.That(await ItemsAsync(store), Is.EqualTo(expected));
        });
    }

    /// <summary>
    /// Opens a store of <see cref="JsonElement"/> items over storage of this test (another collection or file than
    /// <see cref="SyncStoreContractTests.CreateStore"/>'s will do). Return <see langword="null"/> (the default) for a
    /// store that does not serialize items with System.Text.Json: the tests that need it are then ignored.
    /// </summary>
    /// <returns>A store of <see cref="JsonElement"/> items, or <see langword="null"/>.</returns>
    protected virtual ISyncStore<JsonElement>? CreateJsonElementStore() => null;

    /// <summary>
    /// Contract: a <see cref="JsonElement"/> item of kind Null serializes to JSON <c>null</c> and is refused with its page
    /// as any such item is; one of kind Undefined (<c>default(JsonElement)</c>) does not serialize at all, and its page
    /// fails with the serializer's <see cref="InvalidOperationException"/>, as any item that fails to serialize does.
    /// Either way nothing of the page is stored, the token stays, and the pass goes on.
    /// </summary>
    /// <param name="kind">"Null" or "Undefined".</param>
    [TestCase("Null")]
    [TestCase("Undefined")]
    public async Task JsonElementItemOfKindNullOrUndefined_IsRefusedWithItsPage_AndThePassGoesOn(string kind)
    {
        var store = CreateJsonElementStore();
        if (store is null)
        {
            Assert.Ignore("The store does not serialize with System.Text.Json (CreateJsonElementStore is not overridden).");
            return;
        }

        using var document = JsonDocument.Parse("""[{"v":1}, {"v":2}, null]""");
        var one = document.RootElement[0].Clone();
        var two = document.RootElement[1].Clone();
        var bad = kind == "Null" ? document.RootElement[2].Clone() : default;
        var seed = await store.BeginPassAsync(SyncPassKind.Full);
        await using (seed)
        {
            await seed.ApplyAsync([SyncChange<JsonElement>.Upsert("a", one)]);
            await seed.CommitAsync("t1");
        }

        var writer = await store.BeginPassAsync(SyncPassKind.Incremental);
        await using (writer)
        {
            var page = new[] { SyncChange<JsonElement>.Upsert("b", two), SyncChange<JsonElement>.Delete("a"), SyncChange<JsonElement>.Upsert("n", bad) };
            if (kind == "Null")
            {
                var error = Assert.ThrowsAsync<ArgumentException>(async () => await writer.ApplyAsync(page));
                Assert.Multiple(() =>
                {
                    Assert.That(error!.ParamName, Is.EqualTo("changes"));
                    Assert.That(error.Message, Does.StartWith("Change #2 of the page (key 'n') is an upsert whose item serializes to JSON null"));
                });
            }
            else
            {
                Assert.ThrowsAsync<InvalidOperationException>(async () => await writer.ApplyAsync(page));
            }

            Assert.That(await store.ReadSyncTokenAsync(), Is.EqualTo("t1"));
            await writer.ApplyAsync([SyncChange<JsonElement>.Upsert("c", two)]);
            await writer.CommitAsync("t2");
        }

        var items = await store.ReadItemsAsync();
        await Assert.MultipleAsync(async () =>
        {
            Assert.That(await store.ReadSyncTokenAsync(), Is.EqualTo("t2"));
            Assert.That(items.Select(pair => pair.Key), Is.EqualTo(new[] { "a", "c" }));
            Assert.That(items.Select(pair => pair.Value.GetProperty("v").GetInt32()), Is.EqualTo(new[] { 1, 2 }));
        });
    }

    /// <summary>Writes a <see cref="TestItem"/> whose title is <see cref="NullTitle"/> as JSON null, every other one as usual.</summary>
    private sealed class NullTitleConverter : JsonConverter<TestItem>
    {
        public const string NullTitle = "(serializes to null)";

        // The options without this converter, to read and write the item as the store's default options would.
        private readonly JsonSerializerOptions _plain = new(JsonSerializerDefaults.Web);

        public static JsonSerializerOptions Options() => new(JsonSerializerDefaults.Web) { Converters = { new NullTitleConverter() } };

        public override TestItem? Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) =>
            JsonSerializer.Deserialize<TestItem>(ref reader, _plain);

        public override void Write(Utf8JsonWriter writer, TestItem value, JsonSerializerOptions options)
        {
            if (value.Title == NullTitle)
            {
                writer.WriteNullValue();
            }
            else
            {
                JsonSerializer.Serialize(writer, value, _plain);
            }
        }
    }

    /// <summary>Contract: Many items over many pages, round trip.</summary>
    [Test]
    public async Task ManyItemsOverManyPages_RoundTrip()
    {
        var pages = Enumerable.Range(0, 20)
            .Select(page => Enumerable.Range(0, 250).Select(i => Up($"item-{page * 250 + i:D5}", $"Title {page}/{i} \"quoted\" ünïcødé")).ToArray())
            .ToArray();

        await CommitPassAsync(Store, SyncPassKind.Full, "big", pages);

        var items = await ItemsAsync(CreateStore());
        await Assert.MultipleAsync(async () =>
        {
            Assert.That(items, Has.Count.EqualTo(5000));
            Assert.That(items[0], Is.EqualTo(Kv("item-00000", "Title 0/0 \"quoted\" ünïcødé")));
            Assert.That(items[4999], Is.EqualTo(Kv("item-04999", "Title 19/249 \"quoted\" ünïcødé")));
        });
    }
}
