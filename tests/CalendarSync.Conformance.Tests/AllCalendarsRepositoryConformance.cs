using System;
using System.IO;
using CalendarSync.CalendarApi;
using CalendarSync.Repository;
using NUnit.Framework;
using SyncGen;
using SyncGen.Testing.Conformance.FanOut;

namespace CalendarSync.Conformance.Tests;

/// <summary>The kit's fan-out scenarios against the sample's all-calendars repository (generated repositories over Google.Apis, one SQLite file).</summary>
[TestFixture]
public sealed class AllCalendarsRepositoryConformance : CalendarFanOutConformance
{
    private DirectoryInfo _directory = null!;

    [SetUp]
    public void CreateDirectory() => _directory = Directory.CreateTempSubdirectory("calendarsync-fanout-");

    [TearDown]
    public void DeleteDirectory() => _directory.Delete(recursive: true);

    protected override ICalendarFanOutUnderTest CreateRepository(FanOutContext context)
    {
        // A file per repository: a WireMock scenario builds two in one test.
        var file = Path.Combine(_directory.FullName, Guid.NewGuid().ToString("N") + ".db");
        var service = CalendarService.Create(context.ApiRoot.ToString(), timeout: TimeSpan.FromSeconds(10));
        var repository = new AllCalendarsRepository(service, file, context.Options);
        return CalendarFanOutUnderTest.Create(
            repository.SyncAsync, repository.CalendarList, id => SqliteSyncStore<Event>.OpenFile(file, id), e => e.Summary, e => e.Summary, repository, new ServiceDisposer(service));
    }

    private sealed class ServiceDisposer(CalendarService service) : IAsyncDisposable
    {
        public System.Threading.Tasks.ValueTask DisposeAsync()
        {
            service.Dispose();
            return System.Threading.Tasks.ValueTask.CompletedTask;
        }
    }
}
