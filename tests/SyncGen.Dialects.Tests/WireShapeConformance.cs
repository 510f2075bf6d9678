using System.Net.Http;
using System.Text.Json.Serialization;
using NUnit.Framework;
using SyncGen;
using SyncGen.Testing.Conformance;

namespace SyncGen.Dialects.Tests;

/// <summary>
/// The catalog in the wire shapes beyond GET and query tokens (issue 24): Dropbox (POST bodies, one cursor with
/// has_more, a 409 reset) and Gmail history (a start-token request, records holding arrays of changes, a 404 expiry),
/// each a plain <see cref="SyncHttpPageSource{TItem}"/> over the kit's servers.
/// </summary>
internal static class WireShapeRepositories
{
    /// <summary>A Dropbox entry: keyed by <c>path_lower</c>, the only member a deleted entry carries.</summary>
    public sealed record DropboxEntry([property: JsonPropertyName("path_lower")] string PathLower, string? Name);

    /// <summary>A Gmail message as the fake lists it (Gmail itself would need a messages.get for the snippet).</summary>
    public sealed record GmailMessage(string Id, string? Snippet);

    /// <summary>A Dropbox mirror; <paramref name="dialect"/> replaces the built-in one for the mutation tests.</summary>
    public static ISyncUnderTest Dropbox(ConformanceContext context, SyncDialect? dialect = null)
    {
        var http = new HttpClient();
        var store = new InMemorySyncStore<DropboxEntry>();
        var source = new SyncHttpPageSource<DropboxEntry>(http, dialect ?? SyncDialects.Dropbox, context.Endpoint) { FirstRequestBody = "{\"path\": \"\", \"recursive\": true}" };
        return SyncUnderTest.Create(ct => source.SyncAsync(store, context.Options, cancellationToken: ct), store, e => e.Name, http);
    }

    public static ISyncUnderTest Gmail(ConformanceContext context)
    {
        var http = new HttpClient();
        var store = new InMemorySyncStore<GmailMessage>();
        var source = new SyncHttpPageSource<GmailMessage>(http, SyncDialects.GmailHistory, context.Endpoint);
        return SyncUnderTest.Create(ct => source.SyncAsync(store, context.Options, cancellationToken: ct), store, m => m.Snippet, http);
    }
}

[TestFixture]
public sealed class DropboxOnEmbeddedServer : IncrementalSyncConformanceOnEmbeddedServer
{
    protected override SyncDialect Dialect => SyncDialects.Dropbox;

    protected override ISyncUnderTest CreateRepository(ConformanceContext context) => WireShapeRepositories.Dropbox(context);
}

[TestFixture]
public sealed class GmailOnEmbeddedServer : IncrementalSyncConformanceOnEmbeddedServer
{
    protected override SyncDialect Dialect => SyncDialects.GmailHistory;

    protected override ISyncUnderTest CreateRepository(ConformanceContext context) => WireShapeRepositories.Gmail(context);
}

[TestFixture]
public sealed class GmailOnWireMock : IncrementalSyncConformanceOnWireMock
{
    protected override SyncDialect Dialect => SyncDialects.GmailHistory;

    protected override ISyncUnderTest CreateRepository(ConformanceContext context) => WireShapeRepositories.Gmail(context);
}

[TestFixture]
public sealed class DropboxOnWireMock : IncrementalSyncConformanceOnWireMock
{
    protected override SyncDialect Dialect => SyncDialects.Dropbox;

    protected override ISyncUnderTest CreateRepository(ConformanceContext context) => WireShapeRepositories.Dropbox(context);
}
