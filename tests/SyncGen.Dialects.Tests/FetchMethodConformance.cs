using System;
using System.Collections.Generic;
using System.Linq;
using System.Net.Http;
using System.Net.Http.Json;
using System.Text.Json.Serialization;
using System.Threading;
using System.Threading.Tasks;
using NUnit.Framework;
using SyncGen;
using SyncGen.Testing.Conformance;
using SyncGen.Testing.Dialects;
using SyncGen.Testing.Journal;
using SyncGen.Testing.Scenarios;

namespace SyncGen.Dialects.Tests;

/// <summary>
/// An in-house "Ledger" API read by a hand-written fetch method (no dialect in the repository): <c>POST
/// /ledger/v1/entries/changes</c> with <c>{"cursor": ...}</c>, pages <c>{"entries", "cursor", "has_more"}</c>, deleted
/// entries flagged <c>"deleted": true</c>, an expired cursor 409 <c>CURSOR_EXPIRED</c>. The repository's author tells
/// the kit that wire shape in the lines of <see cref="Served"/> and inherits the catalog (issue 24 item 5).
/// </summary>
internal static class Ledger
{
    /// <summary>The repository's own expiry rule, shared with the kit so both read the 409 the same way.</summary>
    public static bool IsExpiry(SyncErrorFacts facts) => facts.StatusCode == 409 && facts.HasReason("CURSOR_EXPIRED");

    /// <summary>The wire shape, as the kit needs it to serve the catalog: this is all a fetch-method user writes for the kit.</summary>
    public static readonly FakeDialect Served = new()
    {
        Dialect = new SyncDialect
        {
            Name = "Ledger changes",
            RequestStyle = SyncRequestStyle.JsonBody,           // POST, the cursor in the JSON body
            SyncTokenParameter = "cursor",
            PageTokenParameter = "cursor",
            Items = SyncJsonPath.Property("entries"),
            NextPageToken = SyncJsonPath.Property("cursor"),    // one cursor: the next page's while has_more...
            NextSyncToken = SyncJsonPath.Property("cursor"),    // ...the one to store after
            HasMore = SyncJsonPath.Property("has_more"),
            Key = SyncJsonPath.Property("id"),
            Deletion = SyncDeletionMarker.Flag(SyncJsonPath.Property("deleted")),
            IsExpiry = IsExpiry,
        },
        RootPath = "/ledger/v1",
        FeedPath = "entries/changes",
        ExpiredToken = _ => new FakeErrorResponse(409, "{\"error\":{\"code\":\"CURSOR_EXPIRED\",\"message\":\"Cursor expired.\"}}"),
    };

    /// <summary>A defect planted in the fetch method, for the mutation tests.</summary>
    public enum Defect
    {
        None,

        /// <summary>Reads every page's cursor as the one to store, so a pass ends after its first page.</summary>
        IgnoresHasMore,

        /// <summary>Drops deleted entries from the page, so nothing is removed from the mirror.</summary>
        DropsDeletions,
    }

    public static ISyncUnderTest Repository(ConformanceContext context, Defect defect = Defect.None)
    {
        var http = new HttpClient();
        var store = new InMemorySyncStore<LedgerEntry>();
        var options = context.Options with { ErrorClassifier = new SyncErrorClassifier(IsExpiry) };
        var entries = new LedgerEntries(http, context.Endpoint, store, options) { Defect = defect };
        return SyncUnderTest.Create(entries.SyncAsync, store, e => e.Name, http);
    }
}

/// <summary>A ledger entry; a deleted one carries its id and <c>"deleted": true</c> only.</summary>
public sealed record LedgerEntry(string Id, string? Name, bool Deleted);

/// <summary>One page as the repository hands it to SyncGen: the single cursor split by <c>has_more</c>.</summary>
public sealed record LedgerPage(IReadOnlyList<LedgerEntry> Entries, string? NextPageToken, string? NextSyncToken);

/// <summary>Mirrors the ledger through a fetch method calling <see cref="HttpClient"/> itself, as a user without a dialect writes it.</summary>
[IncrementalSync(ItemsMember = nameof(LedgerPage.Entries), DeletedMember = nameof(LedgerEntry.Deleted))]
public sealed partial class LedgerEntries(HttpClient http, Uri endpoint, ISyncStore<LedgerEntry> store, SyncOptions options)
{
    private readonly HttpClient _http = http;
    private readonly Uri _endpoint = endpoint;
    private readonly ISyncStore<LedgerEntry> _store = store;
    private readonly SyncOptions _options = options;

    internal Ledger.Defect Defect { get; init; }

    private async Task<LedgerPage> FetchPageAsync(SyncCursor cursor, CancellationToken cancellationToken)
    {
        using var response = await _http.PostAsJsonAsync(_endpoint, new { cursor = cursor.PageToken ?? cursor.SyncToken }, cancellationToken).ConfigureAwait(false);
        await SyncHttpException.ThrowIfUnsuccessfulAsync(response, cancellationToken).ConfigureAwait(false);
        var page = await response.Content.ReadFromJsonAsync<WirePage>(cancellationToken).ConfigureAwait(false)
            ?? throw new System.Text.Json.JsonException("The ledger answered null.");
        var entries = Defect == Ledger.Defect.DropsDeletions ? page.Entries.Where(e => !e.Deleted).ToList() : page.Entries;
        var hasMore = page.HasMore && Defect != Ledger.Defect.IgnoresHasMore;
        return new LedgerPage(entries, hasMore ? page.Cursor : null, hasMore ? null : page.Cursor);
    }

    private sealed record WirePage(IReadOnlyList<LedgerEntry> Entries, string? Cursor, [property: JsonPropertyName("has_more")] bool HasMore);
}

/// <summary>The catalog against the Ledger fetch method on the embedded server.</summary>
[TestFixture]
public sealed class LedgerFetchMethodOnEmbeddedServer : IncrementalSyncConformanceOnEmbeddedServer
{
    protected override SyncDialect Dialect => Ledger.Served.Dialect;

    protected override FakeDialect ServedDialect => Ledger.Served;

    protected override ISyncUnderTest CreateRepository(ConformanceContext context) => Ledger.Repository(context);
}

/// <summary>The catalog against the Ledger fetch method on WireMock.Net.</summary>
[TestFixture]
public sealed class LedgerFetchMethodOnWireMock : IncrementalSyncConformanceOnWireMock
{
    protected override SyncDialect Dialect => Ledger.Served.Dialect;

    protected override FakeDialect ServedDialect => Ledger.Served;

    protected override ISyncUnderTest CreateRepository(ConformanceContext context) => Ledger.Repository(context);
}

/// <summary>
/// The catalog catches defects of the Ledger fetch method, on the embedded server and on WireMock.Net, while the correct
/// method passes (<see cref="LedgerFetchMethodOnEmbeddedServer"/>, <see cref="LedgerFetchMethodOnWireMock"/>).
/// </summary>
[TestFixture(false)]
[TestFixture(true)]
public sealed class LedgerFetchMethodMutationTests(bool onWireMock)
{
    [Test]
    public async Task A_fetch_method_that_ignores_has_more_fails_full_sync_multi_page()
    {
        var report = await RunAsync("full-sync-multi-page", Ledger.Defect.IgnoresHasMore);

        Assert.That(report.Failures, Has.Some.Contains($"rule '{ProtocolRules.FollowPagesToTheEnd}' broken").And.Contain("missing [evt-04"), report.FailureMessage);
    }

    [Test]
    public async Task A_fetch_method_that_drops_deleted_entries_fails_deletions_applied()
    {
        var report = await RunAsync("deletions-applied", Ledger.Defect.DropsDeletions);

        Assert.That(report.Failures, Has.Some.Contains($"rule '{ProtocolRules.ApplyDeletions}' broken").And.Contain("unexpected [evt-"), report.FailureMessage);
    }

    private async Task<ScenarioReport> RunAsync(string scenario, Ledger.Defect defect)
    {
        await using IScenarioServer server = onWireMock ? await WireMockScenarioServer.StartAsync() : new EmbeddedScenarioServer(Ledger.Served);
        if (server is WireMockScenarioServer wireMock)
        {
            wireMock.Dialect = Ledger.Served;
        }

        return await ScenarioRunner.RunAsync(server, ScenarioCatalog.Get(scenario), c => Ledger.Repository(c, defect),
            cancellationToken: TestContext.CurrentContext.CancellationToken);
    }
}
