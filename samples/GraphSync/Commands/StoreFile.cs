using System.IO;
using GraphSync.Repository;
using SyncGen;

namespace GraphSync.Commands;

/// <summary>The SQLite store the commands share: one collection, the directory's users.</summary>
internal static class StoreFile
{
    /// <summary>The collection name inside the store file.</summary>
    public const string Collection = "users";

    public static SqliteSyncStore<DirectoryUser> Open(FileInfo file) => SqliteSyncStore<DirectoryUser>.OpenFile(file.FullName, Collection);

    public static SqliteSyncStore<DirectoryUser> OpenReadOnly(FileInfo file) => SqliteSyncStore<DirectoryUser>.OpenFileReadOnly(file.FullName, Collection);
}
