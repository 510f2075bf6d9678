using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Threading.Tasks;
using GraphSync.GraphApi;
using GraphSync.Repository;
using NUnit.Framework;
using SyncGen;

namespace GraphSync.Tests;

/// <summary>
/// Each test gets a fresh WireMock.Net on 127.0.0.1 answering literal Graph delta pages, the real Graph SDK pointed at
/// it, and a fresh SQLite file: the generated repository runs as a user runs it.
/// </summary>
public abstract class GraphSyncTestBase
{
    protected GraphDeltaStub Graph { get; private set; } = null!;

    protected string StorePath { get; private set; } = null!;

    private DirectoryInfo _folder = null!;
    private DirectoryClient? _client;

    [SetUp]
    public void StartServer()
    {
        Graph = new GraphDeltaStub();
        _folder = Directory.CreateTempSubdirectory("graphsync-tests-");
        StorePath = Path.Combine(_folder.FullName, "users.db");
    }

    [TearDown]
    public void StopServer()
    {
        _client?.Dispose();
        _client = null;
        Graph.Dispose();
        _folder.Delete(recursive: true);
    }

    /// <summary>Retries without real waiting, so fault tests stay fast; the rules under test are unchanged.</summary>
    protected static SyncOptions FastRetries(int maxRetries = 3) => new()
    {
        Retry = new SyncRetryOptions { MaxRetries = maxRetries, BaseDelay = TimeSpan.FromMilliseconds(1), MaxDelay = TimeSpan.FromMilliseconds(5) },
        RequestTimeout = TimeSpan.FromSeconds(20),
    };

    protected SqliteSyncStore<DirectoryUser> OpenStore() => SqliteSyncStore<DirectoryUser>.OpenFile(StorePath, "users");

    protected DirectoryUsersRepository Repository(SyncOptions? options = null)
    {
        _client ??= DirectoryClient.Create(new Uri(Graph.Root), timeout: TimeSpan.FromSeconds(30));
        return new DirectoryUsersRepository(_client.Graph, OpenStore(), options ?? FastRetries());
    }

    /// <summary>The store's committed state, in a form that compares by value.</summary>
    protected async Task<StoreState> ReadStateAsync()
    {
        var store = OpenStore();
        var token = await store.ReadSyncTokenAsync();
        var items = await store.ReadItemsAsync();
        return new StoreState(token, items.Select(pair => $"{pair.Key}|{pair.Value.DisplayName}").ToList());
    }

    protected static IEnumerable<(string Id, string Name)> Users(params string[] ids) => ids.Select(id => (id, "User " + id));

    protected sealed record StoreState(string? Token, IReadOnlyList<string> Items)
    {
        public bool Equals(StoreState? other) => other is not null && Token == other.Token && Items.SequenceEqual(other.Items);

        public override int GetHashCode() => HashCode.Combine(Token, Items.Count);

        public override string ToString() => $"token {Token ?? "null"}; items [{string.Join(", ", Items)}]";
    }
}
