using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Text;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.Data.Sqlite;

namespace SyncGen;

/// <summary>
/// What a SQLite file holds before the store touches it, and the store's mark on it. A SyncGen store carries SQLite's
/// <c>application_id</c> <see cref="ApplicationId"/> and its layout version in <c>user_version</c>, so a later layout
/// can migrate a file it recognises instead of guessing. A file made by another program (other tables, or tables named
/// like SyncGen's with other columns) is refused rather than altered, unless the caller allowed other tables.
/// </summary>
internal static class SqliteStoreFile
{
    /// <summary>"SGen": SyncGen's SQLite <c>application_id</c>.</summary>
    public const int ApplicationId = 0x5347656E;

    /// <summary>The layout this SyncGen writes and reads.</summary>
    /// <remarks>
    /// 2: the change feed's kept versions are chained from the mirror row (<c>syncgen_items.kept</c>) instead of found by
    /// an index on their key; a file of layout 1 is migrated when a writable store opens it, and a SyncGen that reads only
    /// layout 1 refuses it from then on, since its commits would leave the chains behind.
    /// 3: each mirror row says through which feed row its version may be announced (<c>syncgen_items.announced_through</c>,
    /// NULL standing for the collection's <c>syncgen_feed.base_through</c>), so a commit keeps only the versions a row the
    /// feed still holds announces; a build that reads only layout 2 would update rows without moving that mark, and refuses
    /// the file.
    /// </remarks>
    public const int SchemaVersion = 3;

    // Columns a table must have for the file to be read as a SyncGen store.
    private static readonly Dictionary<string, string[]> RequiredColumns = new(StringComparer.Ordinal)
    {
        ["syncgen_items"] = new[] { "collection", "key", "json" },
        ["syncgen_state"] = new[] { "collection", "sync_token" },
        ["syncgen_queries"] = new[] { "collection", "fingerprint" },
        ["syncgen_passes"] = new[] { "pass_id", "collection" },
        ["syncgen_staging"] = new[] { "pass_id", "seq", "key", "json" },
    };

    /// <summary>What the file holds.</summary>
    public enum Contents
    {
        /// <summary>No table yet: a new or empty file (or one holding only other tables the caller allowed).</summary>
        NoStore,

        /// <summary>SyncGen's tables, in a layout this version reads.</summary>
        Store,
    }

    /// <summary>Creates a new store file owner-only (0600) on Unix; an existing file keeps its mode.</summary>
    public static void CreateOwnerOnlyIfMissing(string path)
    {
        if (OperatingSystem.IsWindows() || File.Exists(path) || Directory.Exists(path))
        {
            return;
        }

        try
        {
            // SQLite takes a zero-length file as an empty database, and creates its -wal and -shm files with the mode of
            // the database file: so the whole store stays private to its owner.
            using var stream = new FileStream(path, new FileStreamOptions
            {
                Mode = FileMode.CreateNew,
                Access = FileAccess.Write,
                UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite,
            });
        }
        catch (IOException) when (File.Exists(path))
        {
            // Another process created it first: its mode stands.
        }
    }

    /// <summary>
    /// Refuses a path that names a FIFO, a device or a socket before SQLite opens it: opening a FIFO for reading blocks in
    /// the kernel until a writer comes, where no cancellation or signal handler can end the wait.
    /// </summary>
    public static void RefuseSpecialFile(string path)
    {
        if (UnixFileStatus.TryGet(path) is { Type: not (UnixFileStatus.Kind.Regular or UnixFileStatus.Kind.Directory) } status)
        {
            throw new SyncStoreUnusableException(path, $"it is {status.TypeName}, not a regular file; give --store a SQLite file.");
        }
    }

    /// <summary>Reads what the file holds; refuses a foreign or newer file with <see cref="SyncStoreUnusableException"/>.</summary>
    /// <returns>What the file holds, and whether it already carries this version's mark.</returns>
    public static async Task<(Contents Contents, bool Stamped)> InspectAsync(SqliteConnection connection, string path, bool allowOtherTables, CancellationToken cancellationToken)
    {
        var applicationId = await ScalarIntAsync(connection, "PRAGMA application_id;", cancellationToken).ConfigureAwait(false);
        var version = await ScalarIntAsync(connection, "PRAGMA user_version;", cancellationToken).ConfigureAwait(false);
        if (applicationId != 0 && applicationId != ApplicationId)
        {
            throw new SyncStoreUnusableException(path, string.Create(CultureInfo.InvariantCulture,
                $"it is a database of another program (SQLite application_id 0x{applicationId:X8}); give --store a new file."));
        }

        if (applicationId == ApplicationId && version > SchemaVersion)
        {
            throw new SyncStoreUnusableException(path, string.Create(CultureInfo.InvariantCulture,
                $"it was written by a newer SyncGen (store layout {version}; this one reads layout {SchemaVersion} and older); upgrade SyncGen."));
        }

        var tables = new List<string>();
        using (var command = connection.CreateCommand())
        {
            command.CommandText = "SELECT name FROM sqlite_master WHERE type IN ('table', 'view') AND name NOT LIKE 'sqlite_%' ORDER BY name;";
            var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            await using (reader.ConfigureAwait(false))
            {
                while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
                {
                    tables.Add(reader.GetString(0));
                }
            }
        }

        var hasStore = false;
        var others = new List<string>();
        foreach (var table in tables)
        {
            if (RequiredColumns.TryGetValue(table, out var required))
            {
                var columns = await ColumnsAsync(connection, table, cancellationToken).ConfigureAwait(false);
                var missing = Array.FindAll(required, c => !columns.Contains(c));
                if (missing.Length > 0)
                {
                    throw new SyncStoreUnusableException(path,
                        $"its table {table} is not SyncGen's (no column {string.Join(", ", missing)}); it belongs to another program, so give --store a new file.");
                }

                hasStore = true;
            }
            else if (!table.StartsWith("syncgen_", StringComparison.Ordinal))
            {
                others.Add(table);
            }
        }

        if (others.Count > 0 && !allowOtherTables && applicationId != ApplicationId)
        {
            var shown = others.Count > 3 ? string.Join(", ", others.GetRange(0, 3)) + ", ..." : string.Join(", ", others);
            throw new SyncStoreUnusableException(path,
                $"it is a database of another program (tables {shown}); SyncGen does not add its tables to it. Give a new file, or allow other tables explicitly.");
        }

        return (hasStore ? Contents.Store : Contents.NoStore, applicationId == ApplicationId && version == SchemaVersion);
    }

    /// <summary>Marks the file as a SyncGen store of <see cref="SchemaVersion"/>; run after the tables are created.</summary>
    public static async Task StampAsync(SqliteConnection connection, CancellationToken cancellationToken)
    {
        using var command = connection.CreateCommand();
        command.CommandText = string.Create(CultureInfo.InvariantCulture, $"PRAGMA application_id = {ApplicationId}; PRAGMA user_version = {SchemaVersion};");
        await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }

    // The side files SQLite keeps next to a WAL database, and the rollback journal of one that is not.
    private static readonly string[] SideFileSuffixes = { "-wal", "-shm", "-journal" };

    /// <summary>A read-only connection string that opens <paramref name="path"/> immutable: no lock, no side file.</summary>
    public static string ImmutableConnectionString(string path)
    {
        // A URI filename: every byte outside the unreserved set is percent-encoded, so '?', '#' and '%' in a path stay
        // part of the path.
        var uri = new StringBuilder("file:");
        foreach (var b in Encoding.UTF8.GetBytes(path))
        {
            var c = (char)b;
            if (char.IsAsciiLetterOrDigit(c) || c is '/' or '-' or '.' or '_' or '~')
            {
                uri.Append(c);
            }
            else
            {
                uri.Append('%').Append(b.ToString("X2", CultureInfo.InvariantCulture));
            }
        }

        uri.Append("?immutable=1");
        return new SqliteConnectionStringBuilder { DataSource = uri.ToString(), Mode = SqliteOpenMode.ReadOnly, Pooling = false }.ToString();
    }

    /// <summary>The state of a store file while no writer is at work, to tell afterwards whether one came meanwhile.</summary>
    public readonly record struct QuietState(string Path, UnixFileStatus Status)
    {
        /// <summary>The file's state if it is a regular file with no side file and no journal; null otherwise or off Linux.</summary>
        public static QuietState? Take(string path) =>
            !AnySideFile(path) && UnixFileStatus.TryGet(path) is { Type: UnixFileStatus.Kind.Regular } status ? new QuietState(path, status) : null;

        /// <summary>
        /// Whether no writer touched the file since <see cref="Take"/>: still no side file, and the same inode, size and
        /// change times. A writer creates the <c>-wal</c> as it opens the file and cannot remove it while it writes; a
        /// checkpoint that wrote the file and removed the <c>-wal</c> meanwhile changes its times.
        /// </summary>
        public bool Unchanged() => !AnySideFile(Path) && UnixFileStatus.TryGet(Path) == Status;

        private static bool AnySideFile(string path) => Array.Exists(SideFileSuffixes, suffix => File.Exists(path + suffix));
    }

    /// <summary>Whether a <c>-wal</c> or <c>-shm</c> file of another user beside the store exists that this process may not write.</summary>
    public static bool HasForeignSideFile(string path) => ForeignSideFiles(path).Count > 0;

    private static List<(string Name, UnixFileStatus Status)> ForeignSideFiles(string path)
    {
        var found = new List<(string, UnixFileStatus)>();
        foreach (var suffix in new[] { "-wal", "-shm" })
        {
            if (UnixFileStatus.TryGet(path + suffix) is { } status && status.OwnerId != UnixFileStatus.EffectiveUserId && UnixFileStatus.IsWritable(path + suffix) == false)
            {
                found.Add((System.IO.Path.GetFileName(path) + suffix, status));
            }
        }

        return found;
    }

    /// <summary>The error for a store file this process may read but not write, naming the side files that cause it.</summary>
    public static SyncStoreUnusableException ReadOnlyForThisUser(string path) => new(path, ReadOnlyDetail(path));

    private static string ReadOnlyDetail(string path)
    {
        var foreign = ForeignSideFiles(path);
        if (foreign.Count == 0)
        {
            return "it is read-only for this user; make it writable, or run as its owner.";
        }

        var names = string.Join(" and ", foreign.ConvertAll(side => side.Name));
        var owner = foreign[0].Status.OwnerId;
        var wal = foreign.Find(side => side.Name.EndsWith("-wal", StringComparison.Ordinal));

        // An empty -wal holds nothing; one with frames holds commits not yet in the database, which only its owner can fold in.
        var remedy = wal.Name is null || wal.Status.Size == 0
            ? "once no process has the store open, delete them (they hold no data), or run as that user"
            : string.Create(CultureInfo.InvariantCulture, $"run a sync as that user first (the -wal holds {wal.Status.Size} bytes not yet in the database), or run as that user");
        return string.Create(CultureInfo.InvariantCulture,
            $"its side file{(foreign.Count > 1 ? "s" : string.Empty)} {names} belong{(foreign.Count > 1 ? string.Empty : "s")} to another user (uid {owner}) and this user may not write {(foreign.Count > 1 ? "them" : "it")} (a program run as that user left {(foreign.Count > 1 ? "them" : "it")}); {remedy}.");
    }

    /// <summary>
    /// Turns SQLite's error while opening or preparing the file into one sentence naming the file and what to do; null
    /// for errors that are not about the file (busy, constraint...).
    /// </summary>
    public static SyncStoreUnusableException? Explain(SqliteException exception, string path, bool readOnly)
    {
        var detail = (exception.SqliteErrorCode & 0xFF) switch
        {
            14 when Directory.Exists(path) => "it is a directory; give --store a file path.",
            14 => "the file cannot be opened (missing, or its folder is not accessible).",
            26 => "it is not a SQLite database (random bytes or a text file?); give --store a new file, or restore the store from a backup.",
            11 => "the database is damaged (truncated or overwritten); restore it from a backup, or delete it to run a full sync.",
            8 => readOnly ? "the file cannot be read." : ReadOnlyDetail(path),
            13 => "the disk is full; free some space and run the sync again (the store is unchanged).",
            3 or 23 => "permission denied; check the file's owner and mode.",
            10 => $"an I/O error occurred ({exception.Message}).",
            _ => null,
        };
        return detail is null ? null : new SyncStoreUnusableException(path, detail, exception);
    }

    private static async Task<int> ScalarIntAsync(SqliteConnection connection, string sql, CancellationToken cancellationToken)
    {
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        var value = await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false);
        return Convert.ToInt32(value, CultureInfo.InvariantCulture);
    }

    private static async Task<HashSet<string>> ColumnsAsync(SqliteConnection connection, string table, CancellationToken cancellationToken)
    {
        var columns = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        using var command = connection.CreateCommand();
        command.CommandText = $"SELECT name FROM pragma_table_info('{table.Replace("'", "''")}');";
        var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        await using (reader.ConfigureAwait(false))
        {
            while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            {
                columns.Add(reader.GetString(0));
            }
        }

        return columns;
    }
}
