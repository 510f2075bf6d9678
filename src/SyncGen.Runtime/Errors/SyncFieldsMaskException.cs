using System;
using System.Collections.Generic;

namespace SyncGen;

/// <summary>An endpoint's partial-response mask leaves out a member the dialect reads, or is not a mask at all.</summary>
/// <remarks>
/// The mask is Google's <c>fields</c> (see <see cref="SyncDialect.FieldsParameter"/>). It is checked when the page source
/// is built, before any request: a dropped deletion member (Drive's <c>file.trashed</c>) would not fail a sync, it
/// would keep a deleted item in the mirror as a live one.
/// </remarks>
public sealed class SyncFieldsMaskException : ArgumentException
{
    internal SyncFieldsMaskException(string message, string mask, IReadOnlyList<string> missingFields, Exception? innerException = null)
        : base(message, "endpoint", innerException)
    {
        Mask = mask;
        MissingFields = missingFields;
    }

    /// <summary>The mask as the endpoint carries it, unescaped.</summary>
    public string Mask { get; }

    /// <summary>The members the mask leaves out, each in the mask's own syntax, ready to add to it.</summary>
    /// <value>For example <c>changes/file/trashed</c>; empty when the mask could not be read.</value>
    public IReadOnlyList<string> MissingFields { get; }
}
