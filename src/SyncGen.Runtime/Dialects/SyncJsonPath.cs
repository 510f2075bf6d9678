using System;
using System.Collections.Generic;
using System.Linq;
using System.Text.Json;

namespace SyncGen;

/// <summary>
/// Where a value sits in a JSON object: a list of property names, outermost first. Built from segments rather than
/// a dotted string because some names hold dots themselves (<c>@odata.nextLink</c>).
/// </summary>
public sealed class SyncJsonPath : IEquatable<SyncJsonPath>
{
    private readonly string[] _segments;

    private SyncJsonPath(string[] segments)
    {
        if (segments.Length == 0 || segments.Any(string.IsNullOrEmpty))
        {
            throw new ArgumentException("A JSON path needs at least one property name, and no empty one.", nameof(segments));
        }

        _segments = segments;
    }

    /// <summary>The property names, outermost first.</summary>
    public IReadOnlyList<string> Segments => _segments;

    /// <summary>One property of the object itself, whatever characters its name holds (e.g. <c>@odata.deltaLink</c>).</summary>
    public static SyncJsonPath Property(string name) => new(new[] { name ?? throw new ArgumentNullException(nameof(name)) });

    /// <summary>Nested properties, outermost first: <c>Nested("metadata", "deleted")</c>.</summary>
    public static SyncJsonPath Nested(params string[] names) => new((string[])(names ?? throw new ArgumentNullException(nameof(names))).Clone());

    /// <summary>A dotted path, <c>metadata.deleted</c>; use <see cref="Property"/> for a name that holds a dot.</summary>
    public static SyncJsonPath Parse(string dotted) => new((dotted ?? throw new ArgumentNullException(nameof(dotted))).Split('.'));

    /// <summary>Finds the value; <see langword="false"/> when a property on the way is missing or not an object.</summary>
    public bool TryGet(JsonElement element, out JsonElement value)
    {
        value = element;
        foreach (var segment in _segments)
        {
            if (value.ValueKind != JsonValueKind.Object || !value.TryGetProperty(segment, out value))
            {
                value = default;
                return false;
            }
        }

        return true;
    }

    /// <summary>
    /// The string at this path, or <see langword="null"/> when it is missing, null or empty. Numbers are read as their
    /// text (some APIs key items by number); any other kind is a <see cref="JsonException"/> naming the path.
    /// </summary>
    public string? ReadString(JsonElement element)
    {
        if (!TryGet(element, out var value))
        {
            return null;
        }

        return value.ValueKind switch
        {
            JsonValueKind.String => value.GetString() is { Length: > 0 } text ? text : null,
            JsonValueKind.Number => value.GetRawText(),
            JsonValueKind.Null => null,
            _ => throw new JsonException($"'{this}' is a JSON {value.ValueKind}, not a string"),
        };
    }

    /// <inheritdoc />
    public bool Equals(SyncJsonPath? other) => other is not null && _segments.SequenceEqual(other._segments, StringComparer.Ordinal);

    /// <inheritdoc />
    public override bool Equals(object? obj) => Equals(obj as SyncJsonPath);

    /// <inheritdoc />
    public override int GetHashCode() => _segments.Aggregate(17, (hash, s) => unchecked(hash * 31 + StringComparer.Ordinal.GetHashCode(s)));

    /// <summary>The path as written in messages: segments joined by dots, a segment holding a dot in brackets.</summary>
    public override string ToString() => string.Join(".", _segments.Select(s => s.Contains('.') ? $"[{s}]" : s));
}
