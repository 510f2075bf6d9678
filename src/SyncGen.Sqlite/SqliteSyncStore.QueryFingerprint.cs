using System.Threading;
using System.Threading.Tasks;
using Microsoft.Data.Sqlite;

namespace SyncGen;

// The query fingerprint beside each token, in syncgen_queries(collection, fingerprint): a table of its own, created with
// the others (CREATE TABLE IF NOT EXISTS), so files of earlier versions gain it on their next writable open and an older
// SyncGen reading a newer file ignores it. Its absence (an older file read read-only) reads as "no fingerprint".
public sealed partial class SqliteSyncStore<TItem> : ISyncQueryFingerprintStore
{
    private const string QueriesTableSql = """
        CREATE TABLE IF NOT EXISTS syncgen_queries (
            collection TEXT NOT NULL PRIMARY KEY,
            fingerprint TEXT);
        """;

    private const string SaveFingerprintSql = """
        INSERT INTO syncgen_queries (collection, fingerprint) VALUES ($collection, $fingerprint)
            ON CONFLICT (collection) DO UPDATE SET fingerprint = excluded.fingerprint;

        """;

    // The fingerprint this instance last read or committed (once _fingerprintSeen), so that a pass with nothing to write
    // knows whether it must still write its fingerprint (a token stored by an earlier version, accepted once).
    private volatile string? _lastSeenFingerprint;
    private volatile bool _fingerprintSeen;

    /// <inheritdoc />
    public async ValueTask<string?> ReadQueryFingerprintAsync(CancellationToken cancellationToken = default)
    {
        if (_quietPath is not null)
        {
            return await ReadQuietlyAsync(static (store, lease, _) => new ValueTask<string?>(store.ReadFingerprint(lease)), cancellationToken).ConfigureAwait(false);
        }

        var lease = await RentAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            return ReadFingerprint(lease);
        }
        catch (SqliteException ex) when (Unusable(ex) is { } unusable)
        {
            throw unusable;
        }
        finally
        {
            Return(lease);
        }
    }

    private string? ReadFingerprint(Lease lease)
    {
        if (_noStoreYet)
        {
            return null;
        }

        using var command = lease.Connection.CreateCommand();
        command.CommandText = "SELECT fingerprint FROM syncgen_queries WHERE collection = $collection;";
        command.Parameters.AddWithValue("$collection", _collection);
        try
        {
            var fingerprint = command.ExecuteScalar() as string;
            SawFingerprint(fingerprint);
            return fingerprint;
        }
        catch (SqliteException ex) when (IsReadOnly && ex.SqliteErrorCode == 1 && ex.Message.Contains("no such table", System.StringComparison.Ordinal))
        {
            // A file an earlier version wrote, opened read-only: no table is created in it, and it has no fingerprint.
            return null;
        }
    }

    private void SawFingerprint(string? fingerprint)
    {
        _lastSeenFingerprint = fingerprint;
        _fingerprintSeen = true;
    }
}
