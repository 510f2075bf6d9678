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
/// <see cref="DialectRenderer"/> as <see cref="FakeSyncServer"/>, the dialect's expiry and error bodies through the same
/// <see cref="DialectAnswers"/>, and for Graph
/// absolute links on <see cref="Origin"/>, which the WireMock compiler replaces with the server's own origin. Calendar keeps
/// the simulator's own events.list rendering. One per simulation (its answers count the expiries served).
/// </summary>
internal sealed class ScenarioRendering(FakeDialect dialect, int pageSize)
{
    /// <summary>The origin links are written on before a server's origin is known.</summary>
    public const string Origin = "http://syncgen-origin.invalid";

    public FakeDialect Dialect { get; } = dialect;

    public bool IsCalendar => ReferenceEquals(Dialect, FakeDialects.GoogleCalendar);

    /// <summary>Whether every page of a pass repeats the sync token (Calendar, People) or later pages carry only a page token or link (Drive, Graph).</summary>
    public bool PagesRepeatToken =>
        Dialect.Dialect.RequestStyle == SyncRequestStyle.QueryParameters && Dialect.Dialect.SyncTokenParameter != Dialect.Dialect.PageTokenParameter;

    /// <summary>The dialect's error answers, counting the expiries served in this simulation.</summary>
    public DialectAnswers Answers { get; } = new(dialect);

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
