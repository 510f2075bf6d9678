using System;
using Microsoft.Extensions.Logging;

namespace SyncGen;

/// <summary>The engine's log messages, compiled by the LoggerMessage generator so disabled levels cost nothing.</summary>
internal static partial class SyncLog
{
    [LoggerMessage(1, LogLevel.Information, "{Repository}: starting {Kind} sync")]
    public static partial void SyncStarting(ILogger logger, string repository, SyncPassKind kind);

    [LoggerMessage(2, LogLevel.Debug, "{Repository}: applied page {Page} of {Pass} ({Items} items)")]
    public static partial void PageApplied(ILogger logger, string repository, int page, SyncPass pass, int items);

    [LoggerMessage(3, LogLevel.Information, "{Repository}: {Kind} sync done in {Pages} pages, {Upserts} upserts, {Deletes} deletes, {Expiries} expiries recovered, {Retries} retries, {Elapsed}")]
    public static partial void SyncCompleted(ILogger logger, string repository, SyncPassKind kind, int pages, int upserts, int deletes, int expiries, int retries, TimeSpan elapsed);

    [LoggerMessage(4, LogLevel.Warning, "{Repository}: sync token expired during {Pass} (HTTP {Status} {Reason}); discarding it and running a full sync")]
    public static partial void TokenExpired(ILogger logger, string repository, SyncPass pass, int? status, string? reason);

    [LoggerMessage(5, LogLevel.Warning, "{Repository}: retry {Attempt} of {Request} in {Delay} after {Status} {Reason}")]
    public static partial void Retrying(ILogger logger, string repository, int attempt, SyncCursor request, TimeSpan delay, string status, string? reason);

    [LoggerMessage(6, LogLevel.Error, "{Repository}: sync failed; the stored token and items are unchanged")]
    public static partial void SyncFailed(ILogger logger, string repository, Exception exception);

    [LoggerMessage(7, LogLevel.Debug, "{Repository}: the store holds another sync token than this instance's last call ended on; the request sent early with the old one is discarded")]
    public static partial void EarlyRequestDiscarded(ILogger logger, string repository);

    [LoggerMessage(8, LogLevel.Debug, "{Repository}: the pass for the early first request could not be opened; the call reads the store first instead")]
    public static partial void EarlyPassNotOpened(ILogger logger, string repository, Exception exception);

    [LoggerMessage(9, LogLevel.Information, "{Repository}: page {Page} of {Pass}: skipped {Skipped} entries that are not about an item of the collection (e.g. a change to a shared drive itself)")]
    public static partial void EntriesSkipped(ILogger logger, string repository, int page, SyncPass pass, int skipped);
}
