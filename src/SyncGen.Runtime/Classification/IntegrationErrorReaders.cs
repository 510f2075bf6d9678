using System;
using System.Collections.Generic;
using System.Linq;
using SyncGen.Infrastructure;

namespace SyncGen;

/// <summary>
/// The <see cref="ISyncHttpErrorReader"/>s of the integration packages present in the application, found once by
/// their well-known type names. A package that is not deployed is simply absent: the core never references it.
/// </summary>
internal static class IntegrationErrorReaders
{
    /// <summary>Assembly-qualified names of the readers the integration packages ship.</summary>
    private static readonly string[] KnownReaders =
    {
        "SyncGen.Google.GoogleApiErrorReader, SyncGen.Google",
    };

    private static readonly Lazy<IReadOnlyList<ISyncHttpErrorReader>> Readers = new(Load);

    public static SyncHttpErrorFacts? Read(Exception exception)
    {
        foreach (var reader in Readers.Value)
        {
            if (reader.Read(exception) is { } facts)
            {
                return facts;
            }
        }

        return null;
    }

    private static IReadOnlyList<ISyncHttpErrorReader> Load() =>
        KnownReaders
            .Select(name => Type.GetType(name, throwOnError: false))
            .Where(type => type is not null && typeof(ISyncHttpErrorReader).IsAssignableFrom(type))
            .Select(type => (ISyncHttpErrorReader)Activator.CreateInstance(type!)!)
            .ToList();
}
