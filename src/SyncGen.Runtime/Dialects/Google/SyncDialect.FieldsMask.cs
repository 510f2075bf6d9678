using System;
using System.Collections.Generic;
using System.Linq;

namespace SyncGen;

// The check of a Google partial-response mask against what the dialect reads. The mask syntax is Google's, so it lives
// here with GoogleFieldsMask: the page source only hands the dialect the value of its FieldsParameter.
public sealed partial record SyncDialect
{
    /// <summary>
    /// Checks a partial-response mask the endpoint carries in <see cref="FieldsParameter"/> against the members this
    /// dialect reads from every answer the mask is sent with.
    /// </summary>
    /// <param name="mask">The mask, unescaped.</param>
    /// <exception cref="SyncFieldsMaskException">The mask is malformed or leaves out a member the dialect reads.</exception>
    internal void CheckFieldsMask(string mask)
    {
        if (string.IsNullOrWhiteSpace(mask))
        {
            // An empty mask asks for nothing in particular: the server answers with its default members.
            return;
        }

        GoogleFieldsMask parsed;
        try
        {
            parsed = GoogleFieldsMask.Parse(mask);
        }
        catch (FormatException e)
        {
            throw new SyncFieldsMaskException(
                $"The {FieldsParameter} mask '{mask}' on the {Name} endpoint is not a partial-response mask: {e.Message}. Write it as Google's fields syntax, e.g. 'a,b(c,d),e/f'.",
                mask,
                Array.Empty<string>(),
                e);
        }

        var missing = ReadMembers().Where(m => !parsed.Selects(m.Path)).ToList();

        // A member inside another one that is also missing says it all: adding changes/file/trashed adds changes/file.
        missing.RemoveAll(m => missing.Exists(other => other.Path.Count > m.Path.Count && other.Path.Take(m.Path.Count).SequenceEqual(m.Path, StringComparer.Ordinal)));
        if (missing.Count == 0)
        {
            return;
        }

        var fields = missing.Select(m => string.Join("/", m.Path)).Distinct(StringComparer.Ordinal).ToList();
        throw new SyncFieldsMaskException(
            $"The {FieldsParameter} mask '{mask}' on the {Name} endpoint leaves out {string.Join(", ", missing.Select(m => m.Description).Distinct(StringComparer.Ordinal))}, which the dialect reads: "
            + "the server would leave it out of every answer, so a deletion would read as a live item or a pass could not end. "
            + $"Add {string.Join(", ", fields)} to the mask, or leave {FieldsParameter} off the endpoint.",
            mask,
            fields);
    }

    /// <summary>Every member this dialect reads from an answer that carries the endpoint's mask, with how a message names it.</summary>
    private IEnumerable<(IReadOnlyList<string> Path, string Description)> ReadMembers()
    {
        foreach (var path in new[] { Items, NextPageToken, NextSyncToken })
        {
            yield return (path.Segments, $"'{path}'");
        }

        var inEntry = new List<SyncJsonPath> { Key };
        if (EntryKind is not null)
        {
            inEntry.Add(EntryKind.Path);
        }

        inEntry.AddRange(Deletion.Paths);
        if (ItemValue is not null)
        {
            inEntry.Add(ItemValue);
        }

        foreach (var path in inEntry)
        {
            yield return (Items.Segments.Concat(path.Segments).ToList(), $"'{path}' of each '{Items}' entry");
        }

        if (FullListing is { } listing && FieldsParameter is { } parameter)
        {
            if (listing.ListingParameters.Contains(parameter, StringComparer.Ordinal))
            {
                yield return (listing.Items.Segments, $"'{listing.Items}' of the full listing");
                yield return (NextPageToken.Segments, $"'{NextPageToken}'");
                yield return (listing.Items.Segments.Concat(listing.Key.Segments).ToList(), $"'{listing.Key}' of each '{listing.Items}' entry of the full listing");
            }

            if (listing.StartTokenParameters.Contains(parameter, StringComparer.Ordinal))
            {
                yield return (listing.StartToken.Segments, $"'{listing.StartToken}' of the start token answer");
            }
        }
    }
}
