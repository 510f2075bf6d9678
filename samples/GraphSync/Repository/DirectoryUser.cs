using System.Collections.Generic;
using System.Linq;
using System.Text.Json.Serialization;
using Microsoft.Graph.Models;

namespace GraphSync.Repository;

/// <summary>
/// One directory user as the mirror keeps it. The SDK's <see cref="User"/> carries a backing store and hundreds of
/// members; the mirror keeps what <c>show</c> prints.
/// </summary>
public sealed record DirectoryUser
{
    public string? Id { get; init; }

    public string? DisplayName { get; init; }

    /// <summary>
    /// The entry said <c>@removed</c> (reason <c>deleted</c> or <c>changed</c>): the user left the set the query
    /// selects, so it leaves the mirror. Never stored.
    /// </summary>
    [JsonIgnore]
    public bool IsRemoved { get; init; }

    /// <summary>The mirror's copy of one entry of a delta page.</summary>
    public static DirectoryUser From(User user) => new()
    {
        Id = user.Id,
        DisplayName = user.DisplayName,

        // The SDK has no member for the annotation: it lands in AdditionalData, whatever its reason.
        IsRemoved = user.AdditionalData?.ContainsKey("@removed") == true,
    };
}

/// <summary>One page of a users delta pass: its users, and either the next page's link or the pass's delta link.</summary>
public sealed record UsersDeltaPage(IReadOnlyList<DirectoryUser> Value, string? NextLink, string? DeltaLink);
