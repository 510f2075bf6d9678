using NUnit.Framework;
using SyncGen.Testing.Stores;

namespace SyncGen.PostgreSql.Tests;

/// <summary>The shared store contract on PostgreSQL: every test gets its own collection in one shared database.</summary>
[TestFixture]
public sealed class PostgreSqlSyncStoreContractTests : PersistentSyncStoreContractTests
{
    private PostgreSqlSyncDatabase? _database;
    private string _collection = "";

    [OneTimeSetUp]
    public void OpenDatabase() => _database = PostgreSqlSyncDatabase.Create(PostgreSqlCluster.ConnectionString);

    [OneTimeTearDown]
    public async System.Threading.Tasks.Task CloseDatabaseAsync() => await _database!.DisposeAsync();

    [SetUp]
    public void NewCollection() => _collection = PostgreSqlCluster.NewCollection();

    protected override ISyncStore<TestItem> CreateStore() => _database!.OpenStore<TestItem>(_collection);
}
