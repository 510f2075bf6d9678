using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Net.Http;
using System.Text.Json;
using System.Threading;
using System.Threading.Tasks;
using SyncGen.Testing.Conformance;

namespace SyncGen.Testing.Tests.Conformance;

/// <summary>The one defect a <see cref="HandWrittenSyncLoop"/> carries.</summary>
public enum SyncLoopDefect
{
    /// <summary>None: a correct loop, which must pass the whole catalog.</summary>
    None,

    /// <summary>Commits the pass's checkpoint (page 1's items with the pass's token) right after page 1, before the pass is complete.</summary>
    TokenSavedAfterFirstPage,

    /// <summary>After a 410 the full sync is merged into the old mirror instead of replacing it.</summary>
    MergeOn410,

    /// <summary>503 is treated as fatal: no retry.</summary>
    NoRetryOn503,

    /// <summary>A repeated nextPageToken is followed again.</summary>
    UnguardedPageTokenLoop,

    /// <summary>Later pages of an incremental pass send their page token in <c>syncToken</c> (and no <c>pageToken</c>).</summary>
    PageTokenAsSyncToken,
}

/// <summary>
/// A small hand-written sync loop over plain HttpClient (not generated), implementing the kit's adapter, with at most one
/// deliberate defect. With <see cref="SyncLoopDefect.None"/> it is a second, independent conforming client.
/// </summary>
public sealed class HandWrittenSyncLoop(ConformanceContext context, SyncLoopDefect defect) : ISyncUnderTest
{
    private const string Name = "HandWrittenSyncLoop";
    private readonly HttpClient _http = new() { Timeout = TimeSpan.FromSeconds(10) };
    private SortedDictionary<string, string?> _mirror = new(StringComparer.Ordinal);
    private string? _token;

    public async Task SyncAsync(CancellationToken cancellationToken)
    {
        var token = _token;
        var expiries = 0;
        for (var passNumber = 1; ; passNumber++)
        {
            var pass = token is null ? new SyncPass(SyncPassKind.Full, null, passNumber) : new SyncPass(SyncPassKind.Incremental, token, passNumber);
            var merge = pass.IsFull && defect == SyncLoopDefect.MergeOn410;
            var staged = pass.IsFull && !merge ? new SortedDictionary<string, string?>(StringComparer.Ordinal) : new SortedDictionary<string, string?>(_mirror, StringComparer.Ordinal);
            var followed = new HashSet<string>(StringComparer.Ordinal);
            string? pageToken = null;
            try
            {
                for (var page = 1; ; page++)
                {
                    var cursor = new SyncCursor(pass, pageToken, page);
                    using var document = await FetchAsync(cursor, cancellationToken);
                    var root = document.RootElement;
                    var next = root.TryGetProperty("nextPageToken", out var n) ? n.GetString() : null;
                    var sync = root.TryGetProperty("nextSyncToken", out var s) ? s.GetString() : null;
                    if (next is null && sync is null)
                    {
                        throw new SyncProtocolException(Name, SyncProtocolViolation.MissingTokens, cursor, "the page carries neither token");
                    }

                    if (next is not null && !followed.Add(next) && defect != SyncLoopDefect.UnguardedPageTokenLoop)
                    {
                        throw new SyncProtocolException(Name, SyncProtocolViolation.PageTokenLoop, cursor, "the page token repeats");
                    }

                    if (root.TryGetProperty("items", out var items))
                    {
                        foreach (var item in items.EnumerateArray())
                        {
                            var id = item.GetProperty("id").GetString()!;
                            if (item.TryGetProperty("status", out var status) && status.GetString() == "cancelled")
                            {
                                staged.Remove(id);
                            }
                            else
                            {
                                staged[id] = item.TryGetProperty("summary", out var summary) ? summary.GetString() : null;
                            }
                        }
                    }

                    if (defect == SyncLoopDefect.TokenSavedAfterFirstPage && page == 1)
                    {
                        // The defect, and only it: commit after page 1 instead of after the last page. The token committed
                        // is the one the pass runs with (null on a full pass), the only sync token known at this point;
                        // a page token is never stored as a sync token, so the sole bug is the early commit, which leaves a
                        // partial mirror behind when a later page fails.
                        _mirror = new SortedDictionary<string, string?>(staged, StringComparer.Ordinal);
                        _token = pass.SyncToken;
                    }

                    if (next is not null)
                    {
                        pageToken = next;
                        continue;
                    }

                    _mirror = staged;
                    _token = sync;
                    return;
                }
            }
            catch (ExpiredSignal expired)
            {
                if (++expiries >= context.Settings.MaxExpiriesPerCall)
                {
                    throw new SyncExpiryLoopException(Name, expiries, expired);
                }

                token = null;
            }
        }
    }

    public Task<MirrorSnapshot> ReadMirrorAsync(CancellationToken cancellationToken) =>
        Task.FromResult(new MirrorSnapshot(_mirror.Select(p => new MirrorItem(p.Key, p.Value)).ToArray(), _token));

    public ValueTask DisposeAsync()
    {
        _http.Dispose();
        return ValueTask.CompletedTask;
    }

    private async Task<JsonDocument> FetchAsync(SyncCursor cursor, CancellationToken cancellationToken)
    {
        // The defect: a later page of an incremental pass sends its page token where the sync token goes.
        var misplaced = defect == SyncLoopDefect.PageTokenAsSyncToken && cursor.SyncToken is not null && cursor.PageToken is not null;
        var syncToken = misplaced ? cursor.PageToken : cursor.SyncToken;
        var pageToken = misplaced ? null : cursor.PageToken;
        var query = "maxResults=" + context.PageSize.ToString(CultureInfo.InvariantCulture)
            + (syncToken is null
                ? "&timeMin=" + Uri.EscapeDataString(context.FullSyncTimeMin.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture))
                : "&syncToken=" + Uri.EscapeDataString(syncToken))
            + (pageToken is null ? string.Empty : "&pageToken=" + Uri.EscapeDataString(pageToken));
        var uri = new Uri(context.ApiRoot, "calendars/" + Uri.EscapeDataString(context.CalendarId) + "/events?" + query);
        for (var attempt = 1; ; attempt++)
        {
            HttpResponseMessage response;
            try
            {
                response = await _http.GetAsync(uri, cancellationToken);
            }
            catch (HttpRequestException e)
            {
                if (attempt <= context.Settings.MaxRetries)
                {
                    await Task.Delay(1, cancellationToken);
                    continue;
                }

                throw new SyncRequestFailedException(Name, cursor, attempt, null, null, e);
            }

            using (response)
            {
                string body;
                try
                {
                    body = await response.Content.ReadAsStringAsync(cancellationToken);
                }
                catch (HttpRequestException e)
                {
                    throw new SyncProtocolException(Name, SyncProtocolViolation.MalformedResponse, cursor, "the body was cut", e);
                }

                var status = (int)response.StatusCode;
                if (status == 200)
                {
                    try
                    {
                        return JsonDocument.Parse(body);
                    }
                    catch (JsonException e)
                    {
                        throw new SyncProtocolException(Name, SyncProtocolViolation.MalformedResponse, cursor, "the page is not JSON", e);
                    }
                }

                var reason = ReadReason(body);
                if (status == 410 && reason != "deleted")
                {
                    throw new ExpiredSignal();
                }

                var transient = status is 429 or 500 or 502 or 504 || (status == 503 && defect != SyncLoopDefect.NoRetryOn503)
                    || (status == 403 && reason is "rateLimitExceeded" or "userRateLimitExceeded");
                if (transient && attempt <= context.Settings.MaxRetries)
                {
                    var retryAfter = response.Headers.RetryAfter?.Delta ?? TimeSpan.FromMilliseconds(1);
                    await Task.Delay(retryAfter, cancellationToken);
                    continue;
                }

                throw new SyncRequestFailedException(Name, cursor, attempt, status, reason, new HttpRequestException($"HTTP {status} {reason}"));
            }
        }
    }

    private static string? ReadReason(string body)
    {
        try
        {
            using var document = JsonDocument.Parse(body);
            return document.RootElement.GetProperty("error").GetProperty("errors")[0].GetProperty("reason").GetString();
        }
        catch (Exception e) when (e is JsonException or KeyNotFoundException or InvalidOperationException or IndexOutOfRangeException)
        {
            return null;
        }
    }

    private sealed class ExpiredSignal : Exception
    {
        public ExpiredSignal()
            : base("sync token expired")
        {
        }
    }
}
