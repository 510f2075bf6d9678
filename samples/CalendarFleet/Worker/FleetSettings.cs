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

    /// <summary>How many calendars one user owns (cal-00001 to cal-00010 are user-00000's with 10): the unit of the per-user quota.</summary>
    public int CalendarsPerUser { get; init; } = 10;

    /// <summary>The per-user request budget every worker shares through PostgreSQL, per minute; null for none.</summary>
    public int? QuotaPerUserPerMinute { get; init; }

    /// <summary>The longest random delay before a full pass's first request (spreads a wave of relistings).</summary>
    public TimeSpan FullPassJitter { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>Where this worker's webhook listens (e.g. http://127.0.0.1:8080); null runs without push, polling only.</summary>
    public Uri? WebhookListen { get; init; }

    /// <summary>The webhook's public root registered in watch channels; null uses <see cref="WebhookListen"/>.</summary>
    public Uri? WebhookAddress { get; init; }
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

    /// <summary>The user who owns a calendar of the fleet, <paramref name="calendarsPerUser"/> calendars each.</summary>
    public static string UserOf(string calendarId, int calendarsPerUser) =>
        int.TryParse(calendarId.AsSpan(4), System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var index)
            ? $"user-{(index - 1) / calendarsPerUser:D5}"
            : "user-" + calendarId;
}
