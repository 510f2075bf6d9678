using System;
using GraphSync.GraphApi;
using GraphSync.Repository;
using NUnit.Framework;
using SyncGen;
using SyncGen.Testing.Conformance;

namespace GraphSync.Tests.Conformance;

/// <summary>Builds the sample's generated repository for one scenario: what a Graph SDK user of the kit writes.</summary>
internal static class DirectoryUsersUnderTest
{
    public static ISyncUnderTest Create(ConformanceContext context)
    {
        // The Graph root is the endpoint's path without "/users/delta"; the endpoint itself carries the scenario's page size.
        var endpoint = context.Endpoint;
        var root = new Uri(endpoint.GetLeftPart(UriPartial.Path)[..^"/users/delta".Length]);
        var client = DirectoryClient.Create(root, timeout: TimeSpan.FromSeconds(10));
        var store = new InMemorySyncStore<DirectoryUser>();
        var repository = new DirectoryUsersRepository(client.Graph, store, context.Options) { Endpoint = endpoint };
        return SyncUnderTest.Create(ct => repository.SyncAsync(ct), store, u => u.DisplayName, client);
    }
}

/// <summary>The whole catalog in the Microsoft Graph dialect on the kit's embedded server, through the Graph SDK.</summary>
[TestFixture]
public sealed class DirectoryUsersOnEmbeddedServer : IncrementalSyncConformanceOnEmbeddedServer
{
    protected override SyncDialect Dialect => SyncDialects.MicrosoftGraph;

    protected override ISyncUnderTest CreateRepository(ConformanceContext context) => DirectoryUsersUnderTest.Create(context);
}

/// <summary>The whole catalog in the Microsoft Graph dialect on WireMock.Net, through the Graph SDK.</summary>
[TestFixture]
public sealed class DirectoryUsersOnWireMock : IncrementalSyncConformanceOnWireMock
{
    protected override SyncDialect Dialect => SyncDialects.MicrosoftGraph;

    protected override ISyncUnderTest CreateRepository(ConformanceContext context) => DirectoryUsersUnderTest.Create(context);
}
