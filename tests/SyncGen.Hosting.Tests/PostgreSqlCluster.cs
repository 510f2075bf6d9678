using System;
using System.Threading;
using System.Threading.Tasks;
using NUnit.Framework;
using SyncGen.TestSupport.PostgreSql;

// Heavy tests (worker processes, a Quartz cluster): one at a time keeps the 2-core CI budget predictable.
[assembly: NonParallelizable]

namespace SyncGen.Hosting.Tests;

/// <summary>One throwaway PostgreSQL cluster for the whole test assembly, stopped after the last test.</summary>
[SetUpFixture]
public sealed class PostgreSqlCluster
{
    private static ThrowawayPostgreSql? _cluster;

    public static ThrowawayPostgreSql Cluster => _cluster ?? throw new InvalidOperationException("The PostgreSQL cluster was not started.");

    [OneTimeSetUp]
    public async Task StartAsync()
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(15));
        _cluster = await ThrowawayPostgreSql.StartAsync(cancellationToken: timeout.Token);
    }

    [OneTimeTearDown]
    public async Task StopAsync()
    {
        if (_cluster is not null)
        {
            await _cluster.DisposeAsync();
        }
    }
}
