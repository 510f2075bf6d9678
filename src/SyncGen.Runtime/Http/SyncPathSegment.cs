using System;

namespace SyncGen;

/// <summary>Puts an id from a server (a calendar id such as <c>en.usa#holiday@group.v.calendar.google.com</c>) into a URL path.</summary>
public static class SyncPathSegment
{
    /// <summary>Why <paramref name="id"/> cannot be one path segment, or <see langword="null"/> when it can.</summary>
    /// <remarks>
    /// Escaping makes <c>#</c>, <c>@</c>, <c>/</c> and <c>?</c> safe, but not everything: <c>.</c> and <c>..</c> are removed by
    /// URL normalisation (the request would go to another collection), an empty id leaves an empty segment, and a lone
    /// surrogate has no UTF-8 form to escape.
    /// </remarks>
    /// <param name="id">The id.</param>
    public static string? Problem(string? id)
    {
        if (string.IsNullOrEmpty(id))
        {
            return "it is empty";
        }

        if (id is "." or "..")
        {
            return $"'{id}' is removed from a URL path by normalisation, so the request would reach another resource";
        }

        for (var i = 0; i < id.Length; i++)
        {
            if (char.IsHighSurrogate(id[i]) && i + 1 < id.Length && char.IsLowSurrogate(id[i + 1]))
            {
                i++;
            }
            else if (char.IsSurrogate(id[i]))
            {
                return $"it holds a lone surrogate (U+{(int)id[i]:X4}) at index {i}, which has no UTF-8 form";
            }
        }

        return null;
    }

    /// <summary>Escapes <paramref name="id"/> as one path segment: <c>#</c> becomes <c>%23</c>, <c>@</c> <c>%40</c>, <c>/</c> <c>%2F</c>.</summary>
    /// <param name="id">The id.</param>
    /// <exception cref="ArgumentException">The id cannot be one path segment (<see cref="Problem"/>).</exception>
    public static string Escape(string id) =>
        Problem(id) is { } problem
            ? throw new ArgumentException($"The id '{id}' cannot be put in a URL path: {problem}.", nameof(id))
            : Uri.EscapeDataString(id);
}
