using System;
using System.Collections.Generic;
using System.Net.Http;
using System.Threading.Tasks;
using Google.Apis.Http;
using Google.Apis.Requests;
using Google.Apis.Services;
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

    public CalendarService(Initializer initializer)
        : base(initializer)
    {
        // Initializer.BaseUri lets the sample point at the embedded fake server or any Calendar v3 speaker.
        _baseUri = initializer.BaseUri ?? GoogleBaseUri;
        Events = new EventsResource(this);
    }

    public EventsResource Events { get; }

    public override string Name => "calendar";

    public override string BaseUri => _baseUri;

    public override string BasePath => "calendar/v3/";

    public override IList<string> Features => Array.Empty<string>();

    /// <summary>
    /// Creates a service whose retries are left to SyncGen: Google.Apis' own backoff (503 only, no Retry-After) is
    /// switched off so a request is never retried twice over.
    /// </summary>
    public static CalendarService Create(string baseUri, IConfigurableHttpClientInitializer? credential = null, TimeSpan? timeout = null) =>
        new(new Initializer
        {
            BaseUri = baseUri.EndsWith('/') ? baseUri : baseUri + "/",
            HttpClientInitializer = credential,
            ApplicationName = "SyncGen-CalendarSync",
            DefaultExponentialBackOffPolicy = ExponentialBackOffPolicy.None,
            HttpClientTimeout = timeout ?? TimeSpan.FromSeconds(100),
        });

    /// <summary>Keeps the response's Retry-After, which GoogleApiException would otherwise drop.</summary>
    public override async Task<RequestError> DeserializeError(HttpResponseMessage response) =>
        RetryAfterRequestError.Wrap(await base.DeserializeError(response).ConfigureAwait(false), response);
}

/// <summary>The events collection of a calendar.</summary>
public sealed class EventsResource(IClientService service)
{
    /// <summary>Starts an <c>events.list</c> request; set its parameters, then execute it.</summary>
    public EventsListRequest List(string calendarId) => new(service, calendarId);
}
