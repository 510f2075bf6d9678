using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Net.Sockets;
using System.Text;
using System.Text.Encodings.Web;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.AspNetCore.Http;
using Npgsql;
using SyncGen.PostgreSql;

namespace SyncGen.AspNetCore;

/// <summary>Renders the status pages from one read of the store: the fleet's table and one collection's details.</summary>
internal static class StatusPage
{
    // The page runs no script and loads nothing: a policy that says so blocks any injected markup from doing more.
    private const string ContentSecurityPolicy = "default-src 'none'; style-src 'unsafe-inline'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

    private static readonly HtmlEncoder Html = HtmlEncoder.Default;

    public static async Task<IResult> OverviewAsync(PostgreSqlSyncDatabase database, SyncStatusPageOptions options, string basePath, string? sort, CancellationToken cancellationToken)
    {
        SyncFleetStatus fleet;
        try
        {
            fleet = await database.ReadStatusAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (Exception exception) when (Unreadable(exception) is { } reason)
        {
            return Page("SyncGen status", $"<p class=\"error\" id=\"status-error\">{Html.Encode(reason)}</p>", StatusCodes.Status503ServiceUnavailable);
        }

        var order = StatusOrder.Parse(sort);
        var rows = order.Apply(fleet.Collections).Take(options.MaxRows).ToList();
        var states = fleet.Collections.Select(c => StatusFacts.StateOf(c, options.StaleAfter)).ToList();
        var body = new StringBuilder();
        body.Append(CultureInfo.InvariantCulture, $"<p class=\"summary\" id=\"summary\">{fleet.Collections.Count} collections: ");
        body.AppendJoin(", ", Enum.GetValues<CollectionState>().Select(s => $"<span class=\"{StatusFacts.CssClass(s)}\" data-count=\"{StatusFacts.CssClass(s)}\">{states.Count(x => x == s)} {StatusFacts.Name(s)}</span>"));
        body.Append(CultureInfo.InvariantCulture, $". Read {StatusFacts.Time(fleet.ReadAt)}; stale after {StatusFacts.Duration(options.StaleAfter)} without a successful call.</p>");
        AppendHistogram(body, fleet);
        AppendTable(body, fleet, rows, options, basePath, order);
        return Page("SyncGen status", body.ToString(), StatusCodes.Status200OK);
    }

    public static async Task<IResult> CollectionAsync(PostgreSqlSyncDatabase database, SyncStatusPageOptions options, string basePath, string id, CancellationToken cancellationToken)
    {
        SyncCollectionStatus? collection;
        IReadOnlyList<SyncFailure> failures;
        DateTimeOffset readAt;
        try
        {
            var fleet = await database.ReadStatusAsync(cancellationToken).ConfigureAwait(false);
            readAt = fleet.ReadAt;
            collection = fleet.Collections.FirstOrDefault(c => string.Equals(c.Collection, id, StringComparison.Ordinal));
            failures = collection is null ? [] : await database.ReadFailuresAsync(id, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception exception) when (Unreadable(exception) is { } reason)
        {
            return Page("SyncGen status", $"<p class=\"error\" id=\"status-error\">{Html.Encode(reason)}</p>", StatusCodes.Status503ServiceUnavailable);
        }

        var back = $"<p><a id=\"back\" href=\"{Html.Encode(basePath)}\">All collections</a></p>";
        if (collection is null)
        {
            return Page($"{id} - SyncGen status", $"{back}<p class=\"error\" id=\"status-error\">No collection '{Html.Encode(id)}' in this store.</p>", StatusCodes.Status404NotFound);
        }

        var state = StatusFacts.StateOf(collection, options.StaleAfter);
        var body = new StringBuilder(back);
        body.Append(CultureInfo.InvariantCulture, $"<h2 id=\"collection\">{Html.Encode(collection.Collection)} <span class=\"{StatusFacts.CssClass(state)}\" id=\"state\">{StatusFacts.Name(state)}</span></h2>");
        body.Append("<dl class=\"facts\">");
        Fact(body, "freshness", "Up to date", collection.Freshness is { } f ? $"{StatusFacts.Duration(f)} ago ({StatusFacts.Time(collection.LastPassAt ?? collection.LastCommittedAt)})" : "never");
        Fact(body, "committed", "Last commit", $"{StatusFacts.Time(collection.LastCommittedAt)} ({collection.Commits} commits)");
        Fact(body, "last-pass", "Last successful call", StatusFacts.Pass(collection));
        Fact(body, "token-age", "Token age", TokenAgeText(collection, options));
        Fact(body, "failures", "Failures in a row", collection.ConsecutiveFailures.ToString(CultureInfo.InvariantCulture));
        Fact(body, "last-error", "Last error", collection.LastFailureAt is null ? "none" : $"{StatusFacts.Time(collection.LastFailureAt)} {collection.LastFailureClass}: {collection.LastFailureMessage}");
        Fact(body, "lease", "Lease", StatusFacts.Lease(collection));
        Fact(body, "channel", "Push channel expires", StatusFacts.Channel(collection));
        body.Append("</dl>");

        body.Append(CultureInfo.InvariantCulture, $"<h3>Recent failures (newest first, at most {PostgreSqlSyncDatabase.FailuresKept})</h3>");
        if (failures.Count == 0)
        {
            body.Append("<p id=\"no-failures\">None recorded.</p>");
        }
        else
        {
            body.Append("<table id=\"history\"><thead><tr><th>When</th><th>Age</th><th>Class</th><th>Message</th></tr></thead><tbody>");
            foreach (var failure in failures)
            {
                body.Append(CultureInfo.InvariantCulture, $"<tr><td>{StatusFacts.Time(failure.FailedAt)}</td><td>{StatusFacts.Duration(readAt - failure.FailedAt)}</td><td>{Html.Encode(failure.Class)}</td><td class=\"message\">{Html.Encode(failure.Message)}</td></tr>");
            }

            body.Append("</tbody></table>");
        }

        return Page($"{collection.Collection} - SyncGen status", body.ToString(), StatusCodes.Status200OK);
    }

    /// <summary>What to tell the reader when the store cannot be read at all, in one line; null for any other exception.</summary>
    private static string? Unreadable(Exception exception) => exception switch
    {
        SyncStoreSchemaException schema => schema.Message,
        NpgsqlException or SocketException or TimeoutException =>
            $"The fleet's database cannot be read: {StatusFacts.OneLine(exception.Message)}",
        _ => null,
    };

    private static void AppendHistogram(StringBuilder body, SyncFleetStatus fleet)
    {
        var counts = FreshnessBuckets.Count(fleet.Collections);
        var most = Math.Max(1, counts.Max(c => c.Count));
        body.Append("<h2>Freshness</h2><table class=\"histogram\" id=\"histogram\"><tbody>");
        foreach (var (bucket, count) in counts)
        {
            var width = (int)Math.Round(100.0 * count / most);
            body.Append(CultureInfo.InvariantCulture,
                $"<tr data-bucket=\"{bucket.Id}\"><th>{bucket.Label}</th><td class=\"bar\"><div style=\"width:{width}%\"></div></td><td class=\"count\">{count}</td></tr>");
        }

        body.Append("</tbody></table>");
    }

    private static void AppendTable(StringBuilder body, SyncFleetStatus fleet, IReadOnlyList<SyncCollectionStatus> rows, SyncStatusPageOptions options, string basePath, StatusOrder order)
    {
        body.Append("<h2>Collections</h2><table id=\"collections\"><thead><tr>");
        Header(body, basePath, order, StatusOrder.Id, "Collection");
        body.Append("<th>State</th>");
        Header(body, basePath, order, StatusOrder.Staleness, "Up to date");
        body.Append("<th>Last successful call</th>");
        Header(body, basePath, order, StatusOrder.Failures, "Failures");
        body.Append("<th>Last error</th>");
        Header(body, basePath, order, StatusOrder.Token, "Token age");
        body.Append("<th>Lease</th><th>Channel expires</th></tr></thead><tbody>");
        foreach (var c in rows)
        {
            var state = StatusFacts.StateOf(c, options.StaleAfter);
            // Segment by segment: routing never decodes an escaped slash, so an id with '/' keeps its slashes in the path.
            var link = $"{basePath.TrimEnd('/')}/collections/{string.Join('/', c.Collection.Split('/').Select(Uri.EscapeDataString))}";
            body.Append(CultureInfo.InvariantCulture, $"<tr data-collection=\"{Html.Encode(c.Collection)}\" data-state=\"{StatusFacts.CssClass(state)}\">");
            body.Append(CultureInfo.InvariantCulture, $"<td><a href=\"{Html.Encode(link)}\">{Html.Encode(c.Collection)}</a></td>");
            body.Append(CultureInfo.InvariantCulture, $"<td class=\"{StatusFacts.CssClass(state)}\">{StatusFacts.Name(state)}</td>");
            body.Append(CultureInfo.InvariantCulture, $"<td class=\"freshness\">{(c.Freshness is { } f ? StatusFacts.Duration(f) + " ago" : "never")}</td>");
            body.Append(CultureInfo.InvariantCulture, $"<td>{Html.Encode(StatusFacts.Pass(c))}</td>");
            body.Append(CultureInfo.InvariantCulture, $"<td class=\"failures\">{c.ConsecutiveFailures}</td>");
            body.Append(CultureInfo.InvariantCulture, $"<td class=\"message\">{(c.IsFailing ? Html.Encode($"{c.LastFailureClass}: {c.LastFailureMessage}") : "")}</td>");
            AppendTokenAge(body, c, options);
            body.Append(CultureInfo.InvariantCulture, $"<td>{Html.Encode(StatusFacts.Lease(c))}</td>");
            body.Append(CultureInfo.InvariantCulture, $"<td class=\"channel\">{StatusFacts.Channel(c)}</td></tr>");
        }

        body.Append("</tbody></table>");
        if (rows.Count < fleet.Collections.Count)
        {
            body.Append(CultureInfo.InvariantCulture, $"<p id=\"truncated\">The first {rows.Count} of {fleet.Collections.Count} collections in this order.</p>");
        }
    }

    private static void Header(StringBuilder body, string basePath, StatusOrder current, StatusOrder order, string label)
    {
        var sorted = current == order ? " aria-sort=\"descending\" class=\"sorted\"" : "";
        body.Append(CultureInfo.InvariantCulture, $"<th{sorted}><a id=\"sort-{order.Name}\" href=\"{Html.Encode(basePath)}?sort={order.Name}\">{label}</a></th>");
    }

    private static void AppendTokenAge(StringBuilder body, SyncCollectionStatus c, SyncStatusPageOptions options)
    {
        var lifetime = options.TokenLifetime(c.Collection);
        var mark = StatusFacts.TokenMark(c.TokenAge, lifetime);
        var title = lifetime is { } l ? $" title=\"documented token lifetime: {StatusFacts.Duration(l)}\"" : "";
        body.Append(CultureInfo.InvariantCulture, $"<td class=\"token {mark}\" data-token=\"{mark}\"{title}>{Html.Encode(TokenAgeText(c, options))}</td>");
    }

    private static string TokenAgeText(SyncCollectionStatus c, SyncStatusPageOptions options)
    {
        var lifetime = options.TokenLifetime(c.Collection);
        var age = c.TokenAge is { } a ? StatusFacts.Duration(a) : "unknown";
        return lifetime is { } l ? $"{age} of {StatusFacts.Duration(l)}{StatusFacts.TokenMark(c.TokenAge, l) switch { "token-expired" => " (expired: next call runs a full sync)", "token-near" => " (expires soon)", _ => "" }}" : age;
    }

    private static void Fact(StringBuilder body, string id, string label, string value) =>
        body.Append(CultureInfo.InvariantCulture, $"<dt>{label}</dt><dd id=\"fact-{id}\">{Html.Encode(value)}</dd>");

    private static IResult Page(string title, string body, int statusCode) => new HtmlResult(
        $$"""
        <!DOCTYPE html>
        <html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
        <title>{{Html.Encode(title)}}</title>
        <style>
        body{font:14px/1.4 system-ui,sans-serif;margin:1.5em;color:#1d1d1f;background:#fff}
        h1{font-size:1.3em;margin:0 0 .5em}h2{font-size:1.1em;margin:1.2em 0 .4em}h3{font-size:1em}
        table{border-collapse:collapse}th,td{padding:.25em .6em;border-bottom:1px solid #e3e3e3;text-align:left;vertical-align:top}
        th a{color:inherit}th.sorted a::after{content:" \25BC"}
        .healthy{color:#116b2b}.stale{color:#9a5b00;font-weight:600}.failing{color:#b3151b;font-weight:600}.never{color:#666}
        .histogram th{font-weight:normal;white-space:nowrap}.histogram .bar{width:20em}.histogram .bar div{background:#4a78c2;height:.9em;min-width:1px}
        .token-near{background:#fff4d6}.token-expired{background:#fde2e2}.message{max-width:36em;word-break:break-word}
        .error{color:#b3151b;font-weight:600}dl.facts{display:grid;grid-template-columns:max-content auto;gap:.2em 1em}dt{color:#555}dd{margin:0}
        </style></head>
        <body><h1>SyncGen status</h1>
        {{body}}
        </body></html>
        """,
        statusCode);

    /// <summary>An HTML page with the headers of a read-only, self-contained page.</summary>
    private sealed class HtmlResult(string html, int statusCode) : IResult
    {
        public Task ExecuteAsync(HttpContext httpContext)
        {
            var response = httpContext.Response;
            response.StatusCode = statusCode;
            response.ContentType = "text/html; charset=utf-8";
            response.Headers.CacheControl = "no-store";
            response.Headers.ContentSecurityPolicy = ContentSecurityPolicy;
            response.Headers.XContentTypeOptions = "nosniff";
            return response.WriteAsync(html, Encoding.UTF8, httpContext.RequestAborted);
        }
    }
}
