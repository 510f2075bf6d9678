using System;
using System.Threading;
using System.Threading.Tasks;
using NUnit.Framework;
using SyncGen.TestSupport.PostgreSql;

// In the namespace every test project's own namespaces sit under, so that this set-up fixture covers the whole assembly
// of each project that links the file.
namespace SyncGen;

/// <summary>One throwaway PostgreSQL cluster for the whole test assembly, started before the first test and stopped after the last.</summary>
[SetUpFixture]
public sealed class PostgreSqlCluster
{
    private static ThrowawayPostgreSql? _cluster;
    private static string? _connectionString;

    /// <summary>The connection string of the assembly's test database.</summary>
    public static string ConnectionString => _connectionString ?? throw new InvalidOperationException("The PostgreSQL cluster was not started.");

    /// <summary>The running cluster.</summary>
    public static ThrowawayPostgreSql Cluster => _cluster ?? throw new InvalidOperationException("The PostgreSQL cluster was not started.");

    [OneTimeSetUp]
    public async Task StartAsync()
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(15)); // an apt-get install on a fresh machine included
        _cluster = await ThrowawayPostgreSql.StartAsync(cancellationToken: timeout.Token);
        _connectionString = await _cluster.CreateDatabaseAsync("store_tests", timeout.Token);
    }

    [OneTimeTearDown]
    public async Task StopAsync()
    {
        if (_cluster is not null)
        {
            await _cluster.DisposeAsync();
        }
    }

    /// <summary>A collection name no other test uses.</summary>
    public static string NewCollection(string prefix = "c") => $"{prefix}-{Guid.NewGuid():N}";
}
