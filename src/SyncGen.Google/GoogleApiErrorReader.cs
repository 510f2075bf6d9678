using System;
using System.ComponentModel;
using System.Linq;
using Google;
using SyncGen.Infrastructure;

namespace SyncGen.Google;

/// <summary>
/// Reads Google.Apis' exceptions for SyncGen's built-in error classifier: the status and first error reason of a
/// <see cref="GoogleApiException"/>, the <c>Retry-After</c> kept by <see cref="RetryAfterRequestError"/>, and a body
/// Google.Apis could not parse (Newtonsoft's <see cref="Newtonsoft.Json.JsonException"/>, bare or inside the
/// GoogleApiException) as a malformed response. The core finds this type by name when this package is deployed.
/// </summary>
[EditorBrowsable(EditorBrowsableState.Never)]
public sealed class GoogleApiErrorReader : ISyncHttpErrorReader
{
    /// <inheritdoc />
    public SyncHttpErrorFacts? Read(Exception exception)
    {
        switch (exception)
        {
            case GoogleApiException google:
                var reason = google.Error?.Errors?.Select(e => e.Reason).FirstOrDefault(r => !string.IsNullOrEmpty(r));
                var retryAfter = (google.Error as RetryAfterRequestError)?.RetryAfter;
                // Google.Apis reports a body it could not parse as a GoogleApiException around the JSON error.
                var malformed = IsJsonError(google.InnerException);
                var status = (int)google.HttpStatusCode;
                return new SyncHttpErrorFacts(status == 0 ? null : status, reason, retryAfter, malformed);
            case Newtonsoft.Json.JsonException:
                return new SyncHttpErrorFacts(null, null, null, IsMalformed: true);
            default:
                return null;
        }
    }

    private static bool IsJsonError(Exception? exception) =>
        exception is Newtonsoft.Json.JsonException or System.Text.Json.JsonException;
}
