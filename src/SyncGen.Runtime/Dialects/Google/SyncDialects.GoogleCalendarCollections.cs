using System.Collections.Generic;

namespace SyncGen;

// Calendar's three other sync-token collections. Each differs from events in how a deletion shows and in what a sync
// token refuses; getting either wrong keeps deleted calendars forever or fails every incremental pass with a 400.
public static partial class SyncDialects
{
    /// <summary>
    /// Google Calendar <c>calendarList.list</c> (<c>users/me/calendarList</c>): key <c>id</c>, deleted when <c>deleted</c> is
    /// true, <c>minAccessRole</c> full-pass only, <c>showDeleted=false</c> and <c>showHidden=false</c> never sent with a token.
    /// </summary>
    /// <remarks>
    /// A sync token always brings hidden and deleted entries back, while a full pass lists hidden calendars only when asked
    /// (<c>showHidden=true</c>). Every full pass asks, so the mirror holds hidden calendars however it was built (a full
    /// pass, or incremental ones after it); an endpoint that writes <c>showHidden=false</c> is refused when the page source
    /// is built. Read an entry's <c>hidden</c> member to leave hidden calendars out of a view. A full pass may send
    /// <c>showDeleted=true</c>: its deleted entries are deletions of keys the new mirror does not hold anyway.
    /// </remarks>
    public static SyncDialect GoogleCalendarList { get; } = new()
    {
        Name = "Google Calendar list",
        FieldsParameter = "fields",
        FullPassOnlyParameters = new[] { "minAccessRole" },
        FullPassParameters = new[] { new KeyValuePair<string, string>("showHidden", "true") },
        TokenRefusedValues = new[] { new KeyValuePair<string, string>("showDeleted", "false"), new KeyValuePair<string, string>("showHidden", "false") },
        Items = SyncJsonPath.Property("items"),
        NextPageToken = SyncJsonPath.Property("nextPageToken"),
        NextSyncToken = SyncJsonPath.Property("nextSyncToken"),
        Key = SyncJsonPath.Property("id"),
        Deletion = SyncDeletionMarker.Flag(SyncJsonPath.Property("deleted")),
        IsExpiry = SyncExpiryRules.Google,
    };

    /// <summary>
    /// Google Calendar <c>acl.list</c> (<c>calendars/{calendarId}/acl</c>): key <c>id</c>, deleted when <c>role</c> is
    /// <c>none</c>, <c>showDeleted=false</c> never sent with a token.
    /// </summary>
    public static SyncDialect GoogleCalendarAcl { get; } = new()
    {
        Name = "Google Calendar ACL",
        FieldsParameter = "fields",
        TokenRefusedValues = new[] { new KeyValuePair<string, string>("showDeleted", "false") },
        Items = SyncJsonPath.Property("items"),
        NextPageToken = SyncJsonPath.Property("nextPageToken"),
        NextSyncToken = SyncJsonPath.Property("nextSyncToken"),
        Key = SyncJsonPath.Property("id"),

        // A removed rule comes back with role "none" (Calendar v3 reference, AclRule.role).
        Deletion = SyncDeletionMarker.StatusEquals(SyncJsonPath.Property("role"), "none"),
        IsExpiry = SyncExpiryRules.Google,
    };

    /// <summary>
    /// Google Calendar <c>settings.list</c> (<c>users/me/settings</c>): key <c>id</c>, never deleted (a setting only
    /// changes its <c>value</c>), no full-pass-only parameter.
    /// </summary>
    public static SyncDialect GoogleCalendarSettings { get; } = new()
    {
        Name = "Google Calendar settings",
        FieldsParameter = "fields",
        Items = SyncJsonPath.Property("items"),
        NextPageToken = SyncJsonPath.Property("nextPageToken"),
        NextSyncToken = SyncJsonPath.Property("nextSyncToken"),
        Key = SyncJsonPath.Property("id"),
        Deletion = SyncDeletionMarker.Never,
        IsExpiry = SyncExpiryRules.Google,
    };
}
