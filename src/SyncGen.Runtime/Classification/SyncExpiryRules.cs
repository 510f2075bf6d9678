using System;

namespace SyncGen;

/// <summary>
/// How APIs say "your sync token expired", as rules over <see cref="SyncErrorFacts"/>. The classifier asks the rule
/// only about answers with a failure status. Compose your own from these, e.g.
/// <c>new SyncErrorClassifier(f =&gt; SyncExpiryRules.Google(f) || f.StatusCode == 404)</c> for Gmail history.
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
}
