using System;
using System.Collections.Generic;
using System.Net.Http;
using SyncGen;

namespace CalendarFleet.Worker;

/// <summary>
/// The HTTP client of a worker's passes: with a quota, every request is admitted through its calendar's user budget,
/// shared by every worker through PostgreSQL (<see cref="SyncQuotaHandler"/>).
/// </summary>
internal static class FleetHttp
{
    public static HttpClient Create(FleetSettings settings, ISyncQuota? quota)
    {
        HttpMessageHandler handler = new SocketsHttpHandler();
        if (settings.QuotaPerUserPerMinute is { } perMinute && quota is not null)
        {
            var limit = SyncQuotaLimit.PerMinute(perMinute);
            handler = new SyncQuotaHandler(quota, request => KeysOf(request, settings, limit), new SyncQuotaHandlerOptions { FullPassJitter = settings.FullPassJitter })
            {
                InnerHandler = handler,
            };
        }

        return new HttpClient(handler) { Timeout = TimeSpan.FromSeconds(30) };
    }

    /// <summary>The budget of a request: the user of the calendar in its path (…/calendars/{id}/events); none for other requests.</summary>
    private static IReadOnlyList<SyncQuotaKey> KeysOf(HttpRequestMessage request, FleetSettings settings, SyncQuotaLimit limit)
    {
        var segments = request.RequestUri?.Segments ?? [];
        for (var i = 0; i + 1 < segments.Length; i++)
        {
            if (segments[i] == "calendars/")
            {
                var calendar = Uri.UnescapeDataString(segments[i + 1].TrimEnd('/'));
                return [new SyncQuotaKey("calendar-fleet:" + FleetSettings.UserOf(calendar, settings.CalendarsPerUser), limit)];
            }
        }

        return [];
    }
}
