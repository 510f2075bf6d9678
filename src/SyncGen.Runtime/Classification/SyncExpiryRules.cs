using System;

namespace SyncGen;

/// <summary>
/// How APIs say "your sync token expired", as rules over <see cref="SyncErrorFacts"/>. The classifier asks the rule
/// only about answers with a failure status. Compose your own from these, e.g.
/// <c>f =&gt; SyncExpiryRules.Google(f) || SyncExpiryRules.BodyEquals(409, SyncJsonPath.Parse("error.code"), "expired")(f)</c>.
/// </summary>
public static class SyncExpiryRules
{
    /// <summary>
    /// Google Calendar and most Google list APIs: 410 Gone (reasons <c>fullSyncRequired</c>,
    /// <c>updatedMinTooLongAgo</c>, or none, whatever the body), except reason <c>deleted</c>.
    /// </summary>
    public static Func<SyncErrorFacts, bool> Google { get; } = facts => facts.StatusCode == 410 && !facts.HasReason("deleted");

    /// <summary>
    /// Google People API: 400 with <c>EXPIRED_SYNC_TOKEN</c> as any reason (<c>details[].reason</c>, possibly after a
    /// legacy <c>errors[]</c> reason <c>failedPrecondition</c>) or only in the message.
    /// </summary>
    public static Func<SyncErrorFacts, bool> GooglePeople { get; } = facts =>
        facts.StatusCode == 400 && (facts.HasReason("EXPIRED_SYNC_TOKEN") || facts.MessageContains("EXPIRED_SYNC_TOKEN")
            || facts.MessageContains("Sync token is expired"));

    /// <summary>
    /// Microsoft Graph delta queries: 410 Gone (any code), or 400/404 with one of the documented resync codes
    /// (<c>syncStateNotFound</c>, <c>resyncRequired</c>, <c>syncStateInvalid</c>, <c>resyncApplicationRequired</c>,
    /// <c>resyncChangesApplyDifferences</c>, <c>resyncChangesUploadDifferences</c>, <c>resyncChangesNotFound</c>).
    /// </summary>
    public static Func<SyncErrorFacts, bool> MicrosoftGraph { get; } = facts =>
        facts.StatusCode == 410
        || (facts.StatusCode is 400 or 404
            && (facts.HasReason("syncStateNotFound") || facts.HasReason("resyncRequired") || facts.HasReason("syncStateInvalid")
                || facts.HasReason("resyncApplicationRequired") || facts.HasReason("resyncChangesApplyDifferences")
                || facts.HasReason("resyncChangesUploadDifferences") || facts.HasReason("resyncChangesNotFound")));

    /// <summary>
    /// Dropbox <c>list_folder/continue</c>: 409 whose body's <c>error.[.tag]</c> is <c>reset</c> (the cursor was
    /// invalidated; list the folder again).
    /// </summary>
    public static Func<SyncErrorFacts, bool> Dropbox { get; } = BodyEquals(409, SyncJsonPath.Nested("error", ".tag"), "reset");

    /// <summary>
    /// Gmail <c>users.history.list</c>: 404, which Gmail answers to a <c>startHistoryId</c> it no longer holds. The engine
    /// never reads a 404 to a request that sent no token as an expiry, so a wrong user id fails at once.
    /// </summary>
    public static Func<SyncErrorFacts, bool> Gmail { get; } = Status(404);

    /// <summary>A rule matching one status whatever the body, e.g. <c>Status(404)</c>.</summary>
    /// <param name="statusCode">The status that means the token expired.</param>
    public static Func<SyncErrorFacts, bool> Status(int statusCode) => facts => facts.StatusCode == statusCode;

    /// <summary>A rule matching one status whose JSON error body holds <paramref name="value"/> at <paramref name="path"/> (see <see cref="SyncErrorFacts.BodyEquals"/>).</summary>
    /// <param name="statusCode">The status.</param>
    /// <param name="path">Where in the body, e.g. <c>error.[.tag]</c>.</param>
    /// <param name="value">The value, e.g. <c>reset</c>.</param>
    public static Func<SyncErrorFacts, bool> BodyEquals(int statusCode, SyncJsonPath path, string value)
    {
        if (path is null)
        {
            throw new ArgumentNullException(nameof(path));
        }

        if (value is null)
        {
            throw new ArgumentNullException(nameof(value));
        }

        return facts => facts.StatusCode == statusCode && facts.BodyEquals(path, value);
    }
}
