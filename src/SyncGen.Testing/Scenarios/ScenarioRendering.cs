using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Text;
using System.Text.Json.Nodes;
using SyncGen.Testing.Dialects;
using SyncGen.Testing.FakeServer;

namespace SyncGen.Testing.Scenarios;

/// <summary>
/// How the simulator writes a scenario's answers in a dialect (what WireMock replays): pages through the same
/// <see cref="DialectRenderer"/> as <see cref="FakeSyncServer"/>, the dialect's expiry and error bodies, and for Graph
/// absolute links on <see cref="Origin"/>, which the WireMock compiler replaces with the server's own origin. Calendar keeps
/// the simulator's own events.list rendering. One per simulation (it counts the expiry answers served).
/// </summary>
internal sealed class ScenarioRendering(FakeDialect dialect, int pageSize)
{
    /// <summary>The origin links are written on before a server's origin is known.</summary>
    public const string Origin = "http://syncgen-origin.invalid";

    private int _expiries;

    public FakeDialect Dialect { get; } = dialect;

    public bool IsCalendar => ReferenceEquals(Dialect, FakeDialects.GoogleCalendar);

    /// <summary>Whether every page of a pass repeats the sync token (Calendar, People) or later pages carry only a page token or link (Drive, Graph).</summary>
    public bool PagesRepeatToken =>
        Dialect.Dialect.RequestStyle == SyncRequestStyle.QueryParameters && Dialect.Dialect.SyncTokenParameter != Dialect.Dialect.PageTokenParameter;

    /// <summary>The answer to an expired token: the dialect's, in its documented shapes in turn.</summary>
    public ScriptedResponse Expired(string? description)
    {
        if (IsCalendar)
        {
            return new ScriptedResponse(410, Encoding.UTF8.GetString(GoogleErrors.FullSyncRequired())) { Reason = "fullSyncRequired", FaultDescription = description, IsExpiry = true };
        }

        var answer = Dialect.ExpiredToken(_expiries++);
        return new ScriptedResponse(answer.StatusCode, answer.Body) { Reason = "expired", FaultDescription = description, IsExpiry = true };
    }

    /// <summary>
    /// An error status with the dialect's body; a 410 <c>fullSyncRequired</c> is the dialect's expiry answer. Domain and
    /// message default to the reason's usual ones, as a <see cref="Fault.Status"/> fault resolves them.
    /// </summary>
    public ScriptedResponse Error(int statusCode, string? reason, int? retryAfterSeconds, string description, string? domain = null, string? message = null)
    {
        var usual = GoogleErrors.DefaultsFor(statusCode, reason);
        var defaults = (Domain: domain ?? usual.Domain, usual.Reason, Message: message ?? usual.Message);
        if (!IsCalendar && defaults.Reason == "fullSyncRequired")
        {
            return Expired(description) with { RetryAfterSeconds = retryAfterSeconds };
        }

        var body = IsCalendar
            ? Encoding.UTF8.GetString(GoogleErrors.ForStatus(statusCode, defaults.Domain, defaults.Reason, defaults.Message))
            : Dialect.ErrorBody(statusCode, defaults.Reason, defaults.Message);
        return new ScriptedResponse(statusCode, body)
        {
            Reason = defaults.Reason,
            RetryAfterSeconds = retryAfterSeconds,
            FaultDescription = description,
            IsExpiry = Dialect.Dialect.IsExpiry(new SyncErrorFacts { StatusCode = statusCode, Reasons = new[] { defaults.Reason }, Message = defaults.Message }),
        };
    }

    /// <summary>Whether a raw answer (no reason to read) is an expiry: the dialect's rule on the status alone.</summary>
    public bool RawIsExpiry(int statusCode) => Dialect.Dialect.IsExpiry(new SyncErrorFacts { StatusCode = statusCode });

    /// <summary>Renders a page: events.list for Calendar, else the dialect's page (or its full listing's).</summary>
    public string Page(ScenarioModel model, ServedPage<ModelVersion> page, bool listing)
    {
        if (IsCalendar)
        {
            return model.Render(page);
        }

        var feedPage = page.Select(v => new FeedVersion(v.Id, v.Cancelled ? null : Dialect.NameFields(v.Summary).ToJsonString(FakeDialects.Json.Options), v.Position));
        var links = Dialect.Dialect.RequestStyle == SyncRequestStyle.FollowLinks;
        var next = page.NextPageToken is { } n ? links ? Link(DialectRequests.SkipTokenParameter, n) : n : null;
        var final = page.NextSyncToken is { } f ? links ? Link(DialectRequests.DeltaTokenParameter, f) : f : null;
        return Encoding.UTF8.GetString(DialectRenderer.Page(Dialect, feedPage, next, final, listing, null));
    }

    /// <summary>The items array's property name, where a malformed-JSON fault cuts.</summary>
    public string ItemsProperty(bool listing) => DialectRenderer.ItemsProperty(Dialect, listing);

    /// <summary>The start-token answer of a full listing (Drive's <c>changes/startPageToken</c>).</summary>
    public ScriptedExchange StartToken(string startToken)
    {
        var answer = new JsonObject();
        DialectRenderer.Set(answer, Dialect.Dialect.FullListing!.StartToken, startToken);
        return new ScriptedExchange(null, null, 0, new ScriptedResponse(200, answer.ToJsonString(FakeDialects.Json.Options))) { Target = DialectRequestKind.StartToken, Incremental = false };
    }

    /// <summary>The page-size parameter and value every feed request of the scenario carries, or null.</summary>
    public KeyValuePair<string, string>? PageSizeParameter =>
        Dialect.PageSizeParameter is { } name ? new KeyValuePair<string, string>(name, pageSize.ToString(CultureInfo.InvariantCulture)) : null;

    /// <summary>A Graph link on <see cref="Origin"/>: the feed, the page size, the token.</summary>
    private string Link(string tokenParameter, string token)
    {
        var query = new List<KeyValuePair<string, string>>();
        if (PageSizeParameter is { } size)
        {
            query.Add(size);
        }

        query.Add(new KeyValuePair<string, string>(tokenParameter, token));
        return DialectRequests.Url(Origin, DialectRequests.FeedPath(Dialect), query);
    }
}
