using System;
using System.Collections.Generic;
using System.ComponentModel;
using System.Globalization;
using System.Text;

namespace SyncGen.Infrastructure;

/// <summary>
/// Input checks shared by every store's pass writer, including those of the store packages, so that all stores refuse
/// the same pages with the same errors.
/// </summary>
[EditorBrowsable(EditorBrowsableState.Never)]
public static class SyncChangeValidation
{
    /// <summary>
    /// Throws <see cref="ArgumentException"/> naming <paramref name="parameterName"/> for a change without key (a
    /// <c>default</c> <see cref="SyncChange{TItem}"/>, which bypasses the factory methods), an upsert without item, or a
    /// key that is not valid UTF-16. Call it on the whole page before staging any of it, so that a bad page stages nothing.
    /// </summary>
    /// <remarks>
    /// A key holding a lone surrogate has no UTF-8 form: a store that encodes keys as UTF-8 (SQLite, PostgreSQL, a JSON
    /// file) would store U+FFFD in its place and merge distinct keys into one row, while a store in memory would keep them
    /// apart. Keys come from JSON, which cannot carry a lone surrogate in valid UTF-8, so every store refuses them.
    /// </remarks>
    /// <typeparam name="TItem">The item type.</typeparam>
    /// <param name="changes">The page's changes.</param>
    /// <param name="parameterName">The parameter the changes came in.</param>
    public static void Validate<TItem>(IReadOnlyList<SyncChange<TItem>> changes, string parameterName)
    {
        for (var i = 0; i < changes.Count; i++)
        {
            var change = changes[i];
            if (change.Key is null)
            {
                throw new ArgumentException($"Change #{i} of the page has no key: it is a default SyncChange, not one made by SyncChange.Upsert or SyncChange.Delete.", parameterName);
            }

            if (!change.IsDelete && change.Item is null)
            {
                throw new ArgumentException($"Change #{i} of the page (key '{Escape(change.Key)}') is an upsert without an item.", parameterName);
            }

            var lone = IndexOfLoneSurrogate(change.Key);
            if (lone >= 0)
            {
                throw new ArgumentException(
                    $"Change #{i} of the page (key '{Escape(change.Key)}') has a key that is not valid UTF-16: it holds a lone surrogate U+{(int)change.Key[lone]:X4} at index {lone}, which no store can keep apart from other keys.",
                    parameterName);
            }
        }
    }

    /// <summary>
    /// Throws <see cref="ArgumentException"/> when an upsert's item serialized to JSON <c>null</c> (a converter that
    /// writes null, a <c>JsonElement</c> of kind Null): the stores hold only items, and a stored null would make every
    /// later read of the store fail. Call it for each upsert as it is serialized, before any of the page is staged.
    /// </summary>
    /// <param name="utf8Json">The item as serialized, in UTF-8.</param>
    /// <param name="index">The change's index in the page.</param>
    /// <param name="key">The change's key.</param>
    /// <param name="parameterName">The parameter the changes came in.</param>
    public static void ValidateSerializedItem(ReadOnlySpan<byte> utf8Json, int index, string key, string parameterName)
    {
        if (utf8Json.Trim(" \t\r\n"u8).SequenceEqual("null"u8))
        {
            throw NullItem(index, key, parameterName);
        }
    }

    /// <summary>As <see cref="ValidateSerializedItem(ReadOnlySpan{byte}, int, string, string)"/>, for an item serialized to a string.</summary>
    /// <param name="json">The item as serialized.</param>
    /// <param name="index">The change's index in the page.</param>
    /// <param name="key">The change's key.</param>
    /// <param name="parameterName">The parameter the changes came in.</param>
    public static void ValidateSerializedItem(ReadOnlySpan<char> json, int index, string key, string parameterName)
    {
        if (json.Trim(" \t\r\n").SequenceEqual("null"))
        {
            throw NullItem(index, key, parameterName);
        }
    }

    private static ArgumentException NullItem(int index, string key, string parameterName) =>
        new($"Change #{index} of the page (key '{key}') is an upsert whose item serializes to JSON null; a store holds items only (delete the key instead).", parameterName);

    // Runs for every change of every page: a vectorized search skips the keys without surrogates (nearly all of them) and
    // only the rest are walked char by char. No allocation either way.
    private static int IndexOfLoneSurrogate(string key)
    {
        var span = key.AsSpan();
        var i = span.IndexOfAnyInRange('\uD800', '\uDFFF');
        if (i < 0)
        {
            return -1;
        }

        for (; i < span.Length; i++)
        {
            var c = span[i];
            if (!char.IsSurrogate(c))
            {
                continue;
            }

            if (char.IsHighSurrogate(c) && i + 1 < span.Length && char.IsLowSurrogate(span[i + 1]))
            {
                i++;
                continue;
            }

            return i;
        }

        return -1;
    }

    // The message names the key with its surrogates escaped: the raw key is not valid UTF-16, and a log written as UTF-8
    // would show U+FFFD instead of what was wrong.
    private static string Escape(string key)
    {
        var text = new StringBuilder(key.Length + 8);
        foreach (var c in key)
        {
            if (char.IsSurrogate(c))
            {
                text.Append("\\u").Append(((int)c).ToString("X4", CultureInfo.InvariantCulture));
            }
            else
            {
                text.Append(c);
            }
        }

        return text.ToString();
    }
}
