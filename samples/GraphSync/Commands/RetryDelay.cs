using System;
using System.Globalization;
using SyncGen;

namespace GraphSync.Commands;

/// <summary>The hidden <c>SYNCGEN_RETRY_BASE_DELAY_MS</c> setting: the delay before the first retry, in milliseconds.</summary>
/// <remarks>
/// A failing server is retried 5 times with a backoff that starts at 1 second (SyncGen's default), about half a minute in
/// all: right for a user, too slow for the sample's own tests of failures, which set a few milliseconds. An environment
/// variable rather than a flag, so that <c>--help</c> shows only what a user needs.
/// </remarks>
internal static class RetryDelay
{
    public const string Variable = "SYNCGEN_RETRY_BASE_DELAY_MS";

    /// <summary>SyncGen's default retries, with the first delay the variable gives when it is set.</summary>
    /// <exception cref="UsageException">The variable is not a whole number of milliseconds within the retry's maximum delay.</exception>
    public static SyncRetryOptions FromEnvironment()
    {
        var defaults = new SyncRetryOptions();
        var text = Environment.GetEnvironmentVariable(Variable);
        if (string.IsNullOrEmpty(text))
        {
            return defaults;
        }

        var max = (int)defaults.MaxDelay.TotalMilliseconds;
        if (!int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var milliseconds) || milliseconds > max)
        {
            throw new UsageException($"{Variable} must be a whole number of milliseconds from 0 to {max}; it was '{text}'");
        }

        return defaults with { BaseDelay = TimeSpan.FromMilliseconds(milliseconds) };
    }
}
