using System;
using System.Collections.Generic;
using System.IO;
using System.Threading.Tasks;
using CalendarSync.CalendarApi;
using Microsoft.Data.Sqlite;
using SyncGen.Testing.FakeServer;

namespace SyncGen.Reliability.Tests.Support;

/// <summary>
/// What a fixture or a test runs against: a fake server, a client of it and a temporary folder. Disposing it is safe
/// after a set-up that failed partway, and always removes the folder.
/// </summary>
internal sealed class TestBed : IAsyncDisposable
{
    private static readonly TimeSpan DefaultClientTimeout = TimeSpan.FromSeconds(60);

    private readonly List<CalendarService> _services = new();
    private FakeCalendarServer? _server;

    private TestBed(DirectoryInfo folder) => Folder = folder;

    public DirectoryInfo Folder { get; }

    public FakeCalendarServer Server => _server ?? throw new InvalidOperationException("the server did not start");

    /// <summary>The client made with the bed (the client timeout given to <see cref="StartAsync"/>).</summary>
    public CalendarService Service => _services.Count > 0 ? _services[0] : throw new InvalidOperationException("the client was not created");

    /// <summary>Starts a server and a client; on failure everything already made is disposed before the exception leaves.</summary>
    public static async Task<TestBed> StartAsync(string name, TimeSpan? clientTimeout = null)
    {
        var bed = new TestBed(Directory.CreateTempSubdirectory("syncgen-reliability-" + name + "-"));
        try
        {
            bed._server = await FakeCalendarServer.StartAsync();
            bed.CreateService(clientTimeout ?? DefaultClientTimeout);
            return bed;
        }
        catch
        {
            await bed.DisposeAsync();
            throw;
        }
    }

    /// <summary>Another client of the server, disposed with the bed.</summary>
    public CalendarService CreateService(TimeSpan timeout)
    {
        var service = CalendarService.Create(Server.BaseUri.ToString(), timeout: timeout);
        _services.Add(service);
        return service;
    }

    public string PathOf(string fileName) => Path.Combine(Folder.FullName, fileName);

    public async ValueTask DisposeAsync()
    {
        try
        {
            foreach (var service in _services)
            {
                service.Dispose();
            }

            if (_server is not null)
            {
                await _server.DisposeAsync();
            }
        }
        finally
        {
            SqliteConnection.ClearAllPools();
            Folder.Refresh();
            if (Folder.Exists)
            {
                Folder.Delete(recursive: true);
            }
        }
    }
}
