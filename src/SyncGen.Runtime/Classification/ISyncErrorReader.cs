using System;

namespace SyncGen;

/// <summary>
/// Turns one library's exception into neutral <see cref="SyncErrorFacts"/>. The classifier asks its readers in order
/// about the exception and then each inner exception; the first answer wins. SyncGen ships readers for
/// <see cref="SyncHttpException"/>, <see cref="System.Net.Http.HttpRequestException"/>, transport and JSON errors;
/// SyncGen.Google ships one for Google.Apis' <c>GoogleApiException</c>, which generated code hands the engine. Add one
/// for another client library.
/// </summary>
public interface ISyncErrorReader
{
    /// <summary>Reads <paramref name="exception"/>; <see langword="null"/> when this reader does not know its type.</summary>
    SyncErrorFacts? Read(Exception exception);
}
