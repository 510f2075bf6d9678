using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using CalendarSync.Commands;
using SyncGen;

namespace AnySync.Commands;

/// <summary>The <c>--dialect</c> value: a built-in dialect's short name, or a dialect manifest file.</summary>
internal static class DialectArgument
{
    private static readonly Dictionary<string, SyncDialect> BuiltIn = new(StringComparer.Ordinal)
    {
        ["calendar"] = SyncDialects.GoogleCalendar,
        ["people"] = SyncDialects.GooglePeople,
        ["drive"] = SyncDialects.GoogleDrive,
        ["graph"] = SyncDialects.MicrosoftGraph,
        ["dropbox"] = SyncDialects.Dropbox,
        ["gmail"] = SyncDialects.GmailHistory,
    };

    public static IEnumerable<string> Names => BuiltIn.Keys;

    /// <summary>The dialect <paramref name="value"/> names.</summary>
    /// <exception cref="UsageException">Neither a built-in name nor a readable, valid manifest; the message says which and why.</exception>
    public static SyncDialect Resolve(string value)
    {
        if (BuiltIn.TryGetValue(value, out var dialect))
        {
            return dialect;
        }

        if (!File.Exists(value))
        {
            throw new UsageException($"--dialect '{value}' is neither a built-in dialect ({string.Join(", ", Names)}) nor a manifest file");
        }

        try
        {
            return SyncDialectManifest.Load(value);
        }
        catch (SyncDialectManifestException exception)
        {
            throw new UsageException($"--dialect manifest {exception.Message}");
        }
        catch (Exception exception) when (exception is IOException or UnauthorizedAccessException)
        {
            throw new UsageException($"--dialect manifest '{value}' cannot be read: {exception.Message}");
        }
    }
}
