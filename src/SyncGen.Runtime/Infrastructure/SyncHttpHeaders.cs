using System;
using System.ComponentModel;
using System.Net.Http;

namespace SyncGen.Infrastructure;

/// <summary>Header reading shared with the integration packages, so every package reads them alike.</summary>
[EditorBrowsable(EditorBrowsableState.Never)]
public static class SyncHttpHeaders
{
    /// <summary>The response's <c>Retry-After</c> as a delay (either form: seconds or an HTTP date), or <see langword="null"/>.</summary>
    public static TimeSpan? ReadRetryAfter(HttpResponseMessage response) =>
        RetryAfterHeader.Read(response ?? throw new ArgumentNullException(nameof(response)));
}
