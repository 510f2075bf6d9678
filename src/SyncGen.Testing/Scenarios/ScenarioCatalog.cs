using System;
using System.Collections.Generic;
using System.Linq;
using SyncGen.Testing.FakeServer;
using SyncGen.Testing.Journal;

namespace SyncGen.Testing.Scenarios;

/// <summary>
/// The named scenarios of the conformance suite, covering every edge case of docs/protocol.md. Defined once, as data; replayed
/// on WireMock and on the embedded server. The scripts assume <see cref="Conformance.ConformanceSettings.Default"/>
/// (3 retries per request, 3 expiries per call). docs/scenarios.md describes each in one paragraph.
/// </summary>
public static class ScenarioCatalog
{
    private static readonly Lazy<IReadOnlyList<SyncScenario>> Scenarios = new(Build);
    private static readonly Lazy<IReadOnlyList<SyncScenario>> WireShapeScenarios = new(BuildWireShapes);

    /// <summary>Every named scenario of the core protocol, in catalog order: each applies to Google Calendar.</summary>
    public static IReadOnlyList<SyncScenario> All => Scenarios.Value;

    /// <summary>
    /// Scenarios of wire shapes only some dialects have (a deletion standing for a subtree, as Dropbox's): the
    /// conformance fixtures run them after <see cref="All"/>, Ignored with the reason where the dialect has no such shape.
    /// </summary>
    public static IReadOnlyList<SyncScenario> WireShapes => WireShapeScenarios.Value;

    /// <summary>The scenario with this name.</summary>
    /// <param name="name">The name.</param>
    /// <returns>The scenario.</returns>
    /// <exception cref="KeyNotFoundException">No scenario has that name.</exception>
    public static SyncScenario Get(string name) =>
        All.Concat(WireShapes).FirstOrDefault(s => s.Name == name) ?? throw new KeyNotFoundException($"The catalog has no scenario '{name}'.");

    private static FaultRule On(Fault fault, bool? incremental, int? page, int times = 1) =>
        new(fault) { WithSyncToken = incremental, Page = page, Times = times };

    private static IEnumerable<HistoryChange> Updates(params int[] indexes) =>
        indexes.Select(i => HistoryChange.Upsert($"evt-{i:D2}", $"evt {i} v2"));

    private static IEnumerable<HistoryChange> New(int count, string prefix = "new") => HistoryChange.Seed(count, prefix);

    private static ScenarioCall Initial(int seed, string rule = ProtocolRules.FollowPagesToTheEnd) =>
        new() { Changes = HistoryChange.Seed(seed).ToArray(), Rule = rule, Summary = "initial full sync" };

    private static IReadOnlyList<SyncScenario> Build() => new SyncScenario[]
    {
        new("full-sync-multi-page",
            "Seven events, page size 3: the full sync follows nextPageToken over three pages and stores the token that only the last page carries.",
            3, new[] { Initial(7) }) { EdgeCases = new[] { 1 } },

        new("full-sync-empty-calendar",
            "An empty calendar: one empty page carrying nextSyncToken. The client stores the token and an empty mirror; the next call is incremental.",
            3, new[]
            {
                new ScenarioCall { Rule = ProtocolRules.FollowPagesToTheEnd, Summary = "full sync of nothing" },
                new ScenarioCall { Changes = New(2).ToArray(), Rule = ProtocolRules.SendStoredToken, Summary = "incremental pass after two creations" },
            }) { EdgeCases = new[] { 1, 2 } },

        new("short-and-empty-pages",
            "Pages shorter than asked, even empty, that still carry nextPageToken: the client keeps paging until nextSyncToken, on full and incremental passes.",
            3, new[]
            {
                new ScenarioCall
                {
                    Changes = HistoryChange.Seed(7).ToArray(), Rule = ProtocolRules.FollowPagesToTheEnd, Summary = "full pass, page 1 empty, page 2 holds one item",
                    Faults = new[] { On(Fault.ShortPage(0), false, 1), On(Fault.ShortPage(1), false, 2) },
                },
                new ScenarioCall
                {
                    Changes = Updates(1, 2).Concat(New(2)).ToArray(), Rule = ProtocolRules.FollowPagesToTheEnd, Summary = "incremental pass, page 2 empty",
                    Faults = new[] { On(Fault.ShortPage(0), true, 2) },
                },
            }) { EdgeCases = new[] { 2 } },

        new("incremental-multi-page",
            "Seven changes after the first sync, page size 3: the incremental pass spans three pages, every page repeating the same query and sync token plus pageToken.",
            3, new[]
            {
                Initial(4),
                new ScenarioCall { Changes = Updates(1, 2, 3).Concat(New(4)).ToArray(), Rule = ProtocolRules.SameQueryEveryPage, Summary = "incremental pass over three pages" },
            }) { EdgeCases = new[] { 3 } },

        new("same-token-when-nothing-changed",
            "Nothing changes between two syncs and the server hands back the same sync token: the call succeeds with the token unchanged; a later change advances it again.",
            3, new[]
            {
                Initial(5),
                new ScenarioCall { Rule = ProtocolRules.SameTokenWhenNothingChanged, Summary = "nothing changed" },
                new ScenarioCall { Changes = Updates(2).ToArray(), Rule = ProtocolRules.SameTokenWhenNothingChanged, Summary = "one change" },
            }) { EdgeCases = new[] { 8 } },

        new("deletions-applied",
            "Two events are deleted and one updated: the incremental pass carries bare tombstones (kind, id, status cancelled) and the client removes exactly those ids.",
            3, new[]
            {
                Initial(6),
                new ScenarioCall
                {
                    Changes = new[] { HistoryChange.Delete("evt-02"), HistoryChange.Delete("evt-05") }.Concat(Updates(3)).ToArray(),
                    Rule = ProtocolRules.ApplyDeletions, Summary = "two tombstones and an update",
                },
            }) { EdgeCases = new[] { 6 } },

        new("unknown-cancelled-id-ignored",
            "An event is created and deleted between two syncs, so the client only ever sees its tombstone: a cancelled id it never stored must not be inserted.",
            3, new[]
            {
                Initial(3),
                new ScenarioCall
                {
                    Changes = new[] { HistoryChange.Upsert("ghost-01", "never seen"), HistoryChange.Delete("ghost-01") }.Concat(Updates(1)).ToArray(),
                    Rule = ProtocolRules.ApplyDeletions, Summary = "tombstone of an id never stored",
                },
            }) { EdgeCases = new[] { 6 } },

        new("cancelled-recurring-exception",
            "One occurrence of a daily series is cancelled: the tombstone carries recurringEventId and originalStartTime and is an exception of a live series, so the series stays; after a token expiry the full sync lists the cancelled exception again and it is still not inserted.",
            3, new[]
            {
                new ScenarioCall { Changes = new[] { HistoryChange.UpsertSeries("series-01", "Daily standup") }.Concat(HistoryChange.Seed(2)).ToArray(), Rule = ProtocolRules.FollowPagesToTheEnd, Summary = "initial full sync with a series" },
                new ScenarioCall { Changes = new[] { HistoryChange.CancelOccurrence("series-01", 2) }, Rule = ProtocolRules.ApplyDeletions, Summary = "a cancelled occurrence" },
                new ScenarioCall { Changes = new[] { HistoryChange.ExpireTokens }, Rule = ProtocolRules.ApplyDeletions, Summary = "410, full sync listing the cancelled exception" },
            }) { EdgeCases = new[] { 6 }, Requires = ScenarioCapability.RecurringEvents },

        new("expiry-on-page-1",
            "The token expires while an event is deleted: the incremental request gets 410 fullSyncRequired on page 1, the client drops the token and runs a full sync that replaces the mirror, so the deleted event (which has no tombstone in a full sync) disappears.",
            3, new[]
            {
                Initial(6),
                new ScenarioCall
                {
                    Changes = new[] { HistoryChange.Delete("evt-04") }.Concat(Updates(2)).Append(HistoryChange.ExpireTokens).ToArray(),
                    Rule = ProtocolRules.ReplaceMirrorAfter410, Summary = "410 on page 1, full sync",
                },
            }) { EdgeCases = new[] { 5, 7 } },

        new("expiry-on-page-n",
            "410 on page 2 of an incremental pass: the staged pages are discarded and the full sync replaces the mirror; a deletion whose tombstone was on a later page is gone too.",
            3, new[]
            {
                Initial(9),
                new ScenarioCall
                {
                    Changes = Updates(1, 2, 3, 4, 5, 6).Append(HistoryChange.Delete("evt-08")).ToArray(),
                    Faults = new[] { On(Fault.TokenExpired(), true, 2) },
                    Rule = ProtocolRules.ReplaceMirrorAfter410, Summary = "410 on incremental page 2",
                },
            }) { EdgeCases = new[] { 5, 7 } },

        new("expiry-during-recovery",
            "The token expires, and the recovery full sync itself gets 410 on its page 2: the client recovers again within its bound (two expiries) and ends with the full mirror.",
            3, new[]
            {
                Initial(6),
                new ScenarioCall
                {
                    Changes = Updates(1).Append(HistoryChange.ExpireTokens).ToArray(),
                    Faults = new[] { On(Fault.TokenExpired(), false, 2) },
                    Rule = ProtocolRules.BoundedExpiryRecovery, Summary = "410 on page 1, then 410 on full page 2",
                },
            }) { EdgeCases = new[] { 5 } },

        new("expiry-loop-bounded",
            "The server answers 410 to every request: after 3 expiries in one call the client fails with SyncExpiryLoopException, sends nothing more, and keeps its items and token.",
            3, new[]
            {
                Initial(4),
                new ScenarioCall
                {
                    Changes = Updates(1).ToArray(), Faults = new[] { On(Fault.TokenExpired(), null, null, 10) },
                    Expect = ExpectedOutcome.ExpiryLoop, Rule = ProtocolRules.BoundedExpiryRecovery, Summary = "410 forever",
                },
            }) { EdgeCases = new[] { 5 }, Requires = ScenarioCapability.ExpiryWithoutToken },

        new("restricted-filter-only-on-full-sync",
            "The repository restricts full syncs with timeMin: full passes carry it, incremental passes (and every request with a syncToken) must not, or Google answers 400 syncTokenWithRequestRestrictions; after a 410 the recovery full sync carries it again.",
            3, new[]
            {
                new ScenarioCall { Changes = HistoryChange.Seed(5).ToArray(), RequiresFullSyncFilter = true, Rule = ProtocolRules.FullSyncFilterApplied, Summary = "full sync with timeMin" },
                new ScenarioCall { Changes = Updates(1, 2, 3, 4).ToArray(), Rule = ProtocolRules.NoRestrictedFilterWithToken, Summary = "incremental pass without timeMin" },
                new ScenarioCall { Changes = new[] { HistoryChange.ExpireTokens }, RequiresFullSyncFilter = true, Rule = ProtocolRules.NoRestrictedFilterWithToken, Summary = "410, full sync with timeMin again" },
            }) { EdgeCases = new[] { 4 }, Requires = ScenarioCapability.FullSyncFilter },

        new("rate-limit-403-retried",
            "Page 2 of the full sync answers 403 rateLimitExceeded once: a rate limit, not a permission error, so the client retries it with backoff and completes.",
            3, new[]
            {
                new ScenarioCall
                {
                    Changes = HistoryChange.Seed(7).ToArray(), Faults = new[] { On(Fault.Status(403, "rateLimitExceeded"), false, 2) },
                    Rule = ProtocolRules.RetryTransientErrors, Summary = "403 rateLimitExceeded on page 2",
                },
            }) { EdgeCases = new[] { 9 } },

        new("user-rate-limit-403-retried",
            "Page 1 of an incremental pass answers 403 userRateLimitExceeded twice: retried within the budget, then the pass completes.",
            3, new[]
            {
                Initial(4),
                new ScenarioCall
                {
                    Changes = Updates(1, 2).ToArray(), Faults = new[] { On(Fault.Status(403, "userRateLimitExceeded"), true, 1, 2) },
                    Rule = ProtocolRules.RetryTransientErrors, Summary = "403 userRateLimitExceeded twice",
                },
            }) { EdgeCases = new[] { 9 } },

        new("rate-limit-429-retry-after",
            "The first request answers 429 with Retry-After: 1: the client waits as told (one second) and retries; the only scenario that really waits.",
            3, new[]
            {
                new ScenarioCall
                {
                    Changes = HistoryChange.Seed(4).ToArray(), Faults = new[] { On(Fault.RateLimited(TimeSpan.FromSeconds(1)), false, 1) },
                    Rule = ProtocolRules.RetryTransientErrors, Summary = "429 Retry-After 1 on page 1",
                },
            }) { EdgeCases = new[] { 9 } },

        new("backend-error-500-retried",
            "Page 2 of an incremental pass answers 500 backendError once: retried, and the pass completes with every change.",
            3, new[]
            {
                Initial(4),
                new ScenarioCall
                {
                    Changes = Updates(1, 2, 3).Concat(New(2)).ToArray(), Faults = new[] { On(Fault.Status(500), true, 2) },
                    Rule = ProtocolRules.RetryTransientErrors, Summary = "500 on incremental page 2",
                },
            }) { EdgeCases = new[] { 9 } },

        new("service-unavailable-503-retried",
            "Page 2 of the full sync answers 503 twice, then the page: the client retries with backoff and completes; a later incremental page 1 answers 503 once and is retried too.",
            3, new[]
            {
                new ScenarioCall
                {
                    Changes = HistoryChange.Seed(7).ToArray(), Faults = new[] { On(Fault.Status(503), false, 2, 2) },
                    Rule = ProtocolRules.RetryTransientErrors, Summary = "503 twice on full page 2",
                },
                new ScenarioCall
                {
                    Changes = Updates(4).ToArray(), Faults = new[] { On(Fault.Status(503), true, 1) },
                    Rule = ProtocolRules.RetryTransientErrors, Summary = "503 on incremental page 1",
                },
            }) { EdgeCases = new[] { 9 } },

        new("connection-reset-retried",
            "The connection is reset without an answer on page 2: a transport error, retried like a 503.",
            3, new[]
            {
                new ScenarioCall
                {
                    Changes = HistoryChange.Seed(7).ToArray(), Faults = new[] { On(Fault.Abort(), false, 2) },
                    Rule = ProtocolRules.RetryTransientErrors, Summary = "connection reset on page 2",
                },
            }) { EdgeCases = new[] { 9 } },

        new("retry-budget-exhausted",
            "Page 2 of an incremental pass answers 503 four times: with 3 retries the client gives up with SyncRequestFailedException (503), sends nothing more, and keeps its items and token.",
            3, new[]
            {
                Initial(4),
                new ScenarioCall
                {
                    Changes = Updates(1, 2, 3).Concat(New(2)).ToArray(), Faults = new[] { On(Fault.Status(503), true, 2, 4) },
                    Expect = ExpectedOutcome.RequestFailed(503), Rule = ProtocolRules.RetryBudget, Summary = "503 past the retry budget",
                },
            }) { EdgeCases = new[] { 9 } },

        new("html-502-from-a-proxy-retried",
            "Page 2 of the full sync answers a proxy's HTML 502 Bad Gateway (text/html, no JSON): the status decides, so it is retried like any 502, never reported as an unreadable page, and the pass completes.",
            3, new[]
            {
                new ScenarioCall
                {
                    Changes = HistoryChange.Seed(7).ToArray(),
                    Faults = new[] { On(Fault.Raw(502, "text/html", "<html>\r\n<head><title>502 Bad Gateway</title></head>\r\n<body>\r\n<center><h1>502 Bad Gateway</h1></center>\r\n<hr><center>nginx</center>\r\n</body>\r\n</html>\r\n"), false, 2) },
                    Rule = ProtocolRules.RetryTransientErrors, Summary = "HTML 502 on full page 2",
                },
            }) { EdgeCases = new[] { 9 } },

        new("plain-text-503-retried",
            "Page 2 of an incremental pass answers text/plain \"Service Unavailable\" twice: retried with backoff, and the pass completes with every change.",
            3, new[]
            {
                Initial(4),
                new ScenarioCall
                {
                    Changes = Updates(1, 2, 3).Concat(New(2)).ToArray(), Faults = new[] { On(Fault.Raw(503, "text/plain", "Service Unavailable"), true, 2, 2) },
                    Rule = ProtocolRules.RetryTransientErrors, Summary = "text 503 twice on incremental page 2",
                },
            }) { EdgeCases = new[] { 9 } },

        new("empty-429-retried",
            "Page 1 of the full sync answers 429 with no body and no content type: a rate limit all the same, retried.",
            3, new[]
            {
                new ScenarioCall
                {
                    Changes = HistoryChange.Seed(4).ToArray(), Faults = new[] { On(Fault.Raw(429, null, string.Empty), false, 1) },
                    Rule = ProtocolRules.RetryTransientErrors, Summary = "empty 429 on page 1",
                },
            }) { EdgeCases = new[] { 9 } },

        new("plain-text-410-is-expiry",
            "The incremental request gets a text/plain \"Gone\" 410 from a front end, with no Google reason: the status decides, so the token is dropped and a full sync replaces the mirror (the event deleted meanwhile disappears); a client that reads it as an unreadable page keeps the dead token and fails forever.",
            3, new[]
            {
                Initial(6),
                new ScenarioCall
                {
                    Changes = new[] { HistoryChange.Delete("evt-04") }.Concat(Updates(2)).ToArray(),
                    Faults = new[] { On(Fault.Raw(410, "text/plain", "Gone"), true, 1) },
                    Rule = ProtocolRules.ReplaceMirrorAfter410, Summary = "text 410 on page 1, full sync",
                },
            }) { EdgeCases = new[] { 5, 7 }, Requires = ScenarioCapability.GoneIsExpiry },

        new("bad-request-400-not-retried",
            "Page 2 of a three-page incremental pass answers 400: never retried; the call fails with SyncRequestFailedException (400) and the token and items stay exactly as before (page 1 is not committed).",
            3, new[]
            {
                Initial(4),
                new ScenarioCall
                {
                    Changes = Updates(1, 2, 3).Concat(New(4)).ToArray(), Faults = new[] { On(Fault.Status(400, "invalid"), true, 2) },
                    Expect = ExpectedOutcome.RequestFailed(400), Rule = ProtocolRules.NoRetryOn400Or401, Summary = "400 on incremental page 2",
                },
            }) { EdgeCases = new[] { 9 } },

        new("unauthorized-401-not-retried",
            "The first request answers 401 authError: never retried, SyncRequestFailedException (401), no token stored; the next call (credentials fixed) syncs normally.",
            3, new[]
            {
                new ScenarioCall
                {
                    Changes = HistoryChange.Seed(4).ToArray(), Faults = new[] { On(Fault.Status(401), false, 1) },
                    Expect = ExpectedOutcome.RequestFailed(401), Rule = ProtocolRules.NoRetryOn400Or401, Summary = "401 on page 1",
                },
                new ScenarioCall { Rule = ProtocolRules.FollowPagesToTheEnd, Summary = "full sync after the 401" },
            }) { EdgeCases = new[] { 9 } },

        new("page-token-loop",
            "Page 2 of the full sync hands back the page token the client just followed: following it would loop forever, so the client fails with SyncProtocolException (PageTokenLoop), stores nothing, and the next call succeeds.",
            3, new[]
            {
                new ScenarioCall
                {
                    Changes = HistoryChange.Seed(7).ToArray(), Faults = new[] { On(Fault.PageTokenLoop(), false, 2, 3) },
                    Expect = ExpectedOutcome.Protocol(SyncProtocolViolation.PageTokenLoop), Rule = ProtocolRules.PageTokenLoopGuard, Summary = "page 2 repeats its page token",
                },
                new ScenarioCall { Rule = ProtocolRules.FollowPagesToTheEnd, Summary = "full sync after the loop" },
            }) { EdgeCases = new[] { 10 } },

        new("page-without-tokens",
            "Page 2 of an incremental pass carries neither nextPageToken nor nextSyncToken: the pass cannot end, so SyncProtocolException (MissingTokens) and nothing changes.",
            3, new[]
            {
                Initial(4),
                new ScenarioCall
                {
                    Changes = Updates(1, 2, 3).Concat(New(3)).ToArray(), Faults = new[] { On(Fault.NoTokens(), true, 2) },
                    Expect = ExpectedOutcome.Protocol(SyncProtocolViolation.MissingTokens), Rule = ProtocolRules.RejectBrokenPages, Summary = "page 2 without tokens",
                },
            }) { EdgeCases = new[] { 10 } },

        new("malformed-json",
            "Page 2 of the full sync is cut after \"items\":[ (invalid JSON): SyncProtocolException (MalformedResponse), no token; the next call succeeds.",
            3, new[]
            {
                new ScenarioCall
                {
                    Changes = HistoryChange.Seed(7).ToArray(), Faults = new[] { On(Fault.MalformedJson(), false, 2) },
                    Expect = ExpectedOutcome.Protocol(SyncProtocolViolation.MalformedResponse), Rule = ProtocolRules.RejectBrokenPages, Summary = "malformed JSON on page 2",
                },
                new ScenarioCall { Rule = ProtocolRules.FollowPagesToTheEnd, Summary = "full sync after the malformed page" },
            }) { EdgeCases = new[] { 10 } },

        new("truncated-json",
            "Page 1 of an incremental pass is the first half of the real body (honest Content-Length): SyncProtocolException (MalformedResponse), token and items unchanged.",
            3, new[]
            {
                Initial(4),
                new ScenarioCall
                {
                    Changes = Updates(1, 2).ToArray(), Faults = new[] { On(Fault.TruncatedBody(), true, 1) },
                    Expect = ExpectedOutcome.Protocol(SyncProtocolViolation.MalformedResponse), Rule = ProtocolRules.RejectBrokenPages, Summary = "truncated body on page 1",
                },
            }) { EdgeCases = new[] { 10 } },

        new("crash-mid-pass-then-restart",
            "The connection keeps dropping on page 2 of an incremental pass until the call gives up (a crash mid-pass); the restart runs the incremental pass again from the stored token and converges, losing nothing.",
            3, new[]
            {
                Initial(6),
                new ScenarioCall
                {
                    Changes = Updates(1, 2, 3, 4).Append(HistoryChange.Delete("evt-06")).ToArray(), Faults = new[] { On(Fault.Abort(), true, 2, 4) },
                    Expect = ExpectedOutcome.RequestFailed(null), Rule = ProtocolRules.TokenOnlyAfterLastPage, Summary = "connection reset past the budget on page 2",
                },
                new ScenarioCall { Rule = ProtocolRules.MirrorConverges, Summary = "restart" },
            }) { EdgeCases = new[] { 11 } },

        new("duplicate-items-in-pass",
            "Pages list each item twice (a replay within one pass), on the full and on an incremental pass: applying them in order converges to one copy of each.",
            3, new[]
            {
                new ScenarioCall
                {
                    Changes = HistoryChange.Seed(4).ToArray(), Faults = new[] { On(Fault.DuplicateItems(), false, 1) },
                    Rule = ProtocolRules.MirrorConverges, Summary = "duplicates on full page 1",
                },
                new ScenarioCall
                {
                    Changes = Updates(1).Append(HistoryChange.Delete("evt-02")).ToArray(), Faults = new[] { On(Fault.DuplicateItems(), true, 1) },
                    Rule = ProtocolRules.MirrorConverges, Summary = "duplicates on incremental page 1",
                },
            }) { EdgeCases = new[] { 12 } },

        new("slow-responses",
            "Pages 1 and 2 of the full sync answer after 150 ms each: slow but valid, so the client waits and completes.",
            3, new[]
            {
                new ScenarioCall
                {
                    Changes = HistoryChange.Seed(7).ToArray(),
                    Faults = new[] { On(Fault.Delay(TimeSpan.FromMilliseconds(150)), false, 1), On(Fault.Delay(TimeSpan.FromMilliseconds(150)), false, 2) },
                    Rule = ProtocolRules.MirrorConverges, Summary = "150 ms delays",
                },
            }) { EdgeCases = new[] { 9 } },

        new("full-sync-failure-stores-nothing",
            "Page 2 of the very first full sync answers 400: the page already received is not committed, no token is stored, and the next call starts a full sync again.",
            3, new[]
            {
                new ScenarioCall
                {
                    Changes = HistoryChange.Seed(7).ToArray(), Faults = new[] { On(Fault.Status(400, "invalid"), false, 2) },
                    Expect = ExpectedOutcome.RequestFailed(400), Rule = ProtocolRules.TokenOnlyAfterLastPage, Summary = "400 on full page 2",
                },
                new ScenarioCall { Rule = ProtocolRules.FollowPagesToTheEnd, Summary = "full sync again" },
            }) { EdgeCases = new[] { 1, 10 } },

        new("gone-deleted-is-not-expiry",
            "A 410 whose reason is 'deleted' (not fullSyncRequired) is not a token expiry: no full sync, SyncRequestFailedException (410), token and items unchanged.",
            3, new[]
            {
                Initial(3),
                new ScenarioCall
                {
                    Changes = Updates(1).ToArray(), Faults = new[] { On(Fault.Status(410, "deleted"), true, 1) },
                    Expect = ExpectedOutcome.RequestFailed(410), Rule = ProtocolRules.TypedOutcome, Summary = "410 deleted",
                },
            }) { EdgeCases = new[] { 5 }, Requires = ScenarioCapability.GoneDeletedIsNotExpiry },
    };

    private static IReadOnlyList<SyncScenario> BuildWireShapes() => new SyncScenario[]
    {
        new("subtree-deletion-applied",
            "A folder is deleted with everything below it, and the server lists only the folder's deletion (as Dropbox does): the client removes the whole subtree, keeps its neighbours (a name sharing the prefix without the separator stays), and a full sync after an expiry agrees.",
            3, new[]
            {
                new ScenarioCall
                {
                    Changes = new[]
                    {
                        HistoryChange.Upsert("/docs", "docs"), HistoryChange.Upsert("/docs/a.txt", "a"), HistoryChange.Upsert("/docs/b.txt", "b"),
                        HistoryChange.Upsert("/docs/old/c.txt", "c"), HistoryChange.Upsert("/docs-2", "docs 2"), HistoryChange.Upsert("/notes.txt", "notes"),
                    },
                    Rule = ProtocolRules.FollowPagesToTheEnd, Summary = "full sync of two folders",
                },
                new ScenarioCall
                {
                    Changes = new[] { HistoryChange.Upsert("/docs/b.txt", "b 2"), HistoryChange.DeleteSubtree("/docs") },
                    Rule = ProtocolRules.ApplyDeletions, Summary = "one deletion for the folder and all below it",
                },
                new ScenarioCall { Changes = new[] { HistoryChange.ExpireTokens }, Rule = ProtocolRules.ReplaceMirrorAfter410, Summary = "expiry, full sync" },
            }) { EdgeCases = new[] { 6 }, Requires = ScenarioCapability.SubtreeDeletion },
    };
}
