using System;
using System.IO;
using SyncGen.Runtime.Tests.Engine;

namespace SyncGen.Runtime.Tests.PassState;

/// <summary>The built-in stores of this project, each over a fresh temporary directory that <see cref="Dispose"/> deletes.</summary>
internal sealed class CalendarStores : IDisposable
{
    private readonly string _directory = Path.Combine(Path.GetTempPath(), "syncgen-passstate-" + Guid.NewGuid().ToString("N"));
    private readonly InMemorySyncStore<JsonEvent> _memory = new();

    public CalendarStores() => Directory.CreateDirectory(_directory);

    public static string[] Kinds { get; } = ["memory", "json", "sqlite"];

    /// <summary>A store of <paramref name="kind"/>: the same storage on every call (a new instance for the persistent ones).</summary>
    public ISyncStore<JsonEvent> Open(string kind) => kind switch
    {
        "memory" => _memory,
        "json" => new JsonFileSyncStore<JsonEvent>(Path.Combine(_directory, "mirror.json")),
        "sqlite" => SqliteSyncStore<JsonEvent>.OpenFile(Path.Combine(_directory, "mirror.db"), "events"),
        _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, "no such store"),
    };

    public void Dispose()
    {
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        Directory.Delete(_directory, recursive: true);
    }
}
