using System;
using System.Collections.Generic;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;

namespace SyncGen.Testing.Conformance.FanOut;

/// <summary>
/// The adapter the fan-out scenarios drive: one all-calendars repository (the calendar list and one events mirror per
/// listed calendar) with its own store. <see cref="CalendarFanOutUnderTest.Create{TEntry, TEvent}"/> adapts a
/// <see cref="SyncFanOut{TParent, TChild}"/>, or a repository around one, in one line.
/// </summary>
public interface ICalendarFanOutUnderTest : IAsyncDisposable
{
    /// <summary>Runs one sync call of the list and every listed calendar. Typed failures must propagate unchanged.</summary>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>What the call did.</returns>
    Task<SyncFanOutResult> SyncAsync(CancellationToken cancellationToken);

    /// <summary>Reads back the committed calendar list and its token (an item's summary is the calendar's).</summary>
    /// <param name="cancellationToken">Cancels the read.</param>
    /// <returns>The mirror.</returns>
    Task<MirrorSnapshot> ReadCalendarListAsync(CancellationToken cancellationToken);

    /// <summary>Reads back one calendar's committed events and token; empty with no token when it has none.</summary>
    /// <param name="calendarId">The calendar id as the list names it.</param>
    /// <param name="cancellationToken">Cancels the read.</param>
    /// <returns>The mirror.</returns>
    Task<MirrorSnapshot> ReadCalendarAsync(string calendarId, CancellationToken cancellationToken);
}

/// <summary>Where and how the repository under test syncs, for <see cref="CalendarFanOutConformance.CreateRepository"/>.</summary>
/// <param name="ApiRoot">The Calendar v3 root: the list at <c>{ApiRoot}users/me/calendarList</c>, events at <c>{ApiRoot}calendars/{escaped id}/events</c>.</param>
/// <param name="Options">Loop settings with millisecond retries; pass them to every sync.</param>
public sealed record FanOutContext(Uri ApiRoot, SyncOptions Options);

/// <summary>Ready-made fan-out adapters.</summary>
public static class CalendarFanOutUnderTest
{
    /// <summary>Adapts a fan-out whose list and calendars live in stores, e.g. <c>Create(fanOut.SyncAsync, listStore, ...)</c>.</summary>
    /// <typeparam name="TEntry">The calendar list entry type.</typeparam>
    /// <typeparam name="TEvent">The event type.</typeparam>
    /// <param name="sync">Runs one sync call of the fan-out under test (<see cref="SyncFanOut{TParent, TChild}.SyncAsync"/>).</param>
    /// <param name="listStore">The store of the calendar list.</param>
    /// <param name="calendarStore">The store of one calendar's events, by calendar id.</param>
    /// <param name="entrySummary">Reads a list entry's summary.</param>
    /// <param name="eventSummary">Reads an event's summary.</param>
    /// <param name="disposables">Disposed with the adapter (the API client, the stores).</param>
    /// <returns>The adapter.</returns>
    public static ICalendarFanOutUnderTest Create<TEntry, TEvent>(
        Func<CancellationToken, Task<SyncFanOutResult>> sync,
        ISyncStore<TEntry> listStore,
        Func<string, ISyncStore<TEvent>> calendarStore,
        Func<TEntry, string?> entrySummary,
        Func<TEvent, string?> eventSummary,
        params IAsyncDisposable[] disposables)
    {
        ArgumentNullException.ThrowIfNull(sync);
        ArgumentNullException.ThrowIfNull(listStore);
        ArgumentNullException.ThrowIfNull(calendarStore);
        ArgumentNullException.ThrowIfNull(entrySummary);
        ArgumentNullException.ThrowIfNull(eventSummary);
        return new Adapter<TEntry, TEvent>(sync, listStore, calendarStore, entrySummary, eventSummary, disposables);
    }

    private sealed class Adapter<TEntry, TEvent>(
        Func<CancellationToken, Task<SyncFanOutResult>> sync,
        ISyncStore<TEntry> listStore,
        Func<string, ISyncStore<TEvent>> calendarStore,
        Func<TEntry, string?> entrySummary,
        Func<TEvent, string?> eventSummary,
        IAsyncDisposable[] disposables) : ICalendarFanOutUnderTest
    {
        public Task<SyncFanOutResult> SyncAsync(CancellationToken cancellationToken) => sync(cancellationToken);

        public Task<MirrorSnapshot> ReadCalendarListAsync(CancellationToken cancellationToken) => ReadAsync(listStore, entrySummary, cancellationToken);

        public Task<MirrorSnapshot> ReadCalendarAsync(string calendarId, CancellationToken cancellationToken) =>
            ReadAsync(calendarStore(calendarId), eventSummary, cancellationToken);

        public async ValueTask DisposeAsync()
        {
            foreach (var disposable in disposables)
            {
                await disposable.DisposeAsync().ConfigureAwait(false);
            }
        }

        private static async Task<MirrorSnapshot> ReadAsync<T>(ISyncStore<T> store, Func<T, string?> summary, CancellationToken cancellationToken)
        {
            var token = await store.ReadSyncTokenAsync(cancellationToken).ConfigureAwait(false);
            var items = await store.ReadItemsAsync(cancellationToken).ConfigureAwait(false);
            return new MirrorSnapshot(items.Select(pair => new MirrorItem(pair.Key, summary(pair.Value))).ToArray(), token);
        }
    }
}
