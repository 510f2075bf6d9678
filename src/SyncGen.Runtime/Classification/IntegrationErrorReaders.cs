using System;
using System.Collections.Generic;
using System.Linq;

namespace SyncGen;

/// <summary>
/// The <see cref="ISyncErrorReader"/>s of the integration packages present in the application, found once by their
/// well-known type names. A package that is not deployed is simply absent: the core never references it, so an app
/// that does not use Google.Apis carries none of it.
/// </summary>
internal static class IntegrationErrorReaders
{
    /// <summary>Assembly-qualified names of the readers the integration packages ship.</summary>
    private static readonly string[] KnownReaders =
    {
        "SyncGen.Google.GoogleApiErrorReader, SyncGen.Google",
    };

    /// <summary>The readers found, each created once; loading is thread-safe and the list never changes after.</summary>
    public static IReadOnlyList<ISyncErrorReader> All => Readers.Value;

    private static readonly Lazy<IReadOnlyList<ISyncErrorReader>> Readers = new(Load);

    private static IReadOnlyList<ISyncErrorReader> Load() =>
        KnownReaders
            .Select(name => Type.GetType(name, throwOnError: false))
            .Where(type => type is not null && typeof(ISyncErrorReader).IsAssignableFrom(type))
            .Select(type => (ISyncErrorReader)Activator.CreateInstance(type!)!)
            .ToList();
}
