using System.Collections.Generic;
using System.Threading;
using System.Threading.Tasks;
using CalendarSync.CalendarApi;

namespace SyncGen.Benchmarks;

/// <summary>
/// The seed's loop written by hand on Google.Apis, through SyncGen's own store interface: one request object, the stored
/// token, follow nextPageToken, one pass writer, apply each page, commit with nextSyncToken. No retries, no 410
/// recovery, no protocol checks, no prefetch. Because it writes through the same <see cref="ISyncStore{TItem}"/> as the
/// generated code, comparing the two measures the engine alone; <see cref="HandLoopDirectSqlite"/> is the baseline that
/// also measures the store.
/// </summary>
internal static class HandLoopThroughStore
{
    public static async Task<int> SyncAsync(CalendarService service, string calendarId, ISyncStore<Event> store, int pageSize, CancellationToken cancellationToken = default)
    {
        var token = await store.ReadSyncTokenAsync(cancellationToken).ConfigureAwait(false);
        await using var writer = await store.BeginPassAsync(token is null ? SyncPassKind.Full : SyncPassKind.Incremental, cancellationToken).ConfigureAwait(false);
        var request = service.Events.List(calendarId);
        request.MaxResults = pageSize;
        request.SyncToken = token;
        var applied = 0;
        while (true)
        {
            var page = await request.ExecuteAsync(cancellationToken).ConfigureAwait(false);
            var items = page.Items ?? (IList<Event>)System.Array.Empty<Event>();
            var changes = new SyncChange<Event>[items.Count];
            for (var i = 0; i < changes.Length; i++)
            {
                var item = items[i];
                changes[i] = item.Status == "cancelled" ? SyncChange<Event>.Delete(item.Id!) : SyncChange<Event>.Upsert(item.Id!, item);
            }

            await writer.ApplyAsync(changes, cancellationToken).ConfigureAwait(false);
            applied += changes.Length;
            if (string.IsNullOrEmpty(page.NextPageToken))
            {
                await writer.CommitAsync(page.NextSyncToken!, cancellationToken).ConfigureAwait(false);
                return applied;
            }

            request.PageToken = page.NextPageToken;
        }
    }
}
