using System;
using System.Collections.Generic;
using System.Linq;
using System.Text.Json;

namespace SyncGen;

/// <summary>How a pass asks for its pages.</summary>
public enum SyncRequestStyle
{
    /// <summary>
    /// The sync token and the page token go on the endpoint as query parameters (Google Calendar, People, Drive). Every
    /// page of a pass repeats the pass's parameters.
    /// </summary>
    QueryParameters,

    /// <summary>
    /// Only the first request of a full pass is built from the endpoint; after that the next-page link and the final
    /// link are absolute URLs requested exactly as the server wrote them, and the final link is the stored token
    /// (Microsoft Graph delta: <c>@odata.nextLink</c>, <c>@odata.deltaLink</c>).
    /// </summary>
    FollowLinks,

    /// <summary>
    /// Every request is a POST (or <see cref="SyncDialect.Method"/>) with a JSON body: the first request of a full pass
    /// sends the page source's <see cref="SyncHttpPageSource{TItem}.FirstRequestBody"/>, and a request that carries a
    /// token sends it as the body member <see cref="SyncDialect.PageTokenParameter"/> or
    /// <see cref="SyncDialect.SyncTokenParameter"/> (Dropbox: <c>list_folder/continue</c> with <c>{"cursor": ...}</c>).
    /// </summary>
    JsonBody,

    /// <summary>As <see cref="JsonBody"/>, with an <c>application/x-www-form-urlencoded</c> body.</summary>
    FormBody,
}

/// <summary>
/// One description of a sync-token API's wire protocol: how a pass is requested, how a page is read, how an item is
/// keyed, how a deletion shows, and how an expired token shows. <see cref="SyncHttpPageSource{TItem}"/> is driven by
/// it; <see cref="SyncDialects"/> holds the built-in ones. A dialect for an in-house API is a few lines: see
/// docs/dialects.md.
/// </summary>
public sealed partial record SyncDialect
{
    /// <summary>Name used in messages, e.g. <c>Microsoft Graph delta</c>.</summary>
    public required string Name { get; init; }

    /// <summary>How a pass asks for its pages. Default <see cref="SyncRequestStyle.QueryParameters"/>.</summary>
    public SyncRequestStyle RequestStyle { get; init; } = SyncRequestStyle.QueryParameters;

    /// <summary>Query parameter that carries the stored sync token on an incremental pass. Default <c>syncToken</c>.</summary>
    public string SyncTokenParameter { get; init; } = "syncToken";

    /// <summary>
    /// Query parameter that carries the page token. Default <c>pageToken</c>. When it is the same as
    /// <see cref="SyncTokenParameter"/> (Drive), a page token replaces the sync token on later pages.
    /// </summary>
    public string PageTokenParameter { get; init; } = "pageToken";

    /// <summary>Parameters every full pass adds, e.g. People's <c>requestSyncToken=true</c>, without which no sync token comes back; one the endpoint's query already names is not added again.</summary>
    public IReadOnlyList<KeyValuePair<string, string>> FullPassParameters { get; init; } = Array.Empty<KeyValuePair<string, string>>();

    /// <summary>
    /// Parameters a full pass may send and an incremental one may not, because the sync token already carries the
    /// filter they set (Calendar answers 400 to <c>timeMin</c> beside a <c>syncToken</c>). The page source drops them
    /// from the endpoint's query on incremental passes. Compared case-sensitively, as the APIs do.
    /// </summary>
    public IReadOnlyList<string> FullPassOnlyParameters { get; init; } = Array.Empty<string>();

    /// <summary>Parameter values a request with a sync token may not carry (Calendar list: <c>showHidden=false</c>); an incremental pass drops them.</summary>
    /// <remarks>
    /// Calendar answers 400 to <c>showDeleted=false</c> or <c>showHidden=false</c> beside a <c>syncToken</c>: a token
    /// always brings deleted and hidden entries back. The page source leaves such a parameter off incremental passes and
    /// keeps it on full ones. Names and values are compared case-sensitively, as the APIs do.
    /// </remarks>
    public IReadOnlyList<KeyValuePair<string, string>> TokenRefusedValues { get; init; } = Array.Empty<KeyValuePair<string, string>>();

    /// <summary>The array of list entries in a page, e.g. <c>items</c>, <c>value</c>. A page without it has no entries.</summary>
    public required SyncJsonPath Items { get; init; }

    /// <summary>The next page's token (or link, with <see cref="SyncRequestStyle.FollowLinks"/>); absent on the last page.</summary>
    public required SyncJsonPath NextPageToken { get; init; }

    /// <summary>The token (or link) for the next incremental sync; only the last page carries it.</summary>
    public required SyncJsonPath NextSyncToken { get; init; }

    /// <summary>The entry member that identifies an item across syncs, e.g. <c>id</c>, <c>resourceName</c>, <c>fileId</c>.</summary>
    public required SyncJsonPath Key { get; init; }

    /// <summary>How a deleted item shows in an entry.</summary>
    public required SyncDeletionMarker Deletion { get; init; }

    /// <summary>
    /// Where the item sits inside an entry, when the entry wraps it (Drive: a change holds the file in <c>file</c>);
    /// <see langword="null"/> when the entry is the item.
    /// </summary>
    public SyncJsonPath? ItemValue { get; init; }

    /// <summary>
    /// Which entries are about an item of the collection, when the feed also reports other things (Drive: a change
    /// with <c>changeType</c> <c>drive</c> is about a shared drive itself and has no <c>fileId</c>); <see langword="null"/>
    /// (the default) when every entry is an item.
    /// </summary>
    /// <remarks>
    /// An entry that is not an item is skipped, logged and counted (<see cref="SyncResult.SkippedEntries"/>) and the rest of
    /// the page applied. Without this rule an entry without a key fails the pass as a protocol error, since it could be a
    /// deletion the mirror must not miss; with it, such an entry would fail the pass at the same page on every later sync.
    /// </remarks>
    public SyncEntryKind? EntryKind { get; init; }

    /// <summary>How an expired sync token shows; one of <see cref="SyncExpiryRules"/> or your own rule over the whole error.</summary>
    public required Func<SyncErrorFacts, bool> IsExpiry { get; init; }

    /// <summary>
    /// For APIs whose change feed cannot list the collection (Drive): how a full pass lists it instead. When
    /// <see langword="null"/>, a full pass is the change feed without a token.
    /// </summary>
    public SyncFullListing? FullListing { get; init; }

    /// <summary>
    /// The query parameter that carries a Google partial-response mask (<c>fields</c>), or <see langword="null"/> (the
    /// default) when the API has none or it is not to be checked. When it is set and the endpoint carries that parameter,
    /// <see cref="SyncHttpPageSource{TItem}"/> refuses, when it is built, a mask that leaves out a member this dialect
    /// reads, with a <see cref="SyncFieldsMaskException"/> naming each: <see cref="Items"/>, <see cref="NextPageToken"/>,
    /// <see cref="NextSyncToken"/>, and in each entry <see cref="Key"/>, every member <see cref="Deletion"/> reads and
    /// <see cref="ItemValue"/> (plus what the <see cref="FullListing"/> reads from a request the parameter is forwarded
    /// to). A server honours the mask, so a deletion marker it leaves out never arrives and a deleted item reads as a
    /// live one.
    /// </summary>
    public string? FieldsParameter { get; init; }

    /// <summary>
    /// Whether the API accepts a page token again after the pass that got it died, so that a call may continue a dead
    /// pass from its checkpoint (<see cref="SyncOptions.ResumeInterruptedPasses"/>) instead of page 1. Default
    /// <see langword="false"/>: nobody vouched for it. A refused token (400, 410) only costs a fresh pass.
    /// </summary>
    /// <remarks>
    /// On for Google Calendar, whose page tokens follow AIP-158 (valid for days, bound to the same query); off for People,
    /// Graph delta (a half-walked nextLink goes stale) and Drive (its full listing's start token is taken on page 1, so a
    /// listing resumed later would miss the changes made in between). See docs/reliability.md.
    /// </remarks>
    public bool PageTokensResumable { get; init; }

    /// <summary>A classifier that applies <see cref="IsExpiry"/> with the built-in decision table.</summary>
    public SyncErrorClassifier CreateErrorClassifier() => new(IsExpiry);

    /// <summary>
    /// Reads one page of the change feed (or of a pass without <see cref="FullListing"/>). A page without the items
    /// array has no entries; a page that is not an object, or whose parts have the wrong JSON kind, is a
    /// <see cref="JsonException"/> naming what was wrong, which the engine reports as a malformed response. The
    /// entries' <see cref="SyncDialectEntry.Item"/> point into <paramref name="page"/>'s document: read them before
    /// disposing it.
    /// </summary>
    /// <param name="page">The page's JSON.</param>
    internal SyncDialectPage ReadPage(JsonElement page) => Read(page, Items, Key, Deletion, ItemValue, EntryKind, NextSyncToken);

    /// <summary>Reads one page of the <see cref="FullListing"/>; its entries are the items themselves and none is a deletion.</summary>
    /// <param name="page">The page's JSON.</param>
    /// <exception cref="InvalidOperationException">The dialect has no <see cref="FullListing"/>.</exception>
    internal SyncDialectPage ReadFullListingPage(JsonElement page)
    {
        var listing = FullListing ?? throw new InvalidOperationException($"The {Name} dialect has no separate full listing.");
        return Read(page, listing.Items, listing.Key, null, null, null, null);
    }

    private SyncDialectPage Read(JsonElement page, SyncJsonPath items, SyncJsonPath key, SyncDeletionMarker? deletion, SyncJsonPath? itemValue, SyncEntryKind? entryKind, SyncJsonPath? syncToken)
    {
        if (page.ValueKind != JsonValueKind.Object)
        {
            throw new JsonException($"a {Name} page must be a JSON object, not {page.ValueKind}");
        }

        var entries = new List<SyncDialectEntry>();
        var skipped = 0;
        var index = 0;
        foreach (var entry in Elements(page, items, "page"))
        {
            if (entry.ValueKind != JsonValueKind.Object)
            {
                throw new JsonException($"entry {index} of the {Name} page's '{items}' is a JSON {entry.ValueKind}, not an object");
            }

            index++;
            if (entryKind is not null && !entryKind.IsItem(entry))
            {
                skipped++;
                continue;
            }

            // The full listing (deletion null) lists items only; a change record of several arrays yields each element.
            if (deletion is null || EntryChanges.Count == 0)
            {
                entries.Add(ReadEntry(entry, key, deletion, itemValue));
                continue;
            }

            foreach (var changes in EntryChanges)
            {
                foreach (var element in Elements(entry, changes.Elements, $"entry {index - 1}"))
                {
                    if (element.ValueKind != JsonValueKind.Object)
                    {
                        throw new JsonException($"an element of '{changes.Elements}' in entry {index - 1} of the {Name} page is a JSON {element.ValueKind}, not an object");
                    }

                    entries.Add(ReadEntry(element, changes.Key ?? key, changes.Deletion ?? deletion, changes.ItemValue ?? itemValue));
                }
            }
        }

        var (nextPage, nextSync) = Tokens(page, syncToken);
        return new SyncDialectPage(entries, nextPage, nextSync) { SkippedEntries = skipped };
    }

    /// <summary>One change: its key (the deletion key for a deletion), whether it deletes, and its item.</summary>
    private SyncDialectEntry ReadEntry(JsonElement entry, SyncJsonPath key, SyncDeletionMarker? deletion, SyncJsonPath? itemValue)
    {
        var deleted = deletion?.IsDeleted(entry) ?? false;
        JsonElement? value = entry;
        if (itemValue is not null)
        {
            value = itemValue.TryGet(entry, out var inner) && inner.ValueKind == JsonValueKind.Object ? inner : null;
        }

        var keyText = ((deleted ? DeletionKey : null) ?? key).ReadString(entry);
        return new SyncDialectEntry(keyText, deleted, value) { DescendantPrefix = deleted && keyText is not null && SubtreeSeparator is { } separator ? keyText + separator : null };
    }

    /// <summary>The next page token and sync token of a page; with <see cref="HasMore"/>, one cursor is one or the other.</summary>
    private (string? NextPage, string? NextSync) Tokens(JsonElement page, SyncJsonPath? syncToken)
    {
        if (HasMore is null || syncToken is null)
        {
            return (NextPageToken.ReadString(page), syncToken?.ReadString(page));
        }

        var more = HasMore.TryGet(page, out var flag) ? flag.ValueKind switch
        {
            JsonValueKind.True => true,
            JsonValueKind.False or JsonValueKind.Null => false,
            _ => throw new JsonException($"the {Name} page's '{HasMore}' is a JSON {flag.ValueKind}, not true or false"),
        } : false;
        return more ? (NextPageToken.ReadString(page), null) : (null, syncToken.ReadString(page));
    }

    /// <summary>
    /// The elements at <paramref name="path"/>: each value it selects, or each element of a value that is an array, so
    /// that <c>items</c> and <c>items[]</c> read the same.
    /// </summary>
    private IEnumerable<JsonElement> Elements(JsonElement owner, SyncJsonPath path, string where)
    {
        foreach (var value in path.Select(owner))
        {
            if (value.ValueKind == JsonValueKind.Array)
            {
                foreach (var element in value.EnumerateArray())
                {
                    yield return element;
                }
            }
            else if (!path.HasArraySteps)
            {
                throw new JsonException($"the {Name} {where}'s '{path}' is a JSON {value.ValueKind}, not an array");
            }
            else
            {
                yield return value;
            }
        }
    }
}

/// <summary>
/// How a full pass lists a collection whose change feed only lists changes (Drive): first the token the change feed
/// will start from is taken, then the collection is listed page by page, and the pass ends with that token. Taking the
/// token before the listing means a change made during the listing is listed again by the next incremental pass,
/// never lost.
/// </summary>
public sealed record SyncFullListing
{
    /// <summary>Where the start token is asked for, relative to the endpoint (Drive: <c>changes/startPageToken</c>).</summary>
    public required string StartTokenRequest { get; init; }

    /// <summary>
    /// The endpoint's query parameters the start-token request repeats, each as the endpoint writes it (Drive:
    /// <c>driveId</c> and <c>supportsAllDrives</c>, so a shared drive's token is asked for rather than My Drive's). Any
    /// other endpoint parameter is not sent there: the start-token method would refuse it or read it differently.
    /// Compared case-sensitively, as the APIs do. Default none.
    /// </summary>
    public IReadOnlyList<string> StartTokenParameters { get; init; } = Array.Empty<string>();

    /// <summary>The start token in that answer (Drive: <c>startPageToken</c>).</summary>
    public required SyncJsonPath StartToken { get; init; }

    /// <summary>
    /// Where the collection is listed, relative to the endpoint, with any query every listing page sends whatever the
    /// endpoint says, written escaped and sent first (Drive: <c>files?q=trashed%20%3D%20false</c>, so trashed files are
    /// not listed).
    /// </summary>
    public required string ListingRequest { get; init; }

    /// <summary>
    /// The endpoint's query parameters every listing page repeats, each as the endpoint writes it (Drive:
    /// <c>driveId</c>, <c>corpora</c>, <c>includeItemsFromAllDrives</c>, <c>supportsAllDrives</c>, <c>spaces</c>, ...),
    /// so the listing selects what the change feed will report. Any other endpoint parameter is not sent there.
    /// Compared case-sensitively, as the APIs do. Default none.
    /// </summary>
    public IReadOnlyList<string> ListingParameters { get; init; } = Array.Empty<string>();

    /// <summary>
    /// Parameters the listing adds when the forwarded query has a parameter that needs them and lacks them itself (Drive:
    /// <c>corpora=drive</c> beside <c>driveId</c>, which files.list refuses otherwise). A value the endpoint writes is
    /// never replaced. Default none.
    /// </summary>
    public IReadOnlyList<SyncParameterDefault> ListingParameterDefaults { get; init; } = Array.Empty<SyncParameterDefault>();

    /// <summary>The items array of a listing page (Drive: <c>files</c>); the next page token is the dialect's.</summary>
    public required SyncJsonPath Items { get; init; }

    /// <summary>The key of a listed item (Drive: <c>id</c>).</summary>
    public required SyncJsonPath Key { get; init; }
}

/// <summary>A parameter a request adds when another one is present and it is not.</summary>
/// <param name="WhenPresent">The parameter whose presence calls for <paramref name="Name"/>, e.g. <c>driveId</c>.</param>
/// <param name="Name">The parameter added, e.g. <c>corpora</c>.</param>
/// <param name="Value">Its value, e.g. <c>drive</c>.</param>
public sealed record SyncParameterDefault(string WhenPresent, string Name, string Value)
{
    /// <summary>The parameter whose presence calls for <see cref="Name"/>.</summary>
    public string WhenPresent { get; init; } = WhenPresent ?? throw new ArgumentNullException(nameof(WhenPresent));

    /// <summary>The parameter added.</summary>
    public string Name { get; init; } = Name ?? throw new ArgumentNullException(nameof(Name));

    /// <summary>Its value.</summary>
    public string Value { get; init; } = Value ?? throw new ArgumentNullException(nameof(Value));
}

/// <summary>One page as a dialect reads it.</summary>
/// <param name="Entries">The entries in server order.</param>
/// <param name="NextPageToken">The next page's token or link, or <see langword="null"/> on the last page.</param>
/// <param name="NextSyncToken">The next sync token or link, or <see langword="null"/> when the page does not end the pass.</param>
internal sealed record SyncDialectPage(IReadOnlyList<SyncDialectEntry> Entries, string? NextPageToken, string? NextSyncToken)
{
    /// <summary>Entries left out of <see cref="Entries"/> because they are not about an item of the collection (<see cref="SyncDialect.EntryKind"/>).</summary>
    public int SkippedEntries { get; init; }
}

/// <summary>One list entry as a dialect reads it.</summary>
/// <param name="Key">The item's key, or <see langword="null"/> when the entry has none (a protocol error).</param>
/// <param name="IsDeleted">Whether the entry is a deletion.</param>
/// <param name="Item">The item's JSON, or <see langword="null"/> when a wrapping entry holds none (a Drive removal).</param>
internal readonly record struct SyncDialectEntry(string? Key, bool IsDeleted, JsonElement? Item)
{
    /// <summary>For a deletion that takes its subtree along (<see cref="SyncDialect.SubtreeSeparator"/>): the prefix of the keys below it.</summary>
    public string? DescendantPrefix { get; init; }
}
