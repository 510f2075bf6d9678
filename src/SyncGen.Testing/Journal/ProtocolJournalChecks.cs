using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;

namespace SyncGen.Testing.Journal;

/// <summary>
/// Reads the requests of one sync call from a server's journal and reports every protocol rule the client broke, each
/// as a precise sentence naming the rule and the request. Works on either server's journal (see <see cref="JournalEntry"/>).
/// </summary>
public static class ProtocolJournalChecks
{
    /// <summary>
    /// The parameters Google Calendar refuses next to a syncToken (docs/protocol.md): the one list,
    /// <see cref="SyncDialects.GoogleCalendar"/>'s <see cref="SyncDialect.FullPassOnlyParameters"/>; showDeleted=false is
    /// checked too.
    /// </summary>
    public static IReadOnlyList<string> RestrictedWithSyncToken => SyncDialects.GoogleCalendar.FullPassOnlyParameters;

    /// <summary>
    /// Checks the requests of one call and reports every rule broken, in the dialect's terms. The journal speaks one language for every dialect (the token
    /// a request carries as <c>syncToken</c>, its page as <c>pageToken</c>; with Graph both are the whole link
    /// requested), so "send the stored token" means "request the stored deltaLink" there. The dialect decides which
    /// parameters a token refuses (<see cref="SyncDialect.FullPassOnlyParameters"/>) and whether later pages repeat the
    /// token (Calendar, People) or carry only a page token or link (Drive, Graph).
    /// </summary>
    /// <param name="requests">The call's requests, in order.</param>
    /// <param name="storedToken">The token the client had stored before the call (null: none).</param>
    /// <param name="maxRetries">The retry budget the client was configured with.</param>
    /// <param name="requireFullSyncFilter">Whether full-pass requests must carry <c>timeMin</c>.</param>
    /// <param name="dialect">The wire protocol the requests were made in; Google Calendar when null.</param>
    /// <returns>One message per violation, empty when the call honoured every rule.</returns>
    public static IReadOnlyList<string> Check(IReadOnlyList<JournalEntry> requests, string? storedToken, int maxRetries, bool requireFullSyncFilter = false, SyncDialect? dialect = null)
    {
        ArgumentNullException.ThrowIfNull(requests);
        dialect ??= SyncDialects.GoogleCalendar;
        var isCalendar = ReferenceEquals(dialect, SyncDialects.GoogleCalendar);
        var pagesRepeatToken = dialect.RequestStyle == SyncRequestStyle.QueryParameters && dialect.SyncTokenParameter != dialect.PageTokenParameter;
        string PassQuery(JournalEntry entry) => pagesRepeatToken
            ? entry.PassQuery
            : string.Join("&", entry.Query.Where(p => p.Key is not ("pageToken" or "syncToken")).Select(p => p.Key + "=" + p.Value).OrderBy(t => t, StringComparer.Ordinal));
        // Messages name the dialect's own members (Gmail's startHistoryId, Dropbox's cursor), not Calendar's.
        var links = dialect.RequestStyle == SyncRequestStyle.FollowLinks;
        var syncName = links ? "sync link" : dialect.SyncTokenParameter;
        var pageName = links ? "next page link" : dialect.PageTokenParameter;
        var violations = new List<string>();
        void Report(string rule, JournalEntry entry, string detail) =>
            violations.Add($"rule '{rule}' broken at {entry}: {detail}");

        if (storedToken is not null && requests.Count > 0 && requests[0].SyncToken != storedToken)
        {
            Report(ProtocolRules.SendStoredToken, requests[0], requests[0].SyncToken is null
                ? $"the client had sync token '{storedToken}' stored but started a full sync without it"
                    + (dialect.RequestStyle == SyncRequestStyle.FollowLinks ? $" ({dialect.Name}: request the stored link exactly as the server gave it, never the endpoint with the token as a parameter)" : string.Empty)
                : $"the client had sync token '{storedToken}' stored but sent {syncName} '{requests[0].SyncToken}'");
        }

        JournalEntry? passStart = null;
        var expiredTokens = new Dictionary<string, JournalEntry>(StringComparer.Ordinal);
        var pageTokens = new HashSet<string>(StringComparer.Ordinal);
        var streak = 1;
        bool reportedBudget = false, reportedStop = false, reportedFilter = false;
        for (var i = 0; i < requests.Count; i++)
        {
            var entry = requests[i];
            var previous = i > 0 ? requests[i - 1] : null;
            if (entry.SyncToken is not null)
            {
                foreach (var name in dialect.FullPassOnlyParameters.Where(name => entry.Get(name) is not null))
                {
                    Report(ProtocolRules.NoRestrictedFilterWithToken, entry, isCalendar
                        ? $"'{name}' was sent together with a syncToken (Google answers 400 syncTokenWithRequestRestrictions)"
                        : $"'{name}' was sent together with a sync token ({dialect.Name} allows it on full passes only)");
                }

                if (isCalendar && string.Equals(entry.Get("showDeleted"), "false", StringComparison.OrdinalIgnoreCase))
                {
                    Report(ProtocolRules.NoRestrictedFilterWithToken, entry, "showDeleted=false was sent together with a syncToken");
                }
            }
            else if (requireFullSyncFilter && !reportedFilter && entry.Get("timeMin") is null)
            {
                reportedFilter = true;
                Report(ProtocolRules.FullSyncFilterApplied, entry, "a full-pass request lacks the full-sync-only filter timeMin the repository was built with");
            }

            if (entry.SyncToken is not null && expiredTokens.TryGetValue(entry.SyncToken, out var expiredBy))
            {
                Report(ProtocolRules.DropTokenAfter410, entry, $"{syncName} '{entry.SyncToken}' was declared expired (HTTP {expiredBy.StatusCode}) by request #{expiredBy.Number} and was sent again");
            }

            if (entry.TokenExpired && entry.SyncToken is not null)
            {
                expiredTokens.TryAdd(entry.SyncToken, entry);
            }

            var isRetry = previous is not null && previous.FullQuery == entry.FullQuery && RetryableErrors.IsRetryable(previous.StatusCode, previous.Reason);
            if (previous is not null)
            {
                if (previous.TokenExpired)
                {
                    // An expiry answer (People's 400, Graph's 400 or 404) is followed by a full pass, not a stop.
                }
                else if (i == 1 && previous.PageToken is not null && previous.StatusCode is 400 && entry.PageToken is null)
                {
                    // The call opened by continuing a dead pass from its checkpoint (its first request carries a page
                    // token); the server refused that token, and the pass starts afresh from its first page.
                }
                else if (previous.StatusCode is 400 or 401 && previous.FullQuery == entry.FullQuery)
                {
                    Report(ProtocolRules.NoRetryOn400Or401, entry, $"the same request was sent again after HTTP {previous.StatusCode}, which is never retried");
                }
                else if (previous.StatusCode is 400 or 401 or 404 && !reportedStop)
                {
                    reportedStop = true;
                    Report(ProtocolRules.StopAfterUnrecoverableError, entry, $"request #{previous.Number} failed with HTTP {previous.StatusCode}, an unrecoverable error, yet the call kept sending requests");
                }
            }

            streak = isRetry ? streak + 1 : 1;
            if (streak > maxRetries + 1 && !reportedBudget)
            {
                reportedBudget = true;
                Report(ProtocolRules.RetryBudget, entry, $"attempt {streak.ToString(CultureInfo.InvariantCulture)} of one request exceeds the retry budget of {maxRetries.ToString(CultureInfo.InvariantCulture)} retries");
            }

            if (entry.PageToken is null)
            {
                passStart = entry;
                pageTokens.Clear();
                continue;
            }

            // With links the server writes each page's request itself; following them verbatim is checked by the server
            // (a link not followed as written is not served), not by comparing queries.
            if (passStart is not null && dialect.RequestStyle == SyncRequestStyle.QueryParameters && PassQuery(entry) != PassQuery(passStart))
            {
                Report(ProtocolRules.SameQueryEveryPage, entry, $"the pass started at request #{passStart.Number} with query [{PassQuery(passStart)}] but this page sent [{PassQuery(entry)}] ({Difference(passStart, entry)})");
            }

            if (!isRetry && !pageTokens.Add(entry.PageToken))
            {
                Report(ProtocolRules.PageTokenLoopGuard, entry, $"{pageName} '{entry.PageToken}' was requested a second time in one pass: the client followed a page-token loop instead of failing with a typed error");
            }
        }

        return violations;
    }

    private static string Difference(JournalEntry first, JournalEntry page)
    {
        var a = first.Query.Where(p => p.Key != "pageToken").Select(p => p.Key + "=" + p.Value).ToHashSet(StringComparer.Ordinal);
        var b = page.Query.Where(p => p.Key != "pageToken").Select(p => p.Key + "=" + p.Value).ToHashSet(StringComparer.Ordinal);
        var added = b.Except(a).ToArray();
        var removed = a.Except(b).ToArray();
        return $"added: {(added.Length == 0 ? "none" : string.Join(", ", added))}; dropped: {(removed.Length == 0 ? "none" : string.Join(", ", removed))}";
    }
}
