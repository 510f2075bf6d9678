using System;
using System.Collections.Generic;

namespace SyncGen;

/// <summary>
/// A Google partial-response mask (the standard <c>fields</c> parameter) read far enough to answer one question: does
/// the answer keep a given member? The syntax (Google's "partial response" guide): selections separated by commas,
/// <c>a/b</c> for a member of a member, <c>a(b,c)</c> for several members of one (applied to each element of an
/// array), and <c>*</c> for every member at its level. Spaces around names and punctuation are allowed.
/// </summary>
internal sealed class GoogleFieldsMask
{
    // Null: the whole value at this level is kept. Otherwise the members kept, by name ("*" for any).
    private Dictionary<string, GoogleFieldsMask>? _members;

    private GoogleFieldsMask(Dictionary<string, GoogleFieldsMask>? members) => _members = members;

    /// <summary>Reads a mask (already unescaped from the query).</summary>
    /// <exception cref="FormatException">The mask is not in the fields syntax; the message names the position and what was expected.</exception>
    public static GoogleFieldsMask Parse(string mask)
    {
        var root = new GoogleFieldsMask(new Dictionary<string, GoogleFieldsMask>(StringComparer.Ordinal));
        var parser = new Parser(mask);
        parser.List(root);
        parser.SkipSpaces();
        if (!parser.AtEnd)
        {
            throw parser.Error("a comma or the end of the mask");
        }

        return root;
    }

    /// <summary>Whether the answer keeps the member at <paramref name="path"/> (names outermost first), whole or in part.</summary>
    public bool Selects(IReadOnlyList<string> path) => Selects(path, 0);

    private bool Selects(IReadOnlyList<string> path, int index)
    {
        if (_members is null || index == path.Count)
        {
            return true;
        }

        return (_members.TryGetValue(path[index], out var member) && member.Selects(path, index + 1))
            || (_members.TryGetValue("*", out var any) && any.Selects(path, index + 1));
    }

    /// <summary>The member <paramref name="name"/>, added as selected-in-part when it is not there yet.</summary>
    private GoogleFieldsMask Member(string name)
    {
        if (!_members!.TryGetValue(name, out var member))
        {
            member = new GoogleFieldsMask(new Dictionary<string, GoogleFieldsMask>(StringComparer.Ordinal));
            _members.Add(name, member);
        }

        return member;
    }

    private void SelectWhole() => _members = null;

    private bool IsWhole => _members is null;

    private sealed class Parser(string text)
    {
        private int _position;

        public bool AtEnd => _position == text.Length;

        /// <summary>selection (',' selection)*, into <paramref name="into"/>.</summary>
        public void List(GoogleFieldsMask into)
        {
            Selection(into);
            SkipSpaces();
            while (!AtEnd && text[_position] == ',')
            {
                _position++;
                Selection(into);
                SkipSpaces();
            }
        }

        /// <summary>name ('/' name)* ['(' list ')'].</summary>
        private void Selection(GoogleFieldsMask into)
        {
            var target = into;
            var whole = into.IsWhole;
            target = Step(target, Name(), ref whole);
            SkipSpaces();
            while (!AtEnd && text[_position] == '/')
            {
                _position++;
                target = Step(target, Name(), ref whole);
                SkipSpaces();
            }

            if (!AtEnd && text[_position] == '(')
            {
                _position++;

                // A member already kept whole stays whole; its sub-selection is still read, so that a syntax error in it
                // is reported wherever it sits.
                List(whole ? new GoogleFieldsMask(new Dictionary<string, GoogleFieldsMask>(StringComparer.Ordinal)) : target);
                SkipSpaces();
                if (AtEnd || text[_position] != ')')
                {
                    throw Error("')'");
                }

                _position++;
            }
            else if (!whole)
            {
                target.SelectWhole();
            }
        }

        private static GoogleFieldsMask Step(GoogleFieldsMask from, string name, ref bool whole)
        {
            if (whole)
            {
                return from;
            }

            var member = from.Member(name);
            whole = member.IsWhole;
            return member;
        }

        private string Name()
        {
            SkipSpaces();
            var start = _position;
            while (!AtEnd && text[_position] is not (',' or '/' or '(' or ')') && !char.IsWhiteSpace(text[_position]))
            {
                _position++;
            }

            if (_position == start)
            {
                throw Error("a member name or '*'");
            }

            return text.Substring(start, _position - start);
        }

        public void SkipSpaces()
        {
            while (!AtEnd && char.IsWhiteSpace(text[_position]))
            {
                _position++;
            }
        }

        public FormatException Error(string expected) =>
            new(AtEnd
                ? $"expected {expected} at the end of the mask"
                : $"expected {expected} at position {_position + 1}, found '{text[_position]}'");
    }
}
