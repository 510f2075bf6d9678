using System;
using Microsoft.Extensions.Logging;

namespace SyncGen.Testing.FakeServer;

/// <summary>Options of <see cref="FakeCalendarServer.StartAsync"/>.</summary>
public sealed class FakeCalendarServerOptions
{
    /// <summary>
    /// The clock that stamps <c>updated</c> on each change. When null (the default) every calendar uses a deterministic clock:
    /// its n-th change is stamped <see cref="ClockStart"/> + (n - 1) seconds, so responses are byte-for-byte reproducible.
    /// Also stamps journal entries (else the system clock).
    /// </summary>
    public TimeProvider? TimeProvider { get; init; }

    /// <summary>The time of the first change of each calendar under the deterministic clock: 2026-01-01T00:00:00Z by default.</summary>
    public DateTimeOffset ClockStart { get; init; } = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);

    /// <summary>Logs Kestrel and the host to this factory; logging is off when null (the default).</summary>
    public ILoggerFactory? LoggerFactory { get; init; }

    /// <summary>The port on 127.0.0.1; 0 (the default) picks a free ephemeral port.</summary>
    public int Port { get; init; }

    /// <summary>Whether responses are gzip-compressed for requests that accept gzip (default true).</summary>
    public bool EnableGzip { get; init; } = true;

    /// <summary>
    /// Google compresses only when the User-Agent also contains "gzip"; set true to require that too (default false: an
    /// <c>Accept-Encoding: gzip</c> header is enough).
    /// </summary>
    public bool GzipRequiresUserAgent { get; init; }

    /// <summary>A per-user quota the server enforces with 403 <c>rateLimitExceeded</c>; none when null (the default).</summary>
    public FakeUserQuota? Quota { get; init; }
}
