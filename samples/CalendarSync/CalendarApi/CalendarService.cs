using System;
using System.Collections.Generic;
using System.IO;
using System.Net.Http;
using System.Threading.Tasks;
using Google;
using Google.Apis.Http;
using Google.Apis.Json;
using Google.Apis.Requests;
using Google.Apis.Services;
using Newtonsoft.Json;
using SyncGen;
using SyncGen.Google;

namespace CalendarSync.CalendarApi;

/// <summary>
/// The few parts of the Google Calendar v3 client this sample needs, built on Google.Apis' own service and
/// request classes (the generated Google.Apis.Calendar.v3 package has the same shape).
/// </summary>
public sealed class CalendarService : BaseClientService
{
    /// <summary>The production API root.</summary>
    public const string GoogleBaseUri = "https://www.googleapis.com/calendar/v3/";

    /// <summary>Scope for read-only access to events.</summary>
    public const string CalendarReadonlyScope = "https://www.googleapis.com/auth/calendar.readonly";

    private readonly string _baseUri;
    private readonly PageReader _pageReader;

    // Google.Apis' own settings (null handling, RFC 3339 dates), and like JsonConvert it refuses content after the object.
    private readonly JsonSerializer _pageSerializer = CreatePageSerializer();

    public CalendarService(Initializer initializer)
        : this(initializer, PageReader.Newtonsoft)
    {
    }

    /// <summary>A service whose pages are read by <paramref name="pageReader"/>.</summary>
    public CalendarService(Initializer initializer, PageReader pageReader)
        : base(initializer)
    {
        _pageReader = pageReader;
        // Initializer.BaseUri lets the sample point at the embedded fake server or any Calendar v3 speaker.
        _baseUri = initializer.BaseUri ?? GoogleBaseUri;
        Events = new EventsResource(this);
        CalendarList = new CalendarListResource(this);
        Acl = new AclResource(this);
        Settings = new SettingsResource(this);
    }

    public EventsResource Events { get; }

    public CalendarListResource CalendarList { get; }

    public AclResource Acl { get; }

    public SettingsResource Settings { get; }

    public override string Name => "calendar";

    public override string BaseUri => _baseUri;

    public override string BasePath => "calendar/v3/";

    public override IList<string> Features => Array.Empty<string>();

    /// <summary>
    /// Creates a service whose retries are left to SyncGen: Google.Apis' own backoff (503 only, no Retry-After) is
    /// switched off so a request is never retried twice over.
    /// </summary>
    /// <remarks>
    /// A credential that can hand out tokens (<c>GoogleCredential</c>) is bound to the API's origin
    /// (<see cref="SameOriginCredential"/>): a redirect to another host does not carry the token, and plain http is
    /// refused except to a loopback address.
    /// </remarks>
    /// <param name="baseUri">The API root.</param>
    /// <param name="credential">The credential, or null for none (a local server).</param>
    /// <param name="timeout">Google.Apis' own client timeout; 100 s when null.</param>
    /// <param name="maxPageBytes">The largest response body accepted after decompression (<see cref="SyncResponseLimitHandler"/>).</param>
    /// <param name="pageReader">Which JSON parser reads the pages: Newtonsoft (Google.Apis' own) unless told otherwise.</param>
    public static CalendarService Create(string baseUri, IConfigurableHttpClientInitializer? credential = null, TimeSpan? timeout = null,
        long maxPageBytes = SyncResponseLimitHandler.DefaultMaxBytes, PageReader pageReader = PageReader.Newtonsoft)
    {
        var root = baseUri.EndsWith('/') ? baseUri : baseUri + "/";
        return new(
            new Initializer
            {
                BaseUri = root,
                HttpClientInitializer = credential is Google.Apis.Auth.OAuth2.ITokenAccess tokens ? new SameOriginCredential(tokens, new Uri(root)) : credential,
                ApplicationName = "SyncGen-CalendarSync",
                DefaultExponentialBackOffPolicy = ExponentialBackOffPolicy.None,
                HttpClientTimeout = timeout ?? TimeSpan.FromSeconds(100),
                HttpClientFactory = new LimitedHttpClientFactory(maxPageBytes),
            },
            pageReader);
    }

    /// <summary>
    /// Google.Apis' client factory with <see cref="SyncResponseLimitHandler"/> outside the handler that decompresses, so
    /// a small gzip that inflates to gigabytes stops at the cap instead of filling memory.
    /// </summary>
    private sealed class LimitedHttpClientFactory(long maxBytes) : HttpClientFactory
    {
        protected override HttpMessageHandler CreateHandler(CreateHttpClientArgs args) => new SyncResponseLimitHandler(base.CreateHandler(args), maxBytes);
    }

    /// <summary>
    /// Deserializes a page from the response's bytes instead of first copying them into one string, as the base class
    /// does: a page of 2,500 events is about 1 MB of JSON, and that string (2 MB of UTF-16, on the large object heap)
    /// was most of what a sync allocated. Otherwise it behaves as the base class: an empty or <c>null</c> body gives
    /// null, unreadable JSON (also content after the page) a GoogleApiException around Newtonsoft's error, and the
    /// response's ETag header lands on the page.
    /// </summary>
    public override async Task<T> DeserializeResponse<T>(HttpResponseMessage response)
    {
        if (typeof(T) == typeof(string) || Serializer is not NewtonsoftJsonSerializer)
        {
            return await base.DeserializeResponse<T>(response).ConfigureAwait(false);
        }

        // HttpClient has normally buffered the content already (ResponseContentRead); this makes sure of it, so the
        // synchronous JSON reader below never blocks on the network.
        await response.Content.LoadIntoBufferAsync().ConfigureAwait(false);
        T page;
        if (_pageReader == PageReader.SystemTextJson && typeof(T) == typeof(Events))
        {
            page = (T)(object)(await ReadWithSystemTextJsonAsync(response).ConfigureAwait(false))!;
        }
        else
        {
            page = await ReadWithNewtonsoftAsync<T>(response).ConfigureAwait(false);
        }

        if (page is IDirectResponseSchema schema && response.Headers.ETag is { } etag)
        {
            schema.ETag = etag.Tag;
        }

        return page;
    }

    private async Task<T> ReadWithNewtonsoftAsync<T>(HttpResponseMessage response)
    {
        T page;
        try
        {
            using var stream = await response.Content.ReadAsStreamAsync().ConfigureAwait(false);
            using var text = new StreamReader(stream);
            using var json = new JsonTextReader(text);
            page = _pageSerializer.Deserialize<T>(json)!;
        }
        catch (JsonException e)
        {
            throw new GoogleApiException(Name, "The response body is not a valid JSON page: " + e.Message, e);
        }

        return page;
    }

    private async Task<Events?> ReadWithSystemTextJsonAsync(HttpResponseMessage response)
    {
        using var stream = await response.Content.ReadAsStreamAsync().ConfigureAwait(false);

        // As Newtonsoft and the base class: an empty body is no page (System.Text.Json would call it invalid JSON).
        if (stream.CanSeek && stream.Length == 0)
        {
            return null;
        }

        try
        {
            // Refuses content after the page, as the Newtonsoft path does.
            return System.Text.Json.JsonSerializer.Deserialize(stream, CalendarJsonContext.Default.Events);
        }
        catch (System.Text.Json.JsonException e)
        {
            throw new GoogleApiException(Name, "The response body is not a valid JSON page: " + e.Message, e);
        }
    }

    /// <summary>
    /// Keeps the response's Retry-After, which GoogleApiException would otherwise drop, also when the body is a proxy's
    /// HTML or plain text that the base method cannot read.
    /// </summary>
    public override Task<RequestError> DeserializeError(HttpResponseMessage response) =>
        RetryAfterRequestError.ReadAsync(response, base.DeserializeError);

    private static JsonSerializer CreatePageSerializer()
    {
        var serializer = JsonSerializer.Create(NewtonsoftJsonSerializer.CreateDefaultSettings());
        serializer.CheckAdditionalContent = true;
        return serializer;
    }
}

/// <summary>The events collection of a calendar.</summary>
public sealed class EventsResource(IClientService service)
{
    /// <summary>Starts an <c>events.list</c> request; set its parameters, then execute it.</summary>
    public EventsListRequest List(string calendarId) => new(service, calendarId);
}

/// <summary>The user's calendar list.</summary>
public sealed class CalendarListResource(IClientService service)
{
    /// <summary>Starts a <c>calendarList.list</c> request.</summary>
    public CalendarListListRequest List() => new(service);
}

/// <summary>The access rules of a calendar.</summary>
public sealed class AclResource(IClientService service)
{
    /// <summary>Starts an <c>acl.list</c> request.</summary>
    public AclListRequest List(string calendarId) => new(service, calendarId);
}

/// <summary>The user's settings.</summary>
public sealed class SettingsResource(IClientService service)
{
    /// <summary>Starts a <c>settings.list</c> request.</summary>
    public SettingsListRequest List() => new(service);
}
