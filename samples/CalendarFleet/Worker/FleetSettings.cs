using System;

namespace CalendarFleet.Worker;

/// <summary>What a worker needs to know about its fleet; the chaos run passes the same to every worker it starts.</summary>
public sealed record FleetSettings
{
    /// <summary>The Npgsql connection string of the database holding the mirrors and Quartz's tables.</summary>
    public required string ConnectionString { get; init; }

    /// <summary>The API root of the Calendar v3 server, e.g. http://127.0.0.1:5000/calendar/v3/.</summary>
    public required Uri ServerUri { get; init; }

    /// <summary>How many calendars (cal-00001 ...) the fleet mirrors.</summary>
    public required int Calendars { get; init; }

    /// <summary>
    /// Mirror the user's calendar list instead of <see cref="Calendars"/>: every calendar it lists becomes a job as it
    /// appears, and loses its job, mirror and token when it leaves the list.
    /// </summary>
    public bool CalendarList { get; init; }

    /// <summary>The PostgreSQL schema of the mirrors (one per fleet).</summary>
    public string StoreSchema { get; init; } = "fleet";

    /// <summary>The Quartz scheduler name (one per fleet).</summary>
    public string SchedulerName { get; init; } = "calendar-fleet";

    /// <summary>Time between two syncs of one calendar.</summary>
    public TimeSpan Interval { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>The collection lease: how long a worker that stopped renewing keeps a calendar locked.</summary>
    public TimeSpan Lease { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>Calendars synced at once by one worker.</summary>
    public int Concurrency { get; init; } = 4;

    /// <summary>Cluster check-in interval (how soon a dead worker is noticed, with the threshold).</summary>
    public TimeSpan CheckinInterval { get; init; } = DefaultCheckinInterval;

    /// <summary>Where the worker exports its metrics.</summary>
    internal MetricsExporter Metrics { get; init; } = MetricsExporter.None;

    /// <summary>Where the worker serves the status page; null: no web server.</summary>
    public Uri? StatusUrl { get; init; }

    /// <summary>Time between two metric exports.</summary>
    public TimeSpan MetricsInterval { get; init; } = TimeSpan.FromSeconds(60);

    /// <summary>The check-in interval every worker of the chaos run uses.</summary>
    public static readonly TimeSpan DefaultCheckinInterval = TimeSpan.FromSeconds(5);

    /// <summary>The calendar ids of the fleet.</summary>
    public static string CalendarId(int index) => $"cal-{index:D5}";
}
