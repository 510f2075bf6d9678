using System;
using System.Collections.Generic;
using System.Linq;
using System.Text;
using System.Text.Json;

namespace SyncGen;

/// <summary>
/// Where a value sits in a JSON object: a list of property names, outermost first, any of which may walk each element
/// of an array (<c>history[].messagesAdded[]</c>). Built from segments rather than a dotted string because some names
/// hold dots themselves (<c>@odata.nextLink</c>, Dropbox's <c>.tag</c>).
/// </summary>
/// <remarks>
/// Written as text (<see cref="Parse"/>, <see cref="ToString"/>): names joined by dots, a name that holds a dot in
/// brackets (<c>error.[.tag]</c>), and <c>[]</c> after a name that holds an array whose every element the path walks.
/// </remarks>
public sealed class SyncJsonPath : IEquatable<SyncJsonPath>
{
    private readonly string[] _segments;
    private readonly bool[] _walksArray;

    private SyncJsonPath(string[] segments, bool[]? walksArray = null)
    {
        if (segments.Length == 0 || segments.Any(string.IsNullOrEmpty))
        {
            throw new ArgumentException("A JSON path needs at least one property name, and no empty one.", nameof(segments));
        }

        _segments = segments;
        _walksArray = walksArray ?? new bool[segments.Length];
    }

    /// <summary>The property names, outermost first.</summary>
    public IReadOnlyList<string> Segments => _segments;

    /// <summary>Whether the path walks an array anywhere, so that it may select several values.</summary>
    public bool HasArraySteps => Array.IndexOf(_walksArray, true) >= 0;

    /// <summary>One property of the object itself, whatever characters its name holds (e.g. <c>@odata.deltaLink</c>).</summary>
    public static SyncJsonPath Property(string name) => new(new[] { name ?? throw new ArgumentNullException(nameof(name)) });

    /// <summary>Nested properties, outermost first: <c>Nested("metadata", "deleted")</c>.</summary>
    public static SyncJsonPath Nested(params string[] names) => new((string[])(names ?? throw new ArgumentNullException(nameof(names))).Clone());

    /// <summary>
    /// A path as text: <c>metadata.deleted</c>; <c>error.[.tag]</c> for a name that holds a dot; <c>history[].messagesAdded[]</c>
    /// to walk each element of the arrays <c>history</c> and <c>messagesAdded</c>.
    /// </summary>
    /// <exception cref="ArgumentException">The text is empty, has an empty name, or an unclosed bracket; the message names the text.</exception>
    public static SyncJsonPath Parse(string dotted)
    {
        if (dotted is null)
        {
            throw new ArgumentNullException(nameof(dotted));
        }

        var segments = new List<string>();
        var walks = new List<bool>();
        var i = 0;
        while (true)
        {
            string name;
            if (i < dotted.Length && dotted[i] == '[' && !(i + 1 < dotted.Length && dotted[i + 1] == ']'))
            {
                var close = dotted.IndexOf(']', i + 1);
                if (close < 0)
                {
                    throw new ArgumentException($"The JSON path '{dotted}' opens a bracket at {i} and never closes it.", nameof(dotted));
                }

                name = dotted.Substring(i + 1, close - i - 1);
                i = close + 1;
            }
            else
            {
                var end = i;
                while (end < dotted.Length && dotted[end] != '.' && dotted[end] != '[')
                {
                    end++;
                }

                name = dotted.Substring(i, end - i);
                i = end;
            }

            if (name.Length == 0)
            {
                throw new ArgumentException($"The JSON path '{dotted}' has an empty property name at {i}.", nameof(dotted));
            }

            var walk = false;
            if (i + 1 < dotted.Length && dotted[i] == '[' && dotted[i + 1] == ']')
            {
                walk = true;
                i += 2;
            }

            segments.Add(name);
            walks.Add(walk);
            if (i == dotted.Length)
            {
                return new SyncJsonPath(segments.ToArray(), walks.ToArray());
            }

            if (dotted[i] != '.')
            {
                throw new ArgumentException($"The JSON path '{dotted}' has '{dotted[i]}' at {i} where a '.' or the end belongs.", nameof(dotted));
            }

            i++;
        }
    }

    /// <summary>Whether the segment at <paramref name="index"/> holds an array whose every element the path walks.</summary>
    /// <param name="index">The segment's index in <see cref="Segments"/>.</param>
    public bool WalksArray(int index) => _walksArray[index];

    /// <summary>This path with each element of its last segment's array walked: <c>messagesAdded</c> becomes <c>messagesAdded[]</c>.</summary>
    public SyncJsonPath Each()
    {
        var walks = (bool[])_walksArray.Clone();
        walks[walks.Length - 1] = true;
        return new SyncJsonPath(_segments, walks);
    }

    /// <summary>
    /// Every value the path selects, in document order. A missing or null member selects nothing; a member the path
    /// walks that holds neither an array nor null is a <see cref="JsonException"/> naming the path and the member.
    /// </summary>
    /// <param name="element">Where the path starts.</param>
    public IReadOnlyList<JsonElement> Select(JsonElement element)
    {
        var found = new List<JsonElement>();
        Walk(element, 0, found);
        return found;
    }

    /// <summary>
    /// Finds the one value; <see langword="false"/> when a property on the way is missing or not an object. A path that
    /// walks arrays and selects more than one value is a <see cref="JsonException"/> naming the path.
    /// </summary>
    public bool TryGet(JsonElement element, out JsonElement value)
    {
        if (!HasArraySteps)
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

        var values = Select(element);
        if (values.Count > 1)
        {
            throw new JsonException($"'{this}' selects {values.Count} values where one is expected");
        }

        value = values.Count == 1 ? values[0] : default;
        return values.Count == 1;
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
    public bool Equals(SyncJsonPath? other) =>
        other is not null && _segments.SequenceEqual(other._segments, StringComparer.Ordinal) && _walksArray.SequenceEqual(other._walksArray);

    /// <inheritdoc />
    public override bool Equals(object? obj) => Equals(obj as SyncJsonPath);

    /// <inheritdoc />
    public override int GetHashCode() =>
        _segments.Select((s, i) => (s, i)).Aggregate(17, (hash, p) => unchecked(hash * 31 + StringComparer.Ordinal.GetHashCode(p.s) + (_walksArray[p.i] ? 1 : 0)));

    /// <summary>The path as text (see <see cref="Parse"/>): names joined by dots, a name holding a dot in brackets, <c>[]</c> after a walked array.</summary>
    public override string ToString()
    {
        var text = new StringBuilder();
        for (var i = 0; i < _segments.Length; i++)
        {
            if (i > 0)
            {
                text.Append('.');
            }

            var s = _segments[i];
            text.Append(s.Contains('.') || s.Contains('[') ? $"[{s}]" : s);
            if (_walksArray[i])
            {
                text.Append("[]");
            }
        }

        return text.ToString();
    }

    private void Walk(JsonElement value, int index, List<JsonElement> found)
    {
        if (index == _segments.Length)
        {
            found.Add(value);
            return;
        }

        if (value.ValueKind != JsonValueKind.Object || !value.TryGetProperty(_segments[index], out var member) || member.ValueKind == JsonValueKind.Null)
        {
            return;
        }

        if (!_walksArray[index])
        {
            Walk(member, index + 1, found);
            return;
        }

        if (member.ValueKind != JsonValueKind.Array)
        {
            throw new JsonException($"'{this}' walks the array '{_segments[index]}', which is a JSON {member.ValueKind}");
        }

        foreach (var element in member.EnumerateArray())
        {
            Walk(element, index + 1, found);
        }
    }
}
