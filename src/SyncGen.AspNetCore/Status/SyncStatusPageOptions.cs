using System;

namespace SyncGen.AspNetCore;

/// <summary>Settings of the status page that <see cref="SyncStatusEndpointRouteBuilderExtensions.MapSyncGenStatus"/> maps.</summary>
public sealed class SyncStatusPageOptions
{
    private TimeSpan _staleAfter = TimeSpan.FromMinutes(15);
    private Func<string, TimeSpan?> _tokenLifetime = static _ => null;
    private int _maxRows = 1000;

    /// <summary>The authorization policy a request must meet; <see langword="null"/> serves the page to loopback requests only.</summary>
    /// <value><see langword="null"/>.</value>
    /// <remarks>
    /// The page names every collection and shows its errors, which can hold account ids and server messages: off the
    /// machine, only the people the host's policy admits should read it.
    /// </remarks>
    public string? AuthorizationPolicy { get; set; }

    /// <summary>How long since its last successful call a collection is shown stale.</summary>
    /// <value>15 minutes.</value>
    /// <remarks>Set it to a few sync intervals: one late firing is not yet a problem.</remarks>
    /// <exception cref="ArgumentOutOfRangeException">The value is not positive.</exception>
    public TimeSpan StaleAfter
    {
        get => _staleAfter;
        set => _staleAfter = value > TimeSpan.Zero ? value : throw new ArgumentOutOfRangeException(nameof(value), value, "The stale threshold must be positive.");
    }

    /// <summary>How many collections the table lists, first in the chosen order; the summary and the histogram count them all.</summary>
    /// <value>1,000.</value>
    /// <remarks>Every order puts what needs attention first, so a fleet of a million collections still opens on its worst ones.</remarks>
    /// <exception cref="ArgumentOutOfRangeException">The value is below 1.</exception>
    public int MaxRows
    {
        get => _maxRows;
        set => _maxRows = value >= 1 ? value : throw new ArgumentOutOfRangeException(nameof(value), value, "The table needs at least one row.");
    }

    /// <summary>The documented lifetime of a collection's sync token, marked next to its age; <see langword="null"/> when the API has none.</summary>
    /// <value>None for every collection.</value>
    /// <remarks>
    /// A token older than its API's lifetime is refused (People: 400 EXPIRED_SYNC_TOKEN; Graph directory: 410) and the next
    /// call runs a full sync. See <see cref="SyncTokenLifetimes"/> for the documented ones.
    /// </remarks>
    /// <exception cref="ArgumentNullException">The value is null.</exception>
    public Func<string, TimeSpan?> TokenLifetime
    {
        get => _tokenLifetime;
        set => _tokenLifetime = value ?? throw new ArgumentNullException(nameof(value));
    }
}

/// <summary>Sync token lifetimes documented by the APIs, for <see cref="SyncStatusPageOptions.TokenLifetime"/>.</summary>
public static class SyncTokenLifetimes
{
    /// <summary>Google People <c>connections.list</c> sync tokens: about 7 days.</summary>
    public static TimeSpan GooglePeople { get; } = TimeSpan.FromDays(7);

    /// <summary>Microsoft Graph directory delta tokens (users, groups): about 7 days.</summary>
    public static TimeSpan GraphDirectory { get; } = TimeSpan.FromDays(7);
}
