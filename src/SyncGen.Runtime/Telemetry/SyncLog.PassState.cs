using Microsoft.Extensions.Logging;

namespace SyncGen;

// Event ids 230-239: query fingerprints and resumed passes.
internal static partial class SyncLog
{
    [LoggerMessage(230, LogLevel.Information, "{Repository}: the configured query changed since the stored token was made; a full pass replaces the mirror")]
    public static partial void QueryChanged(ILogger logger, string repository);

    [LoggerMessage(231, LogLevel.Information, "{Repository}: {Pass} resumes a dead pass at page {Page}")]
    public static partial void PassResumed(ILogger logger, string repository, SyncPass pass, int page);

    [LoggerMessage(232, LogLevel.Warning, "{Repository}: the server refused the page token of the resumed {Pass} ({Status}); the pass starts again from its first page")]
    public static partial void ResumeRefused(ILogger logger, string repository, SyncPass pass, int? status);
}
