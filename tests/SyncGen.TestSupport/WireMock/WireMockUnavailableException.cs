using System;

namespace SyncGen.TestSupport.WireMock;

/// <summary>
/// Thrown by <see cref="JavaWireMockServer.StartAsync"/> when no WireMock can be provided: Java is missing, the WireMock jar is
/// missing, or the process or external server never answered. The message names exactly what to install or set.
/// </summary>
public sealed class WireMockUnavailableException : Exception
{
    /// <summary>Creates the exception with a message that says what to install or set.</summary>
    /// <param name="message">What is missing and how to provide it.</param>
    public WireMockUnavailableException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception with a message and the failure that caused it.</summary>
    /// <param name="message">What is missing and how to provide it.</param>
    /// <param name="innerException">The underlying failure.</param>
    public WireMockUnavailableException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
