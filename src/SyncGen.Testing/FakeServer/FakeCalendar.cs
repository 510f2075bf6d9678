using System;
using System.Collections.Generic;
using System.Globalization;

namespace SyncGen.Testing.FakeServer;

/// <summary>
/// One calendar of a <see cref="FakeCalendarServer"/>: an append-only change log of event versions. Every mutation
/// appends a version at the next log position; sync tokens and page tokens name positions of this log, which is what
/// makes full-sync snapshots and incremental passes exact and deterministic. Thread-safe.
/// </summary>
public sealed class FakeCalendar
{
    // Past passes are materialized once and paged from the cache: re-walking a 100,000-change log for each of
    // 40 pages would make a full sync quadratic. Snapshots never change (the log is append-only), so entries never go
    // stale; the bound only caps memory.
    private const int ListingCacheCapacity = 8;

    private readonly object _gate = new();
    private readonly ChangeLog<FakeEventVersion> _log = new(static v => v.Event.Id);
    private readonly Dictionary<ListingKey, FakeEventVersion[]> _listings = new();
    private readonly Queue<ListingKey> _listingOrder = new();
    private readonly TimeProvider? _timeProvider;
    private readonly DateTimeOffset _clockStart;
    private int _epoch;

    internal FakeCalendar(string id, TimeProvider? timeProvider, DateTimeOffset clockStart)
    {
        Id = id;
        _timeProvider = timeProvider;
        _clockStart = clockStart;
    }

    /// <summary>Called after each change, outside the lock: the server's push channels notify their watchers.</summary>
    internal Action? Changed { get; init; }

    /// <summary>The calendar id, as it appears in the request path.</summary>
    public string Id { get; }

    /// <summary>The current log position: the number of changes made so far (0 for a new calendar).</summary>
    public long Position
    {
        get
        {
            lock (_gate)
            {
                return _log.Count;
            }
        }
    }

    /// <summary>The sync-token epoch; <see cref="ExpireSyncTokens"/> increments it.</summary>
    public int Epoch
    {
        get
        {
            lock (_gate)
            {
                return _epoch;
            }
        }
    }

    /// <summary>
    /// The sync token the server would hand out now (the one a pass ending at the current position carries). Tokens
    /// are a deterministic encoding of (calendar, position, epoch), so a pass that saw no change returns this same string.
    /// </summary>
    public string CurrentSyncToken
    {
        get
        {
            lock (_gate)
            {
                return FakeTokens.EncodeSyncToken(Id, _log.Count, _epoch);
            }
        }
    }

    /// <summary>
    /// Reads the log position a sync token of this server stands for, so that a test can tell whether a stored token
    /// ever went back (a fleet of workers must never store an older token over a newer one).
    /// </summary>
    /// <param name="syncToken">A sync token handed out by a <see cref="FakeCalendarServer"/>.</param>
    /// <param name="calendarId">The calendar the token belongs to.</param>
    /// <param name="epoch">The token's epoch (see <see cref="ExpireSyncTokens"/>).</param>
    /// <param name="position">The log position the token stands for.</param>
    /// <returns><see langword="false"/> when the text is not a sync token of this server.</returns>
    public static bool TryReadSyncToken(string syncToken, out string calendarId, out int epoch, out long position)
    {
        if (syncToken is not null && FakeTokens.DecodeSyncToken(syncToken) is { } data)
        {
            (calendarId, epoch, position) = (data.CalendarId, data.Epoch, data.Position);
            return true;
        }

        (calendarId, epoch, position) = ("", 0, 0);
        return false;
    }

    /// <summary>The current live (not cancelled) events, ordered by id.</summary>
    public IReadOnlyList<FakeEvent> LiveEvents
    {
        get
        {
            var live = new List<FakeEvent>();
            lock (_gate)
            {
                foreach (var version in _log.Latest)
                {
                    if (!version.Event.IsCancelled)
                    {
                        live.Add(version.Event);
                    }
                }
            }

            live.Sort(static (a, b) => string.CompareOrdinal(a.Id, b.Id));
            return live;
        }
    }

    /// <summary>The latest version of an event, cancelled or not; null when the id was never written.</summary>
    /// <param name="id">The event id.</param>
    public FakeEventVersion? Find(string id)
    {
        ArgumentNullException.ThrowIfNull(id);
        lock (_gate)
        {
            return _log.TryGetLatest(id, out var version) ? version : null;
        }
    }

    /// <summary>Creates or replaces an event (a cancelled id is revived, as Google allows). Appends one change.</summary>
    /// <param name="calendarEvent">The new content.</param>
    /// <returns>The stored version.</returns>
    public FakeEventVersion Upsert(FakeEvent calendarEvent)
    {
        ArgumentNullException.ThrowIfNull(calendarEvent);
        ValidateId(calendarEvent.Id);
        FakeEventVersion version;
        lock (_gate)
        {
            version = AppendLocked(calendarEvent);
        }

        Changed?.Invoke();
        return version;
    }

    /// <summary>Deletes an event: appends a cancelled version of it, which incremental passes then report.</summary>
    /// <param name="id">The event id.</param>
    /// <returns>False when there is no live event with that id (nothing is appended).</returns>
    public bool Delete(string id)
    {
        ArgumentNullException.ThrowIfNull(id);
        lock (_gate)
        {
            if (!_log.TryGetLatest(id, out var current) || current.Event.IsCancelled)
            {
                return false;
            }

            AppendLocked(current.Event with { Status = FakeEventStatus.Cancelled });
        }

        Changed?.Invoke();
        return true;
    }

    /// <summary>
    /// Cancels one occurrence of a live recurring series: appends a cancelled exception with id
    /// <c>{seriesId}_{yyyyMMddTHHmmssZ}</c>, <c>recurringEventId</c> and <c>originalStartTime</c>. The series itself
    /// stays live, which is the case clients get wrong when they treat every cancelled item as a removal.
    /// </summary>
    /// <param name="seriesId">The id of the live series.</param>
    /// <param name="originalStart">The start of the occurrence within the series.</param>
    /// <returns>The id of the cancelled exception.</returns>
    /// <exception cref="InvalidOperationException">There is no live event <paramref name="seriesId"/>.</exception>
    public string CancelOccurrence(string seriesId, DateTimeOffset originalStart)
    {
        ArgumentNullException.ThrowIfNull(seriesId);
        var exceptionId = seriesId + "_" + originalStart.UtcDateTime.ToString("yyyyMMdd'T'HHmmss'Z'", CultureInfo.InvariantCulture);
        lock (_gate)
        {
            if (!_log.TryGetLatest(seriesId, out var series) || series.Event.IsCancelled)
            {
                throw new InvalidOperationException($"Calendar '{Id}' has no live series '{seriesId}'.");
            }

            var duration = series.Event.EffectiveEnd - series.Event.Start;
            AppendLocked(new FakeEvent(exceptionId, series.Event.Summary, originalStart, originalStart + duration)
            {
                Status = FakeEventStatus.Cancelled,
                RecurringEventId = seriesId,
                OriginalStartTime = originalStart,
            });
        }

        Changed?.Invoke();
        return exceptionId;
    }

    /// <summary>
    /// Bulk seeding: appends <paramref name="count"/> one-hour events with ids <c>{idPrefix}-{index:D6}</c> (so id order is
    /// index order), summaries <c>Event {index}</c>, and starts one hour apart from 2026-02-01T09:00:00Z.
    /// </summary>
    /// <param name="count">How many events to add.</param>
    /// <param name="idPrefix">The id prefix.</param>
    /// <param name="firstIndex">The index of the first event, to seed several batches with one prefix.</param>
    /// <returns>The ids, in order.</returns>
    public IReadOnlyList<string> AddMany(int count, string idPrefix = "evt", int firstIndex = 1)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        ArgumentNullException.ThrowIfNull(idPrefix);
        var baseStart = new DateTimeOffset(2026, 2, 1, 9, 0, 0, TimeSpan.Zero);
        var ids = new string[count];
        var events = new FakeEvent[count];
        for (var i = 0; i < count; i++)
        {
            var index = firstIndex + i;
            var id = idPrefix + "-" + index.ToString("D6", CultureInfo.InvariantCulture);
            ids[i] = id;
            var start = baseStart.AddHours(index);
            events[i] = new FakeEvent(id, "Event " + index.ToString(CultureInfo.InvariantCulture), start, start.AddHours(1));
        }

        lock (_gate)
        {
            _log.EnsureCapacity(count);
            foreach (var calendarEvent in events)
            {
                AppendLocked(calendarEvent);
            }
        }

        if (count > 0)
        {
            Changed?.Invoke(); // one notification for the batch, as Google sends for a burst
        }

        return ids;
    }

    /// <summary>
    /// Invalidates every sync token handed out so far (bumps <see cref="Epoch"/>): the next request with one of them
    /// gets 410 <c>fullSyncRequired</c>, as Google does when it expires tokens. Page tokens of full passes stay valid.
    /// </summary>
    public void ExpireSyncTokens()
    {
        lock (_gate)
        {
            _epoch++;
        }
    }

    internal (long Position, int Epoch) State
    {
        get
        {
            lock (_gate)
            {
                return (_log.Count, _epoch);
            }
        }
    }

    /// <summary>The calendar's <c>updated</c> as of a snapshot: the time of its last change, or the clock start.</summary>
    internal DateTimeOffset UpdatedAt(long snapshot)
    {
        lock (_gate)
        {
            return snapshot <= 0 ? _clockStart : _log.At(snapshot).Updated;
        }
    }

    /// <summary>
    /// The items of one pass, before paging. A full pass (<paramref name="since"/> &lt; 0) sees the latest version of every id as of
    /// <paramref name="snapshot"/>; an incremental pass sees the latest version (as of the snapshot) of every id changed after
    /// <paramref name="since"/>, in change order. <paramref name="shape"/> filters and orders; its result is cached under
    /// <paramref name="queryKey"/>, which must identify the filters.
    /// </summary>
    internal FakeEventVersion[] GetListing(long snapshot, long since, string queryKey, Func<List<FakeEventVersion>, FakeEventVersion[]> shape)
    {
        var key = new ListingKey(snapshot, since, queryKey);
        List<FakeEventVersion> candidates;
        lock (_gate)
        {
            if (_listings.TryGetValue(key, out var cached))
            {
                return cached;
            }

            candidates = _log.Changes(snapshot, since);
        }

        var listing = shape(candidates);
        lock (_gate)
        {
            if (_listings.TryAdd(key, listing))
            {
                _listingOrder.Enqueue(key);
                while (_listingOrder.Count > ListingCacheCapacity)
                {
                    _listings.Remove(_listingOrder.Dequeue());
                }
            }
        }

        return listing;
    }

    private FakeEventVersion AppendLocked(FakeEvent calendarEvent)
    {
        var position = _log.Count + 1L;
        var updated = _timeProvider is null
            ? _clockStart.AddSeconds(position - 1)
            : TruncateToMilliseconds(_timeProvider.GetUtcNow());
        var created = _log.TryGetLatest(calendarEvent.Id, out var previous) ? previous.Created : updated;
        var version = new FakeEventVersion(calendarEvent, position, updated, created);
        _log.Append(version);
        return version;
    }

    // The wire format carries milliseconds only; truncating keeps what C# reads back equal to what clients see.
    private static DateTimeOffset TruncateToMilliseconds(DateTimeOffset value) =>
        new(value.UtcTicks - (value.UtcTicks % TimeSpan.TicksPerMillisecond), TimeSpan.Zero);

    private static void ValidateId(string id)
    {
        if (string.IsNullOrEmpty(id))
        {
            throw new ArgumentException("An event id must not be empty.", nameof(id));
        }
    }

    private readonly record struct ListingKey(long Snapshot, long Since, string QueryKey);
}
