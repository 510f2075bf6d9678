using System;
using System.Collections.Generic;
using System.Linq;
using System.Net.Http;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization.Metadata;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.Extensions.Logging;
using SyncGen.Infrastructure;

namespace SyncGen;

/// <summary>
/// A page source for plain JSON APIs, driven by a <see cref="SyncDialect"/>: give it the endpoint and the item type,
/// and it builds every request, reads every page, and turns every unsuccessful answer into a
/// <see cref="SyncHttpException"/> with the whole error body read, so the dialect's expiry rule sees the status, every
/// reason, the message and the headers. Keys and deletions are read from the JSON by the dialect, so the item type
/// need not model markers such as <c>@removed</c> or <c>metadata.deleted</c>.
/// </summary>
/// <remarks>
/// Use it from an <c>[IncrementalSync]</c> class (a member of this type is its page source), or directly with
/// <see cref="SyncAsync"/>. The <see cref="HttpClient"/> carries authentication; the source never disposes it. Build it
/// with <c>AllowAutoRedirect = false</c>: the source then follows redirects on the endpoint's origin itself and refuses
/// one to any other origin before anything is sent there. A client that follows redirects on its own has already sent
/// the request (with every header but <c>Authorization</c>) when the source sees where it went; the answer is refused
/// unread either way (<see cref="SyncRedirectRefusedException"/>).
/// </remarks>
/// <typeparam name="TItem">The item type, deserialised from each entry (or from the dialect's <see cref="SyncDialect.ItemValue"/>).</typeparam>
public sealed class SyncHttpPageSource<TItem>
{
    /// <summary>Redirects followed on the endpoint's origin per request; one more leaves the 3xx to fail as an HTTP error.</summary>
    private const int MaxRedirects = 5;

    private static readonly JsonSerializerOptions WebOptions = new(JsonSerializerDefaults.Web);

    private readonly HttpClient _http;
    private readonly JsonTypeInfo<TItem>? _itemType;
    private readonly JsonSerializerOptions _options;
    private readonly SyncGate _gate = new();
    private readonly string? _firstRequestBody;

    /// <summary>Creates a source that reads items with source-generated metadata (trimming- and AOT-safe).</summary>
    /// <param name="http">The client; its handlers add authentication.</param>
    /// <param name="dialect">The API's wire protocol, e.g. <see cref="SyncDialects.MicrosoftGraph"/>.</param>
    /// <param name="endpoint">The absolute URL of the list (or delta) request, with any fixed query parameters.</param>
    /// <param name="itemType">The item's metadata from a <c>JsonSerializerContext</c>.</param>
    /// <exception cref="SyncFieldsMaskException">The endpoint's partial-response mask leaves out a member the dialect reads (<see cref="SyncDialect.FieldsParameter"/>).</exception>
    public SyncHttpPageSource(HttpClient http, SyncDialect dialect, Uri endpoint, JsonTypeInfo<TItem> itemType)
        : this(http, dialect, endpoint, itemType?.Options ?? throw new ArgumentNullException(nameof(itemType)))
    {
        _itemType = itemType ?? throw new ArgumentNullException(nameof(itemType));
    }

    /// <summary>Creates a source that reads items by reflection with the web defaults (camelCase, case-insensitive).</summary>
    /// <param name="http">The client; its handlers add authentication.</param>
    /// <param name="dialect">The API's wire protocol, e.g. <see cref="SyncDialects.GooglePeople"/>.</param>
    /// <param name="endpoint">The absolute URL of the list (or delta) request, with any fixed query parameters.</param>
    /// <exception cref="SyncFieldsMaskException">The endpoint's partial-response mask leaves out a member the dialect reads (<see cref="SyncDialect.FieldsParameter"/>).</exception>
    public SyncHttpPageSource(HttpClient http, SyncDialect dialect, Uri endpoint)
        : this(http, dialect, endpoint, WebOptions)
    {
    }

    /// <summary>Creates a source that reads items by reflection.</summary>
    /// <param name="http">The client; its handlers add authentication.</param>
    /// <param name="dialect">The API's wire protocol, e.g. <see cref="SyncDialects.GooglePeople"/>.</param>
    /// <param name="endpoint">The absolute URL of the list (or delta) request, with any fixed query parameters.</param>
    /// <param name="options">Serializer options.</param>
    /// <exception cref="SyncFieldsMaskException">The endpoint's partial-response mask leaves out a member the dialect reads (<see cref="SyncDialect.FieldsParameter"/>).</exception>
    /// <exception cref="ArgumentException">The endpoint is not absolute http(s), or writes one of the dialect's <see cref="SyncDialect.FullPassParameters"/> with another value.</exception>
    public SyncHttpPageSource(HttpClient http, SyncDialect dialect, Uri endpoint, JsonSerializerOptions options)
    {
        _http = http ?? throw new ArgumentNullException(nameof(http));
        Dialect = dialect ?? throw new ArgumentNullException(nameof(dialect));
        if (endpoint is null)
        {
            throw new ArgumentNullException(nameof(endpoint));
        }

        if (!endpoint.IsAbsoluteUri || (endpoint.Scheme != Uri.UriSchemeHttp && endpoint.Scheme != Uri.UriSchemeHttps))
        {
            throw new ArgumentException($"The endpoint must be an absolute http or https URL; '{endpoint}' is not.", nameof(endpoint));
        }

        if (dialect.HasBody && dialect.EffectiveMethod is "GET" or "HEAD")
        {
            throw new ArgumentException($"The {dialect.Name} dialect sends a request body ({dialect.RequestStyle}), which a {dialect.EffectiveMethod} request cannot carry.", nameof(dialect));
        }

        Endpoint = endpoint;
        ErrorClassifier = dialect.CreateErrorClassifier();
        _options = options ?? throw new ArgumentNullException(nameof(options));
        CheckFieldsMasks();
        CheckFullPassParameters();
    }

    /// <summary>The wire protocol.</summary>
    public SyncDialect Dialect { get; }

    /// <summary>
    /// The body of a full pass's first request, for a dialect that sends one (<see cref="SyncRequestStyle.JsonBody"/>:
    /// JSON, e.g. Dropbox's <c>{"path": "", "recursive": true}</c>; <see cref="SyncRequestStyle.FormBody"/>: form
    /// text); <see langword="null"/> (the default) for an empty object or form.
    /// </summary>
    /// <remarks>
    /// Requests that carry a token send the token alone when the dialect has a <see cref="SyncDialect.ContinueRequest"/>,
    /// otherwise this body with the token added. A JSON body must be an object: the token is a member of it.
    /// </remarks>
    public string? FirstRequestBody
    {
        get => _firstRequestBody;
        init
        {
            if (value is not null && Dialect.RequestStyle == SyncRequestStyle.JsonBody)
            {
                try
                {
                    if (JsonNode.Parse(value) is not JsonObject)
                    {
                        throw new ArgumentException($"The first request body of the {Dialect.Name} dialect must be a JSON object.", nameof(FirstRequestBody));
                    }
                }
                catch (JsonException exception)
                {
                    throw new ArgumentException($"The first request body of the {Dialect.Name} dialect is not JSON: {exception.Message}", nameof(FirstRequestBody), exception);
                }
            }

            _firstRequestBody = value;
        }
    }

    /// <summary>The list (or delta) request of a full pass.</summary>
    public Uri Endpoint { get; }

    /// <summary>
    /// The text a stored token is bound to (<see cref="SyncDefinition{TItem}.QueryFingerprint"/>): the dialect and the
    /// whole endpoint URL, whose query holds every filter and mask of a full pass.
    /// </summary>
    public string QueryFingerprint => $"{Dialect.Name}\n{Endpoint.AbsoluteUri}";

    /// <summary>The dialect's error rules (<see cref="SyncDialect.CreateErrorClassifier"/>), which a sync through this source uses in place of <see cref="SyncOptions.ErrorClassifier"/>.</summary>
    public ISyncErrorClassifier ErrorClassifier { get; }

    /// <summary>
    /// Runs one sync call into <paramref name="store"/>, for code that has no <c>[IncrementalSync]</c> class. The
    /// dialect's expiry rule (<see cref="ErrorClassifier"/>) replaces <see cref="SyncOptions.ErrorClassifier"/>. Calls on
    /// one source run one at a time.
    /// </summary>
    /// <param name="store">Where the mirror and the token live.</param>
    /// <param name="options">Loop settings; <see langword="null"/> for the defaults.</param>
    /// <param name="logger">Logger; <see langword="null"/> for none.</param>
    /// <param name="progress">Receives a report after every page applied.</param>
    /// <param name="cancellationToken">Cancels the call; a cancelled call leaves the store unchanged.</param>
    public Task<SyncResult> SyncAsync(ISyncStore<TItem> store, SyncOptions? options = null, ILogger? logger = null, IProgress<SyncProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        var definition = new SyncDefinition<TItem>
        {
            RepositoryName = $"{Dialect.Name} {Endpoint.AbsolutePath}",
            OpenPass = OpenPass,
            GetKey = _ => null, // every page carries the keys the dialect read (SyncPage.Identities)
            IsDeleted = _ => false,
            ErrorClassifier = ErrorClassifier,
            QueryFingerprint = QueryFingerprint,
            PageTokensResumable = Dialect.PageTokensResumable,
            Gate = _gate,
        };
        return new SyncEngine<TItem>(definition, store, options, logger).RunAsync(progress, cancellationToken);
    }

    /// <summary>Starts a pass: returns the fetcher of its pages. Generated code calls it once per pass.</summary>
    /// <param name="pass">The pass.</param>
    public SyncPageFetcher<TItem> OpenPass(SyncPass pass)
    {
        if (pass is null)
        {
            throw new ArgumentNullException(nameof(pass));
        }

        if (pass.IsFull && Dialect.FullListing is { } listing)
        {
            string? startToken = null;
            var listingUri = Dialect.Resolve(Endpoint, listing.ListingRequest);
            var listingQuery = ListingQuery(listing);
            return async (cursor, cancellationToken) =>
            {
                // Taken before the first listing page (and again if that page is retried): changes made while the
                // listing runs are then listed again by the next incremental pass rather than lost.
                if (cursor.PageToken is null || startToken is null)
                {
                    startToken = await ReadStartTokenAsync(listing, cancellationToken).ConfigureAwait(false);
                }

                var parts = new List<QueryPart>(listingQuery);
                if (cursor.PageToken is { } pageToken)
                {
                    parts.Add(Escaped(Dialect.PageTokenParameter, pageToken));
                }

                var uri = WithQuery(listingUri, parts);
                using var document = await SendJsonAsync(new PageRequest(uri), cancellationToken).ConfigureAwait(false);
                var page = Dialect.ReadFullListingPage(document.RootElement);
                return ToSyncPage(page, page.NextPageToken is null ? startToken : null);
            };
        }

        var fixedQuery = PassQuery(pass);
        return async (cursor, cancellationToken) =>
        {
            using var document = await SendJsonAsync(ChangeFeedRequest(cursor, fixedQuery), cancellationToken).ConfigureAwait(false);
            var page = Dialect.ReadPage(document.RootElement);
            if (Dialect.RequestStyle == SyncRequestStyle.FollowLinks && page.NextSyncToken is { } deltaLink)
            {
                // Checked now, not when the next sync requests it: a link that can never be followed must fail this pass
                // rather than be stored and fail every sync after it.
                Link(deltaLink, "sync link");
            }

            return ToSyncPage(page, page.NextSyncToken);
        };
    }

    /// <summary>
    /// Refuses, before any request, a partial-response mask on the endpoint that leaves out what the dialect reads (see
    /// <see cref="SyncDialect.FieldsParameter"/>): the server would honour it, and a deletion it drops reads as a live item.
    /// </summary>
    private void CheckFieldsMasks()
    {
        if (Dialect.FieldsParameter is not { } parameter)
        {
            return;
        }

        foreach (var part in ParseQuery(Endpoint.Query).Where(p => string.Equals(p.Name, parameter, StringComparison.Ordinal)))
        {
            var equals = part.Raw.IndexOf('=');
            Dialect.CheckFieldsMask(equals < 0 ? string.Empty : Uri.UnescapeDataString(part.Raw.Substring(equals + 1).Replace('+', ' ')));
        }
    }

    /// <summary>The endpoint's own query, without full-pass-only parameters on an incremental pass, plus the dialect's full-pass parameters.</summary>
    private List<QueryPart> PassQuery(SyncPass pass)
    {
        var query = ParseQuery(Endpoint.Query);
        if (!pass.IsFull)
        {
            query.RemoveAll(p => Dialect.FullPassOnlyParameters.Contains(p.Name, StringComparer.Ordinal) || IsTokenRefused(p));
        }
        else
        {
            // A parameter the endpoint already carries (People's requestSyncToken=true written into the URL) is not
            // sent twice: a repeated singular parameter is ambiguous, and a strict server refuses the request.
            query.AddRange(Dialect.FullPassParameters
                .Where(p => !query.Exists(written => string.Equals(written.Name, p.Key, StringComparison.Ordinal)))
                .Select(p => Escaped(p.Key, p.Value))
                .ToList());
        }

        return query;
    }

    /// <summary>Whether the dialect refuses this parameter's value beside a sync token (<see cref="SyncDialect.TokenRefusedValues"/>).</summary>
    private bool IsTokenRefused(QueryPart part) =>
        Dialect.TokenRefusedValues.Any(refused => string.Equals(refused.Key, part.Name, StringComparison.Ordinal) && string.Equals(refused.Value, part.Value, StringComparison.Ordinal));

    /// <summary>
    /// Refuses, before any request, an endpoint that writes one of the dialect's full-pass parameters with another value:
    /// the dialect needs its value for a full pass to list what incremental ones report (Calendar list: hidden calendars).
    /// </summary>
    private void CheckFullPassParameters()
    {
        foreach (var part in ParseQuery(Endpoint.Query))
        {
            foreach (var required in Dialect.FullPassParameters.Where(p => string.Equals(p.Key, part.Name, StringComparison.Ordinal)))
            {
                if (!string.Equals(required.Value, part.Value, StringComparison.Ordinal))
                {
                    throw new ArgumentException(
                        $"The {Dialect.Name} endpoint sets {part.Name}={part.Value}, but every full pass of this dialect sends {required.Key}={required.Value}: "
                        + "otherwise a full pass would mirror less than incremental passes report. Leave it off the endpoint.",
                        "endpoint");
                }
            }
        }
    }

    /// <summary>
    /// The endpoint's parameters a full listing's request accepts, as written and in the endpoint's order. The listing
    /// and the start token are other methods than the change feed: a feed parameter they lack would be refused, and one
    /// they share (a shared drive's <c>driveId</c>) must reach them, or the pass lists one collection and follows the
    /// changes of another.
    /// </summary>
    private List<QueryPart> Forwarded(IReadOnlyList<string> accepted) =>
        ParseQuery(Endpoint.Query).Where(p => accepted.Contains(p.Name, StringComparer.Ordinal)).ToList();

    /// <summary>The listing's forwarded parameters plus the defaults they call for.</summary>
    private List<QueryPart> ListingQuery(SyncFullListing listing)
    {
        // A query written into the dialect's ListingRequest itself comes first, as the request path's own.
        var query = ParseQuery(Dialect.Resolve(Endpoint, listing.ListingRequest).Query);
        query.AddRange(Forwarded(listing.ListingParameters));
        bool Names(string name) => query.Exists(p => string.Equals(p.Name, name, StringComparison.Ordinal));
        foreach (var added in listing.ListingParameterDefaults)
        {
            if (Names(added.WhenPresent) && !Names(added.Name))
            {
                query.Add(Escaped(added.Name, added.Value));
            }
        }

        return query;
    }

    /// <summary>The request of one change-feed page: where it goes, with which method, carrying which tokens how.</summary>
    private PageRequest ChangeFeedRequest(SyncCursor cursor, List<QueryPart> passQuery)
    {
        var feed = Dialect.ChangeFeedRequest is { } relative ? Dialect.Resolve(Endpoint, relative) : Endpoint;
        var path = new Uri(feed.GetLeftPart(UriPartial.Path));
        if (Dialect.RequestStyle == SyncRequestStyle.FollowLinks)
        {
            if (cursor.PageToken is { } nextLink)
            {
                return new PageRequest(Link(nextLink, "next page link"));
            }

            if (cursor.SyncToken is { } deltaLink)
            {
                return new PageRequest(Link(deltaLink, "stored sync link"));
            }

            return new PageRequest(WithQuery(path, passQuery));
        }

        // The tokens the request carries: a page token replaces the sync token when both travel in one member (Drive,
        // Dropbox's cursor); otherwise the pass's sync token rides along on every page.
        var tokens = new List<KeyValuePair<string, string>>();
        if (cursor.SyncToken is { } token && !(cursor.PageToken is not null && Dialect.PageTokenParameter == Dialect.SyncTokenParameter))
        {
            tokens.Add(new(Dialect.SyncTokenParameter, token));
        }

        if (cursor.PageToken is { } pageToken)
        {
            tokens.Add(new(Dialect.PageTokenParameter, pageToken));
        }

        var continued = tokens.Count > 0 && Dialect.ContinueRequest is not null;
        if (continued)
        {
            path = new Uri(Dialect.Resolve(Endpoint, Dialect.ContinueRequest!).GetLeftPart(UriPartial.Path));
        }

        if (!Dialect.HasBody)
        {
            return new PageRequest(WithQuery(path, passQuery.Concat(tokens.Select(t => Escaped(t.Key, t.Value)))), Dialect.EffectiveMethod);
        }

        // A continue request (Dropbox list_folder/continue) takes the token alone; without one, every request repeats
        // the first request's body with the tokens added.
        var first = continued ? null : _firstRequestBody;
        return WithBody(new PageRequest(WithQuery(path, continued ? Enumerable.Empty<QueryPart>() : passQuery), Dialect.EffectiveMethod), first, tokens);
    }

    /// <summary>A body-style request with its body: <paramref name="first"/> (or nothing) with <paramref name="tokens"/> set in it.</summary>
    private PageRequest WithBody(PageRequest request, string? first, List<KeyValuePair<string, string>> tokens)
    {
        if (Dialect.RequestStyle == SyncRequestStyle.FormBody)
        {
            var form = string.Join("&", new[] { first }.Where(f => !string.IsNullOrEmpty(f))
                .Concat(tokens.Select(t => Uri.EscapeDataString(t.Key) + "=" + Uri.EscapeDataString(t.Value))));
            return request with { Body = Encoding.UTF8.GetBytes(form), ContentType = "application/x-www-form-urlencoded" };
        }

        var json = first is null ? new JsonObject() : (JsonObject)JsonNode.Parse(first)!;
        foreach (var (name, value) in tokens)
        {
            json[name] = value;
        }

        return request with { Body = Encoding.UTF8.GetBytes(json.ToJsonString()), ContentType = "application/json" };
    }

    /// <summary>One request of a pass: where, how, and the body (UTF-8) when the dialect sends one.</summary>
    private readonly record struct PageRequest(Uri Uri, string Method = "GET", byte[]? Body = null, string? ContentType = null);

    /// <summary>
    /// A link from the server, requested verbatim, but only on the endpoint's origin: the client's credentials must
    /// not follow a link to another host.
    /// </summary>
    private Uri Link(string link, string what)
    {
        if (!Uri.TryCreate(link, UriKind.Absolute, out var uri))
        {
            throw new JsonException($"the {Dialect.Name} {what} '{SyncTokenText.Abbreviate(link)}' is not an absolute URL");
        }

        // The origin is scheme, host and port: a user name or password in the endpoint is not part of it (the server's
        // links never carry one), and must never appear in a message.
        if (!string.Equals(Origin(uri), Origin(Endpoint), StringComparison.OrdinalIgnoreCase))
        {
            throw new JsonException(
                $"the {Dialect.Name} {what} points at {Origin(uri)}, not the endpoint's origin {Origin(Endpoint)}; it is not followed, so credentials never leave the API");
        }

        return uri;
    }

    private static string Origin(Uri uri) => uri.GetComponents(UriComponents.SchemeAndServer, UriFormat.UriEscaped);

    private async Task<string> ReadStartTokenAsync(SyncFullListing listing, CancellationToken cancellationToken)
    {
        var request = Dialect.Resolve(Endpoint, listing.StartTokenRequest);
        var uri = WithQuery(request, ParseQuery(request.Query).Concat(Forwarded(listing.StartTokenParameters)).ToList());
        using var document = await SendJsonAsync(new PageRequest(uri), cancellationToken).ConfigureAwait(false);
        return listing.StartToken.ReadString(document.RootElement)
            ?? throw new JsonException($"the {Dialect.Name} start token answer has no '{listing.StartToken}'");
    }

    /// <summary>
    /// Sends <paramref name="page"/> and reads its answer as JSON. A redirect the client hands back
    /// (<c>AllowAutoRedirect = false</c>) is followed here, on the endpoint's origin only; an answer the client fetched from another origin by following a redirect
    /// itself is refused unread. Either refusal is a <see cref="SyncRedirectRefusedException"/>.
    /// </summary>
    private async Task<JsonDocument> SendJsonAsync(PageRequest page, CancellationToken cancellationToken)
    {
        var uri = page.Uri;
        var method = new HttpMethod(page.Method);
        var body = page.Body;
        for (var redirects = 0; ; redirects++)
        {
            using var request = new HttpRequestMessage(method, uri);
            request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("application/json"));
            if (body is not null)
            {
                // A 307 or 308 repeats the method and the body; a 301, 302 or 303 after a POST turns into a GET, as browsers do.
                request.Content = new ByteArrayContent(body);
                request.Content.Headers.ContentType = new MediaTypeHeaderValue(page.ContentType!) { CharSet = "utf-8" };
            }

            using var response = await _http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancellationToken).ConfigureAwait(false);
            if (response.RequestMessage?.RequestUri is { IsAbsoluteUri: true } answered && !IsEndpointOrigin(answered))
            {
                throw new SyncRedirectRefusedException(Dialect.Name, Origin(answered), Origin(Endpoint), followedByClient: true);
            }

            if (IsRedirect(response) && response.Headers.Location is { } location && redirects < MaxRedirects)
            {
                var target = location.IsAbsoluteUri ? location : new Uri(uri, location);
                if (!IsEndpointOrigin(target))
                {
                    throw new SyncRedirectRefusedException(Dialect.Name, Origin(target), Origin(Endpoint), followedByClient: false);
                }

                uri = target;
                if ((int)response.StatusCode is 301 or 302 or 303 && method != HttpMethod.Get && method != HttpMethod.Head)
                {
                    method = HttpMethod.Get;
                    body = null;
                }

                continue;
            }

            await SyncHttpException.ThrowIfUnsuccessfulAsync(response, cancellationToken).ConfigureAwait(false);
            var stream = await response.Content.ReadAsStreamAsync(cancellationToken).ConfigureAwait(false);
            await using (stream.ConfigureAwait(false))
            {
                return await JsonDocument.ParseAsync(stream, default, cancellationToken).ConfigureAwait(false);
            }
        }
    }

    // 300 and 304 are not redirects to follow: one offers choices, the other answers a conditional request never sent.
    private static bool IsRedirect(HttpResponseMessage response) => (int)response.StatusCode is 301 or 302 or 303 or 307 or 308;

    private bool IsEndpointOrigin(Uri uri) => string.Equals(Origin(uri), Origin(Endpoint), StringComparison.OrdinalIgnoreCase);

    private SyncPage<TItem> ToSyncPage(SyncDialectPage page, string? nextSyncToken)
    {
        var items = new List<TItem>(page.Entries.Count);
        var identities = new List<SyncItemIdentity>(page.Entries.Count);
        foreach (var entry in page.Entries)
        {
            if (entry.IsDeleted)
            {
                // A deletion needs only its key; its body (Graph's "@removed" stub, a Drive removal) is not an item.
                items.Add(default!);
            }
            else
            {
                // An entry about something other than an item was left out by the dialect (SyncDialect.EntryKind); an
                // item entry that holds no item is refused by the engine, naming its key.
                items.Add(entry.Item is { } json ? Deserialize(json) : default!);
            }

            identities.Add(new SyncItemIdentity(entry.Key, entry.IsDeleted) { DescendantPrefix = entry.DescendantPrefix });
        }

        return SyncPage<TItem>.Create(items, page.NextPageToken, nextSyncToken) with
        {
            Identities = identities,
            SkippedEntries = page.SkippedEntries,
            MayDeleteSubtrees = Dialect.SubtreeSeparator is not null,
        };
    }

    private TItem Deserialize(JsonElement json)
    {
        var item = _itemType is not null ? json.Deserialize(_itemType) : json.Deserialize<TItem>(_options);
        return item ?? throw new JsonException($"a {Dialect.Name} entry deserialised to null");
    }

    /// <summary>
    /// The endpoint's query as its raw <c>name=value</c> parts, kept as written (a comma in <c>personFields</c>, a
    /// <c>$</c> in <c>$select</c>), each with its unescaped name for comparisons.
    /// </summary>
    private static List<QueryPart> ParseQuery(string query) =>
        query.TrimStart('?').Split('&', StringSplitOptions.RemoveEmptyEntries)
            .Select(part =>
            {
                var equals = part.IndexOf('=');
                return new QueryPart(Uri.UnescapeDataString((equals < 0 ? part : part.Substring(0, equals)).Replace('+', ' ')), part);
            })
            .ToList();

    private static QueryPart Escaped(string name, string value) => new(name, Uri.EscapeDataString(name) + "=" + Uri.EscapeDataString(value));

    private readonly record struct QueryPart(string Name, string Raw)
    {
        /// <summary>The unescaped value; empty when the part has no <c>=</c>.</summary>
        public string Value => Raw.IndexOf('=') is var equals and >= 0 ? Uri.UnescapeDataString(Raw.Substring(equals + 1).Replace('+', ' ')) : string.Empty;
    }

    private static Uri WithQuery(Uri path, IEnumerable<QueryPart> parts) =>
        new(path.GetLeftPart(UriPartial.Path) + (parts.Any() ? "?" + string.Join("&", parts.Select(p => p.Raw)) : string.Empty));
}
