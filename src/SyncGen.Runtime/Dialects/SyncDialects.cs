using System.Collections.Generic;

namespace SyncGen;

/// <summary>The built-in dialects: the wire protocols of the sync-token APIs SyncGen knows.</summary>
public static partial class SyncDialects
{
    /// <summary>
    /// Google Calendar <c>events.list</c>: <c>items</c>, <c>nextPageToken</c>, <c>nextSyncToken</c>, key <c>id</c>,
    /// deleted when <c>status</c> is <c>cancelled</c>, expiry per <see cref="SyncExpiryRules.Google"/>. The filters a
    /// sync token already carries (<c>timeMin</c>, <c>timeMax</c>, <c>updatedMin</c>, <c>q</c>, <c>orderBy</c>,
    /// <c>iCalUID</c>, <c>privateExtendedProperty</c>, <c>sharedExtendedProperty</c>) are full-pass only. A <c>fields</c>
    /// mask on the endpoint must keep <c>nextPageToken</c>, <c>nextSyncToken</c> and each item's <c>id</c> and
    /// <c>status</c>; <see cref="SyncHttpPageSource{TItem}"/> refuses one that does not (<see cref="SyncDialect.FieldsParameter"/>).
    /// </summary>
    public static SyncDialect GoogleCalendar { get; } = new()
    {
        Name = "Google Calendar",

        // Page tokens of a list call stay valid for days and are bound to its query (AIP-158); a refused one falls back.
        PageTokensResumable = true,

        // Calendar honours the standard fields parameter (guide "Improve performance", partial response): a mask
        // without items(status) would turn every cancelled event into a live one, so it is refused up front.
        FieldsParameter = "fields",
        FullPassOnlyParameters = new[] { "timeMin", "timeMax", "updatedMin", "q", "orderBy", "iCalUID", "privateExtendedProperty", "sharedExtendedProperty" },
        Items = SyncJsonPath.Property("items"),
        NextPageToken = SyncJsonPath.Property("nextPageToken"),
        NextSyncToken = SyncJsonPath.Property("nextSyncToken"),
        Key = SyncJsonPath.Property("id"),
        Deletion = SyncDeletionMarker.StatusEquals(SyncJsonPath.Property("status"), "cancelled"),
        IsExpiry = SyncExpiryRules.Google,
    };

    /// <summary>
    /// Google People <c>people.connections.list</c>: <c>connections</c>, <c>nextPageToken</c>, <c>nextSyncToken</c>, key
    /// <c>resourceName</c>, deleted when <c>metadata.deleted</c> is true, expiry per <see cref="SyncExpiryRules.GooglePeople"/>.
    /// Every full pass sends <c>requestSyncToken=true</c> (without it no sync token comes back). Put <c>personFields</c>
    /// in the endpoint's query: People wants the same parameters on every request of a pass. A <c>fields</c> mask on the
    /// endpoint must keep <c>nextPageToken</c>, <c>nextSyncToken</c> and each connection's <c>resourceName</c> and
    /// <c>metadata.deleted</c>; <see cref="SyncHttpPageSource{TItem}"/> refuses one that does not
    /// (<see cref="SyncDialect.FieldsParameter"/>). <c>personFields</c> is not checked.
    /// </summary>
    public static SyncDialect GooglePeople { get; } = new()
    {
        Name = "Google People",

        // fields is the standard partial-response parameter, applied to the whole answer after the method ran: a mask
        // without connections(metadata(deleted)) would turn every deleted contact into a live one, so it is refused.
        // personFields is the method's own list of person fields and is left alone: the reference says a sync request
        // returns a deleted contact with metadata.deleted true without tying that to personFields naming metadata, and
        // resourceName is not a person field at all, so nothing proves a personFields list could drop what is read.
        FieldsParameter = "fields",
        FullPassParameters = new[] { new KeyValuePair<string, string>("requestSyncToken", "true") },
        Items = SyncJsonPath.Property("connections"),
        NextPageToken = SyncJsonPath.Property("nextPageToken"),
        NextSyncToken = SyncJsonPath.Property("nextSyncToken"),
        Key = SyncJsonPath.Property("resourceName"),
        Deletion = SyncDeletionMarker.Flag(SyncJsonPath.Nested("metadata", "deleted")),
        IsExpiry = SyncExpiryRules.GooglePeople,
    };

    /// <summary>
    /// Microsoft Graph delta queries (<c>users/delta</c>, <c>groups/delta</c>, <c>me/messages/delta</c>, ...):
    /// <c>value</c>, <c>@odata.nextLink</c>, <c>@odata.deltaLink</c>, key <c>id</c>, deleted when an <c>@removed</c>
    /// object is present (any reason), expiry per <see cref="SyncExpiryRules.MicrosoftGraph"/>. Both links are
    /// absolute URLs requested verbatim; the stored token is the whole deltaLink. Put <c>$select</c> and
    /// <c>$filter</c> on the endpoint: Graph carries them inside the links that follow.
    /// </summary>
    public static SyncDialect MicrosoftGraph { get; } = new()
    {
        Name = "Microsoft Graph delta",
        RequestStyle = SyncRequestStyle.FollowLinks,
        Items = SyncJsonPath.Property("value"),
        NextPageToken = SyncJsonPath.Property("@odata.nextLink"),
        NextSyncToken = SyncJsonPath.Property("@odata.deltaLink"),
        Key = SyncJsonPath.Property("id"),
        Deletion = SyncDeletionMarker.Present(SyncJsonPath.Property("@removed")),
        IsExpiry = SyncExpiryRules.MicrosoftGraph,
    };

    /// <summary>
    /// Google Drive <c>changes.list</c>, endpoint <c>.../drive/v3/changes</c>: <c>changes</c>, <c>nextPageToken</c>,
    /// <c>newStartPageToken</c>, key <c>fileId</c>, the item in <c>file</c>; the stored token goes in <c>pageToken</c>. A
    /// change whose <c>changeType</c> is not <c>file</c> (a shared drive itself changed or became unreachable) is skipped
    /// and counted (<see cref="SyncDialect.EntryKind"/>), so a <c>fields</c> mask must name <c>changes/changeType</c>. A
    /// change is a deletion when <c>removed</c> is true or its <c>file.trashed</c> is true: Drive reports a file moved to
    /// the trash as a change with <c>removed</c> false and the file marked trashed, so a <c>fields</c> mask on the endpoint
    /// must name <c>file(trashed)</c> for a trashed file to leave the mirror; <see cref="SyncHttpPageSource{TItem}"/> refuses
    /// one that leaves out a member the dialect reads (<see cref="SyncDialect.FieldsParameter"/>). The change feed cannot list what exists, so
    /// a full pass takes <c>changes/startPageToken</c> first, lists <c>files</c> page by page with
    /// <c>q=trashed = false</c> (files.list lists trashed files unless asked not to), and ends with that start token: a
    /// change made during the listing comes again in the next incremental pass. Expiry per <see cref="SyncExpiryRules.Google"/>.
    /// Each request of a full pass repeats the endpoint parameters its method accepts (Drive v3 reference):
    /// <c>changes/startPageToken</c> takes <c>driveId</c> and <c>supportsAllDrives</c>; <c>files</c> takes
    /// <c>driveId</c>, <c>corpora</c> (<c>drive</c> when <c>driveId</c> is given and it is not), <c>includeItemsFromAllDrives</c>,
    /// <c>supportsAllDrives</c>, <c>spaces</c>, <c>pageSize</c>, <c>includeLabels</c> and <c>includePermissionsForView</c>;
    /// both take the deprecated team-drive names and <c>key</c>, <c>quotaUser</c> and <c>access_token</c>. The change feed
    /// gets the endpoint's whole query.
    /// </summary>
    public static SyncDialect GoogleDrive { get; } = new()
    {
        Name = "Google Drive changes",

        // A mask without file(trashed) would keep every trashed file in the mirror as a live one; refused up front.
        FieldsParameter = "fields",
        SyncTokenParameter = "pageToken",
        PageTokenParameter = "pageToken",
        Items = SyncJsonPath.Property("changes"),
        NextPageToken = SyncJsonPath.Property("nextPageToken"),
        NextSyncToken = SyncJsonPath.Property("newStartPageToken"),
        Key = SyncJsonPath.Property("fileId"),
        // Trashing is not removal: the change keeps removed false and carries the file with trashed true (Drive v3
        // reference, Change.removed and File.trashed), and the file can come back from the trash later.
        Deletion = SyncDeletionMarker.AnyOf(SyncDeletionMarker.Flag(SyncJsonPath.Property("removed")), SyncDeletionMarker.Flag(SyncJsonPath.Nested("file", "trashed"))),
        ItemValue = SyncJsonPath.Property("file"),

        // A change about a shared drive itself (changeType drive: renamed, or the user lost access to it) has a driveId
        // and no fileId; it is not a file of the collection, and failing on it would fail every later sync at that page.
        EntryKind = new SyncEntryKind(SyncJsonPath.Property("changeType"), "file"),
        IsExpiry = SyncExpiryRules.Google,
        FullListing = new SyncFullListing
        {
            StartTokenRequest = "changes/startPageToken",
            StartTokenParameters = new[] { "driveId", "supportsAllDrives", "teamDriveId", "supportsTeamDrives", "key", "quotaUser", "access_token" },
            StartToken = SyncJsonPath.Property("startPageToken"),
            // files.list returns trashed files too unless the query excludes them, and its default fields leave out
            // trashed, so the server must filter: a listed file could not be told apart from a live one here. The
            // endpoint's own q is never forwarded (changes.list has no q), so this one is the listing's only q.
            ListingRequest = "files?q=trashed%20%3D%20false",
            ListingParameters = new[]
            {
                "driveId", "corpora", "includeItemsFromAllDrives", "supportsAllDrives", "spaces", "pageSize", "includeLabels", "includePermissionsForView",
                "teamDriveId", "includeTeamDriveItems", "supportsTeamDrives", "key", "quotaUser", "access_token",
            },

            // files.list refuses driveId unless corpora is drive (teamDriveIdRequiresTeamDriveCorpora), and lists the
            // user's corpus when corpora is absent; changes.list has no corpora, so the endpoint rarely names it.
            ListingParameterDefaults = new[] { new SyncParameterDefault("driveId", "corpora", "drive"), new SyncParameterDefault("teamDriveId", "corpora", "drive") },
            Items = SyncJsonPath.Property("files"),
            Key = SyncJsonPath.Property("id"),
        },
    };

    /// <summary>
    /// Dropbox <c>files/list_folder</c>, endpoint <c>.../2/files/list_folder</c>: every request is a POST with a JSON
    /// body; a full pass sends the page source's <see cref="SyncHttpPageSource{TItem}.FirstRequestBody"/> (e.g.
    /// <c>{"path": "", "recursive": true}</c>), and every later request goes to <c>list_folder/continue</c> with
    /// <c>{"cursor": ...}</c>. One <c>cursor</c> is both page and sync token: while <c>has_more</c> is true it asks for the
    /// next page, and the last page's is stored. Entries are keyed by <c>path_lower</c>, the only member a deleted entry
    /// (<c>.tag</c> <c>deleted</c>) carries, and a deletion takes everything below it along (a deleted folder is one
    /// entry). An expired cursor is 409 with <c>error.[.tag]</c> <c>reset</c> (<see cref="SyncExpiryRules.Dropbox"/>).
    /// </summary>
    public static SyncDialect Dropbox { get; } = new()
    {
        Name = "Dropbox list_folder",
        RequestStyle = SyncRequestStyle.JsonBody,
        ContinueRequest = "list_folder/continue",
        SyncTokenParameter = "cursor",
        PageTokenParameter = "cursor",
        Items = SyncJsonPath.Property("entries"),
        NextPageToken = SyncJsonPath.Property("cursor"),
        NextSyncToken = SyncJsonPath.Property("cursor"),
        HasMore = SyncJsonPath.Property("has_more"),
        Key = SyncJsonPath.Property("path_lower"),
        Deletion = SyncDeletionMarker.StatusEquals(SyncJsonPath.Property(".tag"), "deleted"),

        // Dropbox reports a deleted folder as one entry, not one per file below it.
        SubtreeSeparator = "/",
        IsExpiry = SyncExpiryRules.Dropbox,
    };

    /// <summary>
    /// Gmail history, endpoint the user's root <c>.../gmail/v1/users/me</c>: a full pass reads <c>profile</c>'s
    /// <c>historyId</c> first, lists <c>messages</c> page by page, and ends with that id; an incremental pass reads
    /// <c>history?startHistoryId=</c>, whose records each hold arrays of changes: <c>messagesAdded</c>,
    /// <c>labelsAdded</c> and <c>labelsRemoved</c> (the message as it now is) and <c>messagesDeleted</c>, applied in that
    /// order, each keyed by <c>message.id</c>. The stored token is the last page's <c>historyId</c>. An expired
    /// <c>startHistoryId</c> is 404 (<see cref="SyncExpiryRules.Gmail"/>); a 404 to a request without a token is not.
    /// The endpoint's query goes to <c>history</c> (<c>labelId</c>, <c>historyTypes</c>, <c>maxResults</c>);
    /// <c>maxResults</c>, <c>labelIds</c>, <c>q</c> and <c>includeSpamTrash</c> go to <c>messages</c>.
    /// </summary>
    public static SyncDialect GmailHistory { get; } = new()
    {
        Name = "Gmail history",
        RequestsBelowEndpoint = true,
        ChangeFeedRequest = "history",
        SyncTokenParameter = "startHistoryId",
        PageTokenParameter = "pageToken",
        Items = SyncJsonPath.Property("history"),
        NextPageToken = SyncJsonPath.Property("nextPageToken"),
        NextSyncToken = SyncJsonPath.Property("historyId"),
        Key = SyncJsonPath.Nested("message", "id"),
        ItemValue = SyncJsonPath.Property("message"),
        Deletion = SyncDeletionMarker.Never,
        EntryChanges = new[]
        {
            new SyncEntryChanges { Elements = SyncJsonPath.Property("messagesAdded") },
            new SyncEntryChanges { Elements = SyncJsonPath.Property("labelsAdded") },
            new SyncEntryChanges { Elements = SyncJsonPath.Property("labelsRemoved") },
            new SyncEntryChanges { Elements = SyncJsonPath.Property("messagesDeleted"), Deletion = SyncDeletionMarker.Always },
        },
        IsExpiry = SyncExpiryRules.Gmail,
        FullListing = new SyncFullListing
        {
            StartTokenRequest = "profile",
            StartToken = SyncJsonPath.Property("historyId"),
            ListingRequest = "messages",
            ListingParameters = new[] { "maxResults", "labelIds", "q", "includeSpamTrash" },
            Items = SyncJsonPath.Property("messages"),
            Key = SyncJsonPath.Property("id"),
        },
    };
}
