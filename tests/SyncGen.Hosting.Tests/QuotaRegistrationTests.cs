using System;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.Extensions.DependencyInjection;
using NUnit.Framework;
using SyncGen.PostgreSql;

namespace SyncGen.Hosting.Tests;

/// <summary><see cref="SyncQuotaServiceCollectionExtensions.AddSyncGenQuota"/>: the worker's quota lives in the worker's database.</summary>
[TestFixture]
public sealed class QuotaRegistrationTests
{
    [Test]
    [CancelAfter(60_000)]
    public async Task The_registered_quota_keeps_its_budgets_in_the_registered_database(CancellationToken cancellationToken)
    {
        var schema = "quota_" + Guid.NewGuid().ToString("N")[..8];
        var connection = await PostgreSqlCluster.Cluster.CreateDatabaseAsync("quota_registration", cancellationToken);
        await using var database = PostgreSqlSyncDatabase.Create(connection, new PostgreSqlSyncStoreOptions { Schema = schema });
        var services = new ServiceCollection();
        services.AddSingleton(database);
        services.AddSyncGenQuota(options => options.MaxBatch = 4);
        await using var provider = services.BuildServiceProvider();

        var quota = provider.GetRequiredService<ISyncQuota>();
        await using (await quota.AdmitAsync([new SyncQuotaKey("user:alice", SyncQuotaLimit.PerMinute(600))], cancellationToken))
        {
        }

        await using var command = database.DataSource.CreateCommand($"SELECT tokens FROM {schema}.quota_buckets WHERE key = 'user:alice';");
        Assert.That(await command.ExecuteScalarAsync(cancellationToken), Is.EqualTo(59.0).Within(0.5), "the bucket of 60 gave one token");
    }
}
