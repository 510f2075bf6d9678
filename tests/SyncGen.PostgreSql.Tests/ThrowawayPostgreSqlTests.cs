using System;
using System.Diagnostics;
using System.IO;
using System.Threading;
using System.Threading.Tasks;
using Npgsql;
using NUnit.Framework;
using SyncGen.TestSupport.PostgreSql;

namespace SyncGen.PostgreSql.Tests;

/// <summary>The throwaway cluster the tests run on: it answers, and it never outlives its owner.</summary>
[TestFixture]
[NonParallelizable]
[CancelAfter(120_000)]
public sealed class ThrowawayPostgreSqlTests
{
    [Test]
    public async Task Dispose_stops_the_server_and_deletes_its_directory(CancellationToken cancellationToken)
    {
        var cluster = await ThrowawayPostgreSql.StartAsync(cancellationToken: cancellationToken);
        var connection = await cluster.CreateDatabaseAsync("probe", cancellationToken);
        await using (var dataSource = NpgsqlDataSource.Create(connection))
        {
            await using var version = dataSource.CreateCommand("SHOW server_version_num;");
            Assert.That(int.Parse((string)(await version.ExecuteScalarAsync(cancellationToken))!, System.Globalization.CultureInfo.InvariantCulture), Is.GreaterThanOrEqualTo(150000));
        }

        await cluster.DisposeAsync();

        using (Assert.EnterMultipleScope())
        {
            Assert.That(Directory.Exists(cluster.RootDirectory), Is.False);
            Assert.That(async () => await OpenAsync(connection, cancellationToken), Throws.InstanceOf<NpgsqlException>(), "nothing listens on its port any more");
        }
    }

    [Test]
    public async Task A_cluster_whose_owner_died_is_stopped_by_the_next_start(CancellationToken cancellationToken)
    {
        var orphan = await ThrowawayPostgreSql.StartAsync(cancellationToken: cancellationToken);
        try
        {
            // Make it look owned by a process that has exited (as a test host killed before its teardown).
            using (var exited = Process.Start(new ProcessStartInfo("true") { UseShellExecute = false })!)
            {
                await exited.WaitForExitAsync(cancellationToken);
                await File.WriteAllTextAsync(Path.Combine(orphan.RootDirectory, "owner.pid"), exited.Id.ToString(System.Globalization.CultureInfo.InvariantCulture), cancellationToken);
            }

            await using var next = await ThrowawayPostgreSql.StartAsync(cancellationToken: cancellationToken);

            using (Assert.EnterMultipleScope())
            {
                Assert.That(Directory.Exists(orphan.RootDirectory), Is.False, "the orphan's directory was removed");
                Assert.That(async () => await OpenAsync(orphan.ConnectionString(), cancellationToken), Throws.InstanceOf<NpgsqlException>(), "the orphan's server was stopped");
                Assert.That(Directory.Exists(PostgreSqlCluster.Cluster.RootDirectory), Is.True, "a cluster whose owner is alive (this test run's) was left alone");
            }
        }
        finally
        {
            await orphan.DisposeAsync();
        }
    }

    private static async Task OpenAsync(string connectionString, CancellationToken cancellationToken)
    {
        await using var connection = new NpgsqlConnection(connectionString + ";Timeout=3;Pooling=false");
        await connection.OpenAsync(cancellationToken);
    }
}
