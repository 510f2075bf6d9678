using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Net.Http;
using System.Text.Json;
using System.Threading.Tasks;
using CalendarSync.CalendarApi;
using CalendarSync.Repository;
using Google.Apis.Http;
using Google.Apis.Services;
using SyncGen.Testing.FakeServer;

namespace SyncGen.Benchmarks;

/// <summary>
/// Issue 5, part 4: bytes on the wire (socket level, both directions) for a full sync of n events and for incremental
/// syncs of k changed events, with and without gzip, and with a <c>fields</c> partial-response mask; against the
/// limit, the changed events' own JSON.
/// </summary>
internal static class BandwidthBenchmark
{
    private const int PageSize = 2_500;
    private const string FieldsMask = "nextPageToken,nextSyncToken,items(id,status,summary,updated)";

    public static async Task RunAsync(bool quick)
    {
        var n = quick ? 10_000 : 100_000;
        var ks = quick ? new[] { 100 } : new[] { 1, 100, 1_000 };

        // Google's rule: gzip only with Accept-Encoding: gzip AND a User-Agent containing "gzip" (Google.Apis sends both
        // when GZipEnabled).
        await using var server = await FakeCalendarServer.StartAsync(new FakeCalendarServerOptions { GzipRequiresUserAgent = true }).ConfigureAwait(false);
        server.Primary.AddMany(n);
        using var raw = new HttpClient();
        Report.Note($"n = {n} events, pages of {PageSize}; bytes counted at the client socket (response = headers + body as sent)");

        var round = 0;
        foreach (var gzip in new[] { false, true })
        {
            var mode = gzip ? "gzip" : "plain";
            var factory = new WireCountingHttpClientFactory();
            using var service = new CalendarService(new BaseClientService.Initializer
            {
                BaseUri = server.BaseUri.ToString(),
                ApplicationName = "SyncGen-Benchmarks",
                GZipEnabled = gzip,
                HttpClientFactory = factory,
                DefaultExponentialBackOffPolicy = ExponentialBackOffPolicy.None,
            });

            // Generated repository, the sample's request (no fields mask).
            var store = new InMemorySyncStore<Event>();
            var repository = new CalendarEventsRepository(service, "primary", store) { PageSize = PageSize };
            factory.Reset();
            await repository.SyncAsync().ConfigureAwait(false);
            var fullBytes = factory.Received;
            Report.Line($"bandwidth.{mode}.full.received_bytes_per_event", (double)fullBytes / n, "0.0");
            Report.Line($"bandwidth.{mode}.full.sent_bytes_per_page", (double)factory.Sent / Math.Ceiling((double)n / PageSize), "0");

            // The same generated repository with the fields mask, on its own store and token.
            var fieldsStore = new InMemorySyncStore<Event>();
            var fieldsRepository = new CalendarEventsRepository(service, "primary", fieldsStore) { PageSize = PageSize, Fields = FieldsMask };
            factory.Reset();
            await fieldsRepository.SyncAsync().ConfigureAwait(false);
            Report.Line($"bandwidth.{mode}.fields.full.received_bytes_per_event", (double)factory.Received / n, "0.0");

            foreach (var k in ks)
            {
                Change(server.Primary, k, n, ++round);
                var limits = await MeasureItemsJsonAsync(raw, server, store.SyncToken!).ConfigureAwait(false);
                if (limits.Items != k)
                {
                    throw new InvalidOperationException($"expected {k} changed events, the server lists {limits.Items}");
                }

                factory.Reset();
                var result = await repository.SyncAsync().ConfigureAwait(false);
                var incremental = factory.Received;
                factory.Reset();
                var fieldsResult = await fieldsRepository.SyncAsync().ConfigureAwait(false);
                var withFields = factory.Received;

                var name = $"bandwidth.{mode}.k{k}";
                Report.Line($"{name}.incremental_received_bytes_per_changed_event", (double)incremental / k, "0.0");
                Report.Line($"{name}.items_json_bytes_per_changed_event", (double)limits.ItemBytes / k, "0.0");
                Report.Line($"{name}.ratio_vs_items_json", (double)incremental / limits.ItemBytes);
                Report.Line($"{name}.ratio_vs_full_sync", (double)incremental / fullBytes, "0.00000");
                Report.Line($"{name}.fields.incremental_received_bytes_per_changed_event", (double)withFields / k, "0.0");
                Report.Line($"{name}.fields.items_json_bytes_per_changed_event", (double)limits.ProjectedBytes / k, "0.0");
                Report.Line($"{name}.fields.ratio_vs_items_json", (double)withFields / limits.ProjectedBytes);
                Report.Line($"{name}.fields.ratio_vs_unmasked_incremental", (double)withFields / incremental);
                if (result.Upserts != k || fieldsResult.Upserts != k)
                {
                    throw new InvalidOperationException($"expected {k} upserts, got {result.Upserts} ({fieldsResult.Upserts} with the mask)");
                }
            }
        }

        // Does the server honour fields? A masked item would carry no "start", "etag" or "kind".
        var probe = await raw.GetStringAsync(new Uri(server.BaseUri, $"calendars/primary/events?maxResults=1&fields={Uri.EscapeDataString(FieldsMask)}")).ConfigureAwait(false);
        using var document = JsonDocument.Parse(probe);
        var item = document.RootElement.GetProperty("items")[0];
        var honoured = !item.TryGetProperty("start", out _) && !item.TryGetProperty("etag", out _) && !document.RootElement.TryGetProperty("kind", out _);
        Report.Line("bandwidth.fake_server_honours_fields", honoured ? "yes" : "no");
    }

    /// <summary>Updates k distinct events spread over the collection.</summary>
    internal static void Change(FakeCalendar calendar, int k, int n, int round)
    {
        var step = Math.Max(1, n / k);
        var start = new DateTimeOffset(2026, 3, 1, 9, 0, 0, TimeSpan.Zero);
        for (var i = 0; i < k; i++)
        {
            var index = 1 + ((i * step + round) % n);
            var id = "evt-" + index.ToString("D6", CultureInfo.InvariantCulture);
            calendar.Upsert(new FakeEvent(id, $"Event {index} (changed in round {round})", start.AddHours(index)));
        }
    }

    /// <summary>
    /// Reads the incremental listing from <paramref name="token"/> without gzip and sums the UTF-8 size of each item's
    /// JSON (the limit any protocol must carry), and of the item reduced to id, status, summary and updated (the limit
    /// under the fields mask).
    /// </summary>
    private static async Task<(int Items, long ItemBytes, long ProjectedBytes)> MeasureItemsJsonAsync(HttpClient raw, FakeCalendarServer server, string token)
    {
        int items = 0;
        long itemBytes = 0, projected = 0;
        string? pageToken = null;
        do
        {
            var uri = new Uri(server.BaseUri, $"calendars/primary/events?maxResults={PageSize}&syncToken={Uri.EscapeDataString(token)}"
                + (pageToken is null ? string.Empty : "&pageToken=" + Uri.EscapeDataString(pageToken)));
            var body = await raw.GetByteArrayAsync(uri).ConfigureAwait(false);
            using var document = JsonDocument.Parse(body);
            foreach (var item in document.RootElement.GetProperty("items").EnumerateArray())
            {
                items++;
                itemBytes += System.Text.Encoding.UTF8.GetByteCount(item.GetRawText());
                using var buffer = new MemoryStream();
                using (var writer = new Utf8JsonWriter(buffer))
                {
                    writer.WriteStartObject();
                    foreach (var property in item.EnumerateObject().Where(p => p.Name is "id" or "status" or "summary" or "updated"))
                    {
                        property.WriteTo(writer);
                    }

                    writer.WriteEndObject();
                }

                projected += buffer.Length;
            }

            pageToken = document.RootElement.TryGetProperty("nextPageToken", out var next) ? next.GetString() : null;
        }
        while (pageToken is not null);

        return (items, itemBytes, projected);
    }
}
