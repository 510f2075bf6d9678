using System;
using System.Collections.Generic;
using System.Linq;
using Microsoft.CodeAnalysis;

namespace SyncGen.Generator.Diagnostics;

/// <summary>Every diagnostic SyncGen reports. Ids are stable; each links to its section of docs/diagnostics.md.</summary>
public static class DiagnosticDescriptors
{
    /// <summary>The category of every SyncGen diagnostic.</summary>
    public const string Category = "SyncGen";

    private const string HelpLinkBase = "https://github.com/syncgen/syncgen/blob/main/docs/diagnostics.md#";

    /// <summary>SYNCGEN001: the class is not partial.</summary>
    public static readonly DiagnosticDescriptor ClassNotPartial = Create(
        "SYNCGEN001",
        "Class must be partial",
        "Class '{0}' is marked [IncrementalSync] but is not partial; add the 'partial' modifier so SyncGen can add SyncAsync to it");

    /// <summary>SYNCGEN002: the class is nested, generic, static or file-local.</summary>
    public static readonly DiagnosticDescriptor UnsupportedClass = Create(
        "SYNCGEN002",
        "Class shape is not supported",
        "Class '{0}' is {1}, which [IncrementalSync] does not support; declare the repository directly in a namespace as a class that is not generic, static or file-local");

    /// <summary>SYNCGEN003: no page-source method.</summary>
    public static readonly DiagnosticDescriptor NoPageSource = Create(
        "SYNCGEN003",
        "No page-source method",
        "Class '{0}' has no page-source method{1}; declare either 'TRequest CreateListRequest(SyncPass pass)' returning a request with SyncToken, PageToken and ExecuteAsync(CancellationToken), or 'Task<TPage> FetchPageAsync(SyncCursor cursor, CancellationToken cancellationToken)', or a 'SyncHttpPageSource<TItem>' field or property (any JSON API a SyncDialect describes)");

    /// <summary>SYNCGEN004: the page type lacks the items member.</summary>
    public static readonly DiagnosticDescriptor MissingItemsMember = Create(
        "SYNCGEN004",
        "Page type lacks the items member",
        "Page type '{0}' has no readable member '{1}' of an IEnumerable<T> type; add it, or set IncrementalSync.ItemsMember to the member that holds the page's items");

    /// <summary>SYNCGEN005: the page type lacks the next page token member.</summary>
    public static readonly DiagnosticDescriptor MissingNextPageTokenMember = Create(
        "SYNCGEN005",
        "Page type lacks the next page token member",
        "Page type '{0}' has no readable string or Uri member '{1}'{2} for the next page token; add it, or set IncrementalSync.NextPageTokenMember to the member that holds it");

    /// <summary>SYNCGEN006: the page type lacks the next sync token member.</summary>
    public static readonly DiagnosticDescriptor MissingNextSyncTokenMember = Create(
        "SYNCGEN006",
        "Page type lacks the next sync token member",
        "Page type '{0}' has no readable string or Uri member '{1}'{2} for the next sync token; add it, or set IncrementalSync.NextSyncTokenMember to the member that holds it");

    /// <summary>SYNCGEN007: more than one candidate member.</summary>
    public static readonly DiagnosticDescriptor AmbiguousMembers = Create(
        "SYNCGEN007",
        "Ambiguous members",
        "Class '{0}' has more than one {1} ({2}); {3}");

    /// <summary>SYNCGEN008: the item key member is missing.</summary>
    public static readonly DiagnosticDescriptor MissingKeyMember = Create(
        "SYNCGEN008",
        "Item key member not found",
        "Item type '{0}' has no readable member '{1}' to use as its key; add it, or set IncrementalSync.KeyMember to the member that identifies an item");

    /// <summary>
    /// SYNCGEN009: no store member of the item type, while the class is not in hooks mode either (it declares no hook
    /// method, or it holds a store of another item type).
    /// </summary>
    public static readonly DiagnosticDescriptor MissingStore = Create(
        "SYNCGEN009",
        "No sync store member",
        "Class '{0}' has no field or property of type ISyncStore<{1}>{2}; {3}");

    /// <summary>SYNCGEN010: the request type lacks a token property or ExecuteAsync.</summary>
    public static readonly DiagnosticDescriptor InvalidRequestType = Create(
        "SYNCGEN010",
        "Request type is not usable",
        "Request type '{0}' returned by '{1}' {2}; give it settable string properties for the sync and page tokens (or name them with IncrementalSync.SyncTokenMember and PageTokenMember) and an ExecuteAsync(CancellationToken) method returning Task<TPage>");

    /// <summary>SYNCGEN011: the item deletion marker is missing.</summary>
    public static readonly DiagnosticDescriptor MissingDeletionMarker = Create(
        "SYNCGEN011",
        "Item deletion marker not found",
        "Item type '{0}' has no deletion marker because {1}; set IncrementalSync.DeletedMember to a bool or bool? member, or IncrementalSync.StatusMember to a string member compared with DeletedStatus");

    /// <summary>SYNCGEN012: an MSBuild configuration property has an invalid value.</summary>
    public static readonly DiagnosticDescriptor InvalidMsBuildProperty = Create(
        "SYNCGEN012",
        "Invalid SyncGen MSBuild property",
        "MSBuild property '{0}' is '{1}', which is not a whole number of {2} or more; set <{0}> in the project file to such a number, or remove it to keep the SyncOptions default");

    /// <summary>SYNCGEN013: the page source needs an integration package the project does not reference.</summary>
    public static readonly DiagnosticDescriptor MissingIntegrationPackage = Create(
        "SYNCGEN013",
        "Integration package not referenced",
        "Class '{0}' reads its pages through {1}, but the project does not reference the {2} package, without which SyncGen cannot read {3}; add <PackageReference Include=\"{2}\" /> (same version as SyncGen)");

    /// <summary>SYNCGEN014: a member-naming setting that a dialect page source does not use.</summary>
    public static readonly DiagnosticDescriptor SettingIgnoredByDialect = Create(
        "SYNCGEN014",
        "Setting has no effect with a dialect page source",
        "IncrementalSync.{0} has no effect on class '{1}': its page source '{2}' is a SyncHttpPageSource, whose dialect reads {3} from the JSON; remove the setting, or describe {3} in the dialect (SyncDialect.{4})");

    /// <summary>SYNCGEN015: the class declares or inherits a member named like one the generated code declares.</summary>
    public static readonly DiagnosticDescriptor MemberConflict = Create(
        "SYNCGEN015",
        "Member conflicts with generated code",
        "Class '{0}' {1} '{2}', and SyncGen generates {3} in the same class; {4}");

    /// <summary>SYNCGEN016: a member or type the generated code reads is [Obsolete] with error: true.</summary>
    public static readonly DiagnosticDescriptor ObsoleteAsError = Create(
        "SYNCGEN016",
        "Generated code would read a member obsolete as an error",
        "'{0}' is [Obsolete] as an error, and class '{1}' would read it as {2}; name another member in [IncrementalSync], or drop error: true from the attribute");

    /// <summary>SYNCGEN017: hooks mode, and one hook is missing or takes other parameters than the hook's.</summary>
    public static readonly DiagnosticDescriptor HookMissingOrMismatched = Create(
        "SYNCGEN017",
        "Hook missing or with other parameters",
        "Class '{0}' applies its changes through hooks, but {1}; implement it as '{2}'");

    /// <summary>All descriptors, in id order.</summary>
    public static IReadOnlyList<DiagnosticDescriptor> All { get; } = new[]
    {
        ClassNotPartial, UnsupportedClass, NoPageSource, MissingItemsMember, MissingNextPageTokenMember,
        MissingNextSyncTokenMember, AmbiguousMembers, MissingKeyMember, MissingStore, InvalidRequestType,
        MissingDeletionMarker, InvalidMsBuildProperty, MissingIntegrationPackage, SettingIgnoredByDialect, MemberConflict,
        ObsoleteAsError, HookMissingOrMismatched,
    };

    /// <summary>Finds a descriptor by id.</summary>
    public static DiagnosticDescriptor ById(string id) =>
        All.FirstOrDefault(d => d.Id == id) ?? throw new ArgumentException($"Unknown diagnostic id '{id}'.", nameof(id));

    private static DiagnosticDescriptor Create(string id, string title, string messageFormat) =>
        new(
            id,
            title,
            messageFormat,
            Category,
            DiagnosticSeverity.Error,
            isEnabledByDefault: true,
            helpLinkUri: HelpLinkBase + id.ToLowerInvariant());
}
