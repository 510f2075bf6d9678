using System;

namespace SyncGen.TestSupport.PostgreSql;

/// <summary>
/// Thrown by <see cref="ThrowawayPostgreSql.StartAsync"/> when no cluster could be started: the PostgreSQL server
/// binaries are missing and could not be installed, or initdb / pg_ctl failed. The message says what to install or
/// what the tool printed.
/// </summary>
public sealed class PostgreSqlUnavailableException : Exception
{
    /// <summary>Creates the exception.</summary>
    /// <param name="message">What is missing or failed, and how to fix it.</param>
    /// <param name="innerException">The underlying failure, if any.</param>
    public PostgreSqlUnavailableException(string message, Exception? innerException = null)
        : base(message, innerException)
    {
    }
}
