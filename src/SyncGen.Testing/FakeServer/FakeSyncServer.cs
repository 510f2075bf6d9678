using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Text;
using System.Text.Json.Nodes;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using SyncGen.Testing.Dialects;
using SyncGen.Testing.Push;

namespace SyncGen.Testing.FakeServer;

/// <summary>
/// An embedded sync-token API over real HTTP on 127.0.0.1 that speaks a <see cref="SyncDialect"/>: one collection with an
/// append-only change log, snapshot-consistent paging, the dialect's tokens or links, its deletion markers and its
/// documented expiry answers, plus fault injection (<see cref="Faults"/>) and a request journal (<see cref="Requests"/>).
/// </summary>
/// <remarks>
/// <para>
/// Pages are rendered from the dialect's own description, so the server writes what <see cref="SyncHttpPageSource{TItem}"/>
/// reads: items under <see cref="SyncDialect.Items"/>, each keyed at <see cref="SyncDialect.Key"/> with the item's
/// <see cref="FakeItem.Fields"/> beside the key (inside <see cref="SyncDialect.ItemValue"/> when entries wrap items); a
/// deletion is the key plus <see cref="SyncDialect.Deletion"/>'s marker and nothing else; the next page under
/// <see cref="SyncDialect.NextPageToken"/>, the final token under <see cref="SyncDialect.NextSyncToken"/> on the last
/// page only.
/// </para>
/// <para>
/// <b>Microsoft Graph</b> (<see cref="SyncDialects.MicrosoftGraph"/>): the first request of a full pass is
/// <see cref="Endpoint"/> (<c>{BaseUri}users/delta</c>, <see cref="BaseUri"/> ending in <c>/v1.0/</c>); a user added with
/// <see cref="Upsert(string, string)"/> renders as <c>{"id": id, "displayName": name}</c> and a removed one as
/// <c>{"id": id, "@removed": {"reason": "deleted"}}</c>; <c>@odata.nextLink</c> and <c>@odata.deltaLink</c> are absolute
/// URLs on this server's origin that repeat the pass's own parameters (<c>$select</c>, <c>$top</c>) plus
/// <c>$skiptoken</c> or <c>$deltatoken</c>; the token to store is the whole deltaLink. After
/// <see cref="ExpireSyncTokens"/>, a deltaLink request answers Graph's expiry (410 <c>resyncRequired</c>, then 400 and 404
/// <c>syncStateNotFound</c>, then 400 <c>resyncRequired</c>, in turn).
/// </para>
/// <para>
/// People (<c>{BaseUri}people/me/connections</c>): a full pass needs <c>requestSyncToken=true</c> for its last page to
/// carry <c>nextSyncToken</c>; expiry is 400 <c>FAILED_PRECONDITION</c>. Drive (<c>{BaseUri}changes</c>): a full pass is
/// <c>changes/startPageToken</c>, then <c>files</c>; the stored token goes in <c>pageToken</c>. It serves one drive, so
/// shared-drive parameters are accepted and have no effect; <c>pageSize</c> cuts the <c>files</c> pages too. A file moved
/// to the trash with <see cref="Trash"/> comes in the change feed as Drive sends it, <c>"removed": false</c> with the file's
/// <c>"trashed": true</c>; <c>files</c> lists it (with <c>"trashed": true</c>) unless the request has
/// <c>q=trashed = false</c>, as files.list does.
/// </para>
/// <para>
/// A request to any other path gets a 404 whose body names what this server serves. The page size is the dialect's
/// <see cref="FakeDialect.PageSizeParameter"/>, else <see cref="FakeSyncServerOptions.DefaultPageSize"/>.
/// </para>
/// </remarks>
/// <example>
/// <code>
/// await using var graph = await FakeSyncServer.StartAsync(SyncDialects.MicrosoftGraph);
/// graph.Upsert("u1", "Ada Lovelace");
/// graph.Upsert("u2", "Alan Turing");
/// // sync from graph.Endpoint (http://127.0.0.1:PORT/v1.0/users/delta), then:
/// graph.Delete("u2");
/// graph.ExpireSyncTokens(); // the stored deltaLink now answers 410 resyncRequired
/// </code>
/// </example>
public sealed class FakeSyncServer : IAsyncDisposable
{
    private const string DeltaTokenParameter = DialectRequests.DeltaTokenParameter;
    private const string SkipTokenParameter = DialectRequests.SkipTokenParameter;

    private readonly WebApplication _app;
    private readonly FakeSyncServerOptions _options;
    private readonly FakeSyncFeed _feed = new("feed");
    private readonly EmbeddedServerState _state = new();
    private readonly string _feedPath;
    private readonly string? _startTokenPath;
    private readonly string? _listingPath;
    private long _sequence;
    private int _expiriesServed;

    private FakeSyncServer(WebApplication app, FakeDialect dialect, FakeSyncServerOptions options, string origin)
    {
        _app = app;
        Dialect = dialect;
        _options = options;
        Origin = origin;
        BaseUri = new Uri(origin + "/" + dialect.RootPath.Trim('/') + (dialect.RootPath.Trim('/').Length == 0 ? string.Empty : "/"));
        // The endpoint handed out is exactly the path served (slashes around FeedPath trimmed as the server trims them).
        _feedPath = DialectRequests.FeedPath(dialect);
        Endpoint = new Uri(origin + _feedPath);
        (_startTokenPath, _listingPath) = DialectRequests.ListingPaths(dialect) is { } paths ? (paths.StartToken, paths.Listing) : (null, null);
        Subscriptions = new FakeGraphSubscriptions(options.TimeProvider ?? TimeProvider.System);
    }

    /// <summary>Graph's push side: <c>{BaseUri}subscriptions</c> with the validation handshake, change and lifecycle notifications.</summary>
    public FakeGraphSubscriptions Subscriptions { get; }

    /// <summary>What this server speaks.</summary>
    public FakeDialect Dialect { get; }

    /// <summary>The API root with its version and a trailing slash, e.g. <c>http://127.0.0.1:54321/v1.0/</c>.</summary>
    public Uri BaseUri { get; }

    /// <summary>The first request of a full pass, e.g. <c>http://127.0.0.1:54321/v1.0/users/delta</c>: give it to the page source.</summary>
    public Uri Endpoint { get; }

    /// <summary>The armed faults. <see cref="Fault.TokenExpired"/> (a 410 <c>fullSyncRequired</c>) is served as the dialect's own expiry answer.</summary>
    public FaultQueue Faults { get; } = new();

    /// <summary>The current log position: how many changes were made so far.</summary>
    public long Position => _feed.State.Position;

    /// <summary>
    /// The token a pass ending now would hand out, as the client stores it: the sync token, or with Graph the whole
    /// deltaLink (without the pass's own parameters). A pass that saw no change hands out the same one.
    /// </summary>
    public string CurrentSyncToken
    {
        get
        {
            var (position, epoch) = _feed.State;
            return FinalToken(FakeTokens.EncodeSyncToken(_feed.Id, position, epoch), Array.Empty<KeyValuePair<string, string>>());
        }
    }

    /// <summary>The live items, ordered by key: what a mirror should hold, so neither deleted nor trashed (<see cref="Trash"/>) ones.</summary>
    public IReadOnlyList<FakeItem> LiveItems =>
        _feed.Live.Where(v => !IsTrashed(v)).Select(v => new FakeItem(v.Id, (JsonObject)JsonNode.Parse(v.FieldsJson!)!)).ToArray();

    /// <summary>
    /// A snapshot of the request journal, in arrival order. A request is journaled once its answer has gone out, so one
    /// whose answer (or reset) the client has just seen can still be missing: await
    /// <see cref="WhenRequestsAnsweredAsync"/> before reading the journal after a call.
    /// </summary>
    public IReadOnlyList<RecordedRequest> Requests => _state.Requests;

    private string Origin { get; }

    /// <summary>
    /// Starts a server for a built-in dialect with the default options; for options use the <see cref="FakeDialect"/>
    /// overload with <see cref="FakeDialects"/> (e.g. <c>FakeDialects.MicrosoftGraph</c>).
    /// </summary>
    /// <param name="dialect">One of <see cref="SyncDialects"/>.</param>
    /// <returns>The started server; dispose it to stop.</returns>
    public static Task<FakeSyncServer> StartAsync(SyncDialect dialect) => StartAsync(FakeDialects.For(dialect));

    /// <summary>Starts a server for any dialect, built in (<see cref="FakeDialects"/>) or your own.</summary>
    /// <param name="dialect">How to serve it.</param>
    /// <param name="options">Options; defaults when null.</param>
    /// <param name="cancellationToken">Cancels the start.</param>
    /// <returns>The started server; dispose it to stop.</returns>
    public static async Task<FakeSyncServer> StartAsync(FakeDialect dialect, FakeSyncServerOptions? options = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(dialect);
        options ??= new FakeSyncServerOptions();
        FakeSyncServer? server = null;
        var (app, origin) = await EmbeddedHttpHost.StartAsync(options.Port, options.LoggerFactory, context => server!.HandleAsync(context), cancellationToken).ConfigureAwait(false);
        server = new FakeSyncServer(app, dialect, options, origin);
        return server;
    }

    /// <summary>Adds or replaces an item named <paramref name="name"/>, rendered with the dialect's <see cref="FakeDialect.NameFields"/> (Graph: <c>displayName</c>).</summary>
    /// <param name="id">The key.</param>
    /// <param name="name">The name.</param>
    /// <returns>The stored item.</returns>
    public FakeItem Upsert(string id, string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        return Upsert(new FakeItem(id, Dialect.NameFields(name)));
    }

    /// <summary>Adds or replaces an item (a deleted key comes back to life). Appends one change.</summary>
    /// <param name="item">The key and the fields.</param>
    /// <returns>The item.</returns>
    /// <exception cref="ArgumentException">
    /// The item's fields name its key property (<see cref="SyncDialect.Key"/>, or the full listing's key for a wrapped or
    /// listed item) with another value than <see cref="FakeItem.Id"/>: its pages would show a different item than the one
    /// stored, and deleting it would remove a key no client ever saw.
    /// </exception>
    public FakeItem Upsert(FakeItem item)
    {
        ArgumentNullException.ThrowIfNull(item);
        ArgumentException.ThrowIfNullOrEmpty(item.Id, nameof(item));
        ArgumentNullException.ThrowIfNull(item.Fields, nameof(item));
        if (DialectRenderer.KeyConflict(Dialect, item.Id, item.Fields) is var (key, rendered))
        {
            throw new ArgumentException(
                $"The item stored under key '{item.Id}' would render {rendered} at its key '{key}' ({Dialect.Dialect.Name}), because its fields set '{key.Segments[0]}'. " +
                $"Leave '{key.Segments[0]}' out of the fields (the server writes the key itself) or store the item under the key its fields name.",
                nameof(item));
        }

        _feed.Upsert(item.Id, item.Fields);
        Subscriptions.Notify(item.Id);
        return item;
    }

    /// <summary>Removes an item: incremental passes report it with the dialect's deletion marker, full passes omit it.</summary>
    /// <param name="id">The key.</param>
    /// <returns>False when there is no live item with that key (nothing is appended).</returns>
    public bool Delete(string id)
    {
        var deleted = _feed.Delete(id);
        if (deleted)
        {
            Subscriptions.Notify(id);
        }

        return deleted;
    }

    /// <summary>
    /// Moves an item to the trash, as Drive's files.update with <c>trashed: true</c> does: one change is appended that
    /// still holds the item, now with the dialect's <see cref="FakeDialect.Trashed"/> member set to true (Drive: a change
    /// with <c>removed: false</c> and <c>file.trashed: true</c>, not a removal); the full listing lists it only when its
    /// query asks for trashed items. <see cref="Untrash"/> restores it; <see cref="Delete"/> deletes it for good.
    /// </summary>
    /// <param name="id">The key.</param>
    /// <returns>False when there is no live item with that key or it is already in the trash (nothing is appended).</returns>
    /// <exception cref="InvalidOperationException">The dialect has no trash (<see cref="FakeDialect.Trashed"/> is null).</exception>
    public bool Trash(string id) => SetTrashed(id, true);

    /// <summary>
    /// Restores an item from the trash: one change is appended holding the item with <see cref="FakeDialect.Trashed"/>
    /// set to false, so an incremental pass brings it back and the full listing lists it again.
    /// </summary>
    /// <param name="id">The key.</param>
    /// <returns>False when there is no live item with that key or it is not in the trash (nothing is appended).</returns>
    /// <exception cref="InvalidOperationException">The dialect has no trash (<see cref="FakeDialect.Trashed"/> is null).</exception>
    public bool Untrash(string id) => SetTrashed(id, false);

    /// <summary>
    /// Invalidates every sync token (and deltaLink) handed out so far: the next request with one gets the dialect's expiry
    /// answer (<see cref="FakeDialect.ExpiredToken"/>). Page tokens and nextLinks of a pass under way stay valid.
    /// </summary>
    public void ExpireSyncTokens() => _feed.ExpireSyncTokens();

    /// <summary>Empties the request journal.</summary>
    public void ClearRequests() => _state.ClearRequests();

    /// <summary>
    /// Completes when no request is being answered, so every request whose answer a client has seen is then in
    /// <see cref="Requests"/>. Call it after a client call returns and before reading <see cref="Requests"/>: the server
    /// journals a request only after its answer went out, and an aborted connection (<see cref="Fault.Abort"/>) or a
    /// response reaches the client before that, so a journal read at once can miss the last request. A request held by a
    /// delay fault keeps it pending until the delay ends or its client disconnects.
    /// </summary>
    /// <param name="cancellationToken">Stops the wait; the returned task is then cancelled.</param>
    /// <returns>A task that completes when the server answers no request.</returns>
    public Task WhenRequestsAnsweredAsync(CancellationToken cancellationToken = default) => _state.WhenIdleAsync(cancellationToken);

    /// <summary>Stops the server; requests still waiting on a delay fault are cancelled.</summary>
    /// <returns>A task that completes when the server has stopped.</returns>
    public async ValueTask DisposeAsync()
    {
        await _state.StopAsync(_app).ConfigureAwait(false);
        await Subscriptions.DisposeAsync().ConfigureAwait(false);
    }

    private bool SetTrashed(string id, bool trashed)
    {
        ArgumentNullException.ThrowIfNull(id);
        var path = Dialect.Trashed
            ?? throw new InvalidOperationException($"The {Dialect.Dialect.Name} dialect has no trash: set {nameof(FakeDialect)}.{nameof(FakeDialect.Trashed)} to where an item records it.");
        return _feed.Edit(id, fields =>
        {
            if (IsTrashed(fields, path) == trashed)
            {
                return false;
            }

            DialectRenderer.Set(fields, path, JsonValue.Create(trashed));
            return true;
        });
    }

    private bool IsTrashed(FeedVersion version) =>
        Dialect.Trashed is { } path && !version.Deleted && JsonNode.Parse(version.FieldsJson!) is JsonObject fields && IsTrashed(fields, path);

    private static bool IsTrashed(JsonObject fields, SyncJsonPath path)
    {
        JsonNode? node = fields;
        foreach (var segment in path.Segments)
        {
            node = node is JsonObject parent ? parent[segment] : null;
        }

        return node is JsonValue value && value.TryGetValue<bool>(out var flag) && flag;
    }

    /// <summary>
    /// Reads the full listing's <c>q</c> as Drive's files.list does for the two queries this server evaluates:
    /// <c>trashed = false</c> (only items out of the trash) and <c>trashed = true</c> (only those in it). False for any
    /// other query: answering it with everything would let a test pass that Drive would fail.
    /// </summary>
    private static bool TryReadTrashQuery(string q, out bool trashed)
    {
        var compact = string.Concat(q.Where(c => !char.IsWhiteSpace(c)));
        trashed = string.Equals(compact, "trashed=true", StringComparison.OrdinalIgnoreCase);
        return trashed || string.Equals(compact, "trashed=false", StringComparison.OrdinalIgnoreCase);
    }

    /// <summary>What this server serves, for the 404 of anything else.</summary>
    internal string ServedDescription
    {
        get
        {
            var served = $"GET {_feedPath}";
            if (_startTokenPath is not null)
            {
                served += $", GET {_startTokenPath} and GET {_listingPath}";
            }

            return served + (Dialect.Dialect.RequestStyle == SyncRequestStyle.FollowLinks ? " and the links it hands out" : string.Empty);
        }
    }

    private async Task HandleAsync(HttpContext context)
    {
        if (await Subscriptions.TryHandleAsync(context, new Uri(BaseUri, "subscriptions").AbsolutePath).ConfigureAwait(false))
        {
            return;
        }

        var arrived = (_options.TimeProvider ?? TimeProvider.System).GetUtcNow();
        var (request, kind) = ParseRequest(context);
        var fault = kind is DialectRequestKind.Feed or DialectRequestKind.Listing ? Faults.Take(request) : null;
        var status = 0;
        var expiry = false;
        _state.BeginRequest();
        try
        {
            (status, expiry) = await RespondAsync(context, request, kind, fault).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (context.RequestAborted.IsCancellationRequested || _state.Stopping.IsCancellationRequested)
        {
            // The client gave up (or the server is stopping) while a delay fault held the answer: nothing to send.
            context.Abort();
        }
        finally
        {
            var served = new FakeCalendarRequest(request) { ServedExpiry = expiry };
            _state.Record(new RecordedRequest(served, arrived, status, fault));
        }
    }

    private async Task<(int Status, bool Expiry)> RespondAsync(HttpContext context, FakeCalendarRequest request, DialectRequestKind kind, Fault? fault)
    {
        if (kind == DialectRequestKind.NotServed)
        {
            var message = $"SyncGen test server ({Dialect.Dialect.Name}): {request.Method} {request.Path} is not served. This server serves only {ServedDescription}.";
            return (await WriteErrorAsync(context, 404, "notFound", message).ConfigureAwait(false), false);
        }

        if (!HttpMethods.IsGet(request.Method))
        {
            return (await WriteErrorAsync(context, 405, "httpMethodNotAllowed", "Method Not Allowed").ConfigureAwait(false), false);
        }

        if (kind == DialectRequestKind.StartToken)
        {
            var (now, epoch) = _feed.State;
            var answer = new JsonObject();
            DialectRenderer.Set(answer, Dialect.Dialect.FullListing!.StartToken, FakeTokens.EncodeSyncToken(_feed.Id, now, epoch));
            return (await WriteAsync(context, 200, Encoding.UTF8.GetBytes(answer.ToJsonString(FakeDialects.Json.Options)), null).ConfigureAwait(false), false);
        }

        fault = await _state.WaitOutDelaysAsync(fault, context).ConfigureAwait(false);

        switch (fault?.Kind)
        {
            case FaultKind.Abort:
                context.Abort();
                return (0, false);
            case FaultKind.Status when fault.Reason == "fullSyncRequired":
                return (await WriteExpiredAsync(context).ConfigureAwait(false), true);
            case FaultKind.Status:
                EmbeddedHttpHost.SetRetryAfter(context.Response, fault.RetryAfter);
                return (await WriteErrorAsync(context, fault.StatusCode, fault.Reason!, fault.Message!).ConfigureAwait(false),
                    Dialect.Dialect.IsExpiry(new SyncErrorFacts { StatusCode = fault.StatusCode, Reasons = new[] { fault.Reason! }, Message = fault.Message }));
            case FaultKind.RawResponse:
                // No reason to read: the dialect's rule on the status alone says whether it is an expiry.
                return (await EmbeddedHttpHost.WriteRawAsync(context, fault).ConfigureAwait(false), Dialect.Dialect.IsExpiry(new SyncErrorFacts { StatusCode = fault.StatusCode }));
        }

        var listing = kind == DialectRequestKind.Listing;
        var (position, currentEpoch) = _feed.State;
        long since = -1;
        if (request.SyncToken is { } syncToken)
        {
            if (FakeTokens.DecodeSyncToken(syncToken) is not { } data || data.CalendarId != _feed.Id || data.Epoch != currentEpoch || data.Position > position)
            {
                return (await WriteExpiredAsync(context).ConfigureAwait(false), true);
            }

            since = data.Position;
        }

        var passQuery = PassQuery(request.Query);
        var identity = FakeTokens.Hash(request.Path + "\n" + string.Join("\n", passQuery.Select(p => p.Key + "=" + p.Value).OrderBy(t => t, StringComparer.Ordinal)));
        var snapshot = position;
        var offset = 0;
        var pageNumber = 1;
        if (request.PageToken is { } pageToken)
        {
            if (FakeTokens.DecodePageToken(pageToken) is not { } page || page.QueryHash != identity || (request.SyncToken is not null && page.Since != since))
            {
                return (await WriteErrorAsync(context, 400, "invalid", "Invalid page token value.").ConfigureAwait(false), false);
            }

            (snapshot, since, offset, pageNumber) = (page.Snapshot, page.Since, page.Offset, page.PageNumber);
        }

        var entries = _feed.Listing(snapshot, since);
        if (listing && Dialect.Trashed is not null && request.GetQueryValue("q") is { } q)
        {
            if (!TryReadTrashQuery(q, out var wanted))
            {
                return (await WriteErrorAsync(context, 400, "invalid", $"Invalid Value: this test server evaluates only q=trashed = false or q=trashed = true, not '{q}'.").ConfigureAwait(false), false);
            }

            entries.RemoveAll(v => IsTrashed(v) != wanted);
        }

        var pageSize = PageSize(request);
        var window = PageWindow.Of(entries.Count, offset, fault is { Kind: FaultKind.ShortPage } ? fault.ItemCount : pageSize);
        var model = new ServedPage<FeedVersion>(entries.GetRange(window.Offset, window.Count), snapshot, since, FakeTokens.EncodePageToken(new PageTokenData(snapshot, since, 0, 1, identity)));
        if (!window.IsLast)
        {
            model.NextPageToken = FakeTokens.EncodePageToken(new PageTokenData(snapshot, since, window.NextOffset, pageNumber + 1, identity));
        }
        else if (!listing && (since >= 0 || RequestedFullPassParameters(request)))
        {
            model.NextSyncToken = FakeTokens.EncodeSyncToken(_feed.Id, snapshot, currentEpoch);
        }

        PageFaults.Shape(fault?.Kind, model, request.PageToken, fault?.LoopToken);
        var preamble = Dialect.Dialect.RequestStyle == SyncRequestStyle.FollowLinks
            ? new[] { new KeyValuePair<string, string>("@odata.context", BaseUri + "$metadata#" + Dialect.FeedPath.Split('/')[0]) }
            : null;
        var body = DialectRenderer.Page(
            Dialect,
            model,
            model.NextPageToken is { } next ? PageLink(next, passQuery) : null,
            model.NextSyncToken is { } final ? FinalToken(final, passQuery) : null,
            listing,
            preamble);
        switch (fault?.Kind)
        {
            case FaultKind.MalformedJson:
                body = PageFaults.CutAfterItemsStart(body, DialectRenderer.ItemsProperty(Dialect, listing));
                break;
            case FaultKind.TruncatedBody:
                return (await WriteAsync(context, 200, PageFaults.Truncate(body, fault.Fraction), fault.HonestContentLength ? null : body.Length).ConfigureAwait(false), false);
        }

        return (await WriteAsync(context, 200, body, null).ConfigureAwait(false), false);
    }

    /// <summary>Whether a full pass sent every parameter the dialect adds to full passes (People's <c>requestSyncToken=true</c>): without them no sync token comes back.</summary>
    private bool RequestedFullPassParameters(FakeCalendarRequest request) =>
        Dialect.Dialect.FullPassParameters.All(p => string.Equals(request.GetQueryValue(p.Key), p.Value, StringComparison.Ordinal));

    private int PageSize(FakeCalendarRequest request)
    {
        if (Dialect.PageSizeParameter is { } name && request.GetQueryValue(name) is { } text
            && int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var size) && size > 0)
        {
            return Math.Min(size, _options.MaxPageSize);
        }

        return _options.DefaultPageSize;
    }

    /// <summary>A page token as the dialect hands it out: the token itself, or with links a URL repeating the pass's parameters.</summary>
    private string PageLink(string pageToken, IReadOnlyList<KeyValuePair<string, string>> passQuery) =>
        Dialect.Dialect.RequestStyle == SyncRequestStyle.FollowLinks ? Link(passQuery, SkipTokenParameter, pageToken) : pageToken;

    private string FinalToken(string syncToken, IReadOnlyList<KeyValuePair<string, string>> passQuery) =>
        Dialect.Dialect.RequestStyle == SyncRequestStyle.FollowLinks ? Link(passQuery, DeltaTokenParameter, syncToken) : syncToken;

    private string Link(IReadOnlyList<KeyValuePair<string, string>> passQuery, string tokenParameter, string token) =>
        DialectRequests.Url(Origin, _feedPath, passQuery.Append(new KeyValuePair<string, string>(tokenParameter, token)));

    /// <summary>The request's parameters without its tokens: what every page of the pass repeats.</summary>
    private List<KeyValuePair<string, string>> PassQuery(IReadOnlyList<KeyValuePair<string, string>> query) =>
        query.Where(p => !DialectRequests.IsTokenParameter(Dialect, p.Key)).ToList();

    private (FakeCalendarRequest Request, DialectRequestKind Kind) ParseRequest(HttpContext context)
    {
        var path = context.Request.Path.Value ?? string.Empty;
        var query = EmbeddedHttpHost.ParseQuery(context.Request.QueryString.Value);
        var sequence = Interlocked.Increment(ref _sequence);
        var kind = DialectRequests.KindOf(Dialect, path);
        if (kind == DialectRequestKind.NotServed)
        {
            return (new FakeCalendarRequest(sequence, context.Request.Method, path, null, query), kind);
        }

        var read = DialectRequests.Read(Dialect, kind, query, Origin + path + context.Request.QueryString.Value, token => FakeTokens.DecodePageToken(token) is not null);
        var (syncToken, pageToken, journal) = (read.SyncToken, read.PageToken, read.JournalQuery);
        var incremental = syncToken is not null || (pageToken is not null && FakeTokens.DecodePageToken(pageToken) is { Since: >= 0 });
        return (new FakeCalendarRequest(sequence, context.Request.Method, path, _feed.Id, query, syncToken, pageToken, incremental, journal), kind);
    }

    private Task<int> WriteExpiredAsync(HttpContext context)
    {
        var answer = Dialect.ExpiredToken(Interlocked.Increment(ref _expiriesServed) - 1);
        foreach (var header in answer.Headers)
        {
            context.Response.Headers[header.Key] = header.Value;
        }

        return WriteAsync(context, answer.StatusCode, Encoding.UTF8.GetBytes(answer.Body), null);
    }

    private Task<int> WriteErrorAsync(HttpContext context, int status, string reason, string message) =>
        WriteAsync(context, status, Encoding.UTF8.GetBytes(Dialect.ErrorBody(status, reason, message)), null);

    private Task<int> WriteAsync(HttpContext context, int status, byte[] body, int? announcedLength) =>
        EmbeddedHttpHost.WriteJsonAsync(context, status, body, announcedLength, _options.EnableGzip && EmbeddedHttpHost.AcceptsGzip(context.Request, requiresUserAgent: false));
}

/// <summary>Options of <see cref="FakeSyncServer.StartAsync(FakeDialect, FakeSyncServerOptions?, CancellationToken)"/>.</summary>
public sealed class FakeSyncServerOptions
{
    /// <summary>The port on 127.0.0.1; 0 (the default) picks a free ephemeral port.</summary>
    public int Port { get; init; }

    /// <summary>Logs Kestrel and the host to this factory; logging is off when null (the default).</summary>
    public ILoggerFactory? LoggerFactory { get; init; }

    /// <summary>Stamps journal entries; the system clock when null.</summary>
    public TimeProvider? TimeProvider { get; init; }

    /// <summary>The page size when a request names none (default 100).</summary>
    public int DefaultPageSize { get; init; } = 100;

    /// <summary>The largest page size a request may ask for (default 1000).</summary>
    public int MaxPageSize { get; init; } = 1000;

    /// <summary>Whether responses are gzip-compressed for requests that accept gzip (default true).</summary>
    public bool EnableGzip { get; init; } = true;
}
