using NUnit.Framework;
using SyncGen.Testing.Stores;

namespace SyncGen.Runtime.Tests.Stores;

[TestFixture]
public sealed class InMemorySyncStoreContractTests : SyncStoreContractTests
{
    private InMemorySyncStore<TestItem>? _shared;

    [SetUp]
    public void CreateSharedStore() => _shared = new InMemorySyncStore<TestItem> { ChangeFeed = new SyncChangeFeedOptions() };

    // An in-memory store has no backing storage to reopen: "another instance" is the same instance.
    protected override ISyncStore<TestItem> CreateStore() => _shared!;

    protected override ISyncStore<TestItem> CreateStoreWithFeed(SyncChangeFeedOptions options) => _shared = new InMemorySyncStore<TestItem> { ChangeFeed = options };
}
