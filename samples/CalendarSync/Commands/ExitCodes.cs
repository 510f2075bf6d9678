using System;
using System.IO;
using Microsoft.Data.Sqlite;
using SyncGen;

namespace CalendarSync.Commands;

/// <summary>
/// The CLI's exit codes, one per class of failure, so scripts can tell "fix your flags" from "try again later" from
/// "look at the store file". Every failure is also exactly one line on stderr, never a stack trace.
/// </summary>
internal static class ExitCodes
{
    public const int Success = 0;

    /// <summary>The server failed or broke the protocol: HTTP error, no response, timeout, malformed page, expiry loop.</summary>
    public const int Server = 1;

    /// <summary>A flag is missing, unknown or invalid.</summary>
    public const int Usage = 2;

    /// <summary>The store file cannot be used: a directory, not a database, damaged, another program's, read-only, disk full.</summary>
    public const int Store = 3;

    /// <summary>The <c>--credentials</c> file cannot be read or used.</summary>
    public const int Credentials = 4;

    /// <summary><c>changes</c>: the feed has no such position (<c>--after</c> beyond its end or pruned, an unknown consumer).</summary>
    public const int FeedPosition = 5;

    /// <summary>A bug: an error no class above explains (still one line).</summary>
    public const int Internal = 70;

    /// <summary>Interrupted (Ctrl+C, SIGTERM): the store is unchanged.</summary>
    public const int Cancelled = 130;

    /// <summary>The text <c>--help</c> shows.</summary>
    public const string Help = "Exit codes: 0 success; 1 server or protocol failure; 2 usage (bad flag); 3 store file unusable; 4 credentials; 5 change feed position (--after beyond the end or pruned, unknown consumer); 130 cancelled (store unchanged); 70 internal error.";

    /// <summary>Writes one line for <paramref name="exception"/> to stderr and returns its exit code.</summary>
    public static int Report(Exception exception, FileInfo? storeFile)
    {
        var (code, message) = exception switch
        {
            UsageException => (Usage, exception.Message),
            CredentialsException => (Credentials, exception.Message),
            FeedPositionException => (FeedPosition, exception.Message),
            SyncException => (Server, exception.Message),
            SyncStoreUnusableException or SyncStoreCorruptException => (Store, exception.Message),
            SqliteException sqlite => (Store, $"the sync store '{storeFile?.FullName}' failed: {OneLine(sqlite.Message)}. The store is unchanged."),
            IOException or UnauthorizedAccessException => (Store, $"the sync store '{storeFile?.FullName}' cannot be used: {OneLine(exception.Message)}"),
            _ => (Internal, $"unexpected {exception.GetType().Name}: {OneLine(exception.Message)}"),
        };
        Console.Error.WriteLine($"error: {OneLine(message)}");
        return code;
    }

    internal static string OneLine(string text) => text.Replace("\r", " ", StringComparison.Ordinal).Replace("\n", " ", StringComparison.Ordinal).Trim();
}

/// <summary>A flag is missing, unknown or invalid; the message names it.</summary>
internal sealed class UsageException(string message) : Exception(message);

/// <summary>The credentials file cannot be read or used; the message names it.</summary>
internal sealed class CredentialsException(string message, Exception? inner = null) : Exception(message, inner);

/// <summary>The change feed has no such position: <c>--after</c> beyond its end, pruned, or an unknown consumer.</summary>
internal sealed class FeedPositionException(string message) : Exception(message);
