using System;
using System.Linq;
using System.Net;
using System.Net.Http;
using System.Security.Claims;
using System.Text.Encodings.Web;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using NUnit.Framework;
using SyncGen.PostgreSql;
using SyncGen.Tests.Shared;

namespace SyncGen.AspNetCore.Tests.Status;

/// <summary>The status endpoints in process: who may read them, and what they say when the store cannot be read.</summary>
[TestFixture]
[CancelAfter(60_000)]
public sealed class StatusEndpointTests
{
    private static readonly IPAddress Remote = IPAddress.Parse("192.0.2.10");

    private static async Task<WebApplication> StartAsync(PostgreSqlSyncDatabase database, Action<SyncStatusPageOptions>? configure = null, bool withOperatorPolicy = false)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseTestServer();
        builder.Logging.ClearProviders();
        builder.Services.AddSingleton(database);
        if (withOperatorPolicy)
        {
            builder.Services.AddAuthentication(HeaderAuthentication.Name).AddScheme<AuthenticationSchemeOptions, HeaderAuthentication>(HeaderAuthentication.Name, null);
            builder.Services.AddAuthorizationBuilder().AddPolicy("operators", policy => policy.RequireRole("operator"));
        }

        var app = builder.Build();
        if (withOperatorPolicy)
        {
            app.UseAuthentication();
            app.UseAuthorization();
        }

        app.MapSyncGenStatus("/status", configure);
        await app.StartAsync();
        return app;
    }

    private static Task<HttpContext> GetAsync(WebApplication app, string path, IPAddress from, string? role = null, string query = "") =>
        app.GetTestServer().SendAsync(context =>
        {
            context.Request.Method = HttpMethods.Get;
            context.Request.Path = path;
            context.Request.QueryString = new QueryString(query);
            context.Connection.RemoteIpAddress = from;
            if (role is not null)
            {
                context.Request.Headers["X-Test-Role"] = role;
            }
        });

    private static async Task<string> BodyAsync(HttpContext context)
    {
        using var reader = new System.IO.StreamReader(context.Response.Body);
        return await reader.ReadToEndAsync();
    }

    [Test]
    public async Task Without_a_policy_the_page_is_served_on_loopback_only(CancellationToken cancellationToken)
    {
        await using var database = await StatusFleet.CreateAsync(cancellationToken);
        await using var app = await StartAsync(database);

        var local = await GetAsync(app, "/status", IPAddress.IPv6Loopback);
        var remote = await GetAsync(app, "/status", Remote);
        var remoteDetail = await GetAsync(app, "/status/collections/" + StatusFleet.Failing, Remote);
        using (Assert.EnterMultipleScope())
        {
            Assert.That(local.Response.StatusCode, Is.EqualTo(200));
            Assert.That(local.Response.ContentType, Does.StartWith("text/html"));
            Assert.That(local.Response.Headers.ContentSecurityPolicy.ToString(), Does.Contain("default-src 'none'"), "nothing is loaded from elsewhere");
            Assert.That(remote.Response.StatusCode, Is.EqualTo(403));
            Assert.That(await BodyAsync(remote), Does.Contain("loopback requests only").And.Not.Contain(StatusFleet.Failing));
            Assert.That(remoteDetail.Response.StatusCode, Is.EqualTo(403));
        }
    }

    [Test]
    public async Task With_a_policy_the_host_chooses_who_reads_the_page_from_anywhere(CancellationToken cancellationToken)
    {
        await using var database = await StatusFleet.CreateAsync(cancellationToken);
        await using var app = await StartAsync(database, options => options.AuthorizationPolicy = "operators", withOperatorPolicy: true);

        var anonymous = await GetAsync(app, "/status", IPAddress.Loopback);
        var other = await GetAsync(app, "/status", Remote, role: "guest");
        var operatorFromAfar = await GetAsync(app, "/status", Remote, role: "operator");
        using (Assert.EnterMultipleScope())
        {
            Assert.That(anonymous.Response.StatusCode, Is.EqualTo(401), "a policy applies on loopback too");
            Assert.That(other.Response.StatusCode, Is.EqualTo(403));
            Assert.That(operatorFromAfar.Response.StatusCode, Is.EqualTo(200));
            Assert.That(await BodyAsync(operatorFromAfar), Does.Contain(StatusFleet.Failing));
        }
    }

    [Test]
    public async Task An_unreachable_database_is_one_line_on_the_page_and_a_503(CancellationToken cancellationToken)
    {
        using var closed = new ClosedPort();
        await using var database = PostgreSqlSyncDatabase.Create($"Host=127.0.0.1;Port={closed.Port};Username=postgres;Timeout=5");
        await using var app = await StartAsync(database);

        var overview = await GetAsync(app, "/status", IPAddress.Loopback);
        var detail = await GetAsync(app, "/status/collections/cal-1", IPAddress.Loopback);
        var text = await BodyAsync(overview);
        using (Assert.EnterMultipleScope())
        {
            Assert.That(overview.Response.StatusCode, Is.EqualTo(503));
            Assert.That(detail.Response.StatusCode, Is.EqualTo(503));
            Assert.That(ErrorLine(text), Does.StartWith("The fleet&#x27;s database cannot be read: ").And.Contain(closed.Port.ToString(System.Globalization.CultureInfo.InvariantCulture)));
            Assert.That(ErrorLine(text), Does.Not.Contain("\n"));
            Assert.That(text, Does.Not.Contain("   at "), "no stack trace");
        }
    }

    [Test]
    public async Task A_schema_from_a_newer_version_is_one_line_on_the_page_and_a_503(CancellationToken cancellationToken)
    {
        await using var database = await StatusFleet.CreateAsync(cancellationToken);
        await using (var bump = database.DataSource.CreateCommand($"UPDATE {database.Options.Schema}.schema_version SET version = 99;"))
        {
            await bump.ExecuteNonQueryAsync(cancellationToken);
        }

        // A page of an older SyncGen: a process that has not read the schema yet.
        await using var older = PostgreSqlSyncDatabase.Create(PostgreSqlCluster.ConnectionString, new PostgreSqlSyncStoreOptions { Schema = database.Options.Schema });
        await using var app = await StartAsync(older);
        var page = await GetAsync(app, "/status", IPAddress.Loopback);
        var text = await BodyAsync(page);
        using (Assert.EnterMultipleScope())
        {
            Assert.That(page.Response.StatusCode, Is.EqualTo(503));
            Assert.That(ErrorLine(text), Does.Contain("is at version 99").And.Contain("upgrade SyncGen.PostgreSql"));
        }
    }

    [Test]
    public async Task A_collection_id_with_slashes_links_to_its_own_page(CancellationToken cancellationToken)
    {
        await using var database = await StatusFleet.CreateAsync(cancellationToken);
        await using var app = await StartAsync(database);

        var overview = await BodyAsync(await GetAsync(app, "/status", IPAddress.Loopback));
        var detail = await GetAsync(app, "/status/collections/people/near", IPAddress.Loopback);
        using (Assert.EnterMultipleScope())
        {
            Assert.That(overview, Does.Contain("href=\"/status/collections/people/near\""));
            Assert.That(detail.Response.StatusCode, Is.EqualTo(200));
            Assert.That(await BodyAsync(detail), Does.Contain("<h2 id=\"collection\">people/near "));
        }
    }

    [Test]
    public async Task A_large_fleet_lists_its_first_rows_in_the_chosen_order_and_says_so(CancellationToken cancellationToken)
    {
        await using var database = await StatusFleet.CreateAsync(cancellationToken);
        await using var app = await StartAsync(database, options => options.MaxRows = 2);

        var response = await GetAsync(app, "/status", IPAddress.Loopback, query: "?sort=failures");
        Assert.That(response.Response.StatusCode, Is.EqualTo(200));
        var page = await BodyAsync(response);
        var rows = System.Text.RegularExpressions.Regex.Matches(page, "<tr data-collection=\"([^\"]+)\"");
        using (Assert.EnterMultipleScope())
        {
            Assert.That(rows.Select(m => m.Groups[1].Value).ToArray(), Is.EqualTo(new[] { StatusFleet.Failing, StatusFleet.Healthy }), "most failures first, then by id");
            Assert.That(page, Does.Contain("The first 2 of 6 collections in this order."));
            Assert.That(page, Does.Contain("6 collections: "), "the summary counts them all");
        }
    }

    [Test]
    public async Task An_unknown_collection_is_a_404_that_names_it(CancellationToken cancellationToken)
    {
        await using var database = await StatusFleet.CreateAsync(cancellationToken);
        await using var app = await StartAsync(database);

        var page = await GetAsync(app, "/status/collections/no-such-calendar", IPAddress.Loopback);
        using (Assert.EnterMultipleScope())
        {
            Assert.That(page.Response.StatusCode, Is.EqualTo(404));
            Assert.That(ErrorLine(await BodyAsync(page)), Is.EqualTo("No collection 'no-such-calendar' in this store."));
        }
    }

    /// <summary>The text of the page's one error paragraph.</summary>
    private static string ErrorLine(string html)
    {
        const string open = "<p class=\"error\" id=\"status-error\">";
        var start = html.IndexOf(open, StringComparison.Ordinal);
        Assert.That(start, Is.GreaterThanOrEqualTo(0), "the page has an error line");
        start += open.Length;
        return html[start..html.IndexOf("</p>", start, StringComparison.Ordinal)];
    }

    /// <summary>Signs a request in with the role in its X-Test-Role header: the host's own authentication, as far as the page knows.</summary>
    private sealed class HeaderAuthentication(IOptionsMonitor<AuthenticationSchemeOptions> options, ILoggerFactory logger, UrlEncoder encoder)
        : AuthenticationHandler<AuthenticationSchemeOptions>(options, logger, encoder)
    {
        public const string Name = "TestHeader";

        protected override Task<AuthenticateResult> HandleAuthenticateAsync() =>
            Task.FromResult(Request.Headers["X-Test-Role"].ToString() is { Length: > 0 } role
                ? AuthenticateResult.Success(new AuthenticationTicket(new ClaimsPrincipal(new ClaimsIdentity([new Claim(ClaimTypes.Role, role)], Name)), Name))
                : AuthenticateResult.NoResult());
    }
}
