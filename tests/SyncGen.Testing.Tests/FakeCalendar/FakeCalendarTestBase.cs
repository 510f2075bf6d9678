using System.Threading.Tasks;
using NUnit.Framework;
using SyncGen.Testing.FakeServer;

namespace SyncGen.Testing.Tests.FakeCalendarTests;

/// <summary>A fresh server and client per test, so no test sees another's calendar, faults or journal.</summary>
public abstract class FakeCalendarTestBase
{
    private FakeCalendarServer? _server;
    private FakeCalendarApi? _api;

    protected FakeCalendarServer Server => _server!;

    internal FakeCalendarApi Api => _api!;

    [SetUp]
    public async Task StartServerAsync()
    {
        _server = await FakeCalendarServer.StartAsync();
        _api = new FakeCalendarApi(_server);
    }

    [TearDown]
    public async Task StopServerAsync()
    {
        _api?.Dispose();
        if (_server is not null)
        {
            await _server.DisposeAsync();
        }
    }
}
