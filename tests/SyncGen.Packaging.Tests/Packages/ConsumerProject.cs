using System.IO;
using SyncGen.Packaging.Tests.Infrastructure;

namespace SyncGen.Packaging.Tests.Packages;

/// <summary>
/// A brand-new console project outside the repository that uses SyncGen only through the packed package: a local
/// folder feed plus the machine's nuget.org source, no project references.
/// </summary>
internal sealed class ConsumerProject
{
    public const string ProjectName = "NotesConsumer";

    /// <summary>The repository class: a plain fetch method that pages through an in-process change log.</summary>
    public const string Repository = """
        using System;
        using System.Collections.Generic;
        using System.Globalization;
        using System.Linq;
        using System.Threading;
        using System.Threading.Tasks;
        using SyncGen;

        namespace NotesConsumer;

        public sealed record Note(string Id, string Title, string? Status = null);

        public sealed class NotePage
        {
            public List<Note> Items { get; init; } = new();
            public string? NextPageToken { get; init; }
            public string? NextSyncToken { get; init; }
        }

        /// <summary>An in-process "server": a change log; a full sync pages through the live notes two at a time.</summary>
        public sealed class NotesServer
        {
            private readonly List<(int Version, Note Note)> _log = new();

            public void Put(Note note) => _log.Add((_log.Count + 1, note));

            public void Delete(string id) => Put(new Note(id, string.Empty, "cancelled"));

            public Task<NotePage> ListAsync(SyncCursor cursor)
            {
                var token = "v" + _log.Count.ToString(CultureInfo.InvariantCulture);
                if (cursor.SyncToken is { } syncToken)
                {
                    var since = int.Parse(syncToken.Substring(1), CultureInfo.InvariantCulture);
                    var changes = _log.Where(e => e.Version > since).Select(e => e.Note).ToList();
                    return Task.FromResult(new NotePage { Items = changes, NextSyncToken = token });
                }

                var live = _log.GroupBy(e => e.Note.Id).Select(g => g.Last().Note).Where(n => n.Status != "cancelled").OrderBy(n => n.Id, StringComparer.Ordinal).ToList();
                var start = cursor.PageToken is null ? 0 : int.Parse(cursor.PageToken, CultureInfo.InvariantCulture);
                var page = live.Skip(start).Take(2).ToList();
                var last = start + 2 >= live.Count;
                return Task.FromResult(new NotePage
                {
                    Items = page,
                    NextPageToken = last ? null : (start + 2).ToString(CultureInfo.InvariantCulture),
                    NextSyncToken = last ? token : null,
                });
            }
        }

        [IncrementalSync]
        public PARTIAL class NotesRepository(NotesServer server, ISyncStore<Note> store)
        {
            private readonly ISyncStore<Note> _store = store;

            private Task<NotePage> FetchPageAsync(SyncCursor cursor, CancellationToken cancellationToken) => server.ListAsync(cursor);
        }
        """;

    public const string Program = """
        using System;
        using System.Linq;
        using NotesConsumer;
        using SyncGen;

        var server = new NotesServer();
        server.Put(new Note("n1", "one"));
        server.Put(new Note("n2", "two"));
        server.Put(new Note("n3", "three"));
        var store = new InMemorySyncStore<Note>();
        var repository = new NotesRepository(server, store);

        var first = await repository.SyncAsync();
        server.Delete("n2");
        server.Put(new Note("n4", "four"));
        var second = await repository.SyncAsync();

        Console.WriteLine($"first: {first.Kind} pages={first.Pages} upserts={first.Upserts} deletes={first.Deletes} token={first.SyncToken}");
        Console.WriteLine($"second: {second.Kind} pages={second.Pages} upserts={second.Upserts} deletes={second.Deletes} token={second.SyncToken}");
        Console.WriteLine($"store: items={store.Items.Count} keys={string.Join(",", store.Items.Keys.Order(StringComparer.Ordinal))} token={store.SyncToken}");
        """;

    private ConsumerProject(string directory) => Directory = directory;

    /// <summary>The project folder.</summary>
    public string Directory { get; }

    public string ProjectFile => Path.Combine(Directory, ProjectName + ".csproj");

    /// <summary>Writes the project; <paramref name="partial"/> false makes the repository class non-partial (SYNCGEN001).</summary>
    public static ConsumerProject Create(string root, bool partial, string extraProperties = "", bool withPackageReference = true)
    {
        var directory = Path.Combine(root, ProjectName);
        System.IO.Directory.CreateDirectory(directory);

        // Stop MSBuild and NuGet from reading anything above the temporary folder.
        PackedPackages.IsolateFolder(root);

        var reference = withPackageReference
            ? $"""<ItemGroup><PackageReference Include="SyncGen" Version="{PackedPackages.Version}" /></ItemGroup>"""
            : string.Empty;
        File.WriteAllText(Path.Combine(directory, ProjectName + ".csproj"), $"""
            <Project Sdk="Microsoft.NET.Sdk">
              <PropertyGroup>
                <OutputType>Exe</OutputType>
                <TargetFramework>net10.0</TargetFramework>
                <Nullable>enable</Nullable>
                <ImplicitUsings>disable</ImplicitUsings>
                <EmitCompilerGeneratedFiles>true</EmitCompilerGeneratedFiles>
                {extraProperties}
              </PropertyGroup>
              {reference}
            </Project>
            """);
        File.WriteAllText(Path.Combine(directory, "NotesRepository.cs"), Repository.Replace("PARTIAL ", partial ? "partial " : string.Empty));
        File.WriteAllText(Path.Combine(directory, "Program.cs"), Program);
        return new ConsumerProject(directory);
    }

    public DotNetResult Run(params string[] arguments) => DotNet.Run(Directory, arguments);
}
