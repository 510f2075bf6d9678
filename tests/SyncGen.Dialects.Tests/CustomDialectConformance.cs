using System;
using System.Collections.Generic;
using System.Net.Http;
using System.Text.Json.Nodes;
using NUnit.Framework;
using SyncGen;
using SyncGen.Testing.Conformance;
using SyncGen.Testing.Dialects;
using SyncGen.Testing.Scenarios;

namespace SyncGen.Dialects.Tests;

/// <summary>
/// A user-defined dialect end to end: the in-house "Acme records" API of docs/dialects.md (nested items and cursors, a
/// nested deletion flag, a 409 expiry), served by the kit from a <see cref="FakeDialect"/> of a few lines.
/// </summary>
internal static class Acme
{
    public static readonly SyncDialect Dialect = new()
    {
        Name = "Acme records",
        SyncTokenParameter = "since",
        PageTokenParameter = "cursor",
        FullPassOnlyParameters = new[] { "createdAfter" },
        Items = SyncJsonPath.Parse("data.records"),
        NextPageToken = SyncJsonPath.Parse("cursor.next"),
        NextSyncToken = SyncJsonPath.Parse("cursor.checkpoint"),
        Key = SyncJsonPath.Property("uuid"),
        Deletion = SyncDeletionMarker.Flag(SyncJsonPath.Parse("state.archived")),
        IsExpiry = facts => facts.StatusCode == 409 && facts.HasReason("CHECKPOINT_TOO_OLD"),
    };

    public static readonly FakeDialect Served = new()
    {
        Dialect = Dialect,
        RootPath = "/api/v2",
        FeedPath = "records",
        PageSizeParameter = "limit",
        NameFields = name => new JsonObject { ["title"] = name },
        ExpiredToken = _ => new FakeErrorResponse(409, "{\"error\":{\"code\":\"CHECKPOINT_TOO_OLD\",\"message\":\"Checkpoint too old.\"}}"),
        Unsupported = new Dictionary<ScenarioCapability, string>
        {
            [ScenarioCapability.RecurringEvents] = "Acme records are not calendar events.",
            [ScenarioCapability.FullSyncFilter] = "the catalog's full-sync filter is Calendar's timeMin.",
            [ScenarioCapability.GoneIsExpiry] = "Acme signals an expired checkpoint with 409; a 410 is an ordinary failure.",
        },
    };

    public static ISyncUnderTest Repository(ConformanceContext context)
    {
        var http = new HttpClient();
        var store = new InMemorySyncStore<Record>();
        var source = new SyncHttpPageSource<Record>(http, Dialect, context.Endpoint);
        return SyncUnderTest.Create(ct => source.SyncAsync(store, context.Options, cancellationToken: ct), store, r => r.Title, http);
    }

    public sealed record Record(string Uuid, string? Title);
}

/// <summary>The catalog in the user-defined Acme dialect on the embedded server.</summary>
[TestFixture]
public sealed class AcmeOnEmbeddedServer : IncrementalSyncConformanceOnEmbeddedServer
{
    protected override SyncDialect Dialect => Acme.Dialect;

    protected override FakeDialect ServedDialect => Acme.Served;

    protected override ISyncUnderTest CreateRepository(ConformanceContext context) => Acme.Repository(context);
}

/// <summary>The catalog in the user-defined Acme dialect on WireMock.Net.</summary>
[TestFixture]
public sealed class AcmeOnWireMock : IncrementalSyncConformanceOnWireMock
{
    protected override SyncDialect Dialect => Acme.Dialect;

    protected override FakeDialect ServedDialect => Acme.Served;

    protected override ISyncUnderTest CreateRepository(ConformanceContext context) => Acme.Repository(context);
}
