using System;
using System.IO;
using Microsoft.Data.Sqlite;

namespace SyncGen.Runtime.Tests.Stores;

/// <summary>A directory of one test's own for its SQLite files, under the system's temporary directory.</summary>
internal sealed class SqliteTestDirectory : IDisposable
{
    /// <summary>Creates a new directory under <c>{temp}/{group}/</c>.</summary>
    public SqliteTestDirectory(string group)
    {
        FullName = System.IO.Path.Combine(System.IO.Path.GetTempPath(), group, Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(FullName);
    }

    /// <summary>The directory.</summary>
    public string FullName { get; }

    /// <summary>The path of a file in the directory.</summary>
    public string File(string name = "sync.db") => System.IO.Path.Combine(FullName, name);

    /// <summary>Closes every pooled connection (they keep the files open, which Windows would not delete) and deletes the directory.</summary>
    public void Dispose()
    {
        SqliteConnection.ClearAllPools();
        if (Directory.Exists(FullName))
        {
            Directory.Delete(FullName, recursive: true);
        }
    }
}
