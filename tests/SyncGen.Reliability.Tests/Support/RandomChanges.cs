using System;
using System.Collections.Generic;
using System.Globalization;
using SyncGen.Testing.FakeServer;

namespace SyncGen.Reliability.Tests.Support;

/// <summary>
/// Random server-side changes of one calendar, drawn from one seeded <see cref="Random"/>: creates, changes, deletes and,
/// when <see cref="Revivals"/> is on, revivals of deleted ids. Keep one instance per calendar: it numbers the new ids.
/// </summary>
internal sealed class RandomChanges(FakeCalendar calendar, Random rng, string idPrefix)
{
    /// <summary>The start time the events of the suite are placed after.</summary>
    public static readonly DateTimeOffset Start = new(2026, 3, 1, 9, 0, 0, TimeSpan.Zero);

    private readonly List<string> _deleted = new();
    private int _nextId;
    private int _version;

    /// <summary>Below this many live events every change is a create.</summary>
    public int MinLive { get; init; } = 1;

    /// <summary>Whether some changes bring a deleted id back (a revival is an insert under a known id).</summary>
    public bool Revivals { get; init; }

    /// <summary>Creates <paramref name="count"/> events.</summary>
    public void Seed(int count)
    {
        for (var i = 0; i < count; i++)
        {
            Create();
        }
    }

    /// <summary>Makes <paramref name="operations"/> random changes; returns them as <c>+creates ~changes -deletes revived n</c>.</summary>
    public string Apply(int operations)
    {
        int creates = 0, changes = 0, deletes = 0, revivals = 0;
        for (var i = 0; i < operations; i++)
        {
            var live = calendar.LiveEvents;
            var roll = rng.NextDouble();
            if (live.Count < MinLive || roll < 0.4)
            {
                Create();
                creates++;
            }
            else if (roll < 0.75)
            {
                var target = live[rng.Next(live.Count)];
                calendar.Upsert(target with { Summary = "v" + NextVersion() });
                changes++;
            }
            else if (!Revivals || roll < 0.93 || _deleted.Count == 0)
            {
                var target = live[rng.Next(live.Count)];
                calendar.Delete(target.Id);
                _deleted.Add(target.Id);
                deletes++;
            }
            else
            {
                var id = _deleted[rng.Next(_deleted.Count)];
                _deleted.Remove(id);
                calendar.Upsert(new FakeEvent(id, "revived " + NextVersion(), Start.AddHours(rng.Next(0, 1000))));
                revivals++;
            }
        }

        return string.Create(CultureInfo.InvariantCulture, $"+{creates} ~{changes} -{deletes} revived {revivals}");
    }

    private void Create()
    {
        var id = idPrefix + "-n" + (++_nextId).ToString("D5", CultureInfo.InvariantCulture);
        calendar.Upsert(new FakeEvent(id, "created " + NextVersion(), Start.AddHours(rng.Next(0, 1000))));
    }

    private string NextVersion() => (++_version).ToString(CultureInfo.InvariantCulture);
}
