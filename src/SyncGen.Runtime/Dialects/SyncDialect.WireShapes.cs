using System;
using System.Collections.Generic;

namespace SyncGen;

/// <summary>The wire shapes beyond GET and query tokens: request bodies and methods, one cursor with a has-more flag, records of several changes, subtree deletions.</summary>
public sealed partial record SyncDialect
{
    /// <summary>
    /// The HTTP method of the change feed's requests, e.g. <c>POST</c>; <see langword="null"/> (the default) for
    /// <c>GET</c>, or <c>POST</c> with <see cref="SyncRequestStyle.JsonBody"/> and <see cref="SyncRequestStyle.FormBody"/>.
    /// </summary>
    public string? Method { get; init; }

    /// <summary>
    /// Where the change feed is requested, relative to the endpoint (Gmail: <c>history</c> below the user's root), or
    /// <see langword="null"/> (the default) when the endpoint is the change feed.
    /// </summary>
    public string? ChangeFeedRequest { get; init; }

    /// <summary>
    /// Where a request that carries a page or sync token goes, relative to the endpoint (Dropbox:
    /// <c>list_folder/continue</c>), or <see langword="null"/> (the default) for the change feed itself. With a body style,
    /// such a request's body holds the token alone; without one, the first request's body plus the token.
    /// </summary>
    public string? ContinueRequest { get; init; }

    /// <summary>
    /// Whether the dialect's relative requests (<see cref="ChangeFeedRequest"/>, <see cref="ContinueRequest"/> and the
    /// <see cref="FullListing"/>'s) hang below the endpoint's path (Gmail: <c>.../users/me</c> plus <c>/history</c>)
    /// rather than resolve beside it as a relative URL does (Drive: <c>changes/startPageToken</c> against
    /// <c>.../v3/changes</c>). Default <see langword="false"/>.
    /// </summary>
    public bool RequestsBelowEndpoint { get; init; }

    /// <summary>
    /// The page's more-to-come flag, when one cursor member is both the page token and the sync token (Dropbox:
    /// <c>has_more</c> beside <c>cursor</c>): while it is true the page's <see cref="NextPageToken"/> is the next page's
    /// token, and once it is false <see cref="NextSyncToken"/> is the stored token. <see langword="null"/> (the default)
    /// when a page token's presence says there is more.
    /// </summary>
    public SyncJsonPath? HasMore { get; init; }

    /// <summary>
    /// The arrays of a change record that each hold changes, in the order they are applied (Gmail history:
    /// <c>messagesAdded</c>, <c>labelsAdded</c>, <c>labelsRemoved</c>, <c>messagesDeleted</c>); empty (the default) when
    /// every entry is one change.
    /// </summary>
    public IReadOnlyList<SyncEntryChanges> EntryChanges { get; init; } = Array.Empty<SyncEntryChanges>();

    /// <summary>
    /// Where a deletion's key sits when a deleted entry carries it elsewhere than a live one, or <see langword="null"/>
    /// (the default) when <see cref="Key"/> reads both.
    /// </summary>
    public SyncJsonPath? DeletionKey { get; init; }

    /// <summary>
    /// When set, a deletion also removes every item whose key starts with the deleted key and this separator (Dropbox:
    /// <c>/</c>, since a deleted folder's entry stands for everything below it); <see langword="null"/> (the default) when
    /// a deletion removes one item.
    /// </summary>
    /// <remarks>
    /// The engine expands the deletion into one deletion per key under it, from the committed mirror and the pass's own
    /// changes, so every <see cref="ISyncStore{TItem}"/> applies it without knowing prefixes.
    /// </remarks>
    public string? SubtreeSeparator { get; init; }

    /// <summary>The method the change feed's requests use.</summary>
    internal string EffectiveMethod =>
        Method ?? (RequestStyle is SyncRequestStyle.JsonBody or SyncRequestStyle.FormBody ? "POST" : "GET");

    /// <summary>Whether requests carry a body.</summary>
    internal bool HasBody => RequestStyle is SyncRequestStyle.JsonBody or SyncRequestStyle.FormBody;

    /// <summary>A relative request of this dialect against <paramref name="endpoint"/>; see <see cref="RequestsBelowEndpoint"/>.</summary>
    internal Uri Resolve(Uri endpoint, string relative)
    {
        if (!RequestsBelowEndpoint)
        {
            return new Uri(endpoint, relative);
        }

        var path = endpoint.GetLeftPart(UriPartial.Path);
        return new Uri(new Uri(path.EndsWith('/') ? path : path + "/"), relative);
    }
}

/// <summary>
/// One array of a change record that holds changes (Gmail history: <c>messagesAdded</c>): each element is one change,
/// keyed, unwrapped and marked as the dialect says unless this says otherwise.
/// </summary>
public sealed record SyncEntryChanges
{
    /// <summary>The array in the record, e.g. <c>messagesAdded</c>; missing or null means none.</summary>
    public required SyncJsonPath Elements { get; init; }

    /// <summary>The key in each element, or <see langword="null"/> for the dialect's <see cref="SyncDialect.Key"/>.</summary>
    public SyncJsonPath? Key { get; init; }

    /// <summary>Where the item sits in each element, or <see langword="null"/> for the dialect's <see cref="SyncDialect.ItemValue"/>.</summary>
    public SyncJsonPath? ItemValue { get; init; }

    /// <summary>
    /// Which elements are deletions, or <see langword="null"/> for the dialect's <see cref="SyncDialect.Deletion"/>;
    /// <see cref="SyncDeletionMarker.Always"/> for an array of deletions (<c>messagesDeleted</c>).
    /// </summary>
    public SyncDeletionMarker? Deletion { get; init; }
}
