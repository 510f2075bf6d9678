using System;

namespace SyncGen.Runtime.Tests;

/// <summary>SyncGen's retries with millisecond delays, for tests whose servers fail on purpose: a real backoff would make each take seconds.</summary>
internal static class FastRetry
{
    /// <summary>Retries 1 ms apart at first, 5 ms at most.</summary>
    public static SyncRetryOptions Retry => new() { BaseDelay = TimeSpan.FromMilliseconds(1), MaxDelay = TimeSpan.FromMilliseconds(5) };

    /// <summary>The default options with <see cref="Retry"/>.</summary>
    public static SyncOptions Options => new() { Retry = Retry };
}
