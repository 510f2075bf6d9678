using System;
using System.IO;

namespace SyncGen.Packaging.Tests.Infrastructure;

/// <summary>Locations in the SyncGen source tree, found from the test assembly's folder.</summary>
internal static class RepositoryPaths
{
    public static string Root { get; } = FindRoot();

    public static string RuntimeProject => Path.Combine(Root, "src", "SyncGen.Runtime", "SyncGen.Runtime.csproj");

    public static string TestingProject => Path.Combine(Root, "src", "SyncGen.Testing", "SyncGen.Testing.csproj");

    public static string GoogleProject => Path.Combine(Root, "src", "SyncGen.Google", "SyncGen.Google.csproj");

    public static string SqliteProject => Path.Combine(Root, "src", "SyncGen.Sqlite", "SyncGen.Sqlite.csproj");

    public static string PostgreSqlProject => Path.Combine(Root, "src", "SyncGen.PostgreSql", "SyncGen.PostgreSql.csproj");

    public static string HostingProject => Path.Combine(Root, "src", "SyncGen.Hosting", "SyncGen.Hosting.csproj");

    public static string AspNetCoreProject => Path.Combine(Root, "src", "SyncGen.AspNetCore", "SyncGen.AspNetCore.csproj");

    public static string SampleDirectory => Path.Combine(Root, "samples", "CalendarSync");

    private static string FindRoot()
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            if (File.Exists(Path.Combine(directory.FullName, "SyncGen.sln")))
            {
                return directory.FullName;
            }
        }

        throw new InvalidOperationException("The SyncGen repository root (with SyncGen.sln) was not found above " + AppContext.BaseDirectory);
    }
}
