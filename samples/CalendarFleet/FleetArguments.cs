using System;
using System.Collections.Generic;
using System.Globalization;
using Npgsql;

namespace CalendarFleet;

/// <summary>
/// Checks of the commands' flags, run before anything starts (a cluster, a worker, a connection): a bad value is a
/// usage error (<see cref="ArgumentException"/>, exit 2) naming the flag and its allowed range, not a failure half-way.
/// </summary>
internal static class FleetArguments
{
    /// <summary>The most calendars a fleet mirrors (ids cal-00001 ... cal-100000; a chaos run holds all in memory).</summary>
    public const int MaxCalendars = 100_000;

    /// <summary>The longest interval, lease or phase, in seconds: a day.</summary>
    public const double MaxSeconds = 86_400;

    /// <summary>Returns <paramref name="value"/> if Npgsql can parse it as a connection string.</summary>
    public static string ConnectionString(string value)
    {
        try
        {
            _ = new NpgsqlConnectionStringBuilder(value);
            return value;
        }
        catch (Exception exception) when (exception is ArgumentException or KeyNotFoundException or FormatException or InvalidCastException or OverflowException)
        {
            // Npgsql's own words for a key it does not know ("The given key was not present in the dictionary.") name
            // neither the flag nor the key.
            var reason = exception is KeyNotFoundException ? "a key Npgsql does not know, or a pair that is not key=value" : exception.Message.TrimEnd('.');
            throw new ArgumentException($"--connection is not an Npgsql connection string ({reason}); give key=value pairs separated by ';', e.g. Host=localhost;Database=fleet;Username=fleet");
        }
    }

    /// <summary>Returns <paramref name="value"/> as an absolute http(s) URL, null when not given.</summary>
    public static Uri? HttpUrl(string flag, string? value) =>
        value is null ? null
        : Uri.TryCreate(value, UriKind.Absolute, out var uri) && uri.Scheme is "http" or "https" ? uri
        : throw new ArgumentException($"{flag} '{value}' is not an absolute http(s) URL");

    /// <summary>Returns <paramref name="value"/> if it lies in [<paramref name="min"/>, <paramref name="max"/>].</summary>
    public static int InRange(string flag, int value, int min, int max) =>
        value >= min && value <= max
            ? value
            : throw new ArgumentException(string.Create(CultureInfo.InvariantCulture, $"{flag} must be {min} to {max}; it was {value}"));

    /// <inheritdoc cref="InRange(string, int, int, int)"/>
    public static double InRange(string flag, double value, double min, double max) =>
        value >= min && value <= max
            ? value
            : throw new ArgumentException(string.Create(CultureInfo.InvariantCulture, $"{flag} must be {min} to {max}; it was {value}"));

    /// <summary>Returns <paramref name="value"/> seconds if it lies in (0, <see cref="MaxSeconds"/>], or [0, ...] when zero is allowed.</summary>
    public static TimeSpan Seconds(string flag, double value, bool allowZero = false) =>
        (allowZero ? value >= 0 : value > 0) && value <= MaxSeconds
            ? TimeSpan.FromSeconds(value)
            : throw new ArgumentException(string.Create(CultureInfo.InvariantCulture, $"{flag} must be {(allowZero ? "0 or more" : "more than 0")} and at most {MaxSeconds} seconds (a day); it was {value}"));
}
