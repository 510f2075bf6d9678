using System;
using System.Collections.Generic;
using System.Net.Http;
using System.Text.Json;
using System.Text.Json.Serialization;
using System.Threading;
using System.Threading.Tasks;
using SyncGen.Infrastructure;

namespace SyncGen.Runtime.Tests.Engine;

/// <summary>
/// A page source written the way a user of the plain fetch shape writes one: HttpClient and System.Text.Json,
/// unsuccessful responses turned into <see cref="SyncHttpException"/>. No Google.Apis involved.
/// </summary>
internal sealed class HttpJsonFetcher(HttpClient http, Uri eventsUri)
{
    public List<string> SentUrls { get; } = new();

    public SyncPageFetcher<JsonEvent> Open(SyncPass pass) => async (cursor, cancellationToken) =>
    {
        var query = new List<string> { "maxResults=4" };
        if (cursor.SyncToken is not null)
        {
            query.Add("syncToken=" + Uri.EscapeDataString(cursor.SyncToken));
        }

        if (cursor.PageToken is not null)
        {
            query.Add("pageToken=" + Uri.EscapeDataString(cursor.PageToken));
        }

        var url = new Uri(eventsUri + "?" + string.Join("&", query));
        lock (SentUrls)
        {
            SentUrls.Add(url.Query);
        }

        using var response = await http.GetAsync(url, cancellationToken).ConfigureAwait(false);
        await SyncHttpException.ThrowIfUnsuccessfulAsync(response, cancellationToken).ConfigureAwait(false);
        var page = await JsonSerializer.DeserializeAsync<JsonPage>(await response.Content.ReadAsStreamAsync(cancellationToken).ConfigureAwait(false), cancellationToken: cancellationToken).ConfigureAwait(false);
        return SyncPage<JsonEvent>.Create(page?.Items, page?.NextPageToken, page?.NextSyncToken);
    };

    public static SyncDefinition<JsonEvent> Definition(Func<SyncPass, SyncPageFetcher<JsonEvent>> openPass, SyncGate? gate = null) => new()
    {
        RepositoryName = "Tests.HttpJsonRepository",
        OpenPass = openPass,
        GetKey = item => item.Id,
        IsDeleted = item => item.Status == "cancelled",
        Gate = gate ?? new SyncGate(),
    };
}

internal sealed record JsonPage(
    [property: JsonPropertyName("items")] List<JsonEvent>? Items,
    [property: JsonPropertyName("nextPageToken")] string? NextPageToken,
    [property: JsonPropertyName("nextSyncToken")] string? NextSyncToken);

internal sealed record JsonEvent(
    [property: JsonPropertyName("id")] string? Id,
    [property: JsonPropertyName("status")] string? Status,
    [property: JsonPropertyName("summary")] string? Summary);
