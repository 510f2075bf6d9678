using System;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using Npgsql;
using NUnit.Framework;
using SyncGen.Testing.Stores;

namespace SyncGen.PostgreSql.Tests;

/// <summary>The store creates, records and guards its own schema; items are stored as jsonb.</summary>
[TestFixture]
[CancelAfter(60_000)]
public sealed class SchemaTests
{
    private static string NewSchema() => "s_" + Guid.NewGuid().ToString("N")[..16];

    [Test]
    public async Task First_use_creates_the_schema_at_the_current_version_and_items_are_jsonb(CancellationToken cancellationToken)
    {
        var schema = NewSchema();
        await using var database = PostgreSqlSyncDatabase.Create(PostgreSqlCluster.ConnectionString, new PostgreSqlSyncStoreOptions { Schema = schema });
        var store = database.OpenStore<TestItem>("calendar");
        await using (var writer = await store.BeginPassAsync(SyncPassKind.Full, cancellationToken))
        {
            await writer.ApplyAsync([SyncChange<TestItem>.Upsert("a", new TestItem("a", "Standup"))], cancellationToken);
            await writer.CommitAsync("t1", cancellationToken);
        }

        await using var version = database.DataSource.CreateCommand($"SELECT version FROM {schema}.schema_version;");
        await using var type = database.DataSource.CreateCommand($"SELECT pg_typeof(item)::text, item->>'title' FROM {schema}.items WHERE collection = 'calendar';");
        await using var reader = await type.ExecuteReaderAsync(cancellationToken);
        await reader.ReadAsync(cancellationToken);
        using (Assert.EnterMultipleScope())
        {
            Assert.That(await version.ExecuteScalarAsync(cancellationToken), Is.EqualTo(StoreSchema.CurrentVersion));
            Assert.That(reader.GetString(0), Is.EqualTo("jsonb"));
            Assert.That(reader.GetString(1), Is.EqualTo("Standup"), "the item is queryable JSON, in the serializer's (web) naming");
        }
    }

    [Test]
    public async Task Workers_starting_together_create_the_schema_once(CancellationToken cancellationToken)
    {
        var schema = NewSchema();
        var databases = Enumerable.Range(0, 6)
            .Select(_ => PostgreSqlSyncDatabase.Create(PostgreSqlCluster.ConnectionString, new PostgreSqlSyncStoreOptions { Schema = schema }))
            .ToArray();
        try
        {
            await Task.WhenAll(databases.Select(database => database.OpenStore<TestItem>("c").ReadSyncTokenAsync(cancellationToken).AsTask()));

            await using var rows = databases[0].DataSource.CreateCommand($"SELECT count(*) FROM {schema}.schema_version;");
            Assert.That(await rows.ExecuteScalarAsync(cancellationToken), Is.EqualTo(1L));
        }
        finally
        {
            foreach (var database in databases)
            {
                await database.DisposeAsync();
            }
        }
    }

    [Test]
    public async Task A_schema_from_a_newer_version_is_refused_with_a_typed_error_and_left_untouched(CancellationToken cancellationToken)
    {
        var schema = NewSchema();
        await using (var database = PostgreSqlSyncDatabase.Create(PostgreSqlCluster.ConnectionString, new PostgreSqlSyncStoreOptions { Schema = schema }))
        {
            await database.EnsureSchemaAsync(cancellationToken);
            await using var bump = database.DataSource.CreateCommand($"UPDATE {schema}.schema_version SET version = 99;");
            await bump.ExecuteNonQueryAsync(cancellationToken);
        }

        await using var newer = PostgreSqlSyncDatabase.Create(PostgreSqlCluster.ConnectionString, new PostgreSqlSyncStoreOptions { Schema = schema });
        var error = Assert.ThrowsAsync<SyncStoreSchemaException>(async () => await newer.OpenStore<TestItem>("c").ReadSyncTokenAsync(cancellationToken));

        await using var version = newer.DataSource.CreateCommand($"SELECT version FROM {schema}.schema_version;");
        using (Assert.EnterMultipleScope())
        {
            Assert.That(error!.FoundVersion, Is.EqualTo(99));
            Assert.That(error.SupportedVersion, Is.EqualTo(StoreSchema.CurrentVersion));
            Assert.That(error.Message, Does.Contain(schema).And.Contain("upgrade SyncGen.PostgreSql"));
            Assert.That(await version.ExecuteScalarAsync(cancellationToken), Is.EqualTo(99));
        }
    }

    [Test]
    public async Task A_stored_item_that_no_longer_deserializes_is_reported_as_corrupt_with_its_key(CancellationToken cancellationToken)
    {
        var schema = NewSchema();
        await using var database = PostgreSqlSyncDatabase.Create(PostgreSqlCluster.ConnectionString, new PostgreSqlSyncStoreOptions { Schema = schema });
        var store = database.OpenStore<TestItem>("c");
        await using (var writer = await store.BeginPassAsync(SyncPassKind.Full, cancellationToken))
        {
            await writer.ApplyAsync([SyncChange<TestItem>.Upsert("a", new TestItem("a", "A"))], cancellationToken);
            await writer.CommitAsync("t1", cancellationToken);
        }

        await using var damage = database.DataSource.CreateCommand($"UPDATE {schema}.items SET item = '[1, 2]'::jsonb;");
        await damage.ExecuteNonQueryAsync(cancellationToken);

        var error = Assert.ThrowsAsync<SyncStoreCorruptException>(async () => await store.ReadItemsAsync(cancellationToken));
        Assert.That(error!.Location, Does.Contain("key 'a'").And.Contain("collection 'c'"));
    }

    [Test]
    public async Task A_stored_item_its_converter_refuses_to_read_is_reported_as_corrupt_with_its_key(CancellationToken cancellationToken)
    {
        // A converter may refuse stored JSON with InvalidOperationException or NotSupportedException rather than
        // JsonException; each means the same to the store, as in the SQLite and JSON file stores.
        var schema = NewSchema();
        var options = new System.Text.Json.JsonSerializerOptions(System.Text.Json.JsonSerializerDefaults.Web);
        options.Converters.Add(new WriteOnlyTestItemConverter());
        await using var database = PostgreSqlSyncDatabase.Create(PostgreSqlCluster.ConnectionString, new PostgreSqlSyncStoreOptions { Schema = schema, SerializerOptions = options });
        var store = database.OpenStore<TestItem>("c");
        await using (var writer = await store.BeginPassAsync(SyncPassKind.Full, cancellationToken))
        {
            await writer.ApplyAsync([SyncChange<TestItem>.Upsert("a", new TestItem("a", "A"))], cancellationToken);
            await writer.CommitAsync("t1", cancellationToken);
        }

        var error = Assert.ThrowsAsync<SyncStoreCorruptException>(async () => await store.ReadItemsAsync(cancellationToken));
        Assert.That(error!.Location, Does.Contain("key 'a'").And.Contain("collection 'c'"));
        Assert.That(error.InnerException, Is.TypeOf<InvalidOperationException>());
    }

    /// <summary>Writes a <see cref="TestItem"/> as the default converter would, and refuses to read one back.</summary>
    private sealed class WriteOnlyTestItemConverter : System.Text.Json.Serialization.JsonConverter<TestItem>
    {
        public override TestItem Read(ref System.Text.Json.Utf8JsonReader reader, Type typeToConvert, System.Text.Json.JsonSerializerOptions options) =>
            throw new InvalidOperationException("this converter does not read");

        public override void Write(System.Text.Json.Utf8JsonWriter writer, TestItem value, System.Text.Json.JsonSerializerOptions options)
        {
            writer.WriteStartObject();
            writer.WriteString("id", value.Id);
            writer.WriteEndObject();
        }
    }

    [TestCase("")]
    [TestCase("Public")]
    [TestCase("x; DROP TABLE y")]
    public void Schema_name_that_is_not_a_plain_identifier_is_refused(string name) =>
        Assert.Throws<ArgumentException>(() => _ = new PostgreSqlSyncStoreOptions { Schema = name });

    [Test]
    public async Task Blank_connection_string_or_collection_is_refused()
    {
        await using var database = PostgreSqlSyncDatabase.Create(PostgreSqlCluster.ConnectionString);
        using (Assert.EnterMultipleScope())
        {
            Assert.That(() => database.OpenStore<TestItem>(" "), Throws.ArgumentException.With.Property("ParamName").EqualTo("collection"));
            Assert.That(() => PostgreSqlSyncDatabase.Create(" "), Throws.ArgumentException.With.Property("ParamName").EqualTo("connectionString"));
            Assert.That(() => PostgreSqlSyncDatabase.Create("Host=127.0.0.1;Nonsense=1"), Throws.ArgumentException.With.Message.Contains("not valid"));
        }
    }
}
