using System;
using System.Collections.Generic;

namespace SyncGen.Testing.FakeServer;

/// <summary>The status of a fake calendar event, as Google serializes it in <c>status</c>.</summary>
internal enum FakeEventStatus
{
    /// <summary><c>"confirmed"</c>: a live event.</summary>
    Confirmed,

    /// <summary><c>"cancelled"</c>: a deleted event, or a cancelled occurrence of a recurring series.</summary>
    Cancelled,
}

/// <summary>
/// The content of one event of a <see cref="FakeCalendar"/>. The server adds what Google computes itself
/// (<c>etag</c>, <c>updated</c>, <c>created</c>, <c>iCalUID</c>) when the event is stored.
/// </summary>
/// <param name="Id">The event id, unique within its calendar.</param>
/// <param name="Summary">The title.</param>
/// <param name="Start">The start time; serialized as <c>start.dateTime</c>.</param>
/// <param name="End">The end time; one hour after <paramref name="Start"/> when null.</param>
public sealed record FakeEvent(string Id, string Summary, DateTimeOffset Start, DateTimeOffset? End = null)
{
    /// <summary>The optional description.</summary>
    public string? Description { get; init; }

    /// <summary>The status; <see cref="FakeEventStatus.Confirmed"/> unless the server stored a deletion (<see cref="IsCancelled"/>).</summary>
    internal FakeEventStatus Status { get; init; } = FakeEventStatus.Confirmed;

    /// <summary>RRULE/EXDATE lines of a recurring series, serialized as <c>recurrence</c>; null for a single event.</summary>
    public IReadOnlyList<string>? Recurrence { get; init; }

    /// <summary>For an exception of a recurring series: the series id.</summary>
    public string? RecurringEventId { get; init; }

    /// <summary>For an exception of a recurring series: the start the occurrence had in the series.</summary>
    public DateTimeOffset? OriginalStartTime { get; init; }

    /// <summary>The end time actually served: <see cref="End"/> or one hour after <see cref="Start"/>.</summary>
    public DateTimeOffset EffectiveEnd => End ?? Start.AddHours(1);

    /// <summary>Whether the event is cancelled (deleted).</summary>
    public bool IsCancelled => Status == FakeEventStatus.Cancelled;
}

/// <summary>One stored version of an event: the content plus what the server assigned when it was written.</summary>
/// <param name="Event">The event content of this version.</param>
/// <param name="Position">The position of this change in the calendar's change log (1 for the first change).</param>
/// <param name="Updated">The server time of this change (<c>updated</c>).</param>
/// <param name="Created">The server time of the event's first version (<c>created</c>).</param>
public sealed record FakeEventVersion(FakeEvent Event, long Position, DateTimeOffset Updated, DateTimeOffset Created)
{
    /// <summary>The event's etag as served: the quoted log position, e.g. <c>"\"42\""</c>.</summary>
    public string ETag => "\"" + Position.ToString(System.Globalization.CultureInfo.InvariantCulture) + "\"";
}
