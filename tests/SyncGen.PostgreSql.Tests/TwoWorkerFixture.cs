using System.Threading.Tasks;
using NUnit.Framework;
using SyncGen.Testing.Stores;

namespace SyncGen.PostgreSql.Tests;

/// <summary>
/// Two "workers" on one collection: separate <see cref="PostgreSqlSyncDatabase"/> instances with their own holder names
/// and pools, as two machines of a fleet would have, and a fresh collection for every test.
/// </summary>
public abstract class TwoWorkerFixture
{
    /// <summary>The first worker's database.</summary>
    protected PostgreSqlSyncDatabase WorkerA { get; private set; } = null!;

    /// <summary>The second worker's database.</summary>
    protected PostgreSqlSyncDatabase WorkerB { get; private set; } = null!;

    /// <summary>The test's collection, new for every test.</summary>
    protected string Collection { get; private set; } = "";

    /// <summary>The prefix of the test's collection name, so that a failing test's rows can be told apart.</summary>
    protected abstract string CollectionPrefix { get; }

    /// <summary>The store options of a worker named <paramref name="holder"/>.</summary>
    protected virtual PostgreSqlSyncStoreOptions Options(string holder) => new() { Holder = holder };

    /// <summary>An upsert of a test item.</summary>
    protected static SyncChange<TestItem> Up(string id, string title) => SyncChange<TestItem>.Upsert(id, new TestItem(id, title));

    [SetUp]
    public void OpenWorkers()
    {
        WorkerA = PostgreSqlSyncDatabase.Create(PostgreSqlCluster.ConnectionString, Options("worker-a"));
        WorkerB = PostgreSqlSyncDatabase.Create(PostgreSqlCluster.ConnectionString, Options("worker-b"));
        Collection = PostgreSqlCluster.NewCollection(CollectionPrefix);
    }

    [TearDown]
    public async Task CloseWorkersAsync()
    {
        await WorkerA.DisposeAsync();
        await WorkerB.DisposeAsync();
    }
}
