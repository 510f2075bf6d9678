using System;

namespace SyncGen.PostgreSql;

/// <summary>
/// The database holds a SyncGen schema this version of the store cannot use: written by a newer version (it never
/// downgrades a schema) or damaged. Nothing was changed.
/// </summary>
public sealed class SyncStoreSchemaException : Exception
{
    /// <summary>Creates the exception.</summary>
    /// <param name="schema">The PostgreSQL schema.</param>
    /// <param name="foundVersion">The version recorded in the database.</param>
    /// <param name="supportedVersion">The newest version this store knows.</param>
    public SyncStoreSchemaException(string schema, int foundVersion, int supportedVersion)
        : base($"The SyncGen schema '{schema}' is at version {foundVersion}, but this SyncGen.PostgreSql knows versions up to {supportedVersion}: upgrade SyncGen.PostgreSql (it never downgrades a schema). Nothing was changed.")
    {
        Schema = schema;
        FoundVersion = foundVersion;
        SupportedVersion = supportedVersion;
    }

    /// <summary>The PostgreSQL schema.</summary>
    public string Schema { get; }

    /// <summary>The version recorded in the database.</summary>
    public int FoundVersion { get; }

    /// <summary>The newest version this store knows.</summary>
    public int SupportedVersion { get; }
}
