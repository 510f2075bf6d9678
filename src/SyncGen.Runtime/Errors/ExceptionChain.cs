using System;

namespace SyncGen;

/// <summary>Looks through an exception and its inner exceptions: HttpClient wraps what a content stream threw.</summary>
internal static class ExceptionChain
{
    public static T? Find<T>(Exception exception)
        where T : Exception
    {
        for (Exception? current = exception; current is not null; current = current.InnerException)
        {
            if (current is T found)
            {
                return found;
            }
        }

        return null;
    }
}
