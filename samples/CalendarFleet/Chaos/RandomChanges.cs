using System;
using SyncGen.Testing.FakeServer;

namespace CalendarFleet.Chaos;

/// <summary>Random event changes of the fleet's calendars: half adds, a third edits, the rest deletes (never below 3 events).</summary>
internal sealed class RandomChanges(Random random)
{
    private static readonly DateTimeOffset EventStart = new(2026, 3, 2, 9, 0, 0, TimeSpan.Zero);
    private int _nextId = 1_000_000;

    /// <summary>Changes one event of <paramref name="calendar"/>; returns the calendar's log position after the change.</summary>
    public long ChangeOne(FakeCalendar calendar)
    {
        var live = calendar.LiveEvents;
        var roll = random.NextDouble();
        if (roll < 0.5 || live.Count < 3)
        {
            var id = _nextId++;
            calendar.Upsert(new FakeEvent($"evt-{id}", $"added {id}", EventStart.AddHours(random.Next(500))));
        }
        else if (roll < 0.85)
        {
            var target = live[random.Next(live.Count)];
            calendar.Upsert(target with { Summary = $"{target.Summary}'" });
        }
        else
        {
            calendar.Delete(live[random.Next(live.Count)].Id);
        }

        return calendar.Position;
    }
}
