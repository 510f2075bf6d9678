using System;
using CalendarSync.CalendarApi;
using CalendarSync.Repository;
using NUnit.Framework;
using SyncGen;
using SyncGen.Testing.Conformance;

namespace CalendarSync.Conformance.Tests;

/// <summary>Builds the sample's generated repository for one scenario: what a consumer of the kit writes.</summary>
internal static class CalendarSyncUnderTest
{
    public static ISyncUnderTest Create(ConformanceContext context)
    {
        var service = CalendarService.Create(context.ApiRoot.ToString(), timeout: TimeSpan.FromSeconds(10));
        var store = new InMemorySyncStore<Event>();
        var repository = new CalendarEventsRepository(service, context.CalendarId, store)
        {
            PageSize = context.PageSize,
            Options = context.Options,
            FullSyncFrom = context.FullSyncTimeMin,
        };
        return SyncUnderTest.Create(ct => repository.SyncAsync(ct), store, e => e.Summary, service);
    }
}

/// <summary>The whole catalog on a real WireMock (WireMock.Net in process unless the Java WireMock is asked for). Opts out of nothing.</summary>
[TestFixture]
public sealed class CalendarEventsRepositoryOnWireMock : IncrementalSyncConformanceOnWireMock
{
    protected override ISyncUnderTest CreateRepository(ConformanceContext context) => CalendarSyncUnderTest.Create(context);
}

/// <summary>The whole catalog on the embedded fake server. Opts out of nothing.</summary>
[TestFixture]
public sealed class CalendarEventsRepositoryOnEmbeddedServer : IncrementalSyncConformanceOnEmbeddedServer
{
    protected override ISyncUnderTest CreateRepository(ConformanceContext context) => CalendarSyncUnderTest.Create(context);
}
