using System;
using System.Collections.Generic;
using System.IO;
using System.Text.Json;

namespace SyncGen.Testing.FakeServer;

/// <summary>
/// Google's partial-response mask, the standard <c>fields</c> parameter: <c>a,b</c> selects members, <c>a/b</c> a member
/// of a member, <c>a(b,c)</c> several members of a member (applied to every element when it is an array), and <c>*</c>
/// every member at its level (whole, even beside a narrower selection of one of them). Spaces around names are allowed. The fake server parses it before listing (a malformed mask is a 400, as on Google) and
/// applies it to the rendered page, so clients can measure and test what a mask saves.
/// </summary>
/// <remarks>
/// Google also refuses names that are not in the schema; this fake checks only the syntax, so a misspelt member
/// simply comes back absent. A mask that leaves out <c>nextPageToken</c> or <c>nextSyncToken</c> is served as asked:
/// that is the client's protocol error to catch, not the server's.
/// </remarks>
internal sealed class FieldMask
{
    // Null: the whole value at this level is selected. Otherwise the selected members by name ("*" for any).
    private Dictionary<string, FieldMask>? _members;

    private FieldMask(Dictionary<string, FieldMask>? members) => _members = members;

    private static FieldMask Everything() => new(null);

    /// <summary>Parses a mask; on failure <paramref name="error"/> names the offending part as Google's message does.</summary>
    public static bool TryParse(string text, out FieldMask? mask, out string? error)
    {
        var parser = new Parser(text);
        var root = new FieldMask(new Dictionary<string, FieldMask>(StringComparer.Ordinal));
        if (parser.ParseList(root) && parser.AtEnd)
        {
            mask = root;
            error = null;
            return true;
        }

        mask = null;
        error = $"Invalid field selection {parser.Remaining}";
        return false;
    }

    /// <summary>Re-renders a JSON document keeping only the selected members.</summary>
    public byte[] Apply(byte[] json)
    {
        using var document = JsonDocument.Parse(json);
        using var stream = new MemoryStream(json.Length);
        using (var writer = new Utf8JsonWriter(stream, GoogleErrors.WriterOptions))
        {
            Write(document.RootElement, writer);
        }

        return stream.ToArray();
    }

    private void Write(JsonElement value, Utf8JsonWriter writer)
    {
        if (_members is null)
        {
            value.WriteTo(writer);
            return;
        }

        switch (value.ValueKind)
        {
            case JsonValueKind.Object:
                writer.WriteStartObject();
                foreach (var property in value.EnumerateObject())
                {
                    if (Selection(property.Name) is { } selected)
                    {
                        writer.WritePropertyName(property.Name);
                        selected.Write(property.Value, writer);
                    }
                }

                writer.WriteEndObject();
                break;
            case JsonValueKind.Array:
                // A sub-selection of an array applies to each of its elements: items(id,status).
                writer.WriteStartArray();
                foreach (var element in value.EnumerateArray())
                {
                    Write(element, writer);
                }

                writer.WriteEndArray();
                break;
            default:
                value.WriteTo(writer);
                break;
        }
    }

    /// <summary>What is selected of member <paramref name="name"/>: a bare <c>*</c> takes it whole, else its own selection.</summary>
    private FieldMask? Selection(string name)
    {
        _members!.TryGetValue("*", out var star);
        _members.TryGetValue(name, out var named);
        return star is { _members: null } ? star : named ?? star;
    }

    /// <summary>Adds <paramref name="selection"/> under <paramref name="name"/>; "everything" absorbs any narrower selection.</summary>
    private FieldMask Select(string name, FieldMask selection)
    {
        var members = _members!;
        if (!members.TryGetValue(name, out var existing))
        {
            members[name] = selection;
            return selection;
        }

        if (existing._members is null || selection._members is null)
        {
            existing._members = null;
            return existing;
        }

        foreach (var (childName, child) in selection._members)
        {
            existing.Select(childName, child);
        }

        return existing;
    }

    /// <summary>Recursive descent over: list := path (',' path)*; path := name ('/' name)* ['(' list ')'].</summary>
    private sealed class Parser(string text)
    {
        private int _position;

        public bool AtEnd => _position == text.Length;

        public string Remaining => AtEnd ? text : text[_position..];

        public bool ParseList(FieldMask into)
        {
            do
            {
                if (!ParsePath(into))
                {
                    return false;
                }
            }
            while (Accept(','));

            return true;
        }

        private bool ParsePath(FieldMask into)
        {
            var names = new List<string>();
            do
            {
                if (ReadName() is not { } name)
                {
                    return false;
                }

                names.Add(name);
            }
            while (Accept('/'));

            var leaf = Everything();
            if (Accept('('))
            {
                leaf = new FieldMask(new Dictionary<string, FieldMask>(StringComparer.Ordinal));
                if (!ParseList(leaf) || !Accept(')'))
                {
                    return false;
                }
            }

            // a/b/c(d) is a(b(c(d))): build the chain from the leaf up, then merge it in.
            for (var i = names.Count - 1; i > 0; i--)
            {
                var parent = new FieldMask(new Dictionary<string, FieldMask>(StringComparer.Ordinal));
                parent.Select(names[i], leaf);
                leaf = parent;
            }

            into.Select(names[0], leaf);
            return true;
        }

        /// <summary>A member name, or a bare <c>*</c>.</summary>
        private string? ReadName()
        {
            SkipSpaces();
            if (_position < text.Length && text[_position] == '*')
            {
                _position++;
                return "*";
            }

            var start = _position;
            while (_position < text.Length && (char.IsAsciiLetterOrDigit(text[_position]) || text[_position] == '_'))
            {
                _position++;
            }

            return _position > start ? text[start.._position] : null;
        }

        private void SkipSpaces()
        {
            while (_position < text.Length && text[_position] == ' ')
            {
                _position++;
            }
        }

        private bool Accept(char c)
        {
            SkipSpaces();
            if (_position < text.Length && text[_position] == c)
            {
                _position++;
                return true;
            }

            return false;
        }
    }
}
