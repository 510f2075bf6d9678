using System.Collections.Generic;
using Google.Apis.Requests;
using Newtonsoft.Json;

namespace CalendarSync.CalendarApi;

/// <summary>One page of <c>calendarList.list</c>. Only the last page of a pass carries <see cref="NextSyncToken"/>.</summary>
public sealed class CalendarList : IDirectResponseSchema
{
    [JsonProperty("items")]
    public IList<CalendarListEntry>? Items { get; set; }

    [JsonProperty("nextPageToken")]
    public string? NextPageToken { get; set; }

    [JsonProperty("nextSyncToken")]
    public string? NextSyncToken { get; set; }

    [JsonProperty("etag")]
    public string? ETag { get; set; }
}

/// <summary>
/// A calendar as the user's list shows it. A calendar removed from the list arrives with <see cref="Deleted"/> true; a
/// hidden one with <see cref="Hidden"/> true (the mirror keeps it: leave it out of a view, not of the mirror).
/// </summary>
public sealed class CalendarListEntry
{
    [JsonProperty("id")]
    public string? Id { get; set; }

    [JsonProperty("summary")]
    public string? Summary { get; set; }

    [JsonProperty("accessRole")]
    public string? AccessRole { get; set; }

    [JsonProperty("hidden")]
    public bool? Hidden { get; set; }

    [JsonProperty("deleted")]
    public bool? Deleted { get; set; }

    [JsonProperty("etag")]
    public string? ETag { get; set; }
}

/// <summary>One page of <c>acl.list</c>.</summary>
public sealed class Acl : IDirectResponseSchema
{
    [JsonProperty("items")]
    public IList<AclRule>? Items { get; set; }

    [JsonProperty("nextPageToken")]
    public string? NextPageToken { get; set; }

    [JsonProperty("nextSyncToken")]
    public string? NextSyncToken { get; set; }

    [JsonProperty("etag")]
    public string? ETag { get; set; }
}

/// <summary>An access rule of a calendar; a removed rule arrives with <see cref="Role"/> <c>none</c>.</summary>
public sealed class AclRule
{
    [JsonProperty("id")]
    public string? Id { get; set; }

    [JsonProperty("role")]
    public string? Role { get; set; }

    [JsonProperty("scope")]
    public AclRuleScope? Scope { get; set; }
}

/// <summary>Who an access rule grants to: <c>default</c>, <c>user</c>, <c>group</c> or <c>domain</c>, and the value.</summary>
public sealed class AclRuleScope
{
    [JsonProperty("type")]
    public string? Type { get; set; }

    [JsonProperty("value")]
    public string? Value { get; set; }
}

/// <summary>One page of <c>settings.list</c>.</summary>
public sealed class Settings : IDirectResponseSchema
{
    [JsonProperty("items")]
    public IList<Setting>? Items { get; set; }

    [JsonProperty("nextPageToken")]
    public string? NextPageToken { get; set; }

    [JsonProperty("nextSyncToken")]
    public string? NextSyncToken { get; set; }

    [JsonProperty("etag")]
    public string? ETag { get; set; }
}

/// <summary>A user setting (<c>timezone</c>, <c>weekStart</c>, ...). Settings are never deleted, only changed.</summary>
public sealed class Setting
{
    [JsonProperty("id")]
    public string? Id { get; set; }

    [JsonProperty("value")]
    public string? Value { get; set; }
}
