using System;
using System.Collections.Generic;
using System.Text.Json.Nodes;
using SyncGen.Testing.Scenarios;

namespace SyncGen.Testing.Dialects;

/// <summary>
/// How the kit's embedded server (<see cref="FakeServer.FakeSyncServer"/>) serves one <see cref="SyncDialect"/>: where
/// the change feed lives, how an item's name is written, and what an expired token and other errors look like. Pages,
/// keys, deletions, tokens and links are rendered from the <see cref="Dialect"/> itself (its <c>Items</c>, <c>Key</c>,
/// <c>Deletion</c>, <c>ItemValue</c>, <c>NextPageToken</c>, <c>NextSyncToken</c> and <c>FullListing</c>), so the server
/// writes exactly what the client reads. <see cref="FakeDialects"/> holds the built-in ones; for an in-house dialect
/// write one of these (see docs/scenarios.md, "The kit in any dialect").
/// </summary>
/// <example>
/// <code>
/// var acme = new FakeDialect
/// {
///     Dialect = AcmeDialect,                 // your SyncDialect
///     RootPath = "/api/v2",
///     FeedPath = "records",
///     PageSizeParameter = "limit",
///     NameFields = name => new JsonObject { ["title"] = name },
///     ExpiredToken = _ => new FakeErrorResponse(409, "{\"error\":{\"code\":\"CHECKPOINT_TOO_OLD\"}}"),
/// };
/// </code>
/// </example>
public sealed record FakeDialect
{
    /// <summary>The wire protocol served.</summary>
    public required SyncDialect Dialect { get; init; }

    /// <summary>The API root's path, without a trailing slash: <c>/v1.0</c> (Graph), <c>/v1</c> (People), <c>/drive/v3</c>, <c>/calendar/v3</c>.</summary>
    public required string RootPath { get; init; }

    /// <summary>
    /// The change feed under the root, without a leading slash: <c>users/delta</c>, <c>people/me/connections</c>,
    /// <c>changes</c>. A <see cref="SyncDialect.FullListing"/>'s requests are resolved against it the way
    /// <see cref="SyncHttpPageSource{TItem}"/> resolves them (Drive: <c>changes/startPageToken</c> and <c>files</c>).
    /// </summary>
    public required string FeedPath { get; init; }

    /// <summary>The query parameter that sets the page size (<c>pageSize</c>, <c>$top</c>, <c>maxResults</c>); null when there is none.</summary>
    public string? PageSizeParameter { get; init; }

    /// <summary>
    /// The fields an item named <c>name</c> carries beside its key, e.g. Graph's <c>{"displayName": name}</c>. Scenarios
    /// and <see cref="FakeServer.FakeSyncServer.Upsert(string, string)"/> use it. Default <c>{"name": name}</c>.
    /// </summary>
    public Func<string, JsonObject> NameFields { get; init; } = static name => new JsonObject { ["name"] = name };

    /// <summary>
    /// Members every change-feed entry about a live item carries beside its key and item, as the API writes them (Drive:
    /// <c>"changeType": "file"</c> and <c>"removed": false</c>); null (the default) for none. A deletion carries only its
    /// key and the dialect's marker, and full-listing items carry none of these.
    /// </summary>
    public Func<JsonObject>? ChangeMembers { get; init; }

    /// <summary>
    /// Where an item records that it is in the trash, for an API whose trash keeps items its change feed still reports
    /// as changes rather than removals (Drive: the file's <c>trashed</c>); null (the default) when there is no trash.
    /// With it, <see cref="FakeServer.FakeSyncServer.Trash"/> and <see cref="FakeServer.FakeSyncServer.Untrash"/> set it to
    /// true and false, and the full listing filters on it with Drive's files.list query: no <c>q</c> lists trashed items
    /// too (marked), <c>q=trashed = false</c> leaves them out and <c>q=trashed = true</c> lists only them; any other
    /// <c>q</c> is answered 400 <c>invalid</c>.
    /// </summary>
    public SyncJsonPath? Trashed { get; init; }

    /// <summary>
    /// The answer to a request with an expired (or unknown) sync token, given how many such answers the server gave before
    /// (0 for the first), so a dialect can rotate through every documented shape of its expiry.
    /// </summary>
    public required Func<int, FakeErrorResponse> ExpiredToken { get; init; }

    /// <summary>
    /// The body of any other error (status, reason, message); Google's <c>{"error":{"errors":[...],"code","message"}}</c>
    /// by default.
    /// </summary>
    public Func<int, string, string, string> ErrorBody { get; init; } = FakeDialects.GoogleErrorBody;

    /// <summary>
    /// Scenario capabilities this dialect cannot replay, each with the reason shown when a scenario needing it is skipped
    /// (e.g. recurring events exist only in Calendar).
    /// </summary>
    public IReadOnlyDictionary<ScenarioCapability, string> Unsupported { get; init; } = new Dictionary<ScenarioCapability, string>();

    /// <summary>The reason a scenario does not apply to this dialect, or null when it does.</summary>
    /// <remarks>
    /// Besides <see cref="Unsupported"/> (whose reasons come first), the kit knows what it cannot replay itself: recurring
    /// events and the catalog's full-sync-only filter (<c>timeMin</c>) exist only in Google Calendar, and the two scenarios
    /// about a bare 410 apply only where the dialect's own <see cref="SyncDialect.IsExpiry"/> reads a 410 that way. So a
    /// dialect written without an <see cref="Unsupported"/> list still gets such scenarios Ignored with a reason.
    /// </remarks>
    /// <param name="scenario">The scenario.</param>
    /// <returns>The first unsupported capability's reason.</returns>
    public string? SkipReason(SyncScenario scenario)
    {
        ArgumentNullException.ThrowIfNull(scenario);
        foreach (var pair in Unsupported)
        {
            if (pair.Key != ScenarioCapability.None && scenario.Requires.HasFlag(pair.Key))
            {
                return $"Scenario '{scenario.Name}' does not apply to the {Dialect.Name} dialect: {pair.Value}";
            }
        }

        return InherentLimit(scenario.Requires) is { } limit ? $"Scenario '{scenario.Name}' does not apply to the {Dialect.Name} dialect: {limit}" : null;
    }

    /// <summary>Why the kit cannot replay a capability in this dialect whatever <see cref="Unsupported"/> says; null when it can.</summary>
    private string? InherentLimit(ScenarioCapability requires)
    {
        var calendar = ReferenceEquals(Dialect, SyncDialects.GoogleCalendar);
        if (requires.HasFlag(ScenarioCapability.RecurringEvents) && !calendar)
        {
            return "the kit serves recurring events and their cancelled occurrences only in the Google Calendar dialect.";
        }

        if (requires.HasFlag(ScenarioCapability.FullSyncFilter) && !calendar)
        {
            return "the catalog's full-pass-only filter is Google Calendar's timeMin.";
        }

        if (requires.HasFlag(ScenarioCapability.SubtreeDeletion) && Dialect.SubtreeSeparator != ScenarioModel.SubtreeSeparator)
        {
            return "its deletions remove one item each (SyncDialect.SubtreeSeparator is not \"/\"), so there is no subtree to delete.";
        }

        if (requires.HasFlag(ScenarioCapability.ExpiryWithoutToken) && ExpiredToken(0).StatusCode == 404)
        {
            return "its expiry answer is a 404, which a request without a token gets for other reasons (a wrong path or user), so SyncGen never reads it as an expiry there.";
        }

        if (requires.HasFlag(ScenarioCapability.GoneIsExpiry) && !Dialect.IsExpiry(SyncErrorFacts.FromResponse(410, "Gone")))
        {
            return "its expiry rule (SyncDialect.IsExpiry) does not read a bare 410 as an expired token, so a 410 is an ordinary failure there.";
        }

        if (requires.HasFlag(ScenarioCapability.GoneDeletedIsNotExpiry)
            && Dialect.IsExpiry(SyncErrorFacts.FromResponse(410, FakeDialects.GoogleErrorBody(410, "deleted", "Resource has been deleted"))))
        {
            return "its expiry rule (SyncDialect.IsExpiry) reads every 410 as an expired token, whatever its reason.";
        }

        return null;
    }

    /// <inheritdoc />
    public override string ToString() => Dialect.Name;
}

/// <summary>An error answer the embedded server sends: status, JSON body and extra headers.</summary>
/// <param name="StatusCode">The HTTP status.</param>
/// <param name="Body">The body, sent as <c>application/json</c>.</param>
public sealed record FakeErrorResponse(int StatusCode, string Body)
{
    /// <summary>Extra response headers, e.g. Graph's <c>Location</c> on a 410.</summary>
    public IReadOnlyDictionary<string, string> Headers { get; init; } = new Dictionary<string, string>();
}
