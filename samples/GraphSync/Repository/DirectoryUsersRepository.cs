using System;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using GraphSync.GraphApi;
using Microsoft.Extensions.Logging;
using Microsoft.Graph;
using SyncGen;

namespace GraphSync.Repository;

/// <summary>
/// Mirrors the directory's users (Graph <c>users/delta</c>) into a sync store through the Graph SDK's delta request
/// builder. SyncGen generates <c>SyncAsync</c>: paging, the stored delta link, recovery from an expired one, retries
/// and the atomic commit of each pass.
/// </summary>
[IncrementalSync(
    ItemsMember = nameof(UsersDeltaPage.Value),
    NextPageTokenMember = nameof(UsersDeltaPage.NextLink),
    NextSyncTokenMember = nameof(UsersDeltaPage.DeltaLink),
    DeletedMember = nameof(DirectoryUser.IsRemoved))]
public sealed partial class DirectoryUsersRepository
{
    private readonly GraphServiceClient _graph;
    private readonly ISyncStore<DirectoryUser> _store;
    private readonly ILogger<DirectoryUsersRepository>? _logger;

    // The loop settings (retries, expiry bound, timeout) with the Graph error classifier, whatever the caller's said:
    // only it reads the SDK's ODataError.
    private readonly SyncOptions _options;

    /// <param name="graph">The SDK client; its request adapter's base URL is the Graph root (e.g. <c>https://graph.microsoft.com/v1.0</c>).</param>
    /// <param name="options">Loop settings, or null for SyncGen's defaults; their error classifier is replaced by <see cref="GraphErrorReader.Classifier"/>.</param>
    public DirectoryUsersRepository(GraphServiceClient graph, ISyncStore<DirectoryUser> store, SyncOptions? options = null, ILogger<DirectoryUsersRepository>? logger = null)
    {
        _graph = graph ?? throw new ArgumentNullException(nameof(graph));
        _store = store ?? throw new ArgumentNullException(nameof(store));
        _options = (options ?? SyncOptions.Default) with { ErrorClassifier = GraphErrorReader.Classifier };
        _logger = logger;
        _endpoint = new Uri(graph.RequestAdapter.BaseUrl!.TrimEnd('/') + "/users/delta");
    }

    /// <summary>
    /// The first request of every full pass: <c>{root}/users/delta</c> unless set, e.g. with <c>$select</c> or a page
    /// size in its query. Its origin is the only one whose links are followed.
    /// </summary>
    /// <exception cref="ArgumentException">The value is not an absolute http(s) URL.</exception>
    public Uri Endpoint
    {
        get => _endpoint;
        init => _endpoint = value is { IsAbsoluteUri: true, Scheme: "http" or "https" }
            ? value
            : throw new ArgumentException($"The endpoint '{value}' is not an absolute http(s) URL.", nameof(Endpoint));
    }

    private readonly Uri _endpoint;

    /// <summary>
    /// One page. The first request of a full pass is the endpoint; every other one is the server's own link, the
    /// <c>@odata.nextLink</c> of the page before or the stored <c>@odata.deltaLink</c>, sent verbatim through the SDK's
    /// <c>WithUrl</c>. The SDK's own template would write <c>users/delta()</c>; the endpoint keeps the documented form.
    /// </summary>
    private async Task<UsersDeltaPage?> FetchPageAsync(SyncCursor cursor, CancellationToken cancellationToken)
    {
        // A stored deltaLink of another origin means the store was synced from another Graph root: it stays untouched
        // (the user may point back at that root), so the message says how to go on instead.
        var url = cursor.PageToken is { } nextLink
            ? GraphLinks.OnOrigin(nextLink, Endpoint, "@odata.nextLink")!
            : GraphLinks.OnOrigin(cursor.SyncToken, Endpoint, "stored @odata.deltaLink",
                "the store was synced from another Graph root: sync it from that root, or start a new store") ?? Endpoint.OriginalString;
        var response = await _graph.Users.Delta.WithUrl(url).GetAsDeltaGetResponseAsync(cancellationToken: cancellationToken).ConfigureAwait(false);
        if (response is null)
        {
            return null; // SyncGen reports an empty answer as a protocol error
        }

        // Checked as the page arrives, so a foreign deltaLink is never stored.
        return new UsersDeltaPage(
            response.Value?.Select(DirectoryUser.From).ToList() ?? [],
            GraphLinks.OnOrigin(response.OdataNextLink, Endpoint, "@odata.nextLink"),
            GraphLinks.OnOrigin(response.OdataDeltaLink, Endpoint, "@odata.deltaLink"));
    }
}
