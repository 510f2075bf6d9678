using System;
using System.ComponentModel;

namespace SyncGen.Infrastructure;

/// <summary>What an HTTP client library's exception says about a failed request.</summary>
/// <param name="StatusCode">The HTTP status, when there was a response.</param>
/// <param name="Reason">The API's error reason, when it gave one.</param>
/// <param name="RetryAfter">The server's <c>Retry-After</c>, when the library kept it.</param>
/// <param name="IsMalformed">The response arrived but could not be read.</param>
[EditorBrowsable(EditorBrowsableState.Never)]
public readonly record struct SyncHttpErrorFacts(int? StatusCode, string? Reason, TimeSpan? RetryAfter, bool IsMalformed);

/// <summary>
/// Reads the exceptions of one HTTP client library for the built-in error classifier. An integration package (for
/// example SyncGen.Google for Google.Apis) implements it; the core finds it by the package's assembly name, so the core
/// never depends on the client library.
/// </summary>
[EditorBrowsable(EditorBrowsableState.Never)]
public interface ISyncHttpErrorReader
{
    /// <summary>Returns the facts of <paramref name="exception"/>, or <see langword="null"/> when it is not this library's.</summary>
    SyncHttpErrorFacts? Read(Exception exception);
}
