using System;
using System.Collections.Generic;

namespace SyncGen.Testing.FakeServer;

/// <summary>
/// A per-user request quota the fake Calendar server enforces as Google does: past <see cref="RequestsPerWindow"/>
/// requests of one user in any window of <see cref="Window"/>, it answers 403 <c>rateLimitExceeded</c>.
/// </summary>
/// <remarks>
/// Every request of a calendar counts (refused ones too), on arrival. <see cref="MaxInWindow"/> is the most one user
/// sent in a window, so a client's claim never to exceed the quota can be checked from the server's side.
/// </remarks>
/// <example>
/// <code>
/// var quota = new FakeUserQuota(600, TimeSpan.FromMinutes(1), calendarId => calendarId.Split('.')[0]);
/// await using var server = await FakeCalendarServer.StartAsync(new FakeCalendarServerOptions { Quota = quota });
/// </code>
/// </example>
public sealed class FakeUserQuota
{
    private readonly Func<string, string> _userOf;
    private readonly Dictionary<string, Queue<DateTimeOffset>> _arrivals = new(StringComparer.Ordinal);
    private int _maxInWindow;
    private long _refused;

    /// <summary>Creates a quota.</summary>
    /// <param name="requestsPerWindow">Requests one user may make in any window.</param>
    /// <param name="window">The window, e.g. one minute.</param>
    /// <param name="userOf">The user who owns a calendar id.</param>
    /// <exception cref="ArgumentOutOfRangeException">A value is out of range.</exception>
    public FakeUserQuota(int requestsPerWindow, TimeSpan window, Func<string, string> userOf)
    {
        if (requestsPerWindow < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(requestsPerWindow), requestsPerWindow, "The quota must allow at least one request.");
        }

        if (window <= TimeSpan.Zero)
        {
            throw new ArgumentOutOfRangeException(nameof(window), window, "The quota window must be positive.");
        }

        RequestsPerWindow = requestsPerWindow;
        Window = window;
        _userOf = userOf ?? throw new ArgumentNullException(nameof(userOf));
    }

    /// <summary>Requests one user may make in any window.</summary>
    public int RequestsPerWindow { get; }

    /// <summary>The window.</summary>
    public TimeSpan Window { get; }

    /// <summary>The most requests one user made in one window so far.</summary>
    public int MaxInWindow
    {
        get
        {
            lock (_arrivals)
            {
                return _maxInWindow;
            }
        }
    }

    /// <summary>Requests answered 403 <c>rateLimitExceeded</c> so far.</summary>
    public long Refused
    {
        get
        {
            lock (_arrivals)
            {
                return _refused;
            }
        }
    }

    /// <summary>Counts a request of <paramref name="calendarId"/> arriving at <paramref name="now"/>; false when its user is over quota.</summary>
    internal bool TryAdmit(string calendarId, DateTimeOffset now)
    {
        var user = _userOf(calendarId);
        lock (_arrivals)
        {
            if (!_arrivals.TryGetValue(user, out var arrivals))
            {
                _arrivals[user] = arrivals = new Queue<DateTimeOffset>();
            }

            while (arrivals.Count > 0 && now - arrivals.Peek() >= Window)
            {
                arrivals.Dequeue();
            }

            arrivals.Enqueue(now);
            _maxInWindow = Math.Max(_maxInWindow, arrivals.Count);
            if (arrivals.Count <= RequestsPerWindow)
            {
                return true;
            }

            _refused++;
            return false;
        }
    }
}
