using System.Collections.Generic;
using System.Text.Json;
using System.Threading.Tasks;
using NUnit.Framework;
using SyncGen.Testing.Stores;

namespace SyncGen.PostgreSql.Tests;

/// <summary>The shared store contract on PostgreSQL: every test gets its own collection in one shared database.</summary>
/// <remarks>Run twice: with passes buffered in memory until commit (the default) and with every page staged at once.</remarks>
[TestFixture(4096)]
[TestFixture(0)]
public sealed class PostgreSqlSyncStoreContractTests(int maxBufferedChanges) : PersistentSyncStoreContractTests
{
    private PostgreSqlSyncDatabase? _database;
    private readonly List<PostgreSqlSyncDatabase> _extraDatabases = new();
    private string _collection = "";

    [OneTimeSetUp]
    public void OpenDatabase() => _database = PostgreSqlSyncDatabase.Create(PostgreSqlCluster.ConnectionString, new PostgreSqlSyncStoreOptions { MaxBufferedChanges = maxBufferedChanges });

    [OneTimeTearDown]
    public async Task CloseDatabaseAsync() => await _database!.DisposeAsync();

    [SetUp]
    public void NewCollection() => _collection = PostgreSqlCluster.NewCollection();

    protected override ISyncStore<TestItem> CreateStore() => CreateStoreWithFeed(new SyncChangeFeedOptions());

    protected override ISyncStore<TestItem> CreateStoreWithFeed(SyncChangeFeedOptions options)
    {
        var store = _database!.OpenStore<TestItem>(_collection);
        store.ChangeFeed = options;
        return store;
    }

    // Serializer options belong to the database: a second one over the same cluster, disposed with the test.
    protected override ISyncStore<TestItem> CreateStore(JsonSerializerOptions serializerOptions)
    {
        var database = PostgreSqlSyncDatabase.Create(PostgreSqlCluster.ConnectionString, new PostgreSqlSyncStoreOptions { SerializerOptions = serializerOptions, MaxBufferedChanges = maxBufferedChanges });
        _extraDatabases.Add(database);
        var store = database.OpenStore<TestItem>(_collection);
        store.ChangeFeed = new SyncChangeFeedOptions();
        return store;
    }

    protected override ISyncStore<JsonElement> CreateJsonElementStore() => _database!.OpenStore<JsonElement>(_collection + "-elements");

    [TearDown]
    public async Task DisposeExtraDatabasesAsync()
    {
        foreach (var database in _extraDatabases)
        {
            await database.DisposeAsync();
        }

        _extraDatabases.Clear();
    }
}
