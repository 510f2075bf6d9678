using System.Threading;
using System.Threading.Tasks;
using NUnit.Framework;

namespace SyncGen.PostgreSql.Tests;

/// <summary>The pool a <see cref="PostgreSqlSyncDatabase"/> opens for itself: no session reset, unless the connection string asks for one.</summary>
[TestFixture]
[CancelAfter(30_000)]
public sealed class PoolTests
{
    [TestCase("", "kept")]
    [TestCase(";No Reset On Close=false", "")]
    public async Task A_connection_returned_to_the_stores_own_pool_is_not_reset_unless_the_connection_string_says_so(string setting, string expected, CancellationToken cancellationToken)
    {
        // One connection in the pool, so the second open gets the first one back.
        var connectionString = new Npgsql.NpgsqlConnectionStringBuilder(PostgreSqlCluster.ConnectionString) { MaxPoolSize = 1 }.ConnectionString + setting;
        await using var database = PostgreSqlSyncDatabase.Create(connectionString);
        await using (var connection = await database.DataSource.OpenConnectionAsync(cancellationToken))
        {
            await using var set = connection.CreateCommand();
            set.CommandText = "SET application_name = 'kept';";
            await set.ExecuteNonQueryAsync(cancellationToken);
        }

        await using (var connection = await database.DataSource.OpenConnectionAsync(cancellationToken))
        {
            await using var show = connection.CreateCommand();
            show.CommandText = "SHOW application_name;";
            Assert.That(await show.ExecuteScalarAsync(cancellationToken), Is.EqualTo(expected), "a reset would have run RESET ALL");
        }
    }
}
